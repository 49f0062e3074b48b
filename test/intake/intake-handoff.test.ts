import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { eventually } from '../support/receiver.ts';
import { startTestIntake } from '../support/intake.ts';
import { createWebhook } from '../support/tenants.ts';
import { openIntakeQueue } from '../../src/intake/intake-queue.ts';
import type { Scheduler } from '../../src/delivery/scheduler/scheduler.ts';
import { stores } from '../../src/store/stores.ts';

/**
 * A job completes only once its event is stored and its deliveries are in line: a worker that
 * dies in between leaves the job to be taken up again, instead of a stored event whose
 * deliveries wait for the reconciler's grace.
 */
describe('the intake hands an event to the scheduler before its job completes', () => {
  let t: TestApp;
  let queue: Queue;
  let intake: ReturnType<typeof startTestIntake>;
  let tenant: Awaited<ReturnType<typeof createTenant>>;

  beforeAll(async () => {
    t = await startTestApp();
    queue = openIntakeQueue(t.redis, t.config);
    tenant = await createTenant(t.db);
    // The real scheduler on the real Redis, each push held back 500 ms (a slow Redis).
    const slow: Scheduler = {
      ...t.scheduler,
      push: async (deliveries, options) => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return t.scheduler.push(deliveries, options);
      },
    };
    intake = startTestIntake(t, stores(t.db), slow);
  });
  afterAll(async () => {
    await intake.close();
    await queue.close();
    await t.close();
  });

  it('when the job is gone (completed), its delivery is already waiting in line', async () => {
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: 'http://127.0.0.1:9/handoff',
      hook: 'sms',
    });
    await queue.add('sms', { account_id: tenant.account.id, payload: {} }, { jobId: 'handoff-1' });
    // Completed jobs are removed at once: the job's state turns "unknown" when it completes.
    await eventually(async () => (await queue.getJobState('handoff-1')) === 'unknown', 10_000, 5);
    const event = (
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/events/handoff-1`)
    ).json().data as { deliveries: { queue_state?: string }[] };
    expect(event.deliveries.map((d) => d.queue_state)).toEqual(['queued']);
  });
});

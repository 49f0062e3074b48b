import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { Queue } from 'bullmq';
import { createTenant } from '../support/app.ts';
import { deliveryStack } from '../support/stack.ts';
import { eventually } from '../support/receiver.ts';
import { createWebhook } from '../support/tenants.ts';
import { enqueueFromAnotherProcess, storedEvents } from '../support/intake.ts';
import { openIntakeQueue } from '../../src/intake/intake-queue.ts';

/** Events a platform enqueues on BullMQ are delivered exactly as published ones (docs/intake.md). */
describe('the BullMQ intake', () => {
  const stack = deliveryStack();
  let queue: Queue;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let hook: { id: string; secret: string };

  beforeAll(async () => {
    queue = openIntakeQueue(stack.t.redis, stack.t.config);
    tenant = await createTenant(stack.t.db);
    hook = await createWebhook(stack.t.app, tenant.key, tenant.account.id, {
      uri: `${stack.receiver.url}/sms`,
      hook: 'sms',
    });
  });
  afterAll(() => queue.close());

  const received = (eventId: string) =>
    stack.receiver.requests.filter((r) => JSON.parse(r.body).event_id === eventId);

  it('delivers, signed, the events another process enqueued with BullMQ', async () => {
    const ids = await enqueueFromAnotherProcess(stack.t.config, [
      {
        name: 'sms',
        data: {
          account_id: tenant.account.id,
          id: 'bull-sms-1',
          payload: { event_id: 'bull-sms-1', from: '+15550001', body: 'hello' },
        },
        opts: { jobId: 'bull-sms-1' },
      },
      {
        // No data.id: the job id is the event id.
        name: 'sms',
        data: { account_id: tenant.account.id, payload: { event_id: 'bull-sms-2' } },
        opts: { jobId: 'bull-sms-2' },
      },
    ]);
    expect(ids).toEqual(['bull-sms-1', 'bull-sms-2']);
    await stack.receiver.waitFor(2, 15_000);
    for (const eventId of ['bull-sms-1', 'bull-sms-2']) {
      const [req] = received(eventId);
      expect(req, eventId).toBeDefined();
      const headers = {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      };
      expect(() => new Webhook(hook.secret).verify(req.body, headers)).not.toThrow();
      expect(() => new Webhook(hook.secret).verify(req.body + ' ', headers)).toThrow();
      expect(req.headers['x-account-id']).toBe(tenant.account.id);
    }
    expect(JSON.parse(received('bull-sms-1')[0].body)).toMatchObject({
      hook_event: 'sms',
      account_id: tenant.account.id,
      from: '+15550001',
      body: 'hello',
    });
    const rows = await storedEvents(stack.t.db, tenant.account.id, ['bull-sms-1', 'bull-sms-2']);
    expect(rows.map((r) => [r.id, r.type])).toEqual([
      ['bull-sms-1', 'sms'],
      ['bull-sms-2', 'sms'],
    ]);
    // Completed jobs are removed: their events are in Postgres.
    expect(await queue.getJob('bull-sms-1')).toBeUndefined();
  });

  it('stores and delivers the same job id once, whether re-added at once or after completing', async () => {
    const job = {
      name: 'sms',
      data: { account_id: tenant.account.id, payload: { event_id: 'bull-dup-1' } },
      opts: { jobId: 'bull-dup-1' },
    };
    // Twice while the first may still be waiting (BullMQ dedupes), then again once it completed
    // and was removed (Postgres dedupes by the event id).
    await enqueueFromAnotherProcess(stack.t.config, [job, job]);
    await eventually(async () => received('bull-dup-1').length === 1);
    await eventually(async () => (await queue.getJob('bull-dup-1')) === undefined);
    await queue.add(job.name, job.data, job.opts);
    await eventually(async () => (await queue.getJob('bull-dup-1')) === undefined);
    // A different job id carrying the same event id is the same event too.
    await queue.add('sms', { ...job.data, id: 'bull-dup-1' }, { jobId: 'another-job-id' });
    await eventually(async () => (await queue.getJob('another-job-id')) === undefined);
    await new Promise((r) => setTimeout(r, 800)); // a second delivery would have arrived by now
    expect(received('bull-dup-1')).toHaveLength(1);
    expect(await storedEvents(stack.t.db, tenant.account.id, ['bull-dup-1'])).toHaveLength(1);
    const { rows } = await stack.t.db.pool.query(
      'SELECT count(*)::int AS n FROM deliveries WHERE event_account_id = $1 AND event_id = $2',
      [tenant.account.id, 'bull-dup-1'],
    );
    expect(rows[0].n).toBe(1);
    expect(await queue.getFailedCount()).toBe(0);
  });
});

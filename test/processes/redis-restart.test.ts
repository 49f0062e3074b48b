import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { startRedisServer, type RedisServer } from '../support/redis-cluster.ts';
import { createWebhook, publish } from '../support/tenants.ts';
import { startTestWorker } from '../support/worker.ts';
import { openIntakeQueue } from '../../src/intake/intake-queue.ts';

/**
 * A Redis restart while the API and a worker run (a Redis of the test's own, so the restart cuts
 * nobody else). What Redis held is the queue's; what Postgres holds was accepted and is never lost.
 */
describe('a Redis restart under load', () => {
  let redis: RedisServer | undefined;
  let t: TestApp | undefined;
  let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
  let queue: Queue | undefined;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());
  afterEach(async () => {
    await queue?.close();
    await worker?.close();
    await t?.close();
    await redis?.stop();
    queue = worker = t = redis = undefined;
  });

  async function start(appendOnly: boolean) {
    redis = await startRedisServer({ appendOnly });
    // Jobs whose completion the restart cut off are taken up again once their lock expires (the
    // intake's stalled-job check): 5 s instead of the 30 s default, so that they come back inside
    // the test's waits; at 30 s they could take up to a minute.
    t = await startTestApp(
      testConfig({ REDIS_URL: redis.url, SWITCHBOARD_INTAKE_LOCK_MS: '5000' }),
    );
    worker = await startTestWorker(t.config);
    const tenant = await createTenant(t.db);
    return { t, tenant };
  }

  const deliveredIds = (path: string) =>
    new Set(
      receiver.requests.filter((r) => r.url === path).map((r) => JSON.parse(r.body).event_id),
    );

  it('with an append-only file, every job enqueued around the restart is stored and delivered', async () => {
    const { t, tenant } = await start(true);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/aof`,
      hook: 'sms',
    });
    queue = openIntakeQueue(t.redis, t.config);
    const TOTAL = 300;
    const stored = async () =>
      (
        await t.db.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM events WHERE account_id = $1',
          [tenant.account.id],
        )
      ).rows[0].n;
    const producing = (async () => {
      for (let added = 0; added < TOTAL; added += 10) {
        const batch = Array.from({ length: 10 }, (_, i) => {
          const id = `aof-${added + i}`;
          const data = { account_id: tenant.account.id, payload: { event_id: id } };
          return { name: 'sms', data, opts: { jobId: id } };
        });
        // A producer retries what Redis did not take; the job ids make a retry harmless.
        await eventually(
          () =>
            queue!.addBulk(batch).then(
              () => true,
              () => false,
            ),
          20_000,
          100,
        );
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await eventually(async () => (await stored()) >= 60, 20_000);
    await redis!.restart();
    await producing;

    await eventually(async () => (await stored()) === TOTAL, 30_000);
    await eventually(async () => deliveredIds('/aof').size === TOTAL, 45_000);
    // Jobs whose completion the restart cut off stay active until their lock lapses (5 s); then
    // they are taken again (their events are stored: a no-op) and complete. Their deliveries can
    // all have arrived before that.
    const counts = () => queue!.getJobCounts('waiting', 'active', 'delayed', 'failed');
    await eventually(async () => {
      const now = await counts();
      // A failed job never clears: say so at once, with the counts.
      if (now.failed > 0) throw new Error(`intake jobs failed: ${JSON.stringify(now)}`);
      return Object.values(now).every((n) => n === 0);
    }, 30_000);
    expect(await counts()).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: 0,
    });
  }, 150_000);

  it('without persistence, every event already accepted is still delivered once Redis is back empty', async () => {
    const { t, tenant } = await start(false);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/empty`,
      hook: 'sms',
      // One at a time: most deliveries are still queued in Redis when it loses them.
      max_in_flight: 1,
    });
    const ids = Array.from({ length: 60 }, (_, i) => `empty-${i}`);
    await publish(
      t.app,
      tenant.key,
      tenant.account.id,
      ids.map((id) => ({ type: 'sms', id, payload: { event_id: id } })),
    );
    await eventually(async () => deliveredIds('/empty').size >= 5, 20_000);
    await redis!.restart();
    expect(deliveredIds('/empty').size).toBeLessThan(ids.length); // it lost queued work

    await eventually(async () => deliveredIds('/empty').size === ids.length, 60_000);
    const statuses = async () =>
      (
        await t.db.pool.query<{ status: string; n: number }>(
          `SELECT d.status, count(*)::int AS n FROM deliveries d JOIN events e
             ON e.account_id = d.account_id AND e.id = d.event_id
            WHERE e.account_id = $1 GROUP BY d.status`,
          [tenant.account.id],
        )
      ).rows;
    // The last arrival's outcome is written a moment after the receiver has it (outcomes are
    // written in groups): wait for it, then every delivery must be delivered.
    await eventually(async () => (await statuses()).every((r) => r.status === 'delivered'), 10_000);
    expect(await statuses()).toEqual([{ status: 'delivered', n: ids.length }]);
  }, 120_000);
});

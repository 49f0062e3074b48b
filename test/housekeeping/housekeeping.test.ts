import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { createWebhook } from '../support/tenants.ts';
import { startTestWorker } from '../support/worker.ts';
import { openHousekeepingQueue, reconcilerCursorKey } from '../../src/housekeeping/housekeeping.ts';
import { cursorInRedis } from '../../src/delivery/reconciler.ts';
import { bullPrefix } from '../../src/intake/intake-queue.ts';
import { fanOutStoredEvents } from '../../src/delivery/fanout.ts';
import { stores } from '../../src/store/stores.ts';
import { deleteKeys } from '../support/redis-keys.ts';

const INTERVAL_MS = 300;

/** The reconciler runs once per interval for the whole cluster, on whichever worker is free. */
describe('housekeeping', () => {
  let t: TestApp;
  let receiver: Receiver;
  let queue: Queue;
  let workers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    t = await startTestApp(testConfig({ SWITCHBOARD_RECONCILE_INTERVAL_MS: String(INTERVAL_MS) }));
    receiver = await startReceiver();
    queue = openHousekeepingQueue(t.redis, t.config);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
    await receiver.close();
    await t.close();
  });

  /** Reconciler passes that finished within [from, to). */
  async function passesBetween(from: number, to: number): Promise<number> {
    const done = await queue.getJobs(['completed'], 0, -1);
    return done.filter((j) => j.name === 'reconcile' && j.finishedOn! >= from && j.finishedOn! < to)
      .length;
  }

  it('two workers on one prefix run one reconciler pass per interval between them', async () => {
    workers = [await startTestWorker(t.config), await startTestWorker(t.config)];
    await eventually(async () => (await queue.getJobScheduler('reconcile')) !== undefined);
    const from = Date.now() + 500; // once both have settled in
    const windowMs = 3_000;
    await new Promise((r) => setTimeout(r, 500 + windowMs + 500));
    const passes = await passesBetween(from, from + windowMs);
    // One per interval (10 here); a pass per worker would make it twice that.
    expect(passes).toBeGreaterThanOrEqual(windowMs / INTERVAL_MS - 3);
    expect(passes).toBeLessThanOrEqual(windowMs / INTERVAL_MS + 1);
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.every]).sort()).toEqual([
      ['reconcile', INTERVAL_MS],
      ['replays', 1000],
      ['retention', 10 * 60 * 1000],
    ]);
  });

  it('passes go on when one of the workers is gone', async () => {
    await workers.shift()!.close();
    const from = Date.now() + 300;
    await new Promise((r) => setTimeout(r, 300 + 2_000 + 500));
    expect(await passesBetween(from, from + 2_000)).toBeGreaterThanOrEqual(2_000 / INTERVAL_MS - 3);
  });

  it('a delivery Redis lost is put back in line and delivered, even with the schedulers gone', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/lost`,
      hook: 'sms',
    });
    // Every key of ours goes, BullMQ's (the schedulers) with the scheduler's lines. The workers
    // put the schedulers back as often as the reconciler runs, maybe while the keys are being
    // deleted: delete again until, at one moment, they were seen gone.
    let gone = false;
    for (let tries = 0; tries < 20 && !gone; tries++) {
      for (const pattern of [
        `${t.config.redisPrefix}:*`,
        `${bullPrefix(t.config.redisPrefix)}:*`,
      ]) {
        await deleteKeys(t.redis, pattern);
      }
      gone = (await queue.getJobScheduler('reconcile')) === undefined;
    }
    expect(gone).toBe(true);
    // An event stored with its delivery that never reached Redis (the push was lost).
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload) VALUES ($1, 'lost-1', 'sms', '{}')`,
      [tenant.account.id],
    );
    await fanOutStoredEvents(stores(t.db), async () => {}, [
      { accountId: tenant.account.id, eventId: 'lost-1' },
    ]);
    await receiver.waitFor(1, 15_000);
    expect(receiver.requests.map((r) => r.url)).toEqual(['/lost']);
    expect(await queue.getJobScheduler('reconcile')).toBeDefined();
  });
});

describe("the reconciler's walk in Redis", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is read back by any process as it was written, and cleared at the end of a walk', async () => {
    const key = reconcilerCursorKey(t.config.redisPrefix);
    const cursor = { nextAttemptAt: new Date('2026-01-02T03:04:05.678Z'), id: 'a'.repeat(32) };
    await cursorInRedis(t.redis, key).write(cursor);
    expect(await cursorInRedis(t.redis, key).read()).toEqual(cursor);
    await cursorInRedis(t.redis, key).write(undefined);
    expect(await t.redis.exists(key)).toBe(0);
    await t.redis.set(key, 'not json');
    expect(await cursorInRedis(t.redis, key).read()).toBeUndefined();
  });
});

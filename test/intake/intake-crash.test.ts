import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { createWebhook } from '../support/tenants.ts';
import { spawnWorkerProcess, startTestWorker } from '../support/worker.ts';
import { openIntakeQueue } from '../../src/intake/intake-queue.ts';

const TOTAL = 400;

/** A consumer killed with kill -9 in the middle of a stream loses nothing (at-least-once). */
describe('the intake when its worker is killed', () => {
  let t: TestApp;
  let receiver: Receiver;
  let queue: Queue;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    // A short lock: the killed worker's jobs are found stalled within seconds, not 30 s.
    t = await startTestApp(testConfig({ SWITCHBOARD_INTAKE_LOCK_MS: '2000' }));
    receiver = await startReceiver();
    queue = openIntakeQueue(t.redis, t.config);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await queue.close();
    await receiver.close();
    await t.close();
  });

  /** Every job completed (none waiting, active, delayed, or failed). */
  async function expectNoJobLeft() {
    const counts = () => queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
    await eventually(async () => Object.values(await counts()).every((n) => n === 0), 30_000);
    expect(await counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  }

  const storedCount = async (accountId: string) =>
    (
      await t.db.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM events WHERE account_id = $1',
        [accountId],
      )
    ).rows[0].n;

  it('every event enqueued is stored and delivered after kill -9 of the consumer', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/crash`,
      hook: 'sms',
    });
    child = spawnWorkerProcess(t.config, { SWITCHBOARD_INTAKE_LOCK_MS: '2000' });
    // The producer keeps adding while the worker consumes: the kill lands mid-stream.
    let added = 0;
    const producing = (async () => {
      while (added < TOTAL) {
        const batch = Array.from({ length: 10 }, (_, i) => {
          const id = `crash-${added + i}`;
          return {
            name: 'sms',
            data: { account_id: tenant.account.id, payload: { event_id: id } },
            opts: { jobId: id },
          };
        });
        await queue.addBulk(batch);
        added += batch.length;
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await eventually(async () => (await storedCount(tenant.account.id)) >= 60, 20_000);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    const atKill = await storedCount(tenant.account.id);
    await producing;
    expect(atKill).toBeLessThan(TOTAL); // it died with work left

    const worker = await startTestWorker({
      ...t.config,
      intake: { ...t.config.intake, lockMs: 2000 },
    });
    try {
      await eventually(async () => (await storedCount(tenant.account.id)) === TOTAL, 30_000);
      // Deliveries the killed worker had taken wait out its claims and leases (5 s and 15 s, no
      // longer renewed), then go again: allow for that on a loaded machine.
      await eventually(async () => {
        const ids = new Set(receiver.requests.map((r) => JSON.parse(r.body).event_id));
        return ids.size === TOTAL;
      }, 60_000);
      // Jobs whose events the killed worker had committed but not yet completed come back when
      // found stalled and complete as duplicates, possibly after their deliveries went out.
      await expectNoJobLeft();
    } finally {
      await worker.close();
    }
    // Two worker starts (one a process of its own) and 400 events: slow on a loaded 2-core machine.
  }, 200_000);

  it('a job whose consumers are killed one after another, each while storing it, is stored once', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/stalls`,
      hook: 'sms',
    });
    // The event's key, inserted and not committed: every store of the event waits on it.
    const blocker = await t.db.pool.connect();
    const storesWaiting = async () =>
      (
        await t.db.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE '%INSERT INTO event_keys%'`,
        )
      ).rows[0].n;
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        'INSERT INTO event_keys (account_id, id, created) VALUES ($1, $2, now())',
        [tenant.account.id, 'stalls-1'],
      );
      await queue.add(
        'sms',
        { account_id: tenant.account.id, payload: { event_id: 'stalls-1' } },
        { jobId: 'stalls-1' },
      );
      // Three consumers in turn take the job, start storing it, and are killed with kill -9:
      // BullMQ finds it stalled each time (a lock of 1 s) and hands it to the next.
      for (let killed = 1; killed <= 3; killed++) {
        child = spawnWorkerProcess(t.config, { SWITCHBOARD_INTAKE_LOCK_MS: '1000' });
        await eventually(async () => (await storesWaiting()) >= killed, 30_000);
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
      await blocker.query('ROLLBACK');
    } finally {
      blocker.release();
    }
    const worker = await startTestWorker({
      ...t.config,
      intake: { ...t.config.intake, lockMs: 1000 },
    });
    try {
      await eventually(
        async () => receiver.requests.some((r) => r.body.includes('stalls-1')),
        30_000,
      );
      expect(await storedCount(tenant.account.id)).toBe(1);
      await expectNoJobLeft();
    } finally {
      await worker.close();
    }
  }, 120_000);
});

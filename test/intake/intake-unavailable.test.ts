import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { eventually } from '../support/receiver.ts';
import { startTestIntake, storedEvents } from '../support/intake.ts';
import { freePort, tcpProxy } from '../support/tcp-proxy.ts';
import { openIntakeQueue } from '../../src/intake/intake-queue.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { stores } from '../../src/store/stores.ts';

/**
 * Postgres unavailable is not the job's fault: the job waits and comes back, never failed,
 * whatever `attempts` the producer set, and completes once the store works.
 */
describe('the intake while Postgres is unreachable', () => {
  let t: TestApp;
  let queue: Queue;
  let accountId: string;
  let proxy: ReturnType<typeof tcpProxy>;
  let intakeDb: Database;
  let intake: ReturnType<typeof startTestIntake>;

  beforeAll(async () => {
    t = await startTestApp();
    queue = openIntakeQueue(t.redis, t.config);
    accountId = (await createTenant(t.db)).account.id;
    // The intake's database is reached through a relay on a port where, for now, nothing listens.
    const real = new URL(t.config.databaseUrl);
    const port = await freePort();
    proxy = tcpProxy(port, { host: real.hostname, port: Number(real.port || 5432) });
    const viaProxy = new URL(real);
    viaProxy.port = String(port);
    intakeDb = openDatabase(viaProxy.toString(), 4);
    intake = startTestIntake(t, stores(intakeDb));
  });
  afterAll(async () => {
    await intake.close();
    await proxy.stop();
    await intakeDb.close();
    await queue.close();
    await t.close();
  });

  /** The job's state and how often it was taken, while it waits. */
  async function waiting(jobId: string, timesTaken: number) {
    return eventually(async () => {
      const job = await queue.getJob(jobId);
      return job && job.attemptsStarted >= timesTaken ? job : undefined;
    }, 15_000);
  }

  it('an event enqueued before Postgres is reachable waits, is retried, then stored', async () => {
    await queue.add(
      'sms',
      { account_id: accountId, payload: { n: 1 } },
      {
        jobId: 'pg-away-1',
        attempts: 1,
      },
    );
    const job = await waiting('pg-away-1', 3); // taken three times: it was put back twice at least
    expect(await queue.getJobState('pg-away-1')).toMatch(/^(delayed|active|waiting)$/);
    expect(job.attemptsMade).toBe(0);
    expect(await queue.getFailedCount()).toBe(0);
    expect(await storedEvents(t.db, accountId, ['pg-away-1'])).toEqual([]);

    await proxy.start();
    await eventually(async () => (await queue.getJob('pg-away-1')) === undefined, 20_000);
    expect(await storedEvents(t.db, accountId, ['pg-away-1'])).toEqual([
      expect.objectContaining({ id: 'pg-away-1', type: 'sms', payload: { n: 1 } }),
    ]);
    expect(await queue.getFailedCount()).toBe(0);
  });

  it('an event enqueued after Postgres went away waits for it to come back', async () => {
    await proxy.stop();
    await queue.add(
      'sms',
      { account_id: accountId, payload: { n: 2 } },
      {
        jobId: 'pg-away-2',
        attempts: 1,
      },
    );
    await waiting('pg-away-2', 2);
    expect(await queue.getFailedCount()).toBe(0);
    await proxy.start();
    await eventually(async () => (await queue.getJob('pg-away-2')) === undefined, 20_000);
    expect(await storedEvents(t.db, accountId, ['pg-away-2'])).toHaveLength(1);
    expect(await queue.getFailedCount()).toBe(0);
  });
});

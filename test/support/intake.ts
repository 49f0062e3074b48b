import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { JobsOptions, Queue } from 'bullmq';
import pino from 'pino';
import type { Config } from '../../src/config.ts';
import { createIngest, INTAKE_INGEST } from '../../src/delivery/ingest.ts';
import { bullPrefix } from '../../src/intake/intake-queue.ts';
import { startIntakeWorker } from '../../src/intake/intake-worker.ts';
import { redisConnection } from '../../src/redis.ts';
import type { Stores } from '../../src/store/stores.ts';
import type { TestApp } from './app.ts';
import { eventually } from './receiver.ts';

/**
 * An intake consumer as the worker runs one (a BullMQ connection of its own, the group commit,
 * the scheduler's push) over the stores a test wants it to see: a database behind a relay, a
 * store that counts its calls; and over the test app's scheduler, or one a test slowed down.
 */
export function startTestIntake(t: TestApp, intakeStores: Stores, scheduler = t.scheduler) {
  const connection = redisConnection(t.config.redisUrl, true);
  const log = pino({ level: 'silent' });
  const ingest = createIngest(intakeStores, scheduler, log, INTAKE_INGEST);
  const intake = startIntakeWorker({
    config: t.config,
    connection,
    stores: intakeStores,
    ingest,
    log,
  });
  return {
    /** As the worker closes: jobs in hand finish, the group commit drains, the connection goes. */
    async close() {
      await intake.close();
      await ingest.drain();
      connection.disconnect();
    },
  };
}

/** Enqueues `jobs` from a separate Node process with BullMQ's own Queue (test/support/enqueue.ts). */
export async function enqueueFromAnotherProcess(
  config: Config,
  jobs: { name: string; data: unknown; opts?: JobsOptions }[],
): Promise<string[]> {
  const spec = {
    redisUrl: config.redisUrl,
    prefix: bullPrefix(config.redisPrefix),
    queue: config.intake.queue,
    jobs,
  };
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'test/support/enqueue.ts', JSON.stringify(spec)],
    { timeout: 20_000 },
  );
  return JSON.parse(stdout) as string[];
}

/** Waits for a job to reach `state`; returns the job as BullMQ then holds it. */
export async function jobInState(queue: Queue, id: string, state: string, timeoutMs = 10_000) {
  return eventually(async () => {
    // The state first, then the job: a job read before it moved lacks what the move wrote.
    if ((await queue.getJobState(id)) !== state) return undefined;
    return queue.getJob(id);
  }, timeoutMs);
}

/** Rows of `events` with this account and id (0 or 1). */
export async function storedEvents(
  db: { pool: { query: (sql: string, values: unknown[]) => Promise<{ rows: unknown[] }> } },
  accountId: string,
  ids: string[],
): Promise<{ id: string; type: string; payload: unknown }[]> {
  const { rows } = await db.pool.query(
    'SELECT id, type, payload FROM events WHERE account_id = $1 AND id = ANY($2) ORDER BY id',
    [accountId, ids],
  );
  return rows as { id: string; type: string; payload: unknown }[];
}

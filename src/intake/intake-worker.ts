import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { Ingest } from '../delivery/ingest.ts';
import { loadingCache } from '../loading-cache.ts';
import type { RedisClient } from '../redis.ts';
import { isDatabaseUnavailable } from '../store/database-errors.ts';
import type { Stores } from '../store/stores.ts';
import { supervisedWorker } from '../supervised-worker.ts';
import { refusalsKey } from './intake-queue.ts';
import { readIntakeJob, Refusal } from './intake-job.ts';

/** While Postgres is away a job waits this long, doubling each time it comes back, up to the cap. */
const UNAVAILABLE_FIRST_WAIT_MS = 500;
const UNAVAILABLE_MAX_WAIT_MS = 30_000;
/** How long an account known to exist is not asked for again. */
const KNOWN_ACCOUNT_TTL_MS = 10_000;
const KNOWN_ACCOUNTS_MAX = 10_000;

type Logger = Pick<FastifyBaseLogger, 'info' | 'warn'>;

export interface IntakeWorkerDeps {
  config: Config;
  /** A worker's Redis connection (no per-command retry limit); BullMQ adds its blocking one. */
  connection: RedisClient;
  /** Stores over a pool that commits synchronously: a job completes only once its event is on disk. */
  stores: Stores;
  /** The group commit of the REST publish: enqueued and published events are stored alike. */
  ingest: Ingest;
  log: Logger;
}

export interface IntakeWorker {
  /** Finishes the jobs in hand (their events stored), then stops taking jobs. */
  close(): Promise<void>;
}

/** The wait before a job whose store met an unavailable Postgres is tried again. */
export function unavailableWaitMs(timesStarted: number): number {
  return Math.min(
    UNAVAILABLE_FIRST_WAIT_MS * 2 ** Math.max(0, timesStarted - 1),
    UNAVAILABLE_MAX_WAIT_MS,
  );
}

/**
 * Accounts that exist, remembered briefly: a stream of events for one account asks Postgres once
 * per TTL, not once per event, and the jobs in hand that miss together share one question
 * (loading-cache.ts). Only existence is remembered, so an unknown account is asked again.
 */
function knownAccounts(stores: Stores) {
  const known = loadingCache({ ttlMs: KNOWN_ACCOUNT_TTL_MS, maxEntries: KNOWN_ACCOUNTS_MAX });
  return async (id: string): Promise<boolean> =>
    (await known.get(id, async () => ((await stores.accounts.find(id)) ? true : null))) === true;
}

/**
 * Consumes the intake queue (docs/intake.md): each job's event is stored by the group commit, and
 * the job completes only after that commit (at-least-once; the event id makes a second store a
 * no-op). A job that can never be accepted fails at once, with its reason, and stays in the failed
 * set; one that meets Postgres away waits and is tried again, however few attempts it was given.
 */
export function startIntakeWorker(deps: IntakeWorkerDeps): IntakeWorker {
  const { config, connection, ingest, log } = deps;
  const accountExists = knownAccounts(deps.stores);
  const limits = {
    maxPayloadBytes: config.maxPayloadBytes,
    maxJsonDepth: config.limits.maxJsonDepth,
  };

  async function refuse(job: Job, refusal: Refusal): Promise<never> {
    await connection.hincrby(refusalsKey(config.redisPrefix), refusal.reason, 1);
    log.warn({ job: job.id, reason: refusal.reason, err: refusal.message }, 'intake job refused');
    // Not retried, whatever `attempts` the producer set: the same job would be refused again.
    throw new UnrecoverableError(refusal.message);
  }

  async function store(job: Job, token?: string) {
    const event = readIntakeJob(job.name, job.data, job.id, limits);
    if (event instanceof Refusal) return refuse(job, event);
    let exists: boolean;
    let inserted: Set<string>;
    try {
      exists = await accountExists(event.accountId);
      inserted = exists ? await ingest.publish([event]) : new Set();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || !token) throw error;
      // Postgres is away: the job is not the problem. It waits (no attempt spent) and comes back.
      const waitMs = unavailableWaitMs(job.attemptsStarted);
      log.warn(
        { job: job.id, waitMs, err: (error as Error).message },
        'database unavailable; intake job waits',
      );
      await job.moveToDelayed(Date.now() + waitMs, token);
      throw new DelayedError();
    }
    if (!exists)
      return refuse(job, new Refusal('unknown_account', `unknown account "${event.accountId}"`));
    return { event_id: event.id, duplicate: !inserted.has(event.id) };
  }

  // Supervised: a consumer that stopped taking jobs is replaced (src/supervised-worker.ts).
  const consumer = supervisedWorker({
    name: config.intake.queue,
    processor: store,
    connection,
    config,
    log,
    options: {
      concurrency: config.intake.concurrency,
      // Renewed while a job runs, so it only has to outlast a frozen event loop; a dead worker's
      // jobs are found stalled (checked every half lock) and taken up again.
      lockDuration: config.intake.lockMs,
      stalledInterval: Math.max(500, Math.floor(config.intake.lockMs / 2)),
      // Workers killed twice while holding a job (a crash loop, a redeploy with kill -9) must not
      // fail it: BullMQ's default fails a job at its second stall.
      maxStalledCount: config.intake.maxStalls,
      // The event is in Postgres: the job has nothing more to tell. Refusals are kept to be read.
      removeOnComplete: { count: 0 },
      removeOnFail: { count: config.intake.failedKeep },
    },
    listen: (worker) =>
      worker.on('error', (err) => log.warn({ err: err.message }, 'intake worker: Redis error')),
  });
  log.info(
    { queue: config.intake.queue, concurrency: config.intake.concurrency },
    'intake worker started',
  );
  return {
    async close() {
      await consumer.close();
    },
  };
}

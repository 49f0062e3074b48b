import { Queue, type Job } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import { bullPrefix } from '../intake/intake-queue.ts';
import { runEvery } from '../periodic.ts';
import type { RedisClient } from '../redis.ts';
import { supervisedWorker } from '../supervised-worker.ts';

/**
 * Periodic work done once per cluster, not once per worker: the reconciler, retention and bulk
 * replays are BullMQ
 * job schedulers on this queue, and every worker process consumes it one job at a time. Whichever
 * worker is free takes a pass; a pass whose worker died is picked up by another once BullMQ finds
 * it stalled. Same prefix rule as the intake (intake-queue.ts).
 */
export const HOUSEKEEPING_QUEUE = 'switchboard-housekeeping';

/** The tasks, by job name (= scheduler id). Each returns what it did, kept with the job. */
export interface HousekeepingTasks {
  reconcile(): Promise<object>;
  retention(): Promise<object>;
  /** Bulk replays (POST …/replays): their next pages. */
  replays(): Promise<object>;
}

export interface HousekeepingDeps {
  config: Config;
  connection: RedisClient;
  tasks: HousekeepingTasks;
  /** How often each task runs, ms. */
  every: Record<keyof HousekeepingTasks, number>;
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

/** Passes kept for people to read in the board (they are small). */
const KEEP_PASSES = 100;

/** Where the reconciler's walk is kept between passes (src/delivery/reconciler.ts cursorInRedis). */
export function reconcilerCursorKey(redisPrefix: string): string {
  return `${redisPrefix}:reconciler:cursor`;
}

export function openHousekeepingQueue(connection: RedisClient, config: Config): Queue {
  const queue = new Queue(HOUSEKEEPING_QUEUE, {
    connection,
    prefix: bullPrefix(config.redisPrefix),
  });
  queue.on('error', () => {}); // Redis away: the callers see their own commands fail
  return queue;
}

export function startHousekeeping(deps: HousekeepingDeps): { close(): Promise<void> } {
  const { config, connection, tasks, every, log } = deps;
  const queue = openHousekeepingQueue(connection, config);
  const names = Object.keys(every) as (keyof HousekeepingTasks)[];

  /**
   * Every worker makes sure the schedulers exist, at start and then as often as the reconciler
   * runs: a Redis that lost them (flushed, restarted without persistence) would otherwise run no
   * reconciler, the very thing that repairs such a loss. Upserting is idempotent: workers asking
   * at once agree on one schedule. A scheduler present with the same interval is left alone.
   */
  async function ensureSchedulers(): Promise<void> {
    for (const name of names) {
      const current = await queue.getJobScheduler(name);
      if (current && Number(current.every) === every[name]) continue;
      await queue.upsertJobScheduler(
        name,
        { every: every[name] },
        {
          name,
          opts: {
            removeOnComplete: { count: KEEP_PASSES },
            removeOnFail: { count: KEEP_PASSES },
          },
        },
      );
    }
  }
  const ensuring = runEvery('housekeeping schedulers', every.reconcile, ensureSchedulers, log);
  void ensureSchedulers().catch((err: Error) =>
    log.warn({ err: err.message }, 'housekeeping schedulers not set up yet; will retry'),
  );

  // A consumer whose blocking connection wedged would run no pass ever again, the reconciler
  // included: its supervisor replaces it (src/supervised-worker.ts).
  const consumer = supervisedWorker({
    name: HOUSEKEEPING_QUEUE,
    async processor(job: Job) {
      const task = tasks[job.name as keyof HousekeepingTasks];
      if (!task) throw new Error(`no housekeeping task "${job.name}"`);
      const done = await task();
      return done;
    },
    connection,
    config,
    log,
    options: {
      // One pass at a time per process; passes of different intervals may still overlap across
      // workers, which both tasks tolerate (each is idempotent).
      concurrency: 1,
    },
    listen(worker) {
      worker.on('failed', (job, err) =>
        log.warn(
          { task: job?.name, err: err.message },
          'housekeeping pass failed; the next one retries',
        ),
      );
      worker.on('error', (err) =>
        log.warn({ err: err.message }, 'housekeeping worker: Redis error'),
      );
    },
  });

  return {
    /** Lets a pass in hand finish, then stops taking passes. The schedulers stay for the others. */
    async close() {
      await ensuring.stop();
      await consumer.close();
      await queue.close();
    },
  };
}

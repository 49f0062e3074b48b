import { performance } from 'node:perf_hooks';
import { Queue, Worker, type Job, type Processor, type WorkerOptions } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import { bullPrefix } from './intake/intake-queue.ts';
import type { RedisClient } from './redis.ts';
import { within } from './time-limit.ts';

/**
 * A BullMQ delayed job's score is its due time in ms times 0x1000 plus a counter (BullMQ's own
 * encoding: its scripts read the next due time back as score / 0x1000).
 */
const DELAYED_SCORE_PER_MS = 0x1000;
/** A delayed job this late is due work a live consumer would have promoted and taken. */
const DELAYED_LATE_MS = 1_000;
/** A look at the queue that takes longer than this tells nothing (Redis away): skipped. */
const LOOK_TIMEOUT_MS = 2_000;
/** On shutdown, how long a consumer whose jobs in hand are done may take to close. */
const CLOSE_GRACE_MS = 2_000;

/** Counts of consumers replaced, by queue (a Redis hash: /metrics of any API process reads it). */
export function consumersReplacedKey(redisPrefix: string): string {
  return `${redisPrefix}:queues:consumers-replaced`;
}

export interface SupervisedWorkerOptions {
  /** The queue's name (under Switchboard's BullMQ prefix, intake-queue.ts bullPrefix). */
  name: string;
  processor: Processor;
  /** The process's BullMQ connection: the consumers', the looks' and the replacement count's. */
  connection: RedisClient;
  /** The key prefix, and how long jobs may wait with none taken before a consumer is replaced. */
  config: Pick<Config, 'redisPrefix' | 'queueConsumerStuckMs'>;
  /** The rest of the Worker's options (its concurrency is also the room it has). */
  options: Omit<WorkerOptions, 'connection' | 'prefix'> & { concurrency: number };
  /** Adds the listeners every consumer of this queue carries ('failed', 'error'). */
  listen?: (worker: Worker) => void;
  log: Pick<FastifyBaseLogger, 'warn'>;
}

export interface SupervisedWorker {
  /** Consumers replaced so far by this process. */
  replaced(): number;
  /** Lets the jobs in hand finish, then stops; never waits on a consumer that cannot close. */
  close(): Promise<void>;
}

/**
 * A BullMQ Worker that is replaced when it stops taking jobs. BullMQ's consumer blocks on a
 * connection of its own; on a Redis Cluster that connection can stay wedged after a node
 * restarts (BullMQ issue #4138), and the Worker then takes nothing while it looks alive, so a
 * queue's jobs — the housekeeping's reconciler passes, the intake's events — wait for good.
 * Every `stuckAfterMs / 6` this looks at the queue: when jobs have been waiting (in line, or
 * delayed and overdue) at every look for `stuckAfterMs`, the queue is not holding them back
 * (paused, at a global concurrency cap or rate limit), and this
 * process's consumer has had room for more and taken none in that time, the consumer is
 * replaced by a new one (with a new blocking connection) and the old one is left to close.
 * A consumer that is merely busy, or a queue other processes drain, is never replaced.
 */
export function supervisedWorker(opts: SupervisedWorkerOptions): SupervisedWorker {
  const { name, connection, options, log } = opts;
  const stuckAfterMs = opts.config.queueConsumerStuckMs;
  const prefix = bullPrefix(opts.config.redisPrefix);
  /** A handle on the queue, to see what waits in it. */
  const queue = new Queue(name, { connection, prefix });
  queue.on('error', () => {}); // Redis away: the looks see their own commands fail
  const clock = () => performance.now(); // durations only: immune to the wall clock's jumps
  let inHand = 0;
  let lastTakenAt = clock();
  let waitingSince: number | undefined;
  let replacedCount = 0;
  let drained: (() => void) | undefined;
  /** The closes of the consumers replaced: shutdown waits for them as for the current one. */
  const closings: Promise<unknown>[] = [];

  const processor: Processor = async (job: Job, token?: string, signal?: AbortSignal) => {
    inHand += 1;
    lastTakenAt = clock();
    try {
      return await opts.processor(job, token, signal);
    } finally {
      inHand -= 1;
      if (inHand === 0) drained?.();
    }
  };
  const start = (): Worker => {
    const worker = new Worker(name, processor, { ...options, connection, prefix });
    opts.listen?.(worker);
    return worker;
  };
  let worker = start();

  /** Jobs a live consumer with room would be taking now. */
  async function jobsDue(): Promise<number> {
    const [counts, earliest] = await Promise.all([
      queue.getJobCounts('wait', 'prioritized'),
      connection.zrange(queue.keys.delayed, 0, 0, 'WITHSCORES'),
    ]);
    const dueAt =
      earliest.length === 2 ? Math.floor(Number(earliest[1]) / DELAYED_SCORE_PER_MS) : Infinity;
    const overdue = dueAt < Date.now() - DELAYED_LATE_MS ? 1 : 0;
    return (counts.wait ?? 0) + (counts.prioritized ?? 0) + overdue;
  }

  /** Is the queue holding its jobs back on purpose (paused, at its global cap or rate limit)? */
  async function heldBack(): Promise<boolean> {
    const [paused, maxed, limitedFor] = await Promise.all([
      queue.isPaused(),
      queue.isMaxed(),
      queue.getRateLimitTtl(),
    ]);
    return paused || maxed || limitedFor > 0;
  }

  async function look(): Promise<void> {
    if (inHand >= options.concurrency) {
      waitingSince = undefined; // busy, not stuck
      return;
    }
    const due = await within(LOOK_TIMEOUT_MS, jobsDue(), `${name} queue look`);
    if (due === 0 || (await within(LOOK_TIMEOUT_MS, heldBack(), `${name} queue look`))) {
      waitingSince = undefined;
      return;
    }
    const now = clock();
    waitingSince ??= now;
    if (now - waitingSince < stuckAfterMs || now - lastTakenAt < stuckAfterMs) return;
    log.warn(
      {
        queue: name,
        due,
        waitedMs: Math.round(now - waitingSince),
        idleMs: Math.round(now - lastTakenAt),
      },
      'queue consumer took no job while jobs waited; replaced by a new one',
    );
    const stuck = worker;
    worker = start();
    replacedCount += 1;
    lastTakenAt = now;
    waitingSince = undefined;
    // Its jobs in hand still finish (their locks renewed); its blocking wait may never return.
    closings.push(stuck.close().catch(() => {}));
    await within(
      LOOK_TIMEOUT_MS,
      connection.hincrby(consumersReplacedKey(opts.config.redisPrefix), name, 1),
      `${name} replacement count`,
    );
  }

  let looking: Promise<void> | undefined;
  const timer = setInterval(
    () => {
      looking ??= look()
        .catch((err: Error) =>
          log.warn({ queue: name, err: err.message }, 'queue consumer check failed; will retry'),
        )
        .finally(() => (looking = undefined));
    },
    Math.max(100, Math.floor(stuckAfterMs / 6)),
  );
  timer.unref();

  return {
    replaced: () => replacedCount,
    async close() {
      clearInterval(timer);
      await looking; // bounded: each of its Redis commands is
      closings.push(worker.close().catch(() => {}));
      // Every consumer's jobs in hand finish first (the old ones' too); then a consumer that
      // cannot close (its blocking wait never returns) is not waited for beyond the grace.
      const handsFree =
        inHand === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      await Promise.race([
        Promise.all(closings),
        handsFree.then(() => new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS))),
      ]);
      await queue.close().catch(() => {});
    },
  };
}

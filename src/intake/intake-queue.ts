import { Queue } from 'bullmq';
import type { Config } from '../config.ts';
import type { RedisClient } from '../redis.ts';

/**
 * Where Switchboard's BullMQ queues live (docs/intake.md). BullMQ names its keys
 * `<prefix>:<queue>:…`, and its scripts touch several of them at once; on a Redis Cluster they
 * must share a hash slot, which BullMQ's documented rule gets by wrapping the prefix in braces.
 * `{<SWITCHBOARD_REDIS_PREFIX>}` therefore works on one Redis and on a cluster alike, and every
 * producer must use exactly this prefix with the queue's name.
 */
export function bullPrefix(redisPrefix: string): string {
  return `{${redisPrefix}}`;
}

/**
 * Jobs the intake refused, counted by reason (a Redis hash, so the API process's /metrics sees
 * what every worker refused). Outside BullMQ's own key space: a job id can never collide with it.
 */
export function refusalsKey(redisPrefix: string): string {
  return `${redisPrefix}:intake:refused`;
}

/** The intake queue as a producer or a reader sees it (workers use BullMQ's Worker). */
export function openIntakeQueue(connection: RedisClient, config: Config): Queue {
  const queue = new Queue(config.intake.queue, {
    connection,
    prefix: bullPrefix(config.redisPrefix),
  });
  queue.on('error', () => {}); // Redis away: the callers see their own commands fail
  return queue;
}

/** The intake's counts for /metrics: jobs by state, and refusals by reason since the start. */
export interface IntakeStats {
  jobs: Record<'waiting' | 'active' | 'delayed' | 'failed', number>;
  refused: Record<string, number>;
}

export async function readIntakeStats(
  queue: Queue,
  redis: RedisClient,
  redisPrefix: string,
): Promise<IntakeStats> {
  const [counts, refused] = await Promise.all([
    queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
    redis.hgetall(refusalsKey(redisPrefix)),
  ]);
  return {
    jobs: {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
    },
    refused: Object.fromEntries(Object.entries(refused).map(([k, v]) => [k, Number(v)])),
  };
}

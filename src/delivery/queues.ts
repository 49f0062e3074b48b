import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * Two BullMQ queues. `fanout` turns one stored event into deliveries; `deliveries` holds one job
 * per delivery, whose job id IS the delivery id, so re-enqueueing (reconciler, retries after a
 * Redis loss) can never run the same delivery twice at once.
 */
export const FANOUT_QUEUE = 'fanout';
export const DELIVERY_QUEUE = 'deliveries';

/** Events of one account to fan out; a publish request of many events is one job. */
export interface FanoutJob {
  accountId: string;
  eventIds: string[];
}

export interface DeliveryJob {
  deliveryId: string;
}

export interface Queues {
  fanout: Queue<FanoutJob>;
  deliveries: Queue<DeliveryJob>;
  redis: Redis;
  prefix: string;
  close(): Promise<void>;
}

/** Jobs live in Postgres too; Redis keeps only what is in flight. */
export const JOB_DEFAULTS = { removeOnComplete: true, removeOnFail: true } as const;

export function redisConnection(url: string, forWorker: boolean): Redis {
  // Workers block on Redis and must retry forever. The API keeps ioredis's offline queue (a
  // command issued during a reconnect waits for it instead of failing at once) and bounds every
  // enqueue in time itself (fanout.ts): the events are already in Postgres, and the reconciler
  // enqueues whatever could not be.
  const redis = new Redis(
    url,
    forWorker ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1 },
  );
  redis.on('error', () => {}); // reported by /readyz; ioredis reconnects by itself
  return redis;
}

export function openQueues(redisUrl: string, prefix: string): Queues {
  const redis = redisConnection(redisUrl, false);
  const options = { connection: redis, prefix, defaultJobOptions: JOB_DEFAULTS };
  const fanout = new Queue<FanoutJob>(FANOUT_QUEUE, options);
  const deliveries = new Queue<DeliveryJob>(DELIVERY_QUEUE, options);
  // Connection errors are reported by /readyz and by the failed enqueue itself; without a
  // listener BullMQ would print every reconnect attempt.
  for (const queue of [fanout, deliveries]) queue.on('error', () => {});
  return {
    fanout,
    deliveries,
    redis,
    prefix,
    async close() {
      await Promise.allSettled([fanout.close(), deliveries.close()]);
      redis.disconnect();
    },
  };
}

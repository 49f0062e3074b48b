import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * Two BullMQ queues. `fanout` turns stored events into deliveries; `deliveries` carries them to
 * the worker: first tries in batches (one job for up to 100 deliveries: BullMQ's own cost per
 * job is the largest fixed cost of a delivery), retries and re-enqueues one job per delivery whose
 * job id IS the delivery id. Whatever path brings a delivery to a worker twice, its lease
 * (store/deliveries.ts) lets only one run send it.
 */
export const FANOUT_QUEUE = 'fanout';
export const DELIVERY_QUEUE = 'deliveries';

/** Events of one account to fan out; a publish request of many events is one job. */
export interface FanoutJob {
  accountId: string;
  eventIds: string[];
}

/** One delivery (a retry, a re-enqueue) or a batch of first tries. */
export type DeliveryJob = { deliveryId: string } | { deliveryIds: string[] };

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

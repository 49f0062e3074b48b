import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * Three BullMQ queues. `fanout` turns stored events into deliveries. `delivery-batches` carries
 * first tries, up to 100 deliveries a job (BullMQ's own cost per job was the largest fixed cost
 * of a delivery). `deliveries` carries one delivery a job — retries and the reconciler's
 * re-enqueues — whose job id IS the delivery id. Whatever path brings a delivery to a worker
 * twice, its lease (store/deliveries.ts) lets only one run send it.
 */
export const FANOUT_QUEUE = 'fanout';
export const DELIVERY_BATCH_QUEUE = 'delivery-batches';
export const DELIVERY_QUEUE = 'deliveries';

/** Events of one account to fan out; a publish request of many events is one job. */
export interface FanoutJob {
  accountId: string;
  eventIds: string[];
}

/** First tries of up to 100 deliveries. */
export interface DeliveryBatchJob {
  deliveryIds: string[];
}

/** One delivery: a retry, or a re-enqueue by the reconciler. */
export interface DeliveryJob {
  deliveryId: string;
}

export interface Queues {
  fanout: Queue<FanoutJob>;
  deliveryBatches: Queue<DeliveryBatchJob>;
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
  const deliveryBatches = new Queue<DeliveryBatchJob>(DELIVERY_BATCH_QUEUE, options);
  const deliveries = new Queue<DeliveryJob>(DELIVERY_QUEUE, options);
  const all = [fanout, deliveryBatches, deliveries];
  // Connection errors are reported by /readyz and by the failed enqueue itself; without a
  // listener BullMQ would print every reconnect attempt.
  for (const queue of all) queue.on('error', () => {});
  return {
    fanout,
    deliveryBatches,
    deliveries,
    redis,
    prefix,
    async close() {
      await Promise.allSettled(all.map((queue) => queue.close()));
      redis.disconnect();
    },
  };
}

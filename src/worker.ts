import { DelayedError, Worker } from 'bullmq';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { Database } from './store/db.ts';
import { createHttpClient } from './delivery/http-client.ts';
import { createDeliverer } from './delivery/deliver.ts';
import { createBatcher } from './delivery/batcher.ts';
import { enqueueDelivery, enqueueFanout, fanOutEvents } from './delivery/fanout.ts';
import { createLimiter } from './delivery/limiter.ts';
import {
  DELIVERY_BATCH_QUEUE,
  DELIVERY_QUEUE,
  FANOUT_QUEUE,
  openQueues,
  redisConnection,
  type DeliveryBatchJob,
  type DeliveryJob,
  type FanoutJob,
} from './delivery/queues.ts';
import { startReconciler } from './delivery/reconciler.ts';
import { startRetention } from './delivery/retention.ts';
import { parseAllowList } from './delivery/ssrf.ts';

export interface RunningWorker {
  close(): Promise<void>;
}

type EventKey = { accountId: string; eventId: string };
type Logger = Pick<FastifyBaseLogger, 'info' | 'warn'>;

/**
 * The worker process's work: fan-out jobs, delivery jobs, the reconciler and retention, all over
 * the shared Postgres and Redis, so any number of worker processes can run side by side.
 */
export async function startWorker(
  config: Config,
  db: Database,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<RunningWorker> {
  const settings = config.delivery;
  const queues = openQueues(config.redisUrl, config.redisPrefix);
  const http = createHttpClient({
    allow: parseAllowList(config.allowedTargets),
    timeoutMs: settings.attemptTimeoutMs,
    responseBodyLimit: settings.responseBodyLimit,
    followRedirects: settings.followRedirects,
  });
  const deliverer = createDeliverer(db.pool, http, settings, (event) =>
    enqueueFanout(queues, [event]).catch((err: Error) =>
      logger.warn(
        { err: err.message, event },
        'notification not enqueued; the reconciler will do it',
      ),
    ),
  );
  const connection = redisConnection(config.redisUrl, true);
  // A job's lock must outlive its slowest attempt, or another worker would take it over and send
  // it twice (Svix's duplicate-delivery bug).
  const lockDuration = Math.max(30_000, settings.attemptTimeoutMs * 4);

  // Fan-out jobs that arrive together share one transaction (see batcher.ts).
  const fanouts = createBatcher((keys: EventKey[]) => fanOutEvents(db.pool, queues, keys), {
    maxSize: 100,
    maxWaitMs: 5,
  });
  const fanout = new Worker<FanoutJob>(
    FANOUT_QUEUE,
    async (job) => {
      const { accountId, eventIds } = job.data;
      await Promise.all(eventIds.map((eventId) => fanouts.submit({ accountId, eventId })));
    },
    { connection, prefix: config.redisPrefix, concurrency: 50, lockDuration },
  );
  // Deliveries in flight in this process, whether they came one per job or a hundred per job.
  const limit = createLimiter(settings.concurrency);
  /** A batch's first tries; one that must be retried gets a job of its own, due when it is due. */
  async function deliverBatch(ids: string[]): Promise<void> {
    const outcomes = await Promise.allSettled(
      ids.map(async (id) => {
        const result = await limit(() => deliverer.deliver(id));
        if (result.retryInMs !== undefined) await enqueueDelivery(queues, [id], result.retryInMs);
      }),
    );
    const failed = outcomes.filter((o) => o.status === 'rejected').length;
    // Stored as pending (or not attempted): the reconciler brings them back.
    if (failed > 0)
      logger.warn({ failed, of: ids.length }, 'deliveries of a batch left to the reconciler');
  }
  // A batch holds its slot until its deliveries are done: a few batches keep the limiter fed
  // without one worker taking far more from Redis than it can send soon.
  const batches = new Worker<DeliveryBatchJob>(
    DELIVERY_BATCH_QUEUE,
    (job) => deliverBatch(job.data.deliveryIds),
    {
      connection,
      prefix: config.redisPrefix,
      concurrency: Math.max(2, Math.ceil((2 * settings.concurrency) / 100)),
      lockDuration,
    },
  );
  const deliveries = new Worker<DeliveryJob>(
    DELIVERY_QUEUE,
    async (job, token) => {
      const { deliveryId } = job.data;
      const result = await limit(() => deliverer.deliver(deliveryId));
      if (result.retryInMs !== undefined) {
        // Same job, same id, later: the retry keeps the delivery's webhook-id.
        await job.moveToDelayed(Date.now() + result.retryInMs, token);
        throw new DelayedError();
      }
    },
    { connection, prefix: config.redisPrefix, concurrency: settings.concurrency, lockDuration },
  );
  for (const worker of [fanout, batches, deliveries]) {
    worker.on('failed', (job, err) =>
      logger.warn(
        { job: job?.id, queue: worker.name, err: err.message },
        'job failed; the reconciler will retry it',
      ),
    );
    worker.on('error', (err) =>
      logger.warn({ queue: worker.name, err: err.message }, 'worker error'),
    );
  }
  const reconciler = startReconciler(db.pool, queues, settings, logger);
  const retention = startRetention(db.pool, settings.retentionDays, logger);
  logger.info({ concurrency: settings.concurrency }, 'worker started');

  return {
    /** Graceful: stop taking jobs, let in-flight attempts finish and be written, then disconnect. */
    async close() {
      await Promise.all([reconciler.stop(), retention.stop()]);
      await Promise.all([fanout.close(), batches.close(), deliveries.close()]);
      await Promise.all([fanouts.drain(), deliverer.drain()]);
      await http.close();
      await queues.close();
      connection.disconnect();
      logger.info('worker stopped');
    },
  };
}

import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import type { Database } from './store/db.ts';
import { stores as storesOf } from './store/stores.ts';
import { createHttpClient, deliveryClientOptions } from './delivery/http-client.ts';
import { createDeliverer } from './delivery/deliver.ts';
import { startDispatcher } from './delivery/dispatcher.ts';
import { fanOutStoredEvents, pushOrLeave } from './delivery/fanout.ts';
import { createReconciler, cursorInRedis } from './delivery/reconciler.ts';
import { purgeExpired, RETENTION_INTERVAL_MS } from './delivery/retention.ts';
import { createIngest, INTAKE_INGEST } from './delivery/ingest.ts';
import { createReplayer } from './delivery/bulk-replay.ts';
import { reconcilerCursorKey, startHousekeeping } from './housekeeping/housekeeping.ts';
import { startIntakeWorker } from './intake/intake-worker.ts';
import { openDatabase } from './store/db.ts';
import { createScheduler } from './delivery/scheduler/scheduler.ts';
import { rehearseDeliveries } from './delivery/warm-up.ts';
import { CLUSTER_FOUND, discoverRedisUrl, listenerConnection, redisConnection } from './redis.ts';

export interface RunningWorker {
  close(): Promise<void>;
}

type Logger = Pick<FastifyBaseLogger, 'info' | 'warn'>;

/**
 * How long a taken delivery's claim on its endpoint slot lasts unless renewed. The dispatcher
 * renews the claims of the deliveries it is attempting every third of it, so a live run keeps
 * its slot whatever its attempt timeout; a worker that dies renews nothing, and within this time
 * the webhooks whose cap it held go on. (It was 10 s, and 40 s before that: a worker killed
 * while holding a busy webhook's whole cap stopped that webhook for that long.) A run stalled
 * past its claim cannot send its delivery twice (the lease decides) nor end another run's claim
 * (claims are held per run), so the claim can be short. Its deliveries themselves stay leased in
 * Postgres until their leases, no longer renewed either, lapse (delivery/deliver.ts RUN_LEASE,
 * 15 s), and go again then.
 */
const CLAIM_TTL_MS = 5_000;

/**
 * The worker process's work: the dispatcher (deliveries, as the scheduler hands them out), the
 * intake (events enqueued on BullMQ), and its share of the housekeeping (reconciler, retention:
 * each pass runs on one worker of the cluster), all over the shared Postgres and Redis, so any
 * number of worker processes can run side by side.
 */
export async function startWorker(
  given: Config,
  db: Database,
  logger: Logger = pino({ level: given.logLevel }),
): Promise<RunningWorker> {
  const config = { ...given, redisUrl: await discoverRedisUrl(given.redisUrl) };
  if (config.redisUrl !== given.redisUrl) logger.info(CLUSTER_FOUND);
  const settings = config.delivery;
  // Before it takes any delivery: a worker that starts into a busy stream otherwise serves its
  // first seconds with cold code and falls behind (src/delivery/warm-up.ts).
  const rehearsal = await rehearseDeliveries(settings, config.workerWarmUpDeliveries, logger);
  if (rehearsal.sent > 0) logger.info(rehearsal, 'delivery code warmed up');
  const stores = storesOf(db);
  const redis = redisConnection(config.redisUrl, true);
  // The wake-up channel's listener is a plain connection to one node, as the API's: a cluster
  // client's subscriber, with every node gone, reconnects in a loop without pause (ioredis
  // 5.11: seen at 115 % of a core and memory growing 5 MB/s until Redis came back). PUBLISH
  // reaches every node of a cluster, so one is enough; unheard, the dispatcher polls each second.
  const subscriber = listenerConnection(config.redisUrl, { maxRetriesPerRequest: null });
  const scheduler = createScheduler(redis, config.redisPrefix, settings);
  const push = pushOrLeave(scheduler, logger);
  const http = createHttpClient(deliveryClientOptions(settings, config.allowList));
  const deliverer = createDeliverer(stores, http, settings, {
    onEventStored: (event) =>
      fanOutStoredEvents(stores, push, [event]).then(
        () => undefined,
        (err: Error) =>
          logger.warn(
            { err: err.message, event },
            'notification not fanned out; the reconciler will',
          ),
      ),
    log: logger,
  });
  const dispatcher = startDispatcher({
    scheduler,
    subscriber,
    slots: settings.concurrency,
    claimMs: CLAIM_TTL_MS,
    log: logger,
    async run(taken, sent) {
      const result = await deliverer.deliver(taken.id, sent);
      // Disabled or deleted (its pending deliveries have ended skipped): its line goes.
      if (result.webhookStopped) await scheduler.forget([taken]);
      return {
        health: result.health,
        retryAt: result.retryInMs === undefined ? undefined : Date.now() + result.retryInMs,
        ended: result.ended,
      };
    },
  });
  // BullMQ's connection (its Worker adds a blocking one of its own for each consumer).
  const bull = redisConnection(config.redisUrl, true);
  const reconciler = createReconciler(
    stores,
    scheduler,
    push,
    settings.reconcileGraceMs,
    cursorInRedis(redis, reconcilerCursorKey(config.redisPrefix)),
  );
  const replayer = createReplayer(stores, push, settings.replayPageSize);
  const housekeeping = startHousekeeping({
    config,
    connection: bull,
    every: {
      reconcile: settings.reconcileIntervalMs,
      retention: RETENTION_INTERVAL_MS,
      replays: settings.replayIntervalMs,
    },
    tasks: {
      async reconcile() {
        const found = await reconciler.reconcileOnce();
        if (found.events || found.deliveries)
          logger.info(found, 'reconciler put lost work back in line');
        return found;
      },
      async replays() {
        const moved = await replayer.advance();
        if (moved.queued > 0) logger.info(moved, 'bulk replays queued failed deliveries again');
        return moved;
      },
      async retention() {
        const pass = await purgeExpired(stores, settings.retentionDays);
        if (pass.droppedDays.length > 0 || pass.keptDays.length > 0 || pass.busyDays.length > 0)
          logger.info({ ...pass, retentionDays: settings.retentionDays }, 'retention pass');
        return pass;
      },
    },
    log: logger,
  });
  // The intake stores events as the API does, on a pool of its own that commits synchronously
  // (this process's pool does not): a job completes only once its event is on disk.
  const intakeDb = openDatabase(config.databaseUrl, 4);
  const intakeStores = storesOf(intakeDb);
  const ingest = createIngest(intakeStores, scheduler, logger, INTAKE_INGEST);
  const intake = startIntakeWorker({
    config,
    connection: bull,
    stores: intakeStores,
    ingest,
    log: logger,
  });
  logger.info({ concurrency: settings.concurrency }, 'worker started');

  return {
    /** Graceful: stop taking deliveries, let those in flight finish and be written, then disconnect. */
    async close() {
      // Jobs in hand finish (their events stored) before the group commit drains.
      await Promise.all([intake.close(), housekeeping.close()]);
      await ingest.drain();
      await intakeDb.close();
      bull.disconnect();
      await dispatcher.close();
      await deliverer.drain();
      await http.close();
      subscriber.disconnect();
      redis.disconnect();
      logger.info('worker stopped');
    },
  };
}

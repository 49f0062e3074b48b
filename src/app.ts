import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.ts';
import type { Database } from './store/db.ts';
import { stores as storesOf, type Stores } from './store/stores.ts';
import type { RedisClient } from './redis.ts';
import { createScheduler, type Scheduler } from './delivery/scheduler/scheduler.ts';
import { createIngest, type Ingest } from './delivery/ingest.ts';
import { fanOutStoredEvents, pushOrLeave } from './delivery/fanout.ts';
import { createHttpClient } from './delivery/http-client.ts';
import { createInvoker, type Invoker } from './delivery/invoke.ts';
import { INVOKE_TIMEOUT_BOUNDS } from './domain/call-control.ts';
import { validatorCompiler } from './http/validation.ts';
import { frameworkErrors, installErrorHandlers } from './http/error-handler.ts';
import { screenRequests } from './http/request-screen.ts';
import { acceptJsonOnly, ignoreCacheBuster, labelJsonExactly } from './http/content-types.ts';
import { accountGuard } from './http/auth.ts';
import { AccessLog } from './http/access-log.ts';
import { allowBrowserClients } from './http/cors.ts';
import { authCache, type AuthCache } from './http/auth-cache.ts';
import { registerQueueBoard } from './http/admin-queues.ts';
import { openIntakeQueue } from './intake/intake-queue.ts';
import { openHousekeepingQueue } from './housekeeping/housekeeping.ts';
import type { Queue } from 'bullmq';
import { healthRoutes } from './routes/health.ts';
import { accountRoutes } from './routes/accounts.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { apiAuthRoutes } from './routes/api-auth.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { attemptRoutes } from './routes/attempts.ts';
import { eventRoutes } from './routes/events.ts';
import { replayRoutes } from './routes/replays.ts';
import { invokeRoutes } from './routes/invoke.ts';
import { consolePageRoutes, consoleTokenRoutes } from './routes/console.ts';
import { buildServices, type Services } from './services/services.ts';
import { ErrorEnvelope, SuccessEnvelope } from './schemas/common.ts';
import { Attempt } from './schemas/attempt.ts';
import { Webhook } from './schemas/webhook.ts';
import { Account } from './schemas/account.ts';
import { Event, EventSummary } from './schemas/event.ts';
import { Replay } from './schemas/replay.ts';
import { Invocation } from './schemas/invoke.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  /** The API's Redis connection (the scheduler's lines, readiness). */
  redis: RedisClient;
  logger?: boolean | object;
}

/** What every route plugin is given: the settings, the stores and the auth guard. */
export interface RouteContext {
  config: Config;
  db: Database;
  stores: Stores;
  redis: RedisClient;
  scheduler: Scheduler;
  /** Publishing: events stored with their deliveries, group-committed across requests. */
  ingest: Ingest;
  /** Call-control invokes: sent from the API process, answered to the caller. */
  invoker: Invoker;
  /** Remembered keys and accounts; call `auth.invalidate()` after anything that takes access away. */
  auth: AuthCache;
  /** The use cases the routes call (src/services/). */
  services: Services;
  /** The BullMQ queues the workers consume, for /metrics and the board (docs/intake.md). */
  queues: { intake: Queue; housekeeping: Queue };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Every /v2 operation documents its answers in the OpenAPI document: Crossbar's success envelope
 * and its error envelope, unless the route names its own.
 */
function documentResponses(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v2') || route.method === 'OPTIONS') return;
    const schema = (route.schema ??= {}) as { response?: Record<string, unknown>; hide?: boolean };
    if (schema.hide) return;
    schema.response ??= {
      '2xx': {
        description: 'Crossbar success envelope',
        $ref: 'SuccessEnvelope#',
      },
      '4xx': { description: 'Crossbar error envelope', $ref: 'ErrorEnvelope#' },
      '5xx': { description: 'Crossbar error envelope', $ref: 'ErrorEnvelope#' },
    };
  });
}

/**
 * The API process's own HTTP client, for invokes: the same SSRF guard as the workers', bounded by
 * the longest deadline a caller may give, reading answers up to their limit. Closed with the app.
 */
function invokeHttpClient(app: FastifyInstance, config: Config) {
  const http = createHttpClient({
    allow: config.allowList,
    timeoutMs: INVOKE_TIMEOUT_BOUNDS.max,
    responseBodyLimit: config.invoke.answerLimitBytes,
    followRedirects: config.delivery.followRedirects,
  });
  app.addHook('onClose', () => http.close());
  return http;
}

/** Assembles the API: plugins, routes, one error handler. Does not listen. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? { level: deps.config.logLevel },
    bodyLimit: deps.config.bodyLimit,
    // Kazoo clients may send their own X-Request-ID; otherwise one is made. It is in every log line.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    frameworkErrors,
    logController: new AccessLog(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-ID', request.id);
  });
  installErrorHandlers(app);
  await allowBrowserClients(app, deps.config.corsOrigins);
  acceptJsonOnly(app);
  labelJsonExactly(app);
  ignoreCacheBuster(app);
  screenRequests(app, deps.config.limits.maxJsonDepth);

  await app.register(swagger, {
    // Shared schemas keep their own names in components (ErrorEnvelope, SuccessEnvelope).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Switchboard',
        description: 'Event-delivery webhook dispatcher with a Kazoo Crossbar-compatible API.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          authToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addSchema(ErrorEnvelope);
  app.addSchema(SuccessEnvelope);
  app.addSchema(Attempt);
  app.addSchema(Webhook);
  app.addSchema(Account);
  app.addSchema(Event);
  app.addSchema(EventSummary);
  app.addSchema(Replay);
  app.addSchema(Invocation);
  documentResponses(app);

  const stores = storesOf(deps.db);
  const auth = authCache({
    redisUrl: deps.config.redisUrl,
    redisPrefix: deps.config.redisPrefix,
    redis: deps.redis,
    stores,
  });
  app.addHook('onReady', () => auth.ready());
  app.addHook('onClose', () => auth.close());
  const scheduler = createScheduler(deps.redis, deps.config.redisPrefix, deps.config.delivery);
  const ingest = createIngest(stores, scheduler, app.log);
  app.addHook('onClose', () => ingest.drain());
  const invoker = createInvoker(
    stores,
    invokeHttpClient(app, deps.config),
    {
      answerLimitBytes: deps.config.invoke.answerLimitBytes,
      loggedBodyLimit: deps.config.delivery.responseBodyLimit,
      autoDisable: {
        threshold: deps.config.delivery.autoDisableThreshold,
        windowMs: deps.config.delivery.autoDisableWindowMs,
      },
      defaultTimeoutMs: deps.config.invoke.timeoutMs,
      log: app.log,
    },
    // An invoke that disabled its webhook stored the notice; fanning it out here is quicker than
    // waiting for the reconciler, which does it anyway if this fails.
    (notice) =>
      fanOutStoredEvents(stores, pushOrLeave(scheduler, app.log), [notice]).then(
        () => undefined,
        (err: Error) => app.log.warn({ err: err.message }, 'notice not fanned out'),
      ),
  );
  const queues = {
    intake: openIntakeQueue(deps.redis, deps.config),
    housekeeping: openHousekeepingQueue(deps.redis, deps.config),
  };
  app.addHook('onClose', () => Promise.all([queues.intake.close(), queues.housekeeping.close()]));
  const ctx: RouteContext = {
    config: deps.config,
    db: deps.db,
    stores,
    redis: deps.redis,
    scheduler,
    ingest,
    invoker,
    auth,
    services: buildServices({
      config: deps.config,
      stores,
      scheduler,
      ingest,
      push: pushOrLeave(scheduler, app.log),
      log: app.log,
      accessChanged: () => auth.invalidate(),
    }),
    queues,
  };
  if (deps.config.intake.board) {
    await registerQueueBoard(app, {
      queues: [queues.intake, queues.housekeeping],
      auth,
      stores,
    });
  }
  await app.register(healthRoutes(ctx));
  await app.register(apiAuthRoutes(ctx), { prefix: '/v2' });
  await app.register(catalogueRoutes(ctx), { prefix: '/v2' });
  // Everything under /v2/accounts/{A}: the key is checked, and the account resolved, before the
  // body is read — a caller without access learns nothing, not even the schema.
  await app.register(
    async (accounts) => {
      accounts.addHook('onRequest', accountGuard(auth));
      for (const routes of [
        accountRoutes,
        apiKeyRoutes,
        webhookRoutes,
        attemptRoutes,
        eventRoutes,
        invokeRoutes,
        consoleTokenRoutes,
        replayRoutes,
      ]) {
        await accounts.register(routes(ctx));
      }
    },
    { prefix: '/v2' },
  );
  await app.register(consolePageRoutes(ctx));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

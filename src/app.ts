import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.ts';
import type { Database } from './store/db.ts';
import { repositories, type Repositories } from './store/repositories.ts';
import type { Queues } from './delivery/queues.ts';
import { validatorCompiler } from './http/validation.ts';
import { installErrorHandlers } from './http/error-handler.ts';
import { acceptJsonOnly } from './http/content-types.ts';
import { accountGuard } from './http/auth.ts';
import { healthRoutes } from './routes/health.ts';
import { accountRoutes } from './routes/accounts.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { apiAuthRoutes } from './routes/api-auth.ts';
import { catalogueRoutes } from './routes/catalogue.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { attemptRoutes } from './routes/attempts.ts';
import { eventRoutes } from './routes/events.ts';
import { ErrorEnvelope } from './schemas/common.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  queues: Queues;
  logger?: boolean | object;
}

/** What every route plugin is given: the settings, the stores and the auth guard. */
export interface RouteContext {
  config: Config;
  db: Database;
  repos: Repositories;
  queues: Queues;
  requireAccount: ReturnType<typeof accountGuard>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-ID', request.id);
  });
  installErrorHandlers(app);
  acceptJsonOnly(app);

  await app.register(swagger, {
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

  const repos = repositories(deps.db.prisma);
  const ctx: RouteContext = {
    config: deps.config,
    db: deps.db,
    repos,
    queues: deps.queues,
    requireAccount: accountGuard(repos),
  };
  await app.register(healthRoutes(ctx));
  await app.register(apiAuthRoutes(ctx), { prefix: '/v2' });
  await app.register(catalogueRoutes(ctx), { prefix: '/v2' });
  // Everything under /v2/accounts/{A}: the key is checked, and the account resolved, before the
  // body is read — a caller without access learns nothing, not even the schema.
  await app.register(
    async (accounts) => {
      accounts.addHook('onRequest', ctx.requireAccount);
      for (const routes of [
        accountRoutes,
        apiKeyRoutes,
        webhookRoutes,
        attemptRoutes,
        eventRoutes,
      ]) {
        await accounts.register(routes(ctx));
      }
    },
    { prefix: '/v2' },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

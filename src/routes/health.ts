import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import { notFound, unauthorized } from '../http/errors.ts';
import { bearerMatches, metricsRenderer } from '../http/metrics.ts';
import { within } from '../time-limit.ts';

/** Liveness, readiness (Postgres and Redis answer) and Prometheus metrics. */
export function healthRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  const renderMetrics = metricsRenderer(ctx);
  const { metricsToken } = ctx.config;
  return async (app) => {
    app.get(
      '/healthz',
      { schema: { tags: ['operations'], summary: 'The process is up' } },
      async () => ({
        status: 'ok',
      }),
    );

    app.get(
      '/readyz',
      { schema: { tags: ['operations'], summary: 'Postgres and Redis are reachable' } },
      async (_request, reply) => {
        const [postgres, redis] = await Promise.allSettled([
          within(2000, ctx.db.ping()),
          within(2000, ctx.redis.ping()),
        ]);
        const checks = {
          postgres: postgres.status === 'fulfilled' ? 'ok' : 'down',
          redis: redis.status === 'fulfilled' ? 'ok' : 'down',
        };
        const ready = checks.postgres === 'ok' && checks.redis === 'ok';
        return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
      },
    );

    app.get(
      '/metrics',
      {
        schema: {
          tags: ['operations'],
          summary: 'Prometheus metrics; Authorization: Bearer <SWITCHBOARD_METRICS_TOKEN>',
          security: [{ bearer: [] }],
        },
      },
      async (request, reply) => {
        // Off unless a token is set: queue depths and volumes are not for anyone who asks.
        if (!metricsToken)
          throw notFound('metrics (set SWITCHBOARD_METRICS_TOKEN to turn them on)');
        if (!bearerMatches(request, metricsToken)) throw unauthorized();
        return reply.type('text/plain; version=0.0.4').send(await renderMetrics());
      },
    );
  };
}

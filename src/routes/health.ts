import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import { renderMetrics } from '../http/metrics.ts';
import { within } from '../time-limit.ts';

/** Liveness, readiness (Postgres and Redis answer) and Prometheus metrics. */
export function healthRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
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
          within(2000, ctx.db.pool.query('SELECT 1')),
          within(2000, ctx.queues.redis.ping()),
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
      { schema: { tags: ['operations'], summary: 'Prometheus metrics' } },
      async (_request, reply) =>
        reply.type('text/plain; version=0.0.4').send(await renderMetrics(ctx)),
    );
  };
}

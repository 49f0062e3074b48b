import type { FastifyInstance } from 'fastify';

/** An account id no account has (ids are 32 hex characters; this one is not hex). */
const NO_ACCOUNT = 'warmupwarmupwarmupwarmupwarmupww';

/**
 * Runs the API's per-request code through `app.inject` before the process listens: routing, the
 * hooks, JSON body parsing and screening, the auth guard's refusal, the serialisers and the error
 * envelope. A process that starts into 1,000 requests/s otherwise serves its first second with
 * code V8 has not optimised yet, and that second alone decides the p99 of a short burst
 * (BENCHMARKS.md, cold start). Nothing is stored: every request is read-only or refused (an
 * unknown key), and their log lines are held back.
 */
export async function warmUp(app: FastifyInstance, requests: number): Promise<void> {
  const level = app.log.level;
  app.log.level = 'warn';
  try {
    const event = {
      data: {
        type: 'channel_create',
        id: 'warm-up',
        payload: { call_id: 'warm-up', caller_id_number: '+15550000000', timestamp: 0 },
      },
    };
    for (let sent = 0; sent < requests; sent += 3) {
      await Promise.all([
        app.inject({ method: 'GET', url: '/healthz' }),
        app.inject({ method: 'GET', url: '/v2/webhooks' }),
        app.inject({
          method: 'POST',
          url: `/v2/accounts/${NO_ACCOUNT}/events`,
          headers: { 'x-auth-token': 'warm-up-key-that-no-account-has' },
          payload: event,
        }),
      ]);
    }
  } finally {
    app.log.level = level;
  }
}

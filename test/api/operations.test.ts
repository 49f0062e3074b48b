import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, testConfig, type TestApp } from '../support/app.ts';

/** SPEC §3 Operations: liveness, readiness of Postgres and Redis, Prometheus metrics. */
describe('operations endpoints', () => {
  let t: TestApp;
  let noRedis: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    // Nothing listens on port 1 of loopback: Redis is "down" for this app.
    noRedis = await startTestApp(testConfig({ REDIS_URL: 'redis://127.0.0.1:1' }));
  });
  afterAll(async () => {
    await t.close();
    await noRedis.close();
  });

  it('GET /healthz answers while the process is up, without auth', async () => {
    const res = await noRedis.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when Postgres and Redis answer', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('GET /readyz is 503 and names the service that is down', async () => {
    const res = await noRedis.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'unavailable',
      checks: { postgres: 'ok', redis: 'down' },
    });
  });

  it('GET /metrics serves Prometheus text with queue depths and pending deliveries', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE switchboard_queue_jobs gauge');
    expect(res.body).toMatch(/^switchboard_queue_jobs\{queue="deliveries",state="waiting"\} \d+$/m);
    expect(res.body).toMatch(
      /^switchboard_queue_jobs\{queue="delivery-batches",state="waiting"\} \d+$/m,
    );
    expect(res.body).toMatch(/^switchboard_queue_jobs\{queue="fanout",state="active"\} \d+$/m);
    expect(res.body).toMatch(/^switchboard_deliveries_pending \d+$/m);
  });

  it('accepting an event while Redis is down still answers 202: the event is stored and fanned out later', async () => {
    const { createTenant, api } = await import('../support/app.ts');
    const tenant = await createTenant(noRedis.db);
    const res = await api(noRedis.app, tenant.key).post(
      `/v2/accounts/${tenant.account.id}/events`,
      {
        type: 'sms',
        id: 'redis-down-1',
        payload: {},
      },
    );
    expect(res.statusCode).toBe(202);
    const { rows } = await noRedis.db.pool.query('SELECT fanned_out_at FROM events WHERE id = $1', [
      'redis-down-1',
    ]);
    expect(rows).toEqual([{ fanned_out_at: null }]);
  });
});

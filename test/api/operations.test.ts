import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { expectError } from '../support/envelope.ts';
import { consumersReplacedKey } from '../../src/supervised-worker.ts';

/** Operations: liveness, readiness of Postgres and Redis, Prometheus metrics behind a token. */
const METRICS_TOKEN = 'scrape-me-with-this-token';

describe('operations endpoints', () => {
  let t: TestApp;
  let noRedis: TestApp;

  beforeAll(async () => {
    t = await startTestApp(testConfig({ SWITCHBOARD_METRICS_TOKEN: METRICS_TOKEN }));
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

  it('GET /metrics is off (404) unless SWITCHBOARD_METRICS_TOKEN is set', async () => {
    expectError(await noRedis.app.inject({ method: 'GET', url: '/metrics' }), 404);
  });

  it('GET /metrics without the bearer token, or with another, is a 401', async () => {
    expectError(await t.app.inject({ method: 'GET', url: '/metrics' }), 401);
    const wrong = { authorization: `Bearer ${METRICS_TOKEN}x` };
    expectError(await t.app.inject({ method: 'GET', url: '/metrics', headers: wrong }), 401);
  });

  it('GET /metrics does not count pending deliveries on every scrape', async () => {
    const headers = { authorization: `Bearer ${METRICS_TOKEN}` };
    const pending = (body: string) => /^switchboard_deliveries_pending (\d+)$/m.exec(body)?.[1];
    const before = pending((await t.app.inject({ method: 'GET', url: '/metrics', headers })).body);
    const tenant = await createTenant(t.db, 'metrics');
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload) VALUES ($1, 'm1', 'sms', '{}')`,
      [tenant.account.id],
    );
    await t.db.pool.query(
      `INSERT INTO deliveries (id, event_account_id, event_id, account_id, event_created)
       VALUES ('dm1', $1, 'm1', $1, (SELECT created FROM events WHERE account_id = $1 AND id = 'm1'))`,
      [tenant.account.id],
    );
    const after = pending((await t.app.inject({ method: 'GET', url: '/metrics', headers })).body);
    expect(after).toBe(before);
  });

  it('GET /metrics serves Prometheus text with the scheduler’s figures and pending deliveries', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE switchboard_circuits_open gauge');
    expect(res.body).toMatch(/^switchboard_webhooks_waiting \d+$/m);
    expect(res.body).toMatch(/^switchboard_circuits_open \d+$/m);
    expect(res.body).toMatch(/^switchboard_circuits_opened_total \d+$/m);
    expect(res.body).toMatch(/^switchboard_claims_expired_total \d+$/m);
    expect(res.body).toMatch(/^switchboard_deliveries_pending \d+$/m);
  });

  it('GET /metrics counts the BullMQ consumers the workers replaced, by queue', async () => {
    const scrape = async () =>
      (
        await t.app.inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        })
      ).body;
    expect(await scrape()).toContain('# TYPE switchboard_queue_consumers_replaced_total counter');
    // What a worker's supervisor records when it replaces a consumer (src/supervised-worker.ts).
    await t.redis.hincrby(
      consumersReplacedKey(t.config.redisPrefix),
      'switchboard-housekeeping',
      2,
    );
    expect(await scrape()).toMatch(
      /^switchboard_queue_consumers_replaced_total\{queue="switchboard-housekeeping"\} 2$/m,
    );
  });

  it('accepting an event while Redis is down still answers 202: the event and its deliveries are stored, put in line later', async () => {
    const { createTenant, api } = await import('../support/app.ts');
    const { createWebhook } = await import('../support/tenants.ts');
    const tenant = await createTenant(noRedis.db);
    await createWebhook(noRedis.app, tenant.key, tenant.account.id, {
      uri: 'http://127.0.0.1:9/never',
      hook: 'sms',
    });
    const started = Date.now();
    const res = await api(noRedis.app, tenant.key).post(
      `/v2/accounts/${tenant.account.id}/events`,
      {
        type: 'sms',
        id: 'redis-down-1',
        payload: {},
      },
    );
    expect(res.statusCode).toBe(202);
    expect(Date.now() - started).toBeLessThan(5_000);
    const { rows } = await noRedis.db.pool.query(
      `SELECT d.status FROM deliveries d JOIN events e ON e.account_id = d.event_account_id AND e.id = d.event_id
       WHERE e.id = $1 AND e.fanned_out_at IS NOT NULL`,
      ['redis-down-1'],
    );
    // The reconciler of any worker puts this pending delivery in line once Redis is back.
    expect(rows).toEqual([{ status: 'pending' }]);
  });

  it('Postgres not answering: a request gets 503 with Retry-After in the envelope, never a 500', async () => {
    const { buildApp } = await import('../../src/app.ts');
    const { openDatabase } = await import('../../src/store/db.ts');
    const { redisConnection } = await import('../../src/redis.ts');
    // Nothing listens on port 1 of loopback: the database is "down" for this app.
    const db = openDatabase('postgresql://postgres@127.0.0.1:1/none', 1);
    const redis = redisConnection(t.config.redisUrl, false);
    const app = await buildApp({ config: t.config, db, redis, logger: false });
    try {
      const res = await app.inject({
        method: 'GET',
        url: `/v2/accounts/${'a'.repeat(32)}/webhooks`,
        headers: { 'x-auth-token': `sbk_${'k'.repeat(40)}` },
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json()).toMatchObject({ status: 'error', error: '503' });
    } finally {
      await app.close();
      redis.disconnect();
      await db.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';

/** What a browser sends before a cross-origin PUT with Kazoo's headers (monster-ui's kazoosdk). */
function preflight(t: TestApp, url: string, origin: string, method = 'PUT') {
  return t.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'x-auth-token,content-type',
    },
  });
}

describe('CORS for browser clients, any origin by default (token auth, no cookies)', () => {
  let t: TestApp;
  let A: string;
  let key: string;
  const origin = 'https://monster.example.com';

  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await createTenant(t.db, 'cors');
    A = tenant.account.id;
    key = tenant.key;
  });
  afterAll(async () => t.close());

  it.each([
    ['PUT', `/v2/accounts/${'A'}/webhooks`],
    ['PATCH', `/v2/accounts/${'A'}/webhooks`],
    ['DELETE', `/v2/accounts/${'A'}/webhooks/0123456789abcdef0123456789abcdef`],
    ['POST', `/v2/accounts/${'A'}`],
    ['GET', '/v2/webhooks'],
  ])(
    'a preflight for %s %s answers 204 without a token, allowing Kazoo’s headers',
    async (method, path) => {
      const res = await preflight(t, path.replace('/A', `/${A}`), origin, method);
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(String(res.headers['access-control-allow-methods'])).toContain(method);
      const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
      for (const h of ['x-auth-token', 'authorization', 'content-type'])
        expect(allowed).toContain(h);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    },
  );

  it('a simple request carries the origin header and exposes X-Request-ID', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${A}`,
      headers: { origin, 'x-auth-token': key },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-expose-headers']).toLowerCase()).toContain(
      'x-request-id',
    );
  });

  it('an error answer carries it too, so the page can read the Crossbar error', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${A}`,
      headers: { origin },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('SWITCHBOARD_CORS_ORIGINS restricts the origins', () => {
  let t: TestApp;
  const allowed = 'https://ui.example.com';

  beforeAll(async () => {
    t = await startTestApp(
      testConfig({ SWITCHBOARD_CORS_ORIGINS: `${allowed}, https://b.example.com` }),
    );
  });
  afterAll(async () => t.close());

  it('a listed origin is echoed back (with Vary: Origin)', async () => {
    const res = await preflight(t, '/v2/webhooks', allowed, 'GET');
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(String(res.headers.vary)).toMatch(/origin/i);
  });

  it('another origin gets no Access-Control-Allow-Origin', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v2/webhooks',
      headers: { origin: 'https://evil.example.com' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

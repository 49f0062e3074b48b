import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRootAccount } from '../../src/bootstrap.ts';
import { createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';

const ROOT_KEY = 'admin-queues-root-key-0123456789abcdefghij';

/** bull-board at /admin/queues: the root key only, and off when SWITCHBOARD_ADMIN_QUEUES=off. */
describe('the queue board', () => {
  let t: TestApp;
  let tenantKey: string;
  beforeAll(async () => {
    t = await startTestApp();
    await ensureRootAccount(t.db, ROOT_KEY);
    tenantKey = (await createTenant(t.db, 'board-tenant')).key;
  });
  afterAll(() => t.close());

  const get = (url: string, headers: Record<string, string | undefined> = {}) =>
    t.app.inject({ method: 'GET', url, headers: headers as Record<string, string> });
  const basic = (password: string) =>
    `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;

  it('shows the page to the root key, by X-Auth-Token, Bearer or Basic (the key as password)', async () => {
    for (const headers of [
      { 'x-auth-token': ROOT_KEY },
      { authorization: `Bearer ${ROOT_KEY}` },
      { authorization: basic(ROOT_KEY) },
    ]) {
      const res = await get('/admin/queues', headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toMatch(/<html/i);
    }
  });

  it('lists the intake and housekeeping queues in its API', async () => {
    const res = await get('/admin/queues/api/queues', { 'x-auth-token': ROOT_KEY });
    expect(res.statusCode, res.body).toBe(200);
    const names = (res.json().queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(['switchboard-events', 'switchboard-housekeeping']);
  });

  it('refuses a tenant key with 403, even with every scope', async () => {
    expect((await get('/admin/queues', { 'x-auth-token': tenantKey })).statusCode).toBe(403);
    const api = await get('/admin/queues/api/queues', { authorization: basic(tenantKey) });
    expect(api.statusCode).toBe(403);
    expect(api.body).not.toContain('switchboard-events');
  });

  it('asks for credentials (401, WWW-Authenticate: Basic) without a key or with a wrong one', async () => {
    for (const headers of [{}, { authorization: basic('not-a-key') }, { 'x-auth-token': 'nope' }]) {
      const res = await get('/admin/queues', headers);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="switchboard"');
      const api = await get('/admin/queues/api/queues', headers);
      expect(api.statusCode).toBe(401);
      expect(api.body).not.toContain('switchboard-events');
    }
  });

  it('is not there at all with SWITCHBOARD_ADMIN_QUEUES=off', async () => {
    const off = await startTestApp(testConfig({ SWITCHBOARD_ADMIN_QUEUES: 'off' }));
    try {
      await ensureRootAccount(off.db, ROOT_KEY);
      expect(
        (
          await off.app.inject({
            method: 'GET',
            url: '/admin/queues',
            headers: { 'x-auth-token': ROOT_KEY },
          })
        ).statusCode,
      ).toBe(404);
      expect(
        (
          await off.app.inject({
            method: 'GET',
            url: '/admin/queues/api/queues',
            headers: { 'x-auth-token': ROOT_KEY },
          })
        ).statusCode,
      ).toBe(404);
    } finally {
      await off.close();
    }
  });
});

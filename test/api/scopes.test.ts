import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, authTokenFor, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess } from '../support/envelope.ts';
import { createWebhook } from '../support/tenants.ts';

/** Publishing is a privilege: keys carry scopes, grant only what they have, tokens make no keys. */
let t: TestApp;
let platform: { id: string; key: string };
let customer: string;

async function keyFor(accountId: string, byKey: string, scopes?: string[]) {
  const res = await api(t.app, byKey).put(`/v2/accounts/${accountId}/api_keys`, {
    name: 'k',
    ...(scopes ? { scopes } : {}),
  });
  return expectSuccess(res, 201) as {
    id: string;
    api_key: string;
    scopes: string[];
    prefix: string;
  };
}

const event = { type: 'channel_create', payload: { call_id: 'c1' } };

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t.db, 'platform');
  platform = { id: tenant.account.id, key: tenant.key };
  customer = expectSuccess(
    await api(t.app, platform.key).put(`/v2/accounts/${platform.id}`, { name: 'customer' }),
    201,
  ).id;
});
afterAll(() => t.close());

describe('scopes', () => {
  it('a new key without scopes gets read and manage: it cannot publish', async () => {
    const tenantKey = await keyFor(customer, platform.key);
    expect(tenantKey.scopes).toEqual(['read', 'manage']);
    const res = await api(t.app, tenantKey.api_key).post(`/v2/accounts/${customer}/events`, event);
    expect(expectError(res, 403)).toEqual({ scope: 'publish' });
    expect(await t.db.prisma.event.count({ where: { accountId: customer } })).toBe(0);
  });

  it("a customer's key cannot inject events into its reseller's subaccount hooks", async () => {
    await createWebhook(t.app, platform.key, platform.id, {
      uri: 'http://127.0.0.1:9/reseller',
      hook: 'all',
      include_subaccounts: true,
    });
    const tenantKey = await keyFor(customer, platform.key);
    const res = await api(t.app, tenantKey.api_key).post(`/v2/accounts/${customer}/events`, {
      type: 'notifications',
      payload: { event_name: 'webhook_disabled' },
    });
    expectError(res, 403);
    expect(await t.db.prisma.delivery.count({ where: { accountId: platform.id } })).toBe(0);
  });

  it('a publish key publishes into the accounts it manages, and does nothing else', async () => {
    const producer = await keyFor(platform.id, platform.key, ['publish']);
    const as = api(t.app, producer.api_key);
    expectSuccess(await as.post(`/v2/accounts/${customer}/events`, event), 202);
    expectError(await as.get(`/v2/accounts/${customer}`), 403);
    expectError(await as.put(`/v2/accounts/${customer}/webhooks`, { name: 'x' }), 403);
  });

  it('a read key reads but changes nothing', async () => {
    const reader = await keyFor(customer, platform.key, ['read']);
    const as = api(t.app, reader.api_key);
    expectSuccess(await as.get(`/v2/accounts/${customer}/webhooks`));
    expectError(await as.patch(`/v2/accounts/${customer}`, { name: 'renamed' }), 403);
    expectError(await as.put(`/v2/accounts/${customer}/api_keys`, {}), 403);
  });

  it('a key can grant only what it has', async () => {
    const manager = await keyFor(customer, platform.key);
    const res = await api(t.app, manager.api_key).put(`/v2/accounts/${customer}/api_keys`, {
      scopes: ['read', 'manage', 'publish'],
    });
    expectError(res, 403, 'a key can only grant scopes it has');
    const reader = await keyFor(customer, manager.api_key, ['read']);
    expect(reader.scopes).toEqual(['read']);
  });

  it('an unknown scope is a validation error', async () => {
    const res = await api(t.app, platform.key).put(`/v2/accounts/${customer}/api_keys`, {
      scopes: ['admin'],
    });
    expect(Object.keys(expectError(res, 400, 'validation error'))).toEqual(['scopes.0']);
  });
});

describe('auth tokens', () => {
  it('a token from api_auth cannot create API keys (they would outlive it)', async () => {
    const token = await authTokenFor(t.app, platform.key);
    expectSuccess(await api(t.app, token).get(`/v2/accounts/${platform.id}`));
    const before = await t.db.prisma.apiKey.count();
    expectError(await api(t.app, token).put(`/v2/accounts/${platform.id}/api_keys`, {}), 403);
    expect(await t.db.prisma.apiKey.count()).toBe(before);
  });

  it("a token has its key's scopes", async () => {
    const reader = await keyFor(customer, platform.key, ['read']);
    const as = api(t.app, await authTokenFor(t.app, reader.api_key));
    expectSuccess(await as.get(`/v2/accounts/${customer}`));
    expectError(await as.post(`/v2/accounts/${customer}/events`, event), 403);
  });
});

describe('stored prefixes', () => {
  it('are at most 8 characters and never the key', async () => {
    const created = await keyFor(customer, platform.key);
    expect(created.prefix).toBe(created.api_key.slice(0, 8));
    const row = await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.prefix).toBe(created.prefix);
  });
});

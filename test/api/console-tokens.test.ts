import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';
import { createResellerTree, createWebhook } from '../support/tenants.ts';

let t: TestApp;
let tree: Awaited<ReturnType<typeof createResellerTree>>;

beforeAll(async () => {
  t = await startTestApp();
  tree = await createResellerTree(t.app, t.db);
});
afterAll(() => t.close());

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Link {
  url: string;
  token: string;
  account_id: string;
  mode: string;
  scopes: string[];
  expires: string;
}

async function mint(key: string, accountId: string, data: unknown): Promise<Link> {
  const res = await api(t.app, key).put(`/v2/accounts/${accountId}/console_tokens`, data);
  return expectSuccess(res, 201) as Link;
}

describe('PUT /v2/accounts/{A}/console_tokens: console links', () => {
  it('answers a /console/ URL carrying the token in its fragment, valid the minutes asked', async () => {
    const before = Date.now();
    const link = await mint(tree.reseller.key, tree.customer.id, {
      mode: 'read',
      ttl_seconds: 300,
    });
    expect(link).toEqual({
      url: expect.stringMatching(/^http:\/\/[^/]+\/console\/#token=sbc_/),
      token: expect.stringMatching(/^sbc_[A-Za-z0-9_-]{40,}$/),
      account_id: tree.customer.id,
      mode: 'read',
      scopes: ['read'],
      expires: expect.any(String),
    });
    const fragment = new URLSearchParams(new URL(link.url).hash.slice(1));
    expect(fragment.get('token')).toBe(link.token);
    expect(fragment.get('account')).toBe(tree.customer.id);
    const ttl = Date.parse(link.expires) - before;
    expect(ttl).toBeGreaterThan(299_000);
    expect(ttl).toBeLessThan(302_000);
    // Stored as a hash only.
    const row = await t.db.prisma.authToken.findUniqueOrThrow({
      where: { hash: sha256(link.token) },
    });
    expect(row).toMatchObject({ accountId: tree.customer.id, scopes: ['read'] });
  });

  it('defaults to 15 minutes', async () => {
    const before = Date.now();
    const link = await mint(tree.reseller.key, tree.customer.id, { mode: 'manage' });
    expect(link.scopes).toEqual(['read', 'manage']);
    expect(Date.parse(link.expires) - before).toBeGreaterThan(899_000);
    expect(Date.parse(link.expires) - before).toBeLessThan(902_000);
  });

  it('is scoped to the account and its subtree, and never sees its parent', async () => {
    const link = await mint(tree.reseller.key, tree.customer.id, { mode: 'manage' });
    const as = api(t.app, link.token);
    expect(expectSuccess(await as.get(`/v2/accounts/${tree.customer.id}`)).id).toBe(
      tree.customer.id,
    );
    expect(expectSuccess(await as.get(`/v2/accounts/${tree.subCustomer.id}/webhooks`))).toEqual([]);
    expectError(await as.get(`/v2/accounts/${tree.reseller.id}`), 403);
    expectError(await as.get(`/v2/accounts/${tree.reseller.id}/webhooks`), 403);
    const parents = expectSuccess(await as.get(`/v2/accounts/${tree.subCustomer.id}/parents`));
    expect(parents.map((a: { id: string }) => a.id)).not.toContain(tree.reseller.id);
    const customer = expectSuccess(await as.get(`/v2/accounts/${tree.customer.id}`));
    expect(JSON.stringify(customer)).not.toContain(tree.reseller.id);
  });

  it('a read-only link reads everything and is refused every write with 403', async () => {
    const hook = await createWebhook(t.app, tree.reseller.key, tree.customer.id, {
      uri: 'http://127.0.0.1:9/hook',
      hook: 'channel_create',
    });
    const link = await mint(tree.reseller.key, tree.customer.id, { mode: 'read' });
    const as = api(t.app, link.token);
    const base = `/v2/accounts/${tree.customer.id}`;
    expectSuccess(await as.get(`${base}/webhooks/${hook.id}`));
    expect(expectSuccess(await as.get(`${base}/webhooks/${hook.id}/secret`)).secret).toBe(
      hook.secret,
    );
    const writes = [
      as.put(`${base}/webhooks`, { name: 'x', uri: 'http://127.0.0.1:9/', hook: 'all' }),
      as.post(`${base}/webhooks/${hook.id}`, {
        name: 'x',
        uri: 'http://127.0.0.1:9/',
        hook: 'all',
      }),
      as.patch(`${base}/webhooks/${hook.id}`, { enabled: false }),
      as.delete(`${base}/webhooks/${hook.id}`),
      as.put(`${base}/webhooks/${hook.id}/secret`, {}),
      as.post(`${base}/webhooks/${hook.id}/recover`, { since: new Date(0).toISOString() }),
      as.patch(`${base}/webhooks`, { 're-enable': true }),
      as.patch(`${base}/descendants/webhooks`, { 're-enable': true }),
      as.put(base, { name: 'grandchild' }),
      as.put(`${base}/api_keys`, {}),
      as.put(`${base}/console_tokens`, { mode: 'read' }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(expectError(res, 403)).toEqual({ scope: 'manage' });
    }
    // Nothing changed.
    const after = expectSuccess(
      await api(t.app, tree.reseller.key).get(`${base}/webhooks/${hook.id}`),
    );
    expect(after).toMatchObject({ name: 'hook', enabled: true });
  });

  it('a manage link changes webhooks, but mints neither API keys nor further links', async () => {
    const link = await mint(tree.reseller.key, tree.customer.id, { mode: 'manage' });
    const as = api(t.app, link.token);
    const base = `/v2/accounts/${tree.customer.id}`;
    expectSuccess(
      await as.put(`${base}/webhooks`, {
        name: 'from console',
        uri: 'http://127.0.0.1:9/',
        hook: 'all',
      }),
      201,
    );
    expectError(await as.put(`${base}/api_keys`, {}), 403);
    expectError(await as.put(`${base}/console_tokens`, { mode: 'read' }), 403);
  });

  it('stops working when it expires, and when its minting key is revoked', async () => {
    // Its minutes run out (the row's expiry is moved into the past, as time would).
    const expiring = await mint(tree.reseller.key, tree.customer.id, { mode: 'read' });
    const url = `/v2/accounts/${tree.customer.id}/webhooks`;
    await t.db.prisma.authToken.update({
      where: { hash: sha256(expiring.token) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expectError(await api(t.app, expiring.token).get(url), 401);

    const keyRes = await api(t.app, tree.reseller.key).put(
      `/v2/accounts/${tree.reseller.id}/api_keys`,
      { name: 'short-lived' },
    );
    const { id: keyId, api_key } = expectSuccess(keyRes, 201);
    const link = await mint(api_key, tree.customer.id, { mode: 'read' });
    expectSuccess(await api(t.app, link.token).get(url));
    expectSuccess(
      await api(t.app, tree.reseller.key).delete(
        `/v2/accounts/${tree.reseller.id}/api_keys/${keyId}`,
      ),
    );
    expectError(await api(t.app, link.token).get(url), 401);
  });

  it('only a key that manages the account mints one: no parent, sibling or other tenant', async () => {
    const stranger = await createTenant(t.db, 'stranger');
    const body = { mode: 'read' };
    const put = (key: string, id: string) =>
      api(t.app, key).put(`/v2/accounts/${id}/console_tokens`, body);
    expectError(await put(stranger.key, tree.customer.id), 403);
    expectError(await put(tree.customer.key, tree.reseller.id), 403);
    expectError(await put(tree.subCustomer.key, tree.customer.id), 403);
    expectError(await put(tree.customer.key, stranger.account.id), 403);
    expectError(await put('sbk_not-a-key', tree.customer.id), 401);
    // A stranger's link does not open the tree either.
    const theirs = await mint(stranger.key, stranger.account.id, { mode: 'manage' });
    expectError(await api(t.app, theirs.token).get(`/v2/accounts/${tree.customer.id}`), 403);
  });

  it('a read-only key cannot mint, not even a read-only link', async () => {
    const keyRes = await api(t.app, tree.reseller.key).put(
      `/v2/accounts/${tree.reseller.id}/api_keys`,
      { name: 'viewer', scopes: ['read'] },
    );
    const { api_key } = expectSuccess(keyRes, 201);
    const res = await api(t.app, api_key).put(`/v2/accounts/${tree.customer.id}/console_tokens`, {
      mode: 'read',
    });
    expect(expectError(res, 403)).toEqual({ scope: 'manage' });
  });

  it('bad input is a 400 validation error in the envelope', async () => {
    const put = (body: unknown) =>
      t.app.inject({
        method: 'PUT',
        url: `/v2/accounts/${tree.customer.id}/console_tokens`,
        headers: { 'x-auth-token': tree.reseller.key, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    expectValidation(await put({ data: {} }), { mode: 'required' });
    expectValidation(await put({ data: { mode: 'admin' } }), { mode: 'enum' });
    expectValidation(await put({ data: { mode: 'read', ttl_seconds: 5 } }), {
      ttl_seconds: 'minimum',
    });
    expectValidation(await put({ data: { mode: 'read', ttl_seconds: 86_400 } }), {
      ttl_seconds: 'maximum',
    });
    expectValidation(await put({ data: { mode: 'read', ttl_seconds: 'soon' } }), {
      ttl_seconds: 'type',
    });
    expectValidation(await put({ data: { mode: 'read', scopes: ['publish'] } }), {
      scopes: 'unknown_field',
    });
    expectError(await put({}), 400);
    const noBody = await t.app.inject({
      method: 'PUT',
      url: `/v2/accounts/${tree.customer.id}/console_tokens`,
      headers: { 'x-auth-token': tree.reseller.key },
    });
    expectError(noBody, 400);
    const badJson = await t.app.inject({
      method: 'PUT',
      url: `/v2/accounts/${tree.customer.id}/console_tokens`,
      headers: { 'x-auth-token': tree.reseller.key, 'content-type': 'application/json' },
      payload: '{"data": {',
    });
    expectError(badJson, 400);
  });
});

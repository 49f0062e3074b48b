import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';
import { createWebhook } from '../support/tenants.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/);

/** PUT /v2/accounts/{parent} as `key`, expecting 201; returns the new account. */
async function createChild(key: string, parentId: string, name: string) {
  return expectSuccess(await api(t.app, key).put(`/v2/accounts/${parentId}`, { name }), 201) as {
    id: string;
    name: string;
    parent_id?: string;
    tree: string[];
  };
}

async function createKey(key: string, accountId: string) {
  return expectSuccess(
    await api(t.app, key).put(`/v2/accounts/${accountId}/api_keys`, { name: 'k' }),
    201,
  ).api_key as string;
}

describe('an account tree: reseller → customer → sub-customer', () => {
  let reseller: { id: string; key: string };
  let customer: { id: string; key: string };
  let subCustomer: { id: string; key: string };

  beforeAll(async () => {
    const tenant = await createTenant(t.db, 'reseller');
    reseller = { id: tenant.account.id, key: tenant.key };
    const c = await createChild(reseller.key, reseller.id, 'customer');
    customer = { id: c.id, key: await createKey(reseller.key, c.id) };
    const s = await createChild(reseller.key, customer.id, 'sub-customer');
    subCustomer = { id: s.id, key: await createKey(reseller.key, s.id) };
  });

  it('PUT /v2/accounts/{A} creates a sub-account of A with a 32-hex id', async () => {
    const created = await createChild(reseller.key, customer.id, 'created by the reseller');
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'created by the reseller',
      parent_id: customer.id,
      tree: [reseller.id, customer.id],
      created: ISO,
      modified: ISO,
    });
    const row = await t.db.prisma.account.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({
      name: 'created by the reseller',
      parentId: customer.id,
      tree: [reseller.id, customer.id, created.id],
    });
  });

  it('POST /v2/accounts/{A}/children creates a sub-account too', async () => {
    const created = expectSuccess(
      await api(t.app, customer.key).post(`/v2/accounts/${customer.id}/children`, {
        name: 'via children',
      }),
      201,
    );
    expect(created).toMatchObject({
      name: 'via children',
      parent_id: customer.id,
      tree: [customer.id],
    });
  });

  it('GET shows the account with the ancestors its caller manages, root first', async () => {
    expect(
      expectSuccess(await api(t.app, reseller.key).get(`/v2/accounts/${subCustomer.id}`)),
    ).toEqual({
      id: subCustomer.id,
      name: 'sub-customer',
      parent_id: customer.id,
      tree: [reseller.id, customer.id],
      created: ISO,
      modified: ISO,
    });
    expect(
      expectSuccess(await api(t.app, customer.key).get(`/v2/accounts/${subCustomer.id}`)).tree,
    ).toEqual([customer.id]);
  });

  it('an account reading itself does not learn the ids above it', async () => {
    const own = expectSuccess(
      await api(t.app, subCustomer.key).get(`/v2/accounts/${subCustomer.id}`),
    );
    expect(own).toMatchObject({ id: subCustomer.id, tree: [] });
    expect(own).not.toHaveProperty('parent_id');
    expect(JSON.stringify(own)).not.toContain(reseller.id);
    expect(JSON.stringify(own)).not.toContain(customer.id);
  });

  it.each(['PATCH', 'POST'] as const)('%s renames the account', async (method) => {
    const victim = await createChild(reseller.key, customer.id, 'old name');
    const as = api(t.app, customer.key);
    const res =
      method === 'PATCH'
        ? await as.patch(`/v2/accounts/${victim.id}`, { name: `renamed by ${method}` })
        : await as.post(`/v2/accounts/${victim.id}`, { name: `renamed by ${method}` });
    expect(expectSuccess(res)).toMatchObject({ id: victim.id, name: `renamed by ${method}` });
    expect(expectSuccess(await as.get(`/v2/accounts/${victim.id}`)).name).toBe(
      `renamed by ${method}`,
    );
    expect((await t.db.prisma.account.findUniqueOrThrow({ where: { id: victim.id } })).name).toBe(
      `renamed by ${method}`,
    );
  });

  it('an account can rename itself', async () => {
    const own = await createTenant(t.db, 'self');
    expect(
      expectSuccess(
        await api(t.app, own.key).patch(`/v2/accounts/${own.account.id}`, { name: 'self renamed' }),
      ).name,
    ).toBe('self renamed');
  });

  it('webhook_defaults: set on create, changed and removed (null) by PATCH, shown on GET', async () => {
    const child = expectSuccess(
      await api(t.app, reseller.key).put(`/v2/accounts/${reseller.id}`, {
        name: 'with defaults',
        webhook_defaults: { rate_limit: 20, max_in_flight: 4 },
      }),
      201,
    );
    expect(child.webhook_defaults).toEqual({ rate_limit: 20, max_in_flight: 4 });
    const url = `/v2/accounts/${child.id}`;
    const patched = expectSuccess(
      await api(t.app, reseller.key).patch(url, { webhook_defaults: { rate_limit: null } }),
    );
    expect(patched).toMatchObject({
      name: 'with defaults',
      webhook_defaults: { max_in_flight: 4 },
    });
    expect(patched.webhook_defaults).not.toHaveProperty('rate_limit');
    expect(expectSuccess(await api(t.app, reseller.key).get(url)).webhook_defaults).toEqual({
      max_in_flight: 4,
    });
    await api(t.app, reseller.key).patch(url, { webhook_defaults: { max_in_flight: null } });
    expect(expectSuccess(await api(t.app, reseller.key).get(url))).not.toHaveProperty(
      'webhook_defaults',
    );
  });

  it.each([
    [
      { name: 'x', webhook_defaults: { rate_limit: 0 } },
      { 'webhook_defaults.rate_limit': 'minimum' },
    ],
    [
      { name: 'x', webhook_defaults: { max_in_flight: 1001 } },
      { 'webhook_defaults.max_in_flight': 'maximum' },
    ],
    [{ name: 'x', webhook_defaults: { burst: 1 } }, { 'webhook_defaults.burst': 'unknown_field' }],
  ])('webhook_defaults %j is refused: %j', async (body, fields) => {
    expectValidation(
      await api(t.app, reseller.key).put(`/v2/accounts/${reseller.id}`, body),
      fields,
    );
  });

  it.each([
    [{}, { name: 'required' }],
    [{ name: '' }, { name: 'minLength' }],
    [{ name: 'x'.repeat(129) }, { name: 'maxLength' }],
    [{ name: 7 }, { name: 'type' }],
    [{ name: 'ok', realm: 'x'.repeat(20_000) }, { realm: 'maxSize' }],
  ])('an account body %j is refused: %j', async (body, fields) => {
    expectValidation(
      await api(t.app, reseller.key).put(`/v2/accounts/${reseller.id}`, body),
      fields,
    );
    expectValidation(
      await api(t.app, reseller.key).patch(`/v2/accounts/${customer.id}`, body),
      fields,
    );
  });

  it('GET …/children lists the direct children only', async () => {
    const tenant = await createTenant(t.db, 'family');
    const a = await createChild(tenant.key, tenant.account.id, 'a');
    const b = await createChild(tenant.key, tenant.account.id, 'b');
    await createChild(tenant.key, a.id, 'grandchild');
    const children = expectSuccess(
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/children`),
    );
    expect(children.map((c: { id: string }) => c.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('GET …/descendants walks every level, one page_size=1 page at a time', async () => {
    const tenant = await createTenant(t.db, 'deep');
    const expected: string[] = [];
    let parent = tenant.account.id;
    for (const name of ['d1', 'd2', 'd3']) {
      const child = await createChild(tenant.key, parent, name);
      const sibling = await createChild(tenant.key, parent, `${name} sibling`);
      expected.push(child.id, sibling.id);
      parent = child.id;
    }

    const seen: string[] = [];
    let startKey: string | undefined;
    for (let page = 0; page < 10; page++) {
      const url = `/v2/accounts/${tenant.account.id}/descendants?page_size=1${startKey ? `&start_key=${startKey}` : ''}`;
      const res = await api(t.app, tenant.key).get(url);
      const items = expectSuccess(res);
      expect(items).toHaveLength(1);
      expect(res.json().page_size).toBe(1);
      seen.push(items[0].id);
      startKey = res.json().next_start_key;
      if (!startKey) break;
    }
    expect(seen).toHaveLength(6);
    expect(seen.sort()).toEqual(expected.sort());
  });

  it('paginate=false returns the whole list in one answer, without next_start_key', async () => {
    const tenant = await createTenant(t.db, 'wide');
    const expected: string[] = [];
    for (let i = 0; i < 60; i++)
      expected.push((await createChild(tenant.key, tenant.account.id, `c${i}`)).id);
    const paged = await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/children`);
    expect(paged.json().data).toHaveLength(50);
    expect(paged.json().next_start_key).toEqual(expect.any(String));
    const all = await api(t.app, tenant.key).get(
      `/v2/accounts/${tenant.account.id}/children?paginate=false`,
    );
    const items = expectSuccess(all);
    expect(items.map((c: { id: string }) => c.id).sort()).toEqual(expected.sort());
    expect(all.json().page_size).toBe(60);
    expect(all.json()).not.toHaveProperty('next_start_key');
  });

  it('descendants of a sub-account do not include its ancestors or siblings', async () => {
    const ids = expectSuccess(
      await api(t.app, customer.key).get(`/v2/accounts/${customer.id}/descendants`),
    ).map((a: { id: string }) => a.id);
    expect(ids).toContain(subCustomer.id);
    expect(ids).not.toContain(customer.id);
    expect(ids).not.toContain(reseller.id);
  });

  it('GET …/parents lists the ancestors root first, as far up as the caller sees', async () => {
    const fromReseller = expectSuccess(
      await api(t.app, reseller.key).get(`/v2/accounts/${subCustomer.id}/parents`),
    );
    expect(fromReseller).toEqual([
      { id: reseller.id, name: 'reseller' },
      { id: customer.id, name: 'customer' },
    ]);
    const fromCustomer = expectSuccess(
      await api(t.app, customer.key).get(`/v2/accounts/${subCustomer.id}/parents`),
    );
    expect(fromCustomer).toEqual([{ id: customer.id, name: 'customer' }]);
    expect(
      expectSuccess(
        await api(t.app, subCustomer.key).get(`/v2/accounts/${subCustomer.id}/parents`),
      ),
    ).toEqual([]);
  });

  it('DELETE is refused with 409 while the account has children', async () => {
    const data = expectError(
      await api(t.app, reseller.key).delete(`/v2/accounts/${customer.id}`),
      409,
    );
    expect(data).toEqual({});
    expect(await t.db.prisma.account.count({ where: { id: customer.id } })).toBe(1);
  });

  it('DELETE of a leaf removes it with its webhooks, keys and tokens', async () => {
    const leaf = await createChild(reseller.key, customer.id, 'leaf');
    const leafKey = await createKey(customer.key, leaf.id);
    const tokenRes = await api(t.app).put('/v2/api_auth', { api_key: leafKey });
    expectSuccess(tokenRes, 201);
    const token = tokenRes.json().auth_token as string;
    expectSuccess(await api(t.app, token).get(`/v2/accounts/${leaf.id}`));
    const hook = await createWebhook(t.app, customer.key, leaf.id, {
      uri: 'http://127.0.0.1:9/leaf',
      hook: 'all',
    });

    const deleted = expectSuccess(await api(t.app, customer.key).delete(`/v2/accounts/${leaf.id}`));
    expect(deleted).toMatchObject({ id: leaf.id, name: 'leaf' });

    expect(await t.db.prisma.account.count({ where: { id: leaf.id } })).toBe(0);
    expect(await t.db.prisma.webhook.count({ where: { id: hook.id } })).toBe(0);
    expect(await t.db.prisma.apiKey.count({ where: { accountId: leaf.id } })).toBe(0);
    expect(await t.db.prisma.authToken.count({ where: { accountId: leaf.id } })).toBe(0);
    expectError(await api(t.app, leafKey).get(`/v2/accounts/${leaf.id}`), 401);
    expectError(await api(t.app, token).get(`/v2/accounts/${leaf.id}`), 401);
    // Gone: from now on it is an id the parent does not manage.
    expectError(await api(t.app, customer.key).get(`/v2/accounts/${leaf.id}`), 403);
  });

  it('an account cannot delete itself (its parent can)', async () => {
    const leaf = await createChild(reseller.key, customer.id, 'stubborn');
    const leafKey = await createKey(reseller.key, leaf.id);
    expectError(await api(t.app, leafKey).delete(`/v2/accounts/${leaf.id}`), 403);
    expect(await t.db.prisma.account.count({ where: { id: leaf.id } })).toBe(1);
    expectSuccess(await api(t.app, customer.key).delete(`/v2/accounts/${leaf.id}`));
  });

  it('the store refuses to delete an account with children even past the route check', async () => {
    const { stores } = await import('../../src/store/stores.ts');
    const { scopedAccount } = await import('../../src/store/scoped.ts');
    const row = await stores(t.db).accounts.find(customer.id);
    expect(await stores(t.db).accounts.delete(scopedAccount(row!))).toBe(false);
    expect(await t.db.prisma.account.count({ where: { id: customer.id } })).toBe(1);
  });
});

describe('PUT /v2/api_auth', () => {
  it('exchanges a key for an auth token usable as X-Auth-Token, naming the account', async () => {
    const tenant = await createTenant(t.db, 'token holder');
    const res = await api(t.app).put('/v2/api_auth', { api_key: tenant.key });
    const data = expectSuccess(res, 201);
    expect(data).toMatchObject({ account_id: tenant.account.id, account_name: 'token holder' });
    const token = res.json().auth_token as string;
    expect(token).toEqual(expect.any(String));
    expect(token).not.toBe(tenant.key);

    expect(expectSuccess(await api(t.app, token).get(`/v2/accounts/${tenant.account.id}`)).id).toBe(
      tenant.account.id,
    );
    const bearer = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${tenant.account.id}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expectSuccess(bearer);
  });

  it('a wrong key: 401', async () => {
    expectError(await api(t.app).put('/v2/api_auth', { api_key: 'sbk_nope' }), 401);
  });

  it('a token is not a key: it cannot be exchanged again', async () => {
    const tenant = await createTenant(t.db, 'no chains');
    const token = (await api(t.app).put('/v2/api_auth', { api_key: tenant.key })).json().auth_token;
    expectError(await api(t.app).put('/v2/api_auth', { api_key: token }), 401);
  });

  it('a missing api_key: 400 required', async () => {
    expectValidation(await api(t.app).put('/v2/api_auth', {}), { api_key: 'required' });
  });
});

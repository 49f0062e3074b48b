import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess } from '../support/envelope.ts';
import { createResellerTree, createWebhook, publish } from '../support/tenants.ts';

/**
 * Tenancy: a key acts on its account and its descendants only. A foreign account in the
 * path is a 403 whether or not it exists; a foreign webhook, key or event id under one's own
 * account is a 404.
 */

type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
interface Ids {
  A: string;
  W: string;
  K: string;
  E: string;
}

const hookBody = { name: 'intruder', uri: 'http://127.0.0.1:9/intruder', hook: 'all' };

/** Every /v2/accounts/{A}/… route, with a body its schema accepts, so only tenancy can refuse it. */
const ROUTES: Array<[Method, (ids: Ids) => string, unknown?]> = [
  ['GET', ({ A }) => `/v2/accounts/${A}`],
  ['PUT', ({ A }) => `/v2/accounts/${A}`, { name: 'intruder child' }],
  ['POST', ({ A }) => `/v2/accounts/${A}`, { name: 'renamed by intruder' }],
  ['PATCH', ({ A }) => `/v2/accounts/${A}`, { name: 'renamed by intruder' }],
  ['DELETE', ({ A }) => `/v2/accounts/${A}`],
  ['GET', ({ A }) => `/v2/accounts/${A}/children`],
  ['POST', ({ A }) => `/v2/accounts/${A}/children`, { name: 'intruder child' }],
  ['GET', ({ A }) => `/v2/accounts/${A}/descendants`],
  ['GET', ({ A }) => `/v2/accounts/${A}/parents`],
  ['GET', ({ A }) => `/v2/accounts/${A}/api_keys`],
  ['PUT', ({ A }) => `/v2/accounts/${A}/api_keys`, { name: 'intruder key' }],
  ['DELETE', ({ A, K }) => `/v2/accounts/${A}/api_keys/${K}`],
  ['GET', ({ A }) => `/v2/accounts/${A}/webhooks`],
  ['PUT', ({ A }) => `/v2/accounts/${A}/webhooks`, hookBody],
  ['POST', ({ A }) => `/v2/accounts/${A}/webhooks`, hookBody],
  ['PATCH', ({ A }) => `/v2/accounts/${A}/webhooks`, { 're-enable': true }],
  ['PATCH', ({ A }) => `/v2/accounts/${A}/descendants/webhooks`, { 're-enable': true }],
  ['GET', ({ A, W }) => `/v2/accounts/${A}/webhooks/${W}`],
  ['POST', ({ A, W }) => `/v2/accounts/${A}/webhooks/${W}`, hookBody],
  ['PATCH', ({ A, W }) => `/v2/accounts/${A}/webhooks/${W}`, { uri: 'http://127.0.0.1:9/stolen' }],
  ['DELETE', ({ A, W }) => `/v2/accounts/${A}/webhooks/${W}`],
  ['GET', ({ A, W }) => `/v2/accounts/${A}/webhooks/${W}/secret`],
  ['PUT', ({ A, W }) => `/v2/accounts/${A}/webhooks/${W}/secret`, {}],
  ['GET', ({ A }) => `/v2/accounts/${A}/webhooks/attempts`],
  ['GET', ({ A, W }) => `/v2/accounts/${A}/webhooks/${W}/attempts`],
  [
    'POST',
    ({ A, W }) => `/v2/accounts/${A}/webhooks/${W}/recover`,
    { since: '2020-01-01T00:00:00Z' },
  ],
  ['POST', ({ A }) => `/v2/accounts/${A}/events`, { type: 'sms', payload: { intruder: true } }],
  ['GET', ({ A, E }) => `/v2/accounts/${A}/events/${E}`],
  ['POST', ({ A, E }) => `/v2/accounts/${A}/events/${E}/redeliver`],
];

/** Routes that name a webhook, key or event: under one's own account, a foreign id is a 404. */
const ID_ROUTES = ROUTES.filter(([, path]) =>
  /\/(webhooks|api_keys|events)\/[0-9a-f]{32}/.test(
    path({ A: 'a', W: 'f'.repeat(32), K: 'f'.repeat(32), E: 'f'.repeat(32) }),
  ),
);

let t: TestApp;
let tree: Awaited<ReturnType<typeof createResellerTree>>;
/** A sibling of the customer: another child of the reseller. */
let sibling: { id: string; key: string };
/** Someone else entirely. */
let stranger: { id: string; key: string };
/** Each account's own webhook, key and event, by account id. */
const owned = new Map<string, { W: string; K: string; E: string; secret: string }>();

async function seed(accountId: string, key: string) {
  const hook = await createWebhook(t.app, key, accountId, {
    uri: `http://127.0.0.1:9/${accountId}`,
    hook: 'all',
    enabled: false,
  });
  const K = (
    await t.db.prisma.apiKey.findFirstOrThrow({ where: { accountId }, orderBy: { created: 'asc' } })
  ).id;
  const E = `tenancy-${accountId}`;
  await publish(t.app, key, accountId, { id: E, type: 'sms', payload: { seeded: true } });
  owned.set(accountId, { W: hook.id, K, E, secret: hook.secret });
}

/** What the tenancy checks must leave untouched, to compare before and after the table. */
async function snapshot(accountIds: string[]) {
  const where = { accountId: { in: accountIds } };
  const [accounts, keys, webhooks, events] = await Promise.all([
    t.db.prisma.account.findMany({
      where: { tree: { hasSome: accountIds } },
      orderBy: { id: 'asc' },
    }),
    t.db.prisma.apiKey.findMany({ where, orderBy: { id: 'asc' } }),
    t.db.prisma.webhook.findMany({ where, orderBy: { id: 'asc' } }),
    t.db.prisma.event.findMany({ where, orderBy: { id: 'asc' } }),
  ]);
  return { accounts, keys, webhooks, events };
}

beforeAll(async () => {
  t = await startTestApp();
  tree = await createResellerTree(t.app, t.db);
  const siblingRes = await api(t.app, tree.reseller.key).put(`/v2/accounts/${tree.reseller.id}`, {
    name: 'sibling',
  });
  const siblingId = siblingRes.json().data.id as string;
  const siblingKey = (
    await api(t.app, tree.reseller.key).put(`/v2/accounts/${siblingId}/api_keys`, {
      scopes: ['read', 'manage', 'publish'],
    })
  ).json().data.api_key;
  sibling = { id: siblingId, key: siblingKey };
  const other = await createTenant(t.db, 'stranger');
  stranger = { id: other.account.id, key: other.key };
  for (const a of [tree.reseller, tree.customer, tree.subCustomer, sibling, stranger])
    await seed(a.id, a.key);
});
afterAll(() => t.close());

function call(key: string | undefined, method: Method, url: string, body?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: key ? { 'x-auth-token': key } : {},
    ...(body === undefined ? {} : { payload: { data: body } }),
  });
}

describe("a child's key on accounts it does not manage: 403 on every route", () => {
  const targets = [
    ['its parent', () => tree.reseller.id],
    ['its sibling', () => sibling.id],
    ['an unrelated tenant', () => stranger.id],
  ] as const;

  it.each(
    targets.flatMap(([who, id]) =>
      ROUTES.map(([method, path, body]) => [who, method, path, body, id] as const),
    ),
  )('on %s: %s', async (_who, method, path, body, id) => {
    const A = id();
    const url = path({ A, ...owned.get(A)! });
    const res = await call(tree.customer.key, method, url, body);
    const data = expectError(res, 403);
    expect(data).toEqual({});
    expect(res.body).not.toContain(owned.get(A)!.secret);
  });

  it.each(
    ROUTES.map(
      ([method, path, body]) =>
        [method, path({ A: '{A}', W: '{W}', K: '{K}', E: '{E}' }), path, body] as const,
    ),
  )('on an account id that does not exist: %s %s', async (method, _label, path, body) => {
    const A = randomUUID().replaceAll('-', '');
    const W = owned.get(stranger.id)!;
    expectError(await call(tree.customer.key, method, path({ A, ...W }), body), 403);
  });

  it.each(
    ROUTES.map(
      ([method, path, body]) =>
        [method, path({ A: '{A}', W: '{W}', K: '{K}', E: '{E}' }), path, body] as const,
    ),
  )('a sub-customer on its own parent: %s %s', async (method, _label, path, body) => {
    const A = tree.customer.id;
    expectError(await call(tree.subCustomer.key, method, path({ A, ...owned.get(A)! }), body), 403);
  });

  it.each(
    ROUTES.map(
      ([method, path, body]) =>
        [method, path({ A: '{A}', W: '{W}', K: '{K}', E: '{E}' }), path, body] as const,
    ),
  )('without any key: 401 on %s %s', async (method, _label, path, body) => {
    const A = tree.customer.id;
    expectError(await call(undefined, method, path({ A, ...owned.get(A)! }), body), 401);
  });
});

describe('foreign ids under one’s own account: 404', () => {
  it.each(
    ID_ROUTES.map(
      ([method, path, body]) =>
        [method, path({ A: '{own}', W: '{W}', K: '{K}', E: '{E}' }), path, body] as const,
    ),
  )("the parent's ids: %s %s", async (method, _label, path, body) => {
    const own = tree.customer.id;
    const foreign = owned.get(tree.reseller.id)!;
    const res = await call(tree.customer.key, method, path({ A: own, ...foreign }), body);
    expectError(res, 404);
    expect(res.body).not.toContain(foreign.secret);
  });

  it.each(
    ID_ROUTES.map(
      ([method, path, body]) =>
        [method, path({ A: '{own}', W: '{W}', K: '{K}', E: '{E}' }), path, body] as const,
    ),
  )("a stranger's ids: %s %s", async (method, _label, path, body) => {
    const foreign = owned.get(stranger.id)!;
    expectError(
      await call(tree.customer.key, method, path({ A: tree.customer.id, ...foreign }), body),
      404,
    );
  });

  it("a child's webhook under the parent's own path is a 404 too: ids belong to one account", async () => {
    const childHook = owned.get(tree.customer.id)!.W;
    expectError(
      await api(t.app, tree.reseller.key).get(
        `/v2/accounts/${tree.reseller.id}/webhooks/${childHook}`,
      ),
      404,
    );
  });
});

describe('nothing was changed by the refused requests', () => {
  it('accounts, keys, webhooks (secrets included) and events are as seeded', async () => {
    // Runs after the tables above (vitest runs a file's tests in order).
    const ids = [tree.reseller.id, tree.customer.id, tree.subCustomer.id, sibling.id, stranger.id];
    const now = await snapshot(ids);
    expect(now.accounts.map((a) => a.name).sort()).toEqual([
      'customer',
      'reseller',
      'sibling',
      'stranger',
      'sub-customer',
    ]);
    expect(now.webhooks).toHaveLength(5);
    for (const id of ids) {
      const mine = owned.get(id)!;
      const hook = now.webhooks.find((w) => w.accountId === id)!;
      expect(hook).toMatchObject({
        id: mine.W,
        name: 'hook',
        uri: `http://127.0.0.1:9/${id}`,
        secret: mine.secret,
      });
      expect(now.keys.filter((k) => k.accountId === id).map((k) => k.id)).toContain(mine.K);
      expect(now.events.filter((e) => e.accountId === id).map((e) => e.id)).toEqual([mine.E]);
    }
    expect(now.keys.filter((k) => k.name === 'intruder key')).toEqual([]);
  });
});

describe('a parent manages its descendants', () => {
  it("creates, reads, lists, changes, rotates and deletes its child's webhooks", async () => {
    const as = api(t.app, tree.reseller.key);
    const A = tree.customer.id;
    const created = expectSuccess(
      await as.put(`/v2/accounts/${A}/webhooks`, { ...hookBody, name: 'by the parent' }),
      201,
    );
    expect(
      await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.id } }),
    ).toMatchObject({ accountId: A });

    expect(expectSuccess(await as.get(`/v2/accounts/${A}/webhooks/${created.id}`)).name).toBe(
      'by the parent',
    );
    const listed = expectSuccess(await as.get(`/v2/accounts/${A}/webhooks`)).map(
      (w: { id: string }) => w.id,
    );
    expect(listed).toEqual(expect.arrayContaining([created.id, owned.get(A)!.W]));
    expect(
      expectSuccess(await as.patch(`/v2/accounts/${A}/webhooks/${created.id}`, { retries: 4 }))
        .retries,
    ).toBe(4);
    expect(
      expectSuccess(await as.get(`/v2/accounts/${A}/webhooks/${created.id}/secret`)).secret,
    ).toBe(created.secret);
    expect(
      expectSuccess(await as.put(`/v2/accounts/${A}/webhooks/${created.id}/secret`, {})).secret,
    ).not.toBe(created.secret);
    expectSuccess(await as.delete(`/v2/accounts/${A}/webhooks/${created.id}`));
    expect(await t.db.prisma.webhook.count({ where: { id: created.id } })).toBe(0);
  });

  it("the grandparent reaches the grandchild's webhook and the child sees it as well", async () => {
    const A = tree.subCustomer.id;
    const W = owned.get(A)!.W;
    expect(
      expectSuccess(await api(t.app, tree.reseller.key).get(`/v2/accounts/${A}/webhooks/${W}`)).id,
    ).toBe(W);
    expect(
      expectSuccess(await api(t.app, tree.customer.key).get(`/v2/accounts/${A}/webhooks/${W}`)).id,
    ).toBe(W);
  });

  it("a parent's account list and key list of a child", async () => {
    const as = api(t.app, tree.reseller.key);
    expect(expectSuccess(await as.get(`/v2/accounts/${tree.customer.id}`)).id).toBe(
      tree.customer.id,
    );
    const keys = expectSuccess(await as.get(`/v2/accounts/${tree.customer.id}/api_keys`));
    expect(keys.map((k: { id: string }) => k.id)).toContain(owned.get(tree.customer.id)!.K);
  });
});

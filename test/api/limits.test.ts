import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';

/** One tenant cannot hurt the others: what it may ask of the shared service is bounded. */
let t: TestApp;
let A: string;
let key: string;

beforeAll(async () => {
  t = await startTestApp(
    testConfig({
      SWITCHBOARD_MAX_WEBHOOKS_PER_ACCOUNT: '3',
      SWITCHBOARD_MAX_ACCOUNT_DEPTH: '3',
      SWITCHBOARD_MAX_PAGE_SIZE: '2',
      SWITCHBOARD_MAX_UNPAGED_RESULTS: '3',
      SWITCHBOARD_MAX_URI_LENGTH: '64',
    }),
  );
  const tenant = await createTenant(t.db, 'bounded');
  A = tenant.account.id;
  key = tenant.key;
});
afterAll(() => t.close());

const hook = (n: number, extra: Record<string, unknown> = {}) => ({
  name: `hook ${n}`,
  uri: `http://127.0.0.1:9/${n}`,
  hook: 'all',
  ...extra,
});

describe('limits', () => {
  it('modifiers of 99 strings of 70,000 characters: 400, nothing stored', async () => {
    const modifiers = Object.fromEntries(
      Array.from({ length: 99 }, (_, i) => [`f${i}`, 'x'.repeat(70_000)]),
    );
    const res = await api(t.app, key).put(`/v2/accounts/${A}/webhooks`, hook(0, { modifiers }));
    expectError(res, 400, 'validation error');
    expect(await t.db.prisma.webhook.count({ where: { accountId: A } })).toBe(0);
  });

  it('modifiers and custom_data over their byte limits (default 8 KiB): 400 maxSize', async () => {
    const big = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`f${i}`, 'x'.repeat(1000)]),
    );
    const res = await api(t.app, key).put(
      `/v2/accounts/${A}/webhooks`,
      hook(0, { modifiers: big, custom_data: { ...big, g: 'y' } }),
    );
    expectValidation(res, { modifiers: 'maxSize', custom_data: 'maxSize' });
  });

  it('a uri longer than the setting: 400 maxLength', async () => {
    const res = await api(t.app, key).put(
      `/v2/accounts/${A}/webhooks`,
      hook(0, { uri: `http://127.0.0.1:9/${'p'.repeat(60)}` }),
    );
    expectValidation(res, { uri: 'maxLength' });
  });

  it('webhooks per account: the one past the limit is a 409, and is not stored', async () => {
    for (const n of [1, 2, 3]) {
      expectSuccess(await api(t.app, key).put(`/v2/accounts/${A}/webhooks`, hook(n)), 201);
    }
    const res = await api(t.app, key).put(`/v2/accounts/${A}/webhooks`, hook(4));
    expect(expectError(res, 409)).toEqual({ limit: 'webhooks_per_account', max: 3 });
    expect(await t.db.prisma.webhook.count({ where: { accountId: A } })).toBe(3);
  });

  it('webhooks per account: ten creates at once leave exactly the limit stored, the rest 409', async () => {
    const other = await createTenant(t.db, 'racing');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        api(t.app, other.key).put(`/v2/accounts/${other.account.id}/webhooks`, hook(n)),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 201, 201, ...Array(7).fill(409)]);
    expect(await t.db.prisma.webhook.count({ where: { accountId: other.account.id } })).toBe(3);
  });

  it('page sizes are served at most at the limit; paginate=false at most its bound', async () => {
    const paged = await api(t.app, key).get(`/v2/accounts/${A}/webhooks?page_size=1000`);
    expect(expectSuccess(paged)).toHaveLength(2);
    expect(paged.json().next_start_key).toEqual(expect.any(String));
    const all = await api(t.app, key).get(`/v2/accounts/${A}/webhooks?paginate=false`);
    expect(expectSuccess(all)).toHaveLength(3);
  });

  it('the account tree is at most 3 levels deep here', async () => {
    const as = api(t.app, key);
    const child = expectSuccess(await as.put(`/v2/accounts/${A}`, { name: 'level 2' }), 201).id;
    const grandchild = expectSuccess(
      await as.put(`/v2/accounts/${child}`, { name: 'level 3' }),
      201,
    ).id;
    const res = await as.put(`/v2/accounts/${grandchild}`, { name: 'level 4' });
    expect(expectError(res, 409)).toEqual({ limit: 'account_depth', max: 3 });
  });
});

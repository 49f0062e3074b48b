import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { expectSuccess, expectValidation } from '../support/envelope.ts';

const URI = 'http://127.0.0.1:9/hooks';
const minimal = { name: 'doc', uri: URI, hook: 'channel_create' };

describe('documents as Kazoo takes them: kept properties, ignored echoes, fixed type slips', () => {
  let t: TestApp;
  let A: string;
  let key: string;
  const as = () => api(t.app, key);

  beforeAll(async () => {
    t = await startTestApp(testConfig({ SWITCHBOARD_MAX_EXTRA_PROPERTIES_BYTES: '1024' }));
    const tenant = await createTenant(t.db, 'documents');
    A = tenant.account.id;
    key = tenant.key;
  });
  afterAll(async () => t.close());

  const create = async (body: object) =>
    expectSuccess(await as().put(`/v2/accounts/${A}/webhooks`, body), 201);
  const read = async (id: string) =>
    expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${id}`));

  it('a property we do not know is stored and returned; PATCH merges it, null removes it', async () => {
    const hook = await create({ ...minimal, group: 'CRM', ui_metadata: { ui: 'monster-ui' } });
    expect(await read(hook.id)).toMatchObject({ group: 'CRM', ui_metadata: { ui: 'monster-ui' } });
    const patched = expectSuccess(
      await as().patch(`/v2/accounts/${A}/webhooks/${hook.id}`, { group: null, note: 'n' }),
    );
    expect(patched).not.toHaveProperty('group');
    expect(patched).toMatchObject({ note: 'n', ui_metadata: { ui: 'monster-ui' } });
  });

  it('POST replaces the kept properties with the ones sent', async () => {
    const hook = await create({ ...minimal, group: 'CRM' });
    const replaced = expectSuccess(
      await as().post(`/v2/accounts/${A}/webhooks/${hook.id}`, { ...minimal, label: 'x' }),
    );
    expect(replaced).not.toHaveProperty('group');
    expect(replaced.label).toBe('x');
  });

  it('private (_id, _rev, pvt_*) and read-only properties sent back are ignored', async () => {
    const hook = await create(minimal);
    const secret = (await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.id } })).secret;
    const patched = expectSuccess(
      await as().patch(`/v2/accounts/${A}/webhooks/${hook.id}`, {
        _id: 'other',
        _rev: '3-abc',
        pvt_account_id: 'other',
        id: 'other',
        secret: 'whsec_forged',
        created: '2000-01-01T00:00:00Z',
        disable_reason: 'forged',
      }),
    );
    expect(patched.id).toBe(hook.id);
    expect(patched.created).toBe(hook.created);
    expect(patched).not.toHaveProperty('disable_reason');
    for (const k of ['_id', '_rev', 'pvt_account_id', 'secret'])
      expect(patched).not.toHaveProperty(k);
    const row = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.id } });
    expect(row.secret).toBe(secret);
    expect(row.extra).toEqual({});
  });

  it.each([
    [{ retries: '3' }, { retries: 3 }],
    [{ retries: ' 0 ' }, { retries: 0 }],
    [{ enabled: 'false' }, { enabled: false }],
    [{ include_subaccounts: 'true' }, { include_subaccounts: true }],
    [{ rate_limit: '5' }, { rate_limit: 5 }],
  ])('Kazoo-style type slip %j is stored as %j', async (slip, stored) => {
    const hook = await create({ ...minimal, ...slip });
    expect(await read(hook.id)).toMatchObject(stored);
  });

  it('known fields keep their rules after coercion, in Kazoo’s error shape', async () => {
    expectValidation(await as().put(`/v2/accounts/${A}/webhooks`, { ...minimal, retries: '7' }), {
      retries: 'maximum',
    });
    expectValidation(
      await as().put(`/v2/accounts/${A}/webhooks`, { ...minimal, enabled: 'yes', retries: '1.5' }),
      { enabled: 'type', retries: 'type' },
    );
  });

  it('custom_data takes any JSON object, bounded by SWITCHBOARD_MAX_CUSTOM_DATA_BYTES', async () => {
    const custom_data = { tenant: 'acme', count: 3, tags: ['a', 'b'], nested: { vip: true } };
    const hook = await create({ ...minimal, custom_data });
    expect((await read(hook.id)).custom_data).toEqual(custom_data);
    expectValidation(
      await as().put(`/v2/accounts/${A}/webhooks`, {
        ...minimal,
        custom_data: { big: { text: 'x'.repeat(9000) } },
      }),
      { custom_data: 'maxSize' },
    );
  });

  it('kept properties over SWITCHBOARD_MAX_EXTRA_PROPERTIES_BYTES: 400 maxSize, nothing stored', async () => {
    const before = await t.db.prisma.webhook.count({ where: { accountId: A } });
    const data = expectValidation(
      await as().put(`/v2/accounts/${A}/webhooks`, { ...minimal, blob: 'x'.repeat(2000) }),
      { blob: 'maxSize' },
    );
    expect(data.blob.maxSize.target).toBe(1024);
    expect(await t.db.prisma.webhook.count({ where: { accountId: A } })).toBe(before);
  });

  it('an account keeps its properties: PUT, POST replace, PATCH merge; read-only echoes ignored', async () => {
    const child = expectSuccess(
      await as().put(`/v2/accounts/${A}`, {
        name: 'kid',
        realm: 'kid.example.com',
        timezone: 'UTC',
      }),
      201,
    );
    expect(child).toMatchObject({ realm: 'kid.example.com', timezone: 'UTC' });
    const patched = expectSuccess(
      await as().patch(`/v2/accounts/${child.id}`, { timezone: null, ui_flags: { groups: {} } }),
    );
    expect(patched).not.toHaveProperty('timezone');
    expect(patched).toMatchObject({ name: 'kid', realm: 'kid.example.com' });
    const replaced = expectSuccess(
      await as().post(`/v2/accounts/${child.id}`, {
        ...patched,
        tree: [],
        id: 'x',
        realm: undefined,
      }),
    );
    expect(replaced).toMatchObject({ id: child.id, tree: child.tree, ui_flags: { groups: {} } });
    expect(replaced).not.toHaveProperty('realm');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';

/**
 * Kazoo's cb_webhooks. Every uri points at loopback port 9 (discard): these webhooks are
 * only stored and read back, never sent anything (docs/testing.md).
 */

let t: TestApp;
let A: string;
let key: string;

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t.db, 'webhooks');
  A = tenant.account.id;
  key = tenant.key;
});
afterAll(() => t.close());

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const SECRET = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;
const URI = 'http://127.0.0.1:9/hooks';
const minimal = { name: 'minimal', uri: URI, hook: 'channel_create' };

const as = () => api(t.app, key);

async function create(body: Record<string, unknown>) {
  return expectSuccess(await as().put(`/v2/accounts/${A}/webhooks`, body), 201) as Record<
    string,
    unknown
  > & {
    id: string;
    secret: string;
  };
}

/** A new webhook's circuit: deliveries flow. */
const CLOSED = { state: 'closed', failures: 0 };
/** The uri of `everyField` as the API shows it: the password masked. */
const MASKED_URI = 'http://hook-user:****@127.0.0.1:9/kazoo?source=switchboard';

describe('create and read back', () => {
  const everyField = {
    name: 'Every field of a webhook',
    uri: 'http://hook-user:p%40ss@127.0.0.1:9/kazoo?source=switchboard',
    http_verb: 'put',
    format: 'form-data',
    hook: 'object',
    retries: 4,
    custom_data: { tenant: 'acme', region: 'eu-west' },
    modifiers: { type: ['user', 'device'], action: 'doc_edited' },
    include_subaccounts: true,
    include_internal_legs: false,
    enabled: false,
    rate_limit: 20,
    max_in_flight: 5,
  };

  it('PUT with every field answers 201 with the whole webhook and its signing secret', async () => {
    const created = await create(everyField);
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      ...everyField,
      circuit: CLOSED,
      uri: MASKED_URI,
      created: ISO,
      modified: ISO,
      secret: expect.stringMatching(SECRET),
    });
  });

  it('GET reads it back identically, without the secret', async () => {
    const created = await create(everyField);
    const read = expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${created.id}`));
    expect(read).toEqual({
      id: created.id,
      ...everyField,
      circuit: CLOSED,
      uri: MASKED_URI,
      created: created.created,
      modified: created.modified,
    });
    expect(JSON.stringify(read)).not.toContain(created.secret);
  });

  it('stores the fields in their columns', async () => {
    const created = await create(everyField);
    const row = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({
      accountId: A,
      name: everyField.name,
      uri: everyField.uri,
      httpVerb: 'put',
      format: 'form-data',
      hook: 'object',
      eventTypes: [],
      retries: 4,
      customData: everyField.custom_data,
      modifiers: everyField.modifiers,
      includeSubaccounts: true,
      enabled: false,
      disableReason: null,
      secret: created.secret,
    });
  });

  it('VoIPBIN-style event_types instead of hook, with GET as the verb', async () => {
    const body = {
      name: 'voipbin',
      uri: URI,
      event_types: ['call_created', 'call_hungup'],
      http_verb: 'get',
      format: 'json',
    };
    const created = await create(body);
    expect(created).toMatchObject(body);
    expect(created).not.toHaveProperty('hook');
    expect(expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${created.id}`))).toMatchObject(
      body,
    );
  });

  it('POST on the collection creates too', async () => {
    const res = await as().post(`/v2/accounts/${A}/webhooks`, { ...minimal, name: 'via POST' });
    expect(expectSuccess(res, 201)).toMatchObject({
      name: 'via POST',
      secret: expect.stringMatching(SECRET),
    });
  });

  it('defaults: post, json, retries 2, include_subaccounts false, include_internal_legs true, enabled true', async () => {
    const created = await create(minimal);
    expect(created).toEqual({
      id: created.id,
      name: 'minimal',
      uri: URI,
      hook: 'channel_create',
      http_verb: 'post',
      format: 'json',
      retries: 2,
      include_subaccounts: false,
      include_internal_legs: true,
      enabled: true,
      circuit: CLOSED,
      created: ISO,
      modified: ISO,
      secret: expect.stringMatching(SECRET),
    });
  });

  it('read-only fields echoed back from a GET are accepted and ignored', async () => {
    const created = await create(minimal);
    const read = expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${created.id}`));
    const echoed = await create({
      ...read,
      name: 'echo',
      id: 'f'.repeat(32),
      created: '2000-01-01T00:00:00.000Z',
    });
    expect(echoed.id).not.toBe('f'.repeat(32));
    expect(echoed.id).not.toBe(created.id);
    expect(echoed.created).not.toBe('2000-01-01T00:00:00.000Z');
  });

  it('hook "all" is accepted', async () => {
    expect((await create({ ...minimal, hook: 'all' })).hook).toBe('all');
  });
});

describe('signing secret', () => {
  it('GET …/secret returns the secret given at creation as the only active one', async () => {
    const created = await create(minimal);
    expect(
      expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${created.id}/secret`)),
    ).toEqual({
      secret: created.secret,
      active_secrets: [created.secret],
    });
  });

  it('each webhook has its own secret', async () => {
    const [a, b] = [await create(minimal), await create(minimal)];
    expect(a.secret).not.toBe(b.secret);
  });

  it('PUT …/secret rotates: a new secret, the old one still active during its grace period', async () => {
    const created = await create(minimal);
    const rotated = expectSuccess(
      await as().put(`/v2/accounts/${A}/webhooks/${created.id}/secret`, {}),
    );
    expect(rotated.secret).toMatch(SECRET);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.active_secrets).toEqual([rotated.secret, created.secret]);
    expect(
      expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${created.id}/secret`)),
    ).toEqual(rotated);

    const row = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.secret).toBe(rotated.secret);
    const [previous] = row.previousSecrets as Array<{ secret: string; expires: string }>;
    expect(previous.secret).toBe(created.secret);
    // Default grace: 24 hours.
    expect(new Date(previous.expires).getTime() - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(new Date(previous.expires).getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
  });

  it('PUT …/secret without a body rotates as well', async () => {
    const created = await create(minimal);
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v2/accounts/${A}/webhooks/${created.id}/secret`,
      headers: { 'x-auth-token': key },
    });
    expect(expectSuccess(res).secret).not.toBe(created.secret);
  });

  it('a grace period of 0 retires the old secret at once', async () => {
    const created = await create(minimal);
    const rotated = expectSuccess(
      await as().put(`/v2/accounts/${A}/webhooks/${created.id}/secret`, {
        grace_period_seconds: 0,
      }),
    );
    expect(rotated.active_secrets).toEqual([rotated.secret]);
  });

  it('a chosen secret (Svix-style) is taken as is; a malformed one is a 400', async () => {
    const created = await create(minimal);
    const chosen = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const rotated = expectSuccess(
      await as().put(`/v2/accounts/${A}/webhooks/${created.id}/secret`, { secret: chosen }),
    );
    expect(rotated.secret).toBe(chosen);
    expectValidation(
      await as().put(`/v2/accounts/${A}/webhooks/${created.id}/secret`, { secret: 'hunter2' }),
      {
        secret: 'pattern',
      },
    );
    expectValidation(
      await as().put(`/v2/accounts/${A}/webhooks/${created.id}/secret`, {
        grace_period_seconds: -1,
      }),
      { grace_period_seconds: 'minimum' },
    );
  });

  it('replacing or patching the webhook keeps its secret', async () => {
    const created = await create(minimal);
    await as().post(`/v2/accounts/${A}/webhooks/${created.id}`, { ...minimal, name: 'replaced' });
    await as().patch(`/v2/accounts/${A}/webhooks/${created.id}`, { retries: 0 });
    expect(
      expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${created.id}/secret`)).secret,
    ).toBe(created.secret);
  });
});

describe('list', () => {
  it('GET …/webhooks lists summaries: id, name, uri, hook or event_types, enabled', async () => {
    const tenant = await createTenant(t.db, 'lister');
    const own = api(t.app, tenant.key);
    const base = `/v2/accounts/${tenant.account.id}/webhooks`;
    const kazoo = expectSuccess(await own.put(base, { ...minimal, custom_data: { a: 'b' } }), 201);
    const voipbin = expectSuccess(
      await own.put(base, {
        name: 'vb',
        uri: URI,
        event_types: ['message_created'],
        enabled: false,
      }),
      201,
    );

    const list = expectSuccess(await own.get(base)) as Array<Record<string, unknown>>;
    expect(list).toHaveLength(2);
    expect(list).toEqual(
      expect.arrayContaining([
        { id: kazoo.id, name: 'minimal', uri: URI, hook: 'channel_create', enabled: true },
        { id: voipbin.id, name: 'vb', uri: URI, event_types: ['message_created'], enabled: false },
      ]),
    );
    expect(JSON.stringify(list)).not.toContain('whsec_');
  });

  it('a system-disabled webhook shows its disable_reason in the list and on GET', async () => {
    const created = await create(minimal);
    await t.db.prisma.webhook.update({
      where: { id: created.id },
      data: { enabled: false, disableReason: 'too many failed attempts' },
    });
    const list = expectSuccess(await as().get(`/v2/accounts/${A}/webhooks?page_size=1000`));
    expect(list.find((w: { id: string }) => w.id === created.id)).toEqual({
      id: created.id,
      name: 'minimal',
      uri: URI,
      hook: 'channel_create',
      enabled: false,
      disable_reason: 'too many failed attempts',
    });
    expect(expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${created.id}`))).toMatchObject(
      {
        enabled: false,
        disable_reason: 'too many failed attempts',
      },
    );
  });

  it('pages with page_size and next_start_key', async () => {
    const tenant = await createTenant(t.db, 'pager');
    const base = `/v2/accounts/${tenant.account.id}/webhooks`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(expectSuccess(await api(t.app, tenant.key).put(base, minimal), 201).id);

    const seen: string[] = [];
    let startKey: string | undefined;
    do {
      const res = await api(t.app, tenant.key).get(
        `${base}?page_size=2${startKey ? `&start_key=${startKey}` : ''}`,
      );
      seen.push(...expectSuccess(res).map((w: { id: string }) => w.id));
      startKey = res.json().next_start_key;
    } while (startKey);
    expect(seen.sort()).toEqual(ids.sort());
  });
});

describe('replace, merge, delete', () => {
  it('POST …/webhooks/{W} replaces the whole document: fields left out return to their defaults', async () => {
    const created = await create({
      ...minimal,
      http_verb: 'put',
      retries: 0,
      custom_data: { a: 'b' },
      include_subaccounts: true,
    });
    const replaced = expectSuccess(
      await as().post(`/v2/accounts/${A}/webhooks/${created.id}`, {
        name: 'replaced',
        uri: `${URI}/v2`,
        event_types: ['sms'],
      }),
    );
    const expected = {
      id: created.id,
      name: 'replaced',
      uri: `${URI}/v2`,
      event_types: ['sms'],
      http_verb: 'post',
      format: 'json',
      retries: 2,
      include_subaccounts: false,
      include_internal_legs: true,
      enabled: true,
      circuit: CLOSED,
      created: created.created,
      modified: ISO,
    };
    expect(replaced).toEqual(expected);
    expect(expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${created.id}`))).toEqual(
      expected,
    );
  });

  it('PATCH merges: given fields change, others stay, null removes (back to the default)', async () => {
    const created = await create({
      ...minimal,
      retries: 4,
      custom_data: { a: 'b' },
      modifiers: { type: 'user' },
      format: 'form-data',
      rate_limit: 7,
    });
    const patched = expectSuccess(
      await as().patch(`/v2/accounts/${A}/webhooks/${created.id}`, {
        name: 'patched',
        custom_data: null,
        retries: null,
        modifiers: { type: ['device'] },
        rate_limit: null,
      }),
    );
    const expected = {
      id: created.id,
      name: 'patched',
      uri: URI,
      hook: 'channel_create',
      http_verb: 'post',
      format: 'form-data',
      retries: 2,
      modifiers: { type: ['device'] },
      include_subaccounts: false,
      include_internal_legs: true,
      enabled: true,
      circuit: CLOSED,
      created: created.created,
      modified: ISO,
    };
    expect(patched).toEqual(expected);
    expect(expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${created.id}`))).toEqual(
      expected,
    );
    const row = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.customData).toBeNull();
  });

  it('PATCH leaves the fields it does not name alone, defaults included', async () => {
    const body = {
      ...minimal,
      http_verb: 'get',
      format: 'form-data',
      retries: 0,
      include_subaccounts: true,
      enabled: false,
    };
    const created = await create(body);
    const patched = expectSuccess(
      await as().patch(`/v2/accounts/${A}/webhooks/${created.id}`, { name: 'renamed only' }),
    );
    expect(patched).toMatchObject({ ...body, name: 'renamed only' });
    expect(
      await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.id } }),
    ).toMatchObject({
      httpVerb: 'get',
      format: 'form-data',
      retries: 0,
      includeSubaccounts: true,
      enabled: false,
    });
  });

  it('PATCH switches from hook to event_types with hook: null', async () => {
    const created = await create(minimal);
    const patched = expectSuccess(
      await as().patch(`/v2/accounts/${A}/webhooks/${created.id}`, {
        hook: null,
        event_types: ['call_answered'],
      }),
    );
    expect(patched).toMatchObject({ event_types: ['call_answered'] });
    expect(patched).not.toHaveProperty('hook');
  });

  it.each([
    [{ event_types: ['sms'] }, { event_types: 'not_allowed' }],
    [{ hook: null }, { hook: 'required' }],
    [{ name: null }, { name: 'required' }],
    [{ uri: null }, { uri: 'required' }],
    [{ retries: 9 }, { retries: 'maximum' }],
  ])(
    'a PATCH that would leave an invalid webhook (%j) is a 400 and changes nothing',
    async (patch, fields) => {
      const created = await create(minimal);
      const before = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.id } });
      expectValidation(await as().patch(`/v2/accounts/${A}/webhooks/${created.id}`, patch), fields);
      expect(await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.id } })).toEqual(
        before,
      );
    },
  );

  it('PATCH enabled: true by hand clears a system disable reason', async () => {
    const created = await create(minimal);
    await t.db.prisma.webhook.update({
      where: { id: created.id },
      data: { enabled: false, disableReason: 'too many failed attempts' },
    });
    const patched = expectSuccess(
      await as().patch(`/v2/accounts/${A}/webhooks/${created.id}`, { enabled: true }),
    );
    expect(patched.enabled).toBe(true);
    expect(patched).not.toHaveProperty('disable_reason');
  });

  it('DELETE removes it: GET, DELETE, PATCH and the secret then answer 404', async () => {
    const created = await create(minimal);
    const deleted = expectSuccess(await as().delete(`/v2/accounts/${A}/webhooks/${created.id}`));
    expect(deleted).toMatchObject({ id: created.id, name: 'minimal' });
    expect(deleted).not.toHaveProperty('secret');
    expect(await t.db.prisma.webhook.count({ where: { id: created.id } })).toBe(0);
    for (const res of [
      await as().get(`/v2/accounts/${A}/webhooks/${created.id}`),
      await as().delete(`/v2/accounts/${A}/webhooks/${created.id}`),
      await as().patch(`/v2/accounts/${A}/webhooks/${created.id}`, { name: 'x' }),
      await as().post(`/v2/accounts/${A}/webhooks/${created.id}`, minimal),
      await as().get(`/v2/accounts/${A}/webhooks/${created.id}/secret`),
      await as().put(`/v2/accounts/${A}/webhooks/${created.id}/secret`, {}),
    ]) {
      expectError(res, 404, 'bad identifier');
    }
  });

  it('an id that never existed is a 404', async () => {
    expectError(await as().get(`/v2/accounts/${A}/webhooks/${'0'.repeat(32)}`), 404);
  });
});

describe('validation: every rule of the webhook field table (docs/api-conventions.md) answers 400 in Kazoo’s shape', () => {
  const valid = { name: 'valid', uri: URI, hook: 'all' };
  const without = (field: keyof typeof valid) =>
    Object.fromEntries(Object.entries(valid).filter(([k]) => k !== field));

  const CASES: Array<[string, Record<string, unknown>, Record<string, string>]> = [
    ['name missing', without('name'), { name: 'required' }],
    ['name empty', { ...valid, name: '' }, { name: 'minLength' }],
    ['name of 129 characters', { ...valid, name: 'n'.repeat(129) }, { name: 'maxLength' }],
    ['name not a string', { ...valid, name: ['x'] }, { name: 'type' }],
    ['uri missing', without('uri'), { uri: 'required' }],
    ['uri not a URL', { ...valid, uri: 'not a url' }, { uri: 'format' }],
    ['uri relative', { ...valid, uri: '/hooks' }, { uri: 'format' }],
    ['uri with the ftp scheme', { ...valid, uri: 'ftp://127.0.0.1/hooks' }, { uri: 'format' }],
    ['uri with the file scheme', { ...valid, uri: 'file:///etc/passwd' }, { uri: 'format' }],
    [
      'uri of 2049 characters',
      { ...valid, uri: `http://127.0.0.1/${'a'.repeat(2049 - 17)}` },
      { uri: 'maxLength' },
    ],
    ['http_verb "delete"', { ...valid, http_verb: 'delete' }, { http_verb: 'enum' }],
    [
      'http_verb "POST" (verbs are lower case)',
      { ...valid, http_verb: 'POST' },
      { http_verb: 'enum' },
    ],
    ['format "xml"', { ...valid, format: 'xml' }, { format: 'enum' }],
    ['hook unknown', { ...valid, hook: 'channel_explode' }, { hook: 'enum' }],
    ['hook not a string', { ...valid, hook: 5 }, { hook: 'type' }],
    [
      'both hook and event_types',
      { ...valid, event_types: ['call_created'] },
      { event_types: 'not_allowed' },
    ],
    ['neither hook nor event_types', without('hook'), { hook: 'required' }],
    [
      'event_types with an unknown type',
      { ...without('hook'), event_types: ['call_created', 'call_exploded'] },
      { 'event_types.1': 'enum' },
    ],
    ['event_types empty', { ...without('hook'), event_types: [] }, { event_types: 'minItems' }],
    [
      'event_types repeated',
      { ...without('hook'), event_types: ['sms', 'sms'] },
      { event_types: 'uniqueItems' },
    ],
    ['event_types not a list', { ...without('hook'), event_types: 'sms' }, { event_types: 'type' }],
    ['retries -1', { ...valid, retries: -1 }, { retries: 'minimum' }],
    ['retries 5', { ...valid, retries: 5 }, { retries: 'maximum' }],
    ['rate_limit 0', { ...valid, rate_limit: 0 }, { rate_limit: 'minimum' }],
    ['rate_limit 2.5', { ...valid, rate_limit: 2.5 }, { rate_limit: 'type' }],
    ['max_in_flight 0', { ...valid, max_in_flight: 0 }, { max_in_flight: 'minimum' }],
    ['max_in_flight 1001', { ...valid, max_in_flight: 1001 }, { max_in_flight: 'maximum' }],
    ['retries "two"', { ...valid, retries: 'two' }, { retries: 'type' }],
    ['retries "9" (coerced, then too large)', { ...valid, retries: '9' }, { retries: 'maximum' }],
    ['enabled "yes"', { ...valid, enabled: 'yes' }, { enabled: 'type' }],
    ['retries 1.5', { ...valid, retries: 1.5 }, { retries: 'type' }],
    ['custom_data not an object', { ...valid, custom_data: 'acme' }, { custom_data: 'type' }],
    ['modifiers not an object', { ...valid, modifiers: ['user'] }, { modifiers: 'type' }],
    [
      'a custom request header named Content-Type',
      { ...valid, custom_request_headers: { 'Content-Type': 'text/plain' } },
      { 'custom_request_headers.Content-Type': 'not_allowed' },
    ],
    [
      'a custom request header that is a signature',
      { ...valid, custom_request_headers: { 'webhook-signature': 'v1,forged' } },
      { 'custom_request_headers.webhook-signature': 'not_allowed' },
    ],
    [
      'a custom request header named Host',
      { ...valid, custom_request_headers: { Host: 'example.com' } },
      { 'custom_request_headers.Host': 'not_allowed' },
    ],
    [
      'a custom request header name with a space',
      { ...valid, custom_request_headers: { 'X Bad': '1' } },
      { 'custom_request_headers.X Bad': 'format' },
    ],
    [
      'a custom request header value with CR LF (header injection)',
      { ...valid, custom_request_headers: { 'X-Tenant': 'a\r\nX-Evil: 1' } },
      { 'custom_request_headers.X-Tenant': 'pattern' },
    ],
    [
      'a modifier that is an object',
      { ...valid, modifiers: { type: { is: 'user' } } },
      { 'modifiers.type': 'type' },
    ],
    [
      'include_subaccounts "yes"',
      { ...valid, include_subaccounts: 'yes' },
      { include_subaccounts: 'type' },
    ],
    [
      'include_internal_legs "no"',
      { ...valid, include_internal_legs: 'no' },
      { include_internal_legs: 'type' },
    ],
    ['enabled 1', { ...valid, enabled: 1 }, { enabled: 'type' }],
    [
      'properties we do not know over SWITCHBOARD_MAX_EXTRA_PROPERTIES_BYTES',
      { ...valid, ui_metadata: { blob: 'x'.repeat(20_000) } },
      { ui_metadata: 'maxSize' },
    ],
    [
      'disable_reason of the wrong type',
      { ...valid, disable_reason: 5 },
      { disable_reason: 'type' },
    ],
  ];

  it.each(CASES)('create with %s', async (_label, body, fields) => {
    const before = await t.db.prisma.webhook.count({ where: { accountId: A } });
    expectValidation(await as().put(`/v2/accounts/${A}/webhooks`, body), fields);
    expect(await t.db.prisma.webhook.count({ where: { accountId: A } })).toBe(before);
  });

  it.each(CASES)('replace with %s', async (_label, body, fields) => {
    const created = await create(valid);
    expectValidation(await as().post(`/v2/accounts/${A}/webhooks/${created.id}`, body), fields);
    expect(expectSuccess(await as().get(`/v2/accounts/${A}/webhooks/${created.id}`))).toMatchObject(
      valid,
    );
  });

  it('a wrong type reports the expected type as target, and an enum its allowed values', async () => {
    const typed = expectValidation(
      await as().put(`/v2/accounts/${A}/webhooks`, { ...valid, retries: 'two' }),
      { retries: 'type' },
    );
    expect(typed.retries.type).toEqual({
      message: 'Value did not match type(s): integer',
      target: 'integer',
    });
    const enumerated = expectValidation(
      await as().put(`/v2/accounts/${A}/webhooks`, { ...valid, http_verb: 'delete' }),
      {
        http_verb: 'enum',
      },
    );
    expect(enumerated.http_verb.enum.target).toEqual(['get', 'post', 'put']);
    const limited = expectValidation(
      await as().put(`/v2/accounts/${A}/webhooks`, { ...valid, retries: 5 }),
      { retries: 'maximum' },
    );
    expect(limited.retries.maximum).toEqual({ message: 'Value must be at most 4', target: 4 });
  });

  it('several mistakes are reported together', async () => {
    expectValidation(
      await as().put(`/v2/accounts/${A}/webhooks`, {
        ...valid,
        retries: 7,
        format: 'xml',
        enabled: 'no',
      }),
      {
        retries: 'maximum',
        format: 'enum',
        enabled: 'type',
      },
    );
  });

  it.each([
    'http://10.0.0.1/hook',
    'http://192.168.1.20/hook',
    'http://172.16.0.5/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00::1]/hook',
    'http://0x0a000001/hook', // 10.0.0.1 in hex: URL parsing normalises it
    'http://10.1/hook', // 10.0.0.1, short form
    'http://[::ffff:10.0.0.1]/hook', // IPv4-mapped IPv6
    'http://0.0.0.0/hook',
  ])(
    'a literal private or metadata address %s is refused (validated, never contacted)',
    async (uri) => {
      const data = expectValidation(
        await as().put(`/v2/accounts/${A}/webhooks`, { ...valid, uri }),
        { uri: 'blocked_target' },
      );
      expect(data.uri.blocked_target.message).toMatch(/not allowed/);
    },
  );

  it('a private address is refused on PATCH too', async () => {
    const created = await create(valid);
    expectValidation(
      await as().patch(`/v2/accounts/${A}/webhooks/${created.id}`, { uri: 'http://10.0.0.1/hook' }),
      {
        uri: 'blocked_target',
      },
    );
  });

  it('SWITCHBOARD_ALLOWED_TARGETS opens exactly what it lists', async () => {
    const other = await startTestApp(testConfig({ SWITCHBOARD_ALLOWED_TARGETS: '10.0.0.0/8' }));
    try {
      const tenant = await createTenant(other.db, 'allow-list');
      const base = `/v2/accounts/${tenant.account.id}/webhooks`;
      // Stored disabled and deleted at once: an allowed private target is only validated here.
      const allowed = expectSuccess(
        await api(other.app, tenant.key).put(base, {
          ...valid,
          uri: 'http://10.0.0.1/hook',
          enabled: false,
        }),
        201,
      );
      expectSuccess(await api(other.app, tenant.key).delete(`${base}/${allowed.id}`));
      expectValidation(
        await api(other.app, tenant.key).put(base, { ...valid, uri: 'http://127.0.0.1:9/hook' }),
        {
          uri: 'blocked_target',
        },
      );
    } finally {
      await other.close();
    }
  });
});

describe('re-enable (PATCH …/webhooks and …/descendants/webhooks)', () => {
  async function tenantWithHooks() {
    const tenant = await createTenant(t.db, 're-enable');
    const as = api(t.app, tenant.key);
    const child = expectSuccess(
      await as.put(`/v2/accounts/${tenant.account.id}`, { name: 'child' }),
      201,
    );
    const grandchild = expectSuccess(
      await as.put(`/v2/accounts/${child.id}`, { name: 'grandchild' }),
      201,
    );
    const make = async (accountId: string, state: 'system' | 'user' | 'on') => {
      const hook = expectSuccess(
        await as.put(`/v2/accounts/${accountId}/webhooks`, { ...minimal, name: state }),
        201,
      );
      if (state !== 'on') {
        await t.db.prisma.webhook.update({
          where: { id: hook.id },
          data: {
            enabled: false,
            disableReason: state === 'system' ? 'too many failed attempts' : null,
          },
        });
      }
      return hook.id as string;
    };
    return {
      as,
      root: tenant.account.id,
      child: child.id as string,
      hooks: {
        rootSystem: await make(tenant.account.id, 'system'),
        rootUser: await make(tenant.account.id, 'user'),
        rootOn: await make(tenant.account.id, 'on'),
        childSystem: await make(child.id, 'system'),
        grandchildSystem: await make(grandchild.id, 'system'),
      },
    };
  }

  const state = async (id: string) => {
    const row = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id } });
    return { enabled: row.enabled, disableReason: row.disableReason };
  };

  it('{} is a 400 with code required on "re-enable"', async () => {
    expectValidation(await as().patch(`/v2/accounts/${A}/webhooks`, {}), {
      're-enable': 'required',
    });
  });

  it('"re-enable": false is a 400 with code enum', async () => {
    expectValidation(await as().patch(`/v2/accounts/${A}/webhooks`, { 're-enable': false }), {
      're-enable': 'enum',
    });
    expectValidation(
      await as().patch(`/v2/accounts/${A}/descendants/webhooks`, { 're-enable': 'true' }),
      {
        're-enable': 'enum',
      },
    );
  });

  it('true re-enables the hooks the system disabled, not those a user disabled, and says how many', async () => {
    const { as, root, hooks } = await tenantWithHooks();
    expect(
      expectSuccess(await as.patch(`/v2/accounts/${root}/webhooks`, { 're-enable': true })),
    ).toEqual({ reenabled: 1 });
    expect(await state(hooks.rootSystem)).toEqual({ enabled: true, disableReason: null });
    expect(await state(hooks.rootUser)).toEqual({ enabled: false, disableReason: null });
    expect(await state(hooks.rootOn)).toEqual({ enabled: true, disableReason: null });
    expect(await state(hooks.childSystem)).toEqual({
      enabled: false,
      disableReason: 'too many failed attempts',
    });
    expect(
      expectSuccess(await as.patch(`/v2/accounts/${root}/webhooks`, { 're-enable': true })),
    ).toEqual({ reenabled: 0 });
  });

  it('…/descendants/webhooks does the same for the account and all its descendants, nothing above', async () => {
    const { as, root, child, hooks } = await tenantWithHooks();
    expect(
      expectSuccess(
        await as.patch(`/v2/accounts/${child}/descendants/webhooks`, { 're-enable': true }),
      ),
    ).toEqual({
      reenabled: 2,
    });
    expect(await state(hooks.childSystem)).toEqual({ enabled: true, disableReason: null });
    expect(await state(hooks.grandchildSystem)).toEqual({ enabled: true, disableReason: null });
    expect(await state(hooks.rootSystem)).toEqual({
      enabled: false,
      disableReason: 'too many failed attempts',
    });
    expect(
      expectSuccess(
        await as.patch(`/v2/accounts/${root}/descendants/webhooks`, { 're-enable': true }),
      ),
    ).toEqual({
      reenabled: 1,
    });
    expect(await state(hooks.rootUser)).toEqual({ enabled: false, disableReason: null });
  });
});

describe('the catalogue (no auth, as in Kazoo)', () => {
  it('GET /v2/webhooks lists the installable hooks only, each once (not all, no event types), with modifiers for object', async () => {
    const res = await api(t.app).get('/v2/webhooks');
    const hooks = expectSuccess(res) as Array<{
      id: string;
      name: string;
      description: string;
      modifiers?: Record<string, { items: string[] }>;
    }>;
    const ids = hooks.map((h) => h.id);
    // monster-ui-webhooks' renderWebhookEdit offers each entry as a hook and appends its own "all".
    expect(ids).toEqual([
      'channel_create',
      'channel_answer',
      'channel_bridge',
      'channel_destroy',
      'object',
      'parking',
      'sms',
      'notifications',
    ]);
    const notificationTypes = hooks.find((h) => h.id === 'notifications')!.modifiers!.type.items;
    expect(new Set(notificationTypes).size).toBe(notificationTypes.length);
    expect(notificationTypes).toContain('webhook_disabled');
    expect(new Set(ids).size).toBe(ids.length);
    for (const hook of hooks)
      expect(hook).toMatchObject({
        id: expect.any(String),
        name: expect.any(String),
        description: expect.any(String),
      });
    const object = hooks.find((h) => h.id === 'object')!;
    expect(object.modifiers).toEqual({
      type: {
        type: 'array',
        description: expect.any(String),
        items: expect.arrayContaining(['user', 'device', 'callflow', 'vmbox']),
      },
      action: {
        type: 'array',
        description: expect.any(String),
        items: ['doc_created', 'doc_edited', 'doc_deleted'],
      },
    });
  });

  it('GET /v2/webhooks/event_types lists every type event_types accepts, VoIPBIN’s included', async () => {
    const types = expectSuccess(await api(t.app).get('/v2/webhooks/event_types')) as Array<{
      id: string;
      kind: string;
    }>;
    const ids = types.map((e) => e.id);
    for (const type of ['call_created', 'call_hungup', 'message_created', 'activeflow_deleted'])
      expect(ids).toContain(type);
    expect(new Set(ids).size).toBe(ids.length);
    const hook = await create({ ...minimal, hook: undefined, event_types: ids });
    expect(hook.event_types).toEqual(ids);
  });

  it('GET /v2/webhooks/samples has a sample per hook', async () => {
    const samples = expectSuccess(await api(t.app).get('/v2/webhooks/samples')) as Array<{
      id: string;
      sample: object;
    }>;
    const ids = samples.map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['channel_create', 'object', 'call_created']));
    for (const s of samples) expect(s.sample).toEqual(expect.any(Object));
  });

  it('GET /v2/webhooks/samples/{id}: a Kazoo flat payload for a hook, the VoIPBIN envelope for a type', async () => {
    const kazoo = expectSuccess(await api(t.app).get('/v2/webhooks/samples/channel_create'));
    expect(kazoo).toMatchObject({
      hook_event: 'channel_create',
      call_id: expect.any(String),
      call_direction: expect.any(String),
    });
    const voipbin = expectSuccess(await api(t.app).get('/v2/webhooks/samples/call_created'));
    expect(voipbin).toMatchObject({ type: 'call_created', data: { id: expect.any(String) } });
  });

  it('an unknown sample is a 404', async () => {
    expectError(await api(t.app).get('/v2/webhooks/samples/channel_explode'), 404);
  });
});

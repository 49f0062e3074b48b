import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BODY_LIMIT = 2048;

let t: TestApp;
let accountId: string;
let key: string;

beforeAll(async () => {
  // A small body limit, so "too large" costs a 3 KiB request.
  t = await startTestApp(testConfig({ SWITCHBOARD_BODY_LIMIT: String(BODY_LIMIT) }));
  const tenant = await createTenant(t.db, 'conventions');
  accountId = tenant.account.id;
  key = tenant.key;
});
afterAll(() => t.close());

/** A request with a raw body, for what api() cannot send (bad JSON, other content types). */
function raw(
  method: 'PUT' | 'POST',
  url: string,
  payload: string,
  contentType?: string,
  auth = key,
) {
  return t.app.inject({
    method,
    url,
    headers: {
      'x-auth-token': auth,
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
    },
    payload,
  });
}

describe('success envelope', () => {
  it('carries data, status "success", the request id (also the X-Request-ID header), a revision and a timestamp', async () => {
    const res = await api(t.app, key).get(`/v2/accounts/${accountId}`);
    const data = expectSuccess(res);
    expect(data).toMatchObject({ id: accountId, name: 'conventions' });
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(res.json().request_id).toBe(res.headers['x-request-id']);
    expect(res.json().revision).toMatch(/^[0-9a-f]{32}$/);
  });

  it('the revision changes when the document changes, and only then', async () => {
    const as = api(t.app, key);
    const child = expectSuccess(await as.put(`/v2/accounts/${accountId}`, { name: 'rev' }), 201);
    const first = (await as.get(`/v2/accounts/${child.id}`)).json().revision;
    expect((await as.get(`/v2/accounts/${child.id}`)).json().revision).toBe(first);
    await as.patch(`/v2/accounts/${child.id}`, { name: 'rev 2' });
    expect((await as.get(`/v2/accounts/${child.id}`)).json().revision).not.toBe(first);
  });

  it('echoes a client-supplied X-Request-ID in the header and the envelope', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${accountId}`,
      headers: { 'x-auth-token': key, 'x-request-id': 'client-chosen.id-42' },
    });
    expectSuccess(res);
    expect(res.headers['x-request-id']).toBe('client-chosen.id-42');
    expect(res.json().request_id).toBe('client-chosen.id-42');
  });

  it('replaces an X-Request-ID that is not a plain token by a fresh uuid', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${accountId}`,
      headers: { 'x-auth-token': key, 'x-request-id': 'has spaces\tand "quotes"' },
    });
    expectSuccess(res);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('errors carry the request id too', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${accountId}`,
      headers: { 'x-request-id': 'trace-401' },
    });
    expectError(res, 401);
    expect(res.json().request_id).toBe('trace-401');
  });
});

describe('list envelope', () => {
  it('has page_size, and next_start_key only while there is a next page', async () => {
    const { account, key: ownKey } = await createTenant(t.db, 'lister');
    const as = api(t.app, ownKey);
    for (const name of ['one', 'two', 'three']) {
      expectSuccess(await as.put(`/v2/accounts/${account.id}`, { name }), 201);
    }

    const all = await as.get(`/v2/accounts/${account.id}/children`);
    expect(expectSuccess(all)).toHaveLength(3);
    expect(all.json().page_size).toBe(3);
    expect(all.json()).not.toHaveProperty('next_start_key');

    const first = await as.get(`/v2/accounts/${account.id}/children?page_size=2`);
    expect(expectSuccess(first)).toHaveLength(2);
    expect(first.json().page_size).toBe(2);
    expect(first.json().next_start_key).toEqual(expect.any(String));

    const startKey = first.json().next_start_key as string;
    const second = await as.get(
      `/v2/accounts/${account.id}/children?page_size=2&start_key=${startKey}`,
    );
    expect(expectSuccess(second)).toHaveLength(1);
    expect(second.json()).toMatchObject({ page_size: 1, start_key: startKey });
    expect(second.json()).not.toHaveProperty('next_start_key');

    const names = [...first.json().data, ...second.json().data]
      .map((a: { name: string }) => a.name)
      .sort();
    expect(names).toEqual(['one', 'three', 'two']);
  });

  it.each([
    ['0', 'minimum'],
    ['1001', 'maximum'],
    ['ten', 'type'],
  ])('page_size=%s is a 400 with code %s', async (pageSize, code) => {
    const res = await api(t.app, key).get(
      `/v2/accounts/${accountId}/children?page_size=${pageSize}`,
    );
    expectValidation(res, { page_size: code });
  });

  it.each([
    ['not base64 json', 'zzz'],
    ['json but not a list', Buffer.from('{"a":1}').toString('base64url')],
    ['a list of the wrong arity', Buffer.from('["a","b"]').toString('base64url')],
    ['a list of numbers', Buffer.from('[1]').toString('base64url')],
  ])('a tampered start_key (%s) is a 400, not a 500', async (_label, startKey) => {
    const res = await api(t.app, key).get(
      `/v2/accounts/${accountId}/children?start_key=${startKey}`,
    );
    expectValidation(res, { start_key: 'format' });
  });
});

describe('authentication', () => {
  it('without a key: 401 in the error envelope', async () => {
    const data = expectError(await api(t.app).get(`/v2/accounts/${accountId}`), 401);
    expect(data).toEqual({});
  });

  it('with a wrong key: 401', async () => {
    expectError(await api(t.app, 'sbk_not-a-key').get(`/v2/accounts/${accountId}`), 401);
  });

  it('a 401 comes before the body is looked at', async () => {
    expectError(await api(t.app).put(`/v2/accounts/${accountId}`, { unknown: 1 }), 401);
    expectError(
      await raw('PUT', `/v2/accounts/${accountId}`, '{"data":', 'application/json', 'sbk_wrong'),
      401,
    );
  });

  it('accepts Authorization: Bearer as well as X-Auth-Token', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${accountId}`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(expectSuccess(res).id).toBe(accountId);
  });

  it('a wrong Bearer token is a 401', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${accountId}`,
      headers: { authorization: 'Bearer sbk_wrong' },
    });
    expectError(res, 401);
  });

  it('another scheme than Bearer is not a key', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${accountId}`,
      headers: { authorization: `Basic ${key}` },
    });
    expectError(res, 401);
  });
});

describe('bad requests answer 4xx in the error envelope, never 500', () => {
  it('malformed JSON: 400', async () => {
    expectError(
      await raw('PUT', `/v2/accounts/${accountId}`, '{"data": {"name": ', 'application/json'),
      400,
      'invalid json',
    );
  });

  it('an empty JSON body where a body is required: 400', async () => {
    expectValidation(await raw('PUT', `/v2/accounts/${accountId}`, '', 'application/json'), {
      body: 'type',
    });
  });

  it('an empty body labelled application/json is no body (DELETE as curl examples send it)', async () => {
    const { account, key: ownKey } = await createTenant(t.db, 'curl user');
    const child = expectSuccess(
      await api(t.app, ownKey).put(`/v2/accounts/${account.id}`, { name: 'leaf' }),
      201,
    );
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/v2/accounts/${child.id}`,
      headers: { 'x-auth-token': ownKey, 'content-type': 'application/json' },
    });
    expect(expectSuccess(res).id).toBe(child.id);
  });

  it('a JSON body with __proto__: 400', async () => {
    const body = '{"data": {"name": "x", "__proto__": {"admin": true}}}';
    expectError(await raw('PUT', `/v2/accounts/${accountId}`, body, 'application/json'), 400);
  });

  it('a body without the {"data": …} envelope: 400 required on "data"', async () => {
    expectValidation(
      await raw('PUT', `/v2/accounts/${accountId}`, '{"name": "x"}', 'application/json'),
      {
        data: 'required',
        name: 'unknown_field',
      },
    );
  });

  it('a JSON body that is not an object: 400 type', async () => {
    expectValidation(await raw('PUT', `/v2/accounts/${accountId}`, '[1, 2]', 'application/json'), {
      body: 'type',
    });
  });

  it('"data" that is not an object: 400 type on "data"', async () => {
    expectValidation(await api(t.app, key).put(`/v2/accounts/${accountId}`, 'a name'), {
      data: 'type',
    });
  });

  it('a property the API does not know is kept and returned, as Kazoo does', async () => {
    const created = expectSuccess(
      await api(t.app, key).put(`/v2/accounts/${accountId}`, { name: 'x', colour: 'red' }),
      201,
    );
    expect(created.colour).toBe('red');
    expect(expectSuccess(await api(t.app, key).get(`/v2/accounts/${created.id}`)).colour).toBe(
      'red',
    );
  });

  it('a missing field: 400 code required, named without the "data." prefix', async () => {
    const data = expectValidation(await api(t.app, key).put(`/v2/accounts/${accountId}`, {}), {
      name: 'required',
    });
    expect(data.name.required.message).toBe('Field is required but missing');
  });

  it('a wrong type: 400 code type, with the expected type as target, and no coercion', async () => {
    const data = expectValidation(
      await api(t.app, key).put(`/v2/accounts/${accountId}`, { name: 42 }),
      { name: 'type' },
    );
    expect(data.name.type.target).toBe('string');
  });

  it('a body over the limit: 413', async () => {
    const res = await api(t.app, key).put(`/v2/accounts/${accountId}`, {
      name: 'x'.repeat(BODY_LIMIT + 1000),
    });
    expectError(res, 413, 'request body too large');
  });

  it.each([
    ['text/plain', 'name=x'],
    ['application/x-www-form-urlencoded', 'data[name]=x'],
    ['application/xml', '<data><name>x</name></data>'],
  ])('content type %s: 415', async (contentType, body) => {
    expectError(await raw('PUT', `/v2/accounts/${accountId}`, body, contentType), 415);
  });

  it('a body without a content type: read as JSON when it is JSON (as Kazoo), else 415', async () => {
    const put = (payload: string) =>
      t.app.inject({
        method: 'PUT',
        url: `/v2/accounts/${accountId}`,
        headers: { 'x-auth-token': key },
        payload: Buffer.from(payload),
      });
    expect(expectSuccess(await put('{"data":{"name":"x"}}'), 201).name).toBe('x');
    expectError(await put('name=x'), 415);
  });

  it('JSON with a charset is JSON', async () => {
    const res = await raw(
      'PUT',
      `/v2/accounts/${accountId}`,
      '{"data":{"name":"utf8 ✓"}}',
      'application/json; charset=utf-8',
    );
    expect(expectSuccess(res, 201).name).toBe('utf8 ✓');
  });

  it('an unknown route: 404 in the error envelope', async () => {
    const data = expectError(await api(t.app, key).get('/v2/no/such/route'), 404, 'not found');
    expect(data).toEqual({ path: '/v2/no/such/route' });
  });

  it('an unknown route without a key: still 404 (nothing to authenticate for)', async () => {
    expectError(await api(t.app).get('/nowhere'), 404);
  });
});

describe('operations', () => {
  it('/healthz answers while the process is up', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz checks Postgres and Redis', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';
import { createWebhook, publish } from '../support/tenants.ts';

/**
 * Inputs a security review found answering 500: each now answers a 4xx in the Crossbar envelope,
 * and nothing is stored.
 */
let t: TestApp;
let A: string;
let key: string;
let W: string;
let K: string;
const E = 'hostile-event';
const NUL = '%00';
const cursor = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t.db, 'hostile');
  A = tenant.account.id;
  key = tenant.key;
  W = (await createWebhook(t.app, key, A, { uri: 'http://127.0.0.1:9/h', hook: 'all' })).id;
  K = (await t.db.prisma.apiKey.findFirstOrThrow({ where: { accountId: A } })).id;
  await publish(t.app, key, A, { id: E, type: 'sms', payload: {} });
});
afterAll(() => t.close());

function call(method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', url: string, data?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { 'x-auth-token': key },
    ...(data === undefined ? {} : { payload: { data } }),
  });
}

describe('NUL in a path id', () => {
  it.each([
    ['GET', `/v2/accounts/${NUL}`],
    ['GET', `/v2/accounts/${NUL}/webhooks`],
    ['PUT', `/v2/accounts/a${NUL}b/api_keys`],
  ] as const)('%s %s as the account: 403, no lookup', async (method, url) => {
    expectError(await call(method, url), 403);
  });

  it.each([
    ['GET', () => `/v2/accounts/${A}/webhooks/${NUL}`],
    ['GET', () => `/v2/accounts/${A}/webhooks/${NUL}/secret`],
    ['GET', () => `/v2/accounts/${A}/webhooks/${NUL}/attempts`],
    ['PATCH', () => `/v2/accounts/${A}/webhooks/${NUL}`, { name: 'x' }],
    ['DELETE', () => `/v2/accounts/${A}/webhooks/${NUL}`],
    ['POST', () => `/v2/accounts/${A}/webhooks/${NUL}/recover`, { since: '2020-01-01T00:00:00Z' }],
    ['GET', () => `/v2/accounts/${A}/events/${NUL}`],
    ['POST', () => `/v2/accounts/${A}/events/${NUL}/redeliver`],
    ['DELETE', () => `/v2/accounts/${A}/api_keys/${NUL}`],
  ] as const)('%s %s: 400 naming the parameter', async (method, url, data?: unknown) => {
    const details = expectError(await call(method, url(), data), 400, 'validation error');
    expect(Object.values(details)[0]).toHaveProperty('format');
  });
});

describe('cursors and dates', () => {
  it.each([
    ['webhooks', () => `/v2/accounts/${A}/webhooks?start_key=${cursor(['a\u0000'])}`],
    ['children', () => `/v2/accounts/${A}/children?start_key=${cursor(['a\u0000'])}`],
    ['attempts', () => `/v2/accounts/${A}/webhooks/attempts?start_key=${cursor(['x', 'a\u0000'])}`],
    [
      'attempts, a date Postgres cannot hold',
      () =>
        `/v2/accounts/${A}/webhooks/attempts?start_key=${cursor(['+275760-01-01T00:00:00Z', 'x'])}`,
    ],
  ])('a start_key of %s that decodes to what Postgres refuses: 400 start_key', async (_n, url) => {
    expectValidation(await call('GET', url()), { start_key: 'format' });
  });

  it.each([
    ['created_from', '9'.repeat(40)],
    ['created_to', '99999999999999'],
    ['created_from', '0000-01-01'],
  ])('%s=%s: 400 naming the filter', async (field, value) => {
    const res = await call('GET', `/v2/accounts/${A}/webhooks/attempts?${field}=${value}`);
    expectValidation(res, { [field]: 'format' });
  });

  it('recover since a leap second (valid RFC 3339, not a Date): 400 since', async () => {
    const res = await call('POST', `/v2/accounts/${A}/webhooks/${W}/recover`, {
      since: '2016-12-31T23:59:60Z',
    });
    expectValidation(res, { since: 'format' });
  });
});

describe('text Postgres cannot hold, in every writable field', () => {
  const bad = ['a\u0000b', 'a\udc00b'];
  it.each(
    bad.flatMap(
      (text) =>
        [
          ['account name', 'PUT', () => `/v2/accounts/${A}`, { name: text }, 'name'],
          ['account rename', 'PATCH', () => `/v2/accounts/${A}`, { name: text }, 'name'],
          ['key name', 'PUT', () => `/v2/accounts/${A}/api_keys`, { name: text }, 'name'],
          [
            'webhook name',
            'PATCH',
            () => `/v2/accounts/${A}/webhooks/${W}`,
            { name: text },
            'name',
          ],
          [
            'custom_data value',
            'PATCH',
            () => `/v2/accounts/${A}/webhooks/${W}`,
            { custom_data: { k: text } },
            'custom_data.k',
          ],
          [
            'custom_data key',
            'PATCH',
            () => `/v2/accounts/${A}/webhooks/${W}`,
            { custom_data: { [text]: 'v' } },
            `custom_data.${text}`,
          ],
          [
            'modifiers',
            'PATCH',
            () => `/v2/accounts/${A}/webhooks/${W}`,
            { modifiers: { k: [text] } },
            'modifiers.k.0',
          ],
        ] as const,
    ),
  )('%s: 400 naming the field, nothing stored', async (_what, method, url, data, field) => {
    const before = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: W } });
    expectValidation(await call(method, url(), data), { [field]: 'format' });
    expect(await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: W } })).toEqual(before);
  });
});

describe('other inputs that used to crash', () => {
  it('a secret that passes the pattern but is not base64 of 24–64 bytes: 400 secret', async () => {
    const res = await call('PUT', `/v2/accounts/${A}/webhooks/${W}/secret`, {
      secret: `whsec_${'A'.repeat(33)}`,
    });
    expectValidation(res, { secret: 'format' });
  });

  it('a payload nested 5,000 deep: 400 maxDepth, nothing stored', async () => {
    // Written as text: JSON.stringify itself cannot go this deep.
    const payload = `${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}`;
    const res = await t.app.inject({
      method: 'POST',
      url: `/v2/accounts/${A}/events`,
      headers: { 'x-auth-token': key, 'content-type': 'application/json' },
      payload: `{"data":{"id":"deep","type":"sms","payload":${payload}}}`,
    });
    const details = expectError(res, 400, 'validation error');
    expect(Object.values(details)[0]).toHaveProperty('maxDepth');
    expect(await t.db.prisma.event.count({ where: { accountId: A, id: 'deep' } })).toBe(0);
  });

  it.each(['/v2/accounts/%FF', '/v2/accounts/%E0%A4%A', '/v2/webhooks/samples/%'])(
    'malformed percent-encoding %s: 400 in the envelope',
    async (url) => {
      expectError(
        await t.app.inject({ method: 'GET', url, headers: { 'x-auth-token': key } }),
        400,
      );
    },
  );

  it.each(['constructor', 'toString', 'hasOwnProperty'])(
    'a body field named %s is a 400 naming it, and no prototype changes',
    async (field) => {
      const res = await call('PATCH', `/v2/accounts/${A}`, { [field]: 1 });
      expectValidation(res, { [field]: 'not_allowed' });
      expect(typeof ({} as Record<string, unknown>)[field]).toBe('function');
      expect(Object.hasOwn(expectSuccess(await call('GET', `/v2/accounts/${A}`)), field)).toBe(
        false,
      );
    },
  );

  it('a body with __proto__ is a 400 naming it', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/v2/accounts/${A}`,
      headers: { 'x-auth-token': key, 'content-type': 'application/json' },
      payload: '{"data":{"name":"x","__proto__":{"polluted":true}}}',
    });
    expectValidation(res, { ['__proto__']: 'not_allowed' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the account is still intact after all of it', async () => {
    expect(expectSuccess(await call('GET', `/v2/accounts/${A}`)).name).toBe('hostile');
    expect(K).toMatch(/^[0-9a-f]{32}$/);
  });
});

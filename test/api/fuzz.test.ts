import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { createWebhook, publish } from '../support/tenants.ts';

/**
 * Hostile-input sweep driven by the OpenAPI document: every route, with path, query and body
 * values drawn from what broke servers before (NUL, lone surrogates, malformed percent-encoding,
 * built-in property names, deep nesting, huge strings, dates out of range, forged cursors).
 * Whatever comes in, nothing answers 5xx, and every error is the Crossbar envelope.
 * Seeded, so a failure replays: FUZZ_SEED=<seed> npx vitest run test/api/fuzz.test.ts
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 30);

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  format?: string;
};
interface Operation {
  parameters?: Array<{ in: string; name: string; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
}

/** URL-encodes text; a lone surrogate (which UTF-8 cannot carry) goes as its raw CESU-8 bytes. */
const encode = (text: string) =>
  text.isWellFormed()
    ? encodeURIComponent(text)
    : `${encodeURIComponent(text.toWellFormed())}%ED%B0%80`;
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Strings that broke something once, somewhere. */
const hostileText = fc.constantFrom(
  '\u0000',
  'a\u0000b',
  '\udc00',
  '😀'.slice(0, 1),
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  '9'.repeat(40),
  '99999999999999',
  '0000-01-01',
  '2016-12-31T23:59:60Z',
  '+275760-09-13T00:00:00Z',
  '-1',
  '1e400',
  'NaN',
  '',
  ' ',
  'x'.repeat(70_000),
  '../../etc/passwd',
  'whsec_' + 'A'.repeat(33),
  cursorOf(['a\u0000']),
  cursorOf(['+275760-01-01T00:00:00Z', 'x']),
  cursorOf({ not: 'a list' }),
  '%FF',
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.constantFrom(-1, 0, 1e308, 2 ** 53 + 1, 3.5, true, false, null, [], {}),
  fc.dictionary(
    fc.constantFrom('constructor', 'toString', '__proto__', 'a\u0000', 'k'),
    hostileText,
    {
      maxKeys: 3,
    },
  ),
  fc.integer({ min: 20, max: 40 }).map((n) => JSON.parse(deep(n)) as unknown),
);

/** A plausible value for a schema node, often swapped for a hostile one. */
function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const plausible = (): fc.Arbitrary<unknown> => {
    if (!schema || depth > 4) return fc.string({ maxLength: 8 });
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (schema.format === 'date-time') return fc.constant('2020-01-01T00:00:00Z');
    if (schema.format === 'uri') return fc.constant('http://u:p@127.0.0.1:9/fuzz');
    switch (type) {
      case 'object': {
        const shape = Object.fromEntries(
          Object.entries(schema.properties ?? {}).map(([k, v]) => [k, valueFor(v, depth + 1)]),
        );
        return fc.record(shape, { requiredKeys: [] });
      }
      case 'array':
        return fc.array(valueFor(schema.items, depth + 1), { maxLength: 3 });
      case 'integer':
        return fc.integer({ min: -5, max: 2000 });
      case 'number':
        return fc.double();
      case 'boolean':
        return fc.boolean();
      default:
        return fc.string({ maxLength: 16 });
    }
  };
  return fc.oneof({ weight: 3, arbitrary: plausible() }, { weight: 1, arbitrary: hostileValue });
}

/** A whole request body: a structured one, or raw text that no schema can describe. */
function bodyFor(operation: Operation): fc.Arbitrary<string | undefined> {
  const schema = operation.requestBody?.content['application/json']?.schema;
  const structured = (schema ? valueFor(schema) : fc.constant(undefined)).map((v) =>
    v === undefined ? undefined : JSON.stringify(v),
  );
  const raw = fc.constantFrom(
    `{"data":${deep(5000)}}`,
    `{"data":{"payload":${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}}}`,
    '{"data":{"__proto__":{"polluted":true}}}',
    '{"data":{"constructor":{"prototype":{"polluted":true}}}}',
    '{"data":',
    '"\\u0000"',
    '{"data":{"name":"\\ud800"}}',
    'null',
    '[]',
  );
  return fc.oneof({ weight: 4, arbitrary: structured }, { weight: 1, arbitrary: raw });
}

let t: TestApp;
const real: Record<string, string> = {};
let key: string;
let routes: Array<[string, string, Operation]>;

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t.db, 'fuzz');
  key = tenant.key;
  real.accountId = tenant.account.id;
  real.webhookId = (
    await createWebhook(t.app, key, tenant.account.id, {
      uri: 'http://127.0.0.1:9/fuzz',
      hook: 'all',
    })
  ).id;
  // A key of its own to be revoked by the sweep, never the one it authenticates with.
  const spare = await t.app.inject({
    method: 'PUT',
    url: `/v2/accounts/${tenant.account.id}/api_keys`,
    headers: { 'x-auth-token': key },
  });
  real.keyId = spare.json().data.id;
  real.eventId = 'fuzz-event';
  real.sampleId = 'channel_create';
  await publish(t.app, key, tenant.account.id, { id: 'fuzz-event', type: 'sms', payload: {} });
  const doc = t.app.swagger() as { paths: Record<string, Record<string, Operation>> };
  routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]): [string, string, Operation] => [
      method.toUpperCase(),
      path,
      op,
    ]),
  );
}, 60_000);
afterAll(() => t.close());

function expectNoServerErrorAndEnvelope(res: LightMyRequestResponse, what: string) {
  expect(res.statusCode, `${what} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.statusCode < 400) return;
  const body = res.json();
  expect(body, what).toEqual({
    status: 'error',
    error: String(res.statusCode),
    message: expect.any(String),
    data: expect.any(Object),
    request_id: res.headers['x-request-id'],
  });
  expect(res.body).not.toMatch(/\bat .+\.(ts|js):\d+/);
}

describe('hostile-input sweep over every route of the OpenAPI document', () => {
  it('covers every documented route', () => {
    expect(routes.length).toBeGreaterThan(30);
  });

  it('no input answers 5xx; every error is the Crossbar envelope', async () => {
    for (const [method, path, operation] of routes) {
      const parameters = operation.parameters ?? [];
      const segment = fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: hostileText.map(encode) },
        { weight: 1, arbitrary: fc.constantFrom('%FF', '%', '%E0%A4%A', '%00', '%ED%B0%80') },
      );
      const pathValues = fc.record(
        Object.fromEntries(parameters.filter((p) => p.in === 'path').map((p) => [p.name, segment])),
      );
      const queryValues = fc.record(
        Object.fromEntries(
          parameters
            .filter((p) => p.in === 'query')
            .map((p) => [p.name, fc.oneof(valueFor(p.schema), hostileValue)]),
        ),
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          pathValues,
          queryValues,
          bodyFor(operation),
          async (params, query, body) => {
            const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
              const given = (params as Record<string, string | undefined>)[name];
              return given ?? encode(real[name] ?? 'x');
            });
            const search = Object.entries(query as Record<string, unknown>)
              .map(([k, v]) => `${k}=${encode(typeof v === 'string' ? v : JSON.stringify(v))}`)
              .join('&');
            const res = await t.app.inject({
              method: method as 'GET',
              url: search ? `${url}?${search}` : url,
              headers: {
                'x-auth-token': key,
                authorization: 'Bearer fuzz',
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              },
              ...(body === undefined ? {} : { payload: body }),
            });
            expectNoServerErrorAndEnvelope(
              res,
              `${method} ${url}?${search} ${body?.slice(0, 200)}`,
            );
          },
        ),
        { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);
});

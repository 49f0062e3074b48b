import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { expectSuccess, expectValidation } from '../support/envelope.ts';

/**
 * What Kazoo's UI and integrators send that the first dialect checks tripped on. Webhooks point
 * at loopback port 9 (discard): they are stored and read back, never sent anything.
 */

let t: TestApp;
let A: string;
let key: string;
const URI = 'http://127.0.0.1:9/hooks';

beforeAll(async () => {
  t = await startTestApp(testConfig({ SWITCHBOARD_MAX_UNPAGED_RESULTS: '60' }));
  const tenant = await createTenant(t.db, 'kazoo-ui');
  A = tenant.account.id;
  key = tenant.key;
});
afterAll(() => t.close());

const as = () => api(t.app, key);

describe("bulk re-enable takes Kazoo UI's ui_metadata", () => {
  it.each(['webhooks', 'descendants/webhooks'])(
    'PATCH …/%s with re-enable and ui_metadata re-enables and ignores the metadata',
    async (path) => {
      const hook = expectSuccess(
        await as().put(`/v2/accounts/${A}/webhooks`, { name: 'off', uri: URI, hook: 'all' }),
        201,
      );
      await t.db.prisma.webhook.update({
        where: { id: hook.id },
        data: { enabled: false, disableReason: 'too many failed attempts' },
      });
      const answer = expectSuccess(
        await as().patch(`/v2/accounts/${A}/${path}`, {
          're-enable': true,
          ui_metadata: { version: '4.3-140', ui: 'monster-ui', origin: 'webhooks' },
        }),
      );
      expect(answer).toEqual({ reenabled: 1 });
      const row = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.id } });
      expect(row.enabled).toBe(true);
      expect(row.extra).toEqual({});
    },
  );

  it('other unknown fields stay a 400 unknown_field', async () => {
    expectValidation(
      await as().patch(`/v2/accounts/${A}/webhooks`, { 're-enable': true, colour: 'red' }),
      { colour: 'unknown_field' },
    );
  });
});

describe('paginate=false on the attempts log answers the whole time range', () => {
  it('56 attempts in range come back in one answer (the bound here is 60), none outside it', async () => {
    const hook = expectSuccess(
      await as().put(`/v2/accounts/${A}/webhooks`, { name: 'log', uri: URI, hook: 'all' }),
      201,
    );
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload) VALUES ($1, 'ui-evt', 'channel_create', '{}')`,
      [A],
    );
    await t.db.pool.query(
      `INSERT INTO deliveries (id, event_account_id, event_id, webhook_id, account_id, status, event_created)
       VALUES ('ui-del', $1, 'ui-evt', $2, $1, 'failed',
               (SELECT created FROM events WHERE account_id = $1 AND id = 'ui-evt'))`,
      [A, hook.id],
    );
    // 56 attempts on 2026-11-20, 5 the day after.
    await t.db.pool.query(
      `INSERT INTO attempts (id, delivery_id, webhook_id, account_id, event_id, hook_event, uri, method,
         req_headers, req_body, try, retries_left, result, duration_ms, created, event_created)
       SELECT 'ui-att-' || i, 'ui-del', $2, $1, 'ui-evt', 'channel_create', $3, 'post', '{}', '{}',
              1, 0, 'failure', 5, timestamptz '2026-11-20T00:00:00Z' + i * interval '10 minutes',
              (SELECT event_created FROM deliveries WHERE id = 'ui-del')
       FROM generate_series(1, 61) AS i`,
      [A, hook.id, URI],
    );
    const range = 'created_from=2026-11-20T00:00:00Z&created_to=2026-11-20T09:20:00Z';
    const res = await as().get(`/v2/accounts/${A}/webhooks/attempts?paginate=false&${range}`);
    const data = expectSuccess(res);
    expect(data).toHaveLength(56);
    expect(res.json().next_start_key).toBeUndefined();
    const one = await as().get(
      `/v2/accounts/${A}/webhooks/${hook.id}/attempts?paginate=false&${range}`,
    );
    expect(expectSuccess(one)).toHaveLength(56);
    // Past the bound, next_start_key leads on to the rest.
    const all = await as().get(`/v2/accounts/${A}/webhooks/attempts?paginate=false`);
    expect(expectSuccess(all)).toHaveLength(60);
    const rest = await as().get(
      `/v2/accounts/${A}/webhooks/attempts?paginate=false&start_key=${all.json().next_start_key}`,
    );
    expect(expectSuccess(rest)).toHaveLength(1);
  });
});

describe('document properties named like Object.prototype members are refused', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'a webhook with a %s field is a 400 naming it, and nothing is stored',
    async (name) => {
      const before = await t.db.prisma.webhook.count({ where: { accountId: A } });
      const body = JSON.parse(
        `{"name":"proto","uri":"${URI}","hook":"all",${JSON.stringify(name)}:"x"}`,
      ) as Record<string, unknown>;
      expectValidation(await as().put(`/v2/accounts/${A}/webhooks`, body), {
        [name]: 'not_allowed',
      });
      expect(await t.db.prisma.webhook.count({ where: { accountId: A } })).toBe(before);
    },
  );

  it('on PATCH and POST of a webhook, and on an account', async () => {
    const hook = expectSuccess(
      await as().put(`/v2/accounts/${A}/webhooks`, { name: 'ok', uri: URI, hook: 'all' }),
      201,
    );
    expectValidation(
      await as().patch(`/v2/accounts/${A}/webhooks/${hook.id}`, { constructor: 'x' }),
      { constructor: 'not_allowed' },
    );
    expectValidation(
      await as().post(`/v2/accounts/${A}/webhooks/${hook.id}`, {
        name: 'ok',
        uri: URI,
        hook: 'all',
        toString: 'x',
      }),
      { toString: 'not_allowed' },
    );
    expectValidation(await as().patch(`/v2/accounts/${A}`, { isPrototypeOf: 1 }), {
      isPrototypeOf: 'not_allowed',
    });
  });

  it('__proto__ is a 400 naming it too', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: `/v2/accounts/${A}/webhooks`,
      headers: { 'x-auth-token': key, 'content-type': 'application/json' },
      payload: `{"data":{"name":"p","uri":"${URI}","hook":"all","__proto__":{"x":1}}}`,
    });
    expectValidation(res, { ['__proto__']: 'not_allowed' });
  });
});

describe('a jaxl webhook without custom_data.pk', () => {
  it('is created, and reads back without a pk of its own', async () => {
    const made = expectSuccess(
      await as().put(`/v2/accounts/${A}/webhooks`, {
        name: 'jaxl',
        uri: URI,
        hook: 'channel_create',
        dialect: 'jaxl',
      }),
      201,
    );
    expect(made).toMatchObject({ dialect: 'jaxl' });
  });
});

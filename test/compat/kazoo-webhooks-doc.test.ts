/**
 * Kazoo's webhooks documentation (2600hz/kazoo, applications/crossbar/doc/webhooks.md), its
 * curl examples replayed as curl sends them: the headers the example gives, and curl's default
 * `application/x-www-form-urlencoded` label where the example gives no Content-Type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectSuccess } from '../support/envelope.ts';
import { GREGORIAN_UNIX_OFFSET } from '../../src/domain/kazoo-time.ts';

describe("Kazoo's webhooks doc, example by example", () => {
  let t: TestApp;
  let A: string;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await createTenant(t.db, 'doc');
    A = tenant.account.id;
    key = tenant.key;
  });
  afterAll(async () => t.close());

  /** curl -X <method> -H "X-Auth-Token: …" [-H "Content-Type: application/json"] [-d '<body>'] */
  function curl(method: string, url: string, body?: string, json = true) {
    return t.app.inject({
      method: method as 'GET',
      url,
      headers: {
        'x-auth-token': key,
        ...(body === undefined
          ? {}
          : { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' }),
      },
      ...(body === undefined ? {} : { payload: body }),
    });
  }

  let hookId: string;

  it('"Create webhook": PUT with retries 3', async () => {
    const created = expectSuccess(
      await curl(
        'PUT',
        `/v2/accounts/${A}/webhooks`,
        '{"data": {"name": "New Calls", "uri": "http://127.0.0.1:9/calls/new.php", "http_verb": "post", "hook": "channel_create", "retries":3}}',
      ),
      201,
    );
    hookId = created.id;
    expect(created).toMatchObject({ name: 'New Calls', hook: 'channel_create', retries: 3 });
  });

  it('"Edit webhook": POST the new uri', async () => {
    const edited = expectSuccess(
      await curl(
        'POST',
        `/v2/accounts/${A}/webhooks/${hookId}`,
        '{"data": {"name": "New Calls", "uri": "http://127.0.0.1:9/calls/new_calls.php", "http_verb": "post", "hook": "channel_create", "retries": 3}}',
      ),
    );
    expect(edited.uri).toBe('http://127.0.0.1:9/calls/new_calls.php');
  });

  it('"Patch webhook": {"data":{"enabled":true}}', async () => {
    const patched = expectSuccess(
      await curl('PATCH', `/v2/accounts/${A}/webhooks/${hookId}`, '{"data":{"enabled":true}}'),
    );
    expect(patched.enabled).toBe(true);
  });

  it.each(['webhooks', 'descendants/webhooks'])(
    '"Re-enable auto-disabled hooks in bulk": PATCH …/%s without a Content-Type header',
    async (path) => {
      const res = await curl(
        'PATCH',
        `/v2/accounts/${A}/${path}`,
        '{"data":{"re-enable":true}}',
        false,
      );
      expectSuccess(res);
    },
  );

  it('"List Webhook Attempts": the doc example’s keys and values', async () => {
    // A failed try whose name did not resolve, as the doc shows it, and a success before it.
    const created = new Date('2026-01-02T03:04:05.000Z');
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload) VALUES ($1, 'e-doc', 'channel_create', '{}')`,
      [A],
    );
    await t.db.pool.query(
      `INSERT INTO deliveries (id, event_account_id, event_id, webhook_id, account_id, event_created)
       VALUES ('d-doc', $1, 'e-doc', $2, $1, (SELECT created FROM events WHERE account_id = $1 AND id = 'e-doc'))`,
      [A, hookId],
    );
    const insert = `INSERT INTO attempts (id, delivery_id, webhook_id, account_id, event_id, hook_event, uri, method,
        req_headers, req_body, resp_status_code, try, retries_left, result, reason, client_error, duration_ms, created, event_created)
      VALUES ($1, 'd-doc', $2, $3, 'e-doc', 'channel_create', 'http://127.0.0.1:9/', 'POST', '{}', '{}', $4, $5, $6, $7, $8, $9, 3, $10,
              (SELECT event_created FROM deliveries WHERE id = 'd-doc'))`;
    await t.db.pool.query(insert, [
      'a-ok',
      hookId,
      A,
      200,
      1,
      0,
      'success',
      null,
      null,
      new Date(created.getTime() - 1000),
    ]);
    await t.db.pool.query(insert, [
      'a-dns',
      hookId,
      A,
      null,
      1,
      2,
      'failure',
      'DNS lookup of x failed (ENOTFOUND)',
      'dns',
      created,
    ]);

    const [failure, success] = expectSuccess(
      await curl('GET', `/v2/accounts/${A}/webhooks/attempts`),
    );
    expect(failure).toMatchObject({
      client_error: 'nxdomain',
      hook_id: hookId,
      reason: 'kazoo http client error',
      result: 'failure',
      'retries left': 2,
      timestamp: Math.floor(created.getTime() / 1000) + GREGORIAN_UNIX_OFFSET,
    });
    expect(success).toMatchObject({ hook_id: hookId, result: 'success' });
    expect(success).not.toHaveProperty('reason');
    expect(success.timestamp).toBe(failure.timestamp - 1);
  });

  it('"Delete a webhook"', async () => {
    expectSuccess(await curl('DELETE', `/v2/accounts/${A}/webhooks/${hookId}`));
    expect((await curl('GET', `/v2/accounts/${A}/webhooks/${hookId}`)).statusCode).toBe(404);
  });
});

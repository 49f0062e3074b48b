/**
 * Replays of the calls Kazoo's webhooks app makes (2600hz/monster-ui-webhooks, app.js) through
 * monster-ui's kazoosdk, which adds `data.ui_metadata` to every write. Each case names the app.js
 * function it replays and asserts what the app reads back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectSuccess } from '../support/envelope.ts';

const UI_METADATA = { version: '4.3-0', ui: 'monster-ui', origin: 'webhooks' };

describe('monster-ui-webhooks saves and reads webhooks and groups unchanged', () => {
  let t: TestApp;
  let A: string;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await createTenant(t.db, 'ui');
    A = tenant.account.id;
    key = tenant.key;
  });
  afterAll(async () => t.close());

  /** kazoosdk's request: JSON body with ui_metadata on writes, X-Auth-Token. */
  function sdk(method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', url: string, data?: object) {
    return t.app.inject({
      method,
      url,
      headers: { 'x-auth-token': key, 'content-type': 'application/json' },
      ...(method === 'GET'
        ? {}
        : { payload: JSON.stringify({ data: { ...data, ui_metadata: UI_METADATA } }) }),
    });
  }

  /** What getFormData() builds for the object hook: form values as text, modifiers in custom_data. */
  const formData = {
    name: 'Docs changed',
    uri: 'http://127.0.0.1:9/kazoo',
    http_verb: 'post',
    hook: 'object',
    retries: '2',
    type: 'callflow',
    action: 'doc_created',
    custom_data: { type: 'callflow', action: 'doc_created', tenant: 'acme' },
    group: 'CRM',
  };

  let webhookId: string;

  it('getAvailableWebhooks (webhooks.listAvailable): each hook once; with the UI’s own "all" appended, no id twice', async () => {
    const available = expectSuccess(await sdk('GET', '/v2/webhooks?_=1700000000000')) as Array<{
      id: string;
      modifiers?: Record<string, { items: string[] }>;
    }>;
    const offered = [...available.map((h) => h.id), 'all'];
    expect(new Set(offered).size).toBe(offered.length);
    expect(available.find((h) => h.id === 'object')?.modifiers?.type.items).toContain('callflow');
  });

  it('addWebhook (webhooks.create): the form as sent is saved, text retries coerced', async () => {
    const created = expectSuccess(await sdk('PUT', `/v2/accounts/${A}/webhooks`, formData), 201);
    webhookId = created.id;
    expect(created).toMatchObject({
      ...formData,
      retries: 2,
      ui_metadata: UI_METADATA,
    });
  });

  it('getWebhooks (webhooks.list): each summary carries the group the list is grouped by', async () => {
    const list = expectSuccess(await sdk('GET', `/v2/accounts/${A}/webhooks`));
    expect(list).toEqual([
      expect.objectContaining({ id: webhookId, name: 'Docs changed', group: 'CRM', enabled: true }),
    ]);
  });

  it('webhook-toggle: GET the webhook, flip enabled, POST the whole document back', async () => {
    const read = expectSuccess(await sdk('GET', `/v2/accounts/${A}/webhooks/${webhookId}`));
    read.enabled = false;
    const saved = expectSuccess(await sdk('POST', `/v2/accounts/${A}/webhooks/${webhookId}`, read));
    expect(saved).toMatchObject({
      enabled: false,
      group: 'CRM',
      retries: 2,
      created: read.created,
    });
    const again = expectSuccess(await sdk('GET', `/v2/accounts/${A}/webhooks/${webhookId}`));
    expect(again).toMatchObject({ ...formData, retries: 2, enabled: false });
  });

  it('enableWebhook (webhooks.patch): {enabled: true}', async () => {
    const patched = expectSuccess(
      await sdk('PATCH', `/v2/accounts/${A}/webhooks/${webhookId}`, { enabled: true }),
    );
    expect(patched).toMatchObject({ enabled: true, group: 'CRM' });
  });

  it('updateWebhook (webhooks.update) moving to another group keeps the rest', async () => {
    const updated = expectSuccess(
      await sdk('POST', `/v2/accounts/${A}/webhooks/${webhookId}`, {
        ...formData,
        group: 'Billing',
      }),
    );
    expect(updated).toMatchObject({ group: 'Billing', hook: 'object', retries: 2 });
  });

  it('updateWebhookGroups (account.update): the account document echoed with ui_flags.groups', async () => {
    const account = expectSuccess(await sdk('GET', `/v2/accounts/${A}`));
    const saved = expectSuccess(
      await sdk('POST', `/v2/accounts/${A}`, {
        ...account,
        realm: 'ui.example.com',
        ui_flags: { groups: { Billing: 1 } },
      }),
    );
    expect(saved).toMatchObject({
      id: A,
      name: account.name,
      ui_flags: { groups: { Billing: 1 } },
    });
    const read = expectSuccess(await sdk('GET', `/v2/accounts/${A}`));
    expect(read).toMatchObject({ realm: 'ui.example.com', ui_flags: { groups: { Billing: 1 } } });
  });

  it('webhooksAttemptGetData (webhooks.listAttempts): Gregorian day range, paging, the columns it shows', async () => {
    // Two tries of one delivery: a 500 with one retry to come, then a success.
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload) VALUES ($1, 'e-ui', 'object', '{}')`,
      [A],
    );
    await t.db.pool.query(
      `INSERT INTO deliveries (id, event_account_id, event_id, webhook_id, account_id, event_created)
       VALUES ('d-ui', $1, 'e-ui', $2, $1, (SELECT created FROM events WHERE account_id = $1 AND id = 'e-ui'))`,
      [A, webhookId],
    );
    const insert = `INSERT INTO attempts (id, delivery_id, webhook_id, account_id, event_id, hook_event, uri, method,
        req_headers, req_body, resp_status_code, try, retries_left, result, reason, duration_ms, created, event_created)
      VALUES ($1, 'd-ui', $2, $3, 'e-ui', 'object', 'http://127.0.0.1:9/kazoo', 'POST', '{}', '{}', $4, $5, $6, $7, $8, 2, $9,
              (SELECT event_created FROM deliveries WHERE id = 'd-ui'))`;
    // Inside today (UTC), whatever the time the test runs.
    const day = new Date();
    day.setUTCHours(0, 0, 0, 0);
    const now = day.getTime() + 3000;
    await t.db.pool.query(insert, [
      'a-ui-1',
      webhookId,
      A,
      500,
      1,
      1,
      'failure',
      'receiver answered 500',
      new Date(now - 2000),
    ]);
    await t.db.pool.query(insert, [
      'a-ui-2',
      webhookId,
      A,
      200,
      2,
      0,
      'success',
      null,
      new Date(now - 1000),
    ]);
    // monster.util.dateToBeginningOfGregorianDay / dateToEndOfGregorianDay of today.
    const from = Math.floor(day.getTime() / 1000) + 62_167_219_200;
    const to = from + 86_399;
    const url = `/v2/accounts/${A}/webhooks/${webhookId}/attempts?created_from=${from}&created_to=${to}&page_size=1`;
    const first = await sdk('GET', url);
    const [newest] = expectSuccess(first);
    expect(first.json().next_start_key).toEqual(expect.any(String));
    const second = await sdk('GET', `${url}&start_key=${first.json().next_start_key}`);
    const [older] = expectSuccess(second);
    // webhooksAttemptFormatDataTable: method.toUpperCase(), reason (+ response_code), retries - 1.
    expect(newest).toMatchObject({ method: 'post', result: 'success', retries: 1 });
    expect(older).toMatchObject({
      method: 'post',
      result: 'failure',
      reason: 'bad response code',
      response_code: 500,
      retries: 2,
    });
    expect(older.retries - 1).toBe(older['retries left']);
    expect(newest.timestamp).toBeGreaterThan(older.timestamp - 1);
    expect(newest.timestamp).toBeGreaterThanOrEqual(from);
    expect(newest.timestamp).toBeLessThanOrEqual(to);
  });

  it('deleteWebhook (webhooks.delete): with its ui_metadata body, answers the deleted name', async () => {
    const deleted = expectSuccess(await sdk('DELETE', `/v2/accounts/${A}/webhooks/${webhookId}`));
    expect(deleted.name).toBe('Docs changed');
  });
});

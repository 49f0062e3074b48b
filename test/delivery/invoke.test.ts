import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { api, createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';
import { eventually, gate, startReceiver, type Receiver } from '../support/receiver.ts';
import { createWebhook, publish } from '../support/tenants.ts';
import { startTestWorker } from '../support/worker.ts';
import { stores } from '../../src/store/stores.ts';
import { withLimits } from '../../src/delivery/fanout.ts';

/**
 * Call-control hooks that answer (docs/call-control.md): POST …/events/invoke sends one event now
 * to the account's matching call-control webhooks and returns their answers. Real app, worker,
 * Postgres, Redis and undici; receivers on loopback only.
 */

const VERBS = [{ verb: 'say', text: 'hello' }, { verb: 'hangup' }];
const JAXL_PROMPT = { prompt: ['Press 1 for sales', 'Press 2 for support'], num_characters: 1 };
const ANSWER_LIMIT = 64 * 1024;

const json = (body: unknown) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

let t: TestApp;
let worker: { close(): Promise<void> };
let receiver: Receiver;
const held = gate();

beforeAll(async () => {
  // Auto-disable after 3 failures, so the rule can be seen without many requests.
  t = await startTestApp(testConfig({ SWITCHBOARD_AUTO_DISABLE_FAILURES: '3' }));
  worker = await startTestWorker(t.config);
  receiver = await startReceiver((req) => {
    const path = req.url.split('?')[0];
    switch (path) {
      case '/verbs':
        return json(VERBS);
      case '/jaxl':
        return { ...json(JAXL_PROMPT), status: 201 };
      case '/slow':
        return { ...json(VERBS), delayMs: 3_000 };
      case '/held':
        return { ...json(VERBS), until: held.opened };
      case '/html':
        return { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>hi</html>' };
      case '/big':
        return json([{ verb: 'say', text: 'x'.repeat(ANSWER_LIMIT) }]);
      case '/boom':
        return { ...json({ error: 'boom' }), status: 500 };
      case '/empty':
        return { status: 204, body: '' };
      default:
        return { status: 200 };
    }
  });
});
afterAll(async () => {
  held.open();
  await worker.close();
  await receiver.close();
  await t.close();
});

/** A tenant of its own (invoke reaches every matching call-control hook of an account). */
async function tenantWith(hooks: Record<string, Record<string, unknown>>) {
  const tenant = await createTenant(t.db);
  const created: Record<string, { id: string; secret: string }> = {};
  for (const [path, fields] of Object.entries(hooks)) {
    created[path] = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}${path}`,
      hook: 'channel_create',
      call_control: true,
      ...fields,
    });
  }
  return { ...tenant, hooks: created };
}

const invoke = (key: string, accountId: string, data: unknown) =>
  api(t.app, key).post(`/v2/accounts/${accountId}/events/invoke`, data);

const callEvent = (id?: string) => ({
  type: 'channel_create',
  ...(id ? { id } : {}),
  payload: { call_id: id ?? 'c-1', call_direction: 'inbound' },
});

const requestsTo = (path: string) => receiver.requests.filter((r) => r.url.startsWith(path));

type Result = Record<string, unknown> & { webhook_id: string };
const byHook = (results: Result[], id: string) => results.find((r) => r.webhook_id === id);

describe('POST …/events/invoke', () => {
  it('returns each call-control receiver’s JSON answer: a jambonz verb array and a Jaxl prompt', async () => {
    const tenant = await tenantWith({
      '/verbs': {},
      '/jaxl': { hook: undefined, event_types: ['call_created'] },
    });
    const data = expectSuccess(
      await invoke(tenant.key, tenant.account.id, callEvent('call-verbs')),
    );
    expect(data.event_id).toBe('call-verbs');
    expect(data.results).toHaveLength(2);
    expect(byHook(data.results, tenant.hooks['/verbs'].id)).toEqual({
      webhook_id: tenant.hooks['/verbs'].id,
      delivery_id: expect.any(String),
      result: 'success',
      status_code: 200,
      answer: VERBS,
      duration_ms: expect.any(Number),
    });
    expect(byHook(data.results, tenant.hooks['/jaxl'].id)).toMatchObject({
      result: 'success',
      status_code: 201,
      answer: JAXL_PROMPT,
    });
    // The VoIPBIN subscriber got its own shape of the twin (call_created), as fan-out sends it.
    const [jaxl] = requestsTo('/jaxl').filter((r) => r.body.includes('call-verbs'));
    expect(JSON.parse(jaxl.body)).toMatchObject({ type: 'call_created' });
  });

  it('signs each request so the official standardwebhooks verifier accepts it', async () => {
    const tenant = await tenantWith({ '/verbs': {} });
    const data = expectSuccess(await invoke(tenant.key, tenant.account.id, callEvent('signed')));
    const req = requestsTo('/verbs').find((r) => r.body.includes('"signed"'))!;
    expect(req.headers['webhook-id']).toBe(data.results[0].delivery_id);
    const headers = {
      'webhook-id': req.headers['webhook-id'] as string,
      'webhook-timestamp': req.headers['webhook-timestamp'] as string,
      'webhook-signature': req.headers['webhook-signature'] as string,
    };
    const verifier = new Webhook(tenant.hooks['/verbs'].secret);
    expect(verifier.verify(req.body, headers)).toMatchObject({ call_id: 'signed' });
    expect(() => verifier.verify(`${req.body} `, headers)).toThrow();
    expect(req.headers['x-hook-id']).toBe(tenant.hooks['/verbs'].id);
  });

  it('logs the attempt and stores the event with a delivered delivery, trigger invoke', async () => {
    const tenant = await tenantWith({ '/verbs': {} });
    const hook = tenant.hooks['/verbs'];
    expectSuccess(await invoke(tenant.key, tenant.account.id, callEvent('logged')));
    const attempts = expectSuccess(
      await api(t.app, tenant.key).get(
        `/v2/accounts/${tenant.account.id}/webhooks/${hook.id}/attempts`,
      ),
    );
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      hook_id: hook.id,
      event_id: 'logged',
      hook_event: 'channel_create',
      method: 'post',
      resp_status_code: 200,
      resp_body: JSON.stringify(VERBS),
      try: 1,
      retries_left: 0,
      result: 'success',
    });
    const event = expectSuccess(
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/events/logged`),
    );
    expect(event.deliveries).toEqual([
      expect.objectContaining({
        webhook_id: hook.id,
        status: 'delivered',
        trigger: 'invoke',
        tries: 1,
      }),
    ]);
  });

  it('a receiver slower than the deadline is a timeout, and the call returns at its deadline', async () => {
    const tenant = await tenantWith({ '/held': {}, '/verbs': {} });
    const started = Date.now();
    // /held answers only when the test ends: an invoke that waited for it would never return.
    const data = expectSuccess(
      await invoke(tenant.key, tenant.account.id, { ...callEvent('slow'), timeout_ms: 300 }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(requestsTo('/held')).toHaveLength(1);
    expect(byHook(data.results, tenant.hooks['/held'].id)).toMatchObject({
      result: 'failure',
      client_error: 'timeout',
      reason: expect.stringContaining('300 ms'),
    });
    expect(byHook(data.results, tenant.hooks['/held'].id)).not.toHaveProperty('answer');
    // The hooks run in parallel: the fast one answered all the same.
    expect(byHook(data.results, tenant.hooks['/verbs'].id)).toMatchObject({
      result: 'success',
      answer: VERBS,
    });
  });

  it('a 2xx answer that is not JSON is bad_answer, without the text', async () => {
    const tenant = await tenantWith({ '/html': {} });
    const [result] = expectSuccess(
      await invoke(tenant.key, tenant.account.id, callEvent('html')),
    ).results;
    expect(result).toMatchObject({
      result: 'failure',
      status_code: 200,
      client_error: 'bad_answer',
    });
    expect(result).not.toHaveProperty('answer');
    expect(JSON.stringify(result)).not.toContain('html');
    const [attempt] = expectSuccess(
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/webhooks/attempts`),
    );
    expect(attempt).toMatchObject({
      result: 'failure',
      error_code: 'bad_answer',
      resp_body: '<html>hi</html>',
    });
  });

  it('an answer over the size limit is too_large, and none of it is returned', async () => {
    const tenant = await tenantWith({ '/big': {} });
    const [result] = expectSuccess(
      await invoke(tenant.key, tenant.account.id, callEvent('big')),
    ).results;
    expect(result).toMatchObject({
      result: 'failure',
      status_code: 200,
      client_error: 'too_large',
    });
    expect(result).not.toHaveProperty('answer');
  });

  it('an empty 2xx answer is a success with no answer', async () => {
    const tenant = await tenantWith({ '/empty': {} });
    const [result] = expectSuccess(
      await invoke(tenant.key, tenant.account.id, callEvent('empty')),
    ).results;
    expect(result).toEqual(expect.objectContaining({ result: 'success', status_code: 204 }));
    expect(result).not.toHaveProperty('answer');
  });

  it('a 500 is a failure, logged once and never retried', async () => {
    const tenant = await tenantWith({ '/boom': { retries: 4 } });
    const [result] = expectSuccess(
      await invoke(tenant.key, tenant.account.id, callEvent('boom')),
    ).results;
    expect(result).toMatchObject({
      result: 'failure',
      status_code: 500,
      reason: 'receiver answered 500',
    });
    expect(result).not.toHaveProperty('answer');
    // Test retries come after 50 ms: wait well past them.
    await new Promise((r) => setTimeout(r, 600));
    expect(requestsTo('/boom').filter((r) => r.body.includes('"boom"'))).toHaveLength(1);
    const attempts = expectSuccess(
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/webhooks/attempts`),
    );
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ result: 'failure', resp_status_code: 500, try: 1 });
    const event = expectSuccess(
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/events/boom`),
    );
    expect(event.deliveries).toEqual([expect.objectContaining({ status: 'failed', tries: 1 })]);
  });

  it('failures count towards auto-disable; a disabled hook is no longer invoked', async () => {
    const tenant = await tenantWith({ '/boom': {} });
    const hook = tenant.hooks['/boom'];
    for (const id of ['f-1', 'f-2', 'f-3'])
      expectSuccess(await invoke(tenant.key, tenant.account.id, callEvent(id)));
    const read = expectSuccess(
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/webhooks/${hook.id}`),
    );
    expect(read).toMatchObject({ enabled: false, disable_reason: 'too many failed attempts' });
    expect(
      expectSuccess(await invoke(tenant.key, tenant.account.id, callEvent('f-4'))).results,
    ).toEqual([]);
  });

  it('timeouts under a deadline shorter than the default are the caller’s, and never disable the hook', async () => {
    const tenant = await tenantWith({ '/slow': {} });
    const hook = tenant.hooks['/slow'];
    for (const id of ['short-1', 'short-2', 'short-3', 'short-4']) {
      const [result] = expectSuccess(
        await invoke(tenant.key, tenant.account.id, { ...callEvent(id), timeout_ms: 100 }),
      ).results;
      expect(result).toMatchObject({ result: 'failure', client_error: 'timeout' });
    }
    const read = expectSuccess(
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/webhooks/${hook.id}`),
    );
    expect(read.enabled).toBe(true);
    expect(read).not.toHaveProperty('disable_reason');
  });

  it('answers 200 with no results when no call-control hook matches', async () => {
    const tenant = await tenantWith({ '/verbs': { hook: 'parking' } });
    const data = expectSuccess(await invoke(tenant.key, tenant.account.id, callEvent('none')));
    expect(data).toEqual({ event_id: 'none', results: [] });
  });

  it('the same event id twice is a 409, and the receivers are not asked again', async () => {
    const tenant = await tenantWith({ '/verbs': {} });
    expectSuccess(await invoke(tenant.key, tenant.account.id, callEvent('twice')));
    const again = await invoke(tenant.key, tenant.account.id, callEvent('twice'));
    expect(expectError(again, 409, 'event already exists')).toHaveProperty('id.unique');
    expect(requestsTo('/verbs').filter((r) => r.body.includes('"twice"'))).toHaveLength(1);
    // An id already published is taken too.
    await publish(t.app, tenant.key, tenant.account.id, callEvent('published-first'));
    expectError(await invoke(tenant.key, tenant.account.id, callEvent('published-first')), 409);
  });

  it('generates an event id when none is given', async () => {
    const tenant = await tenantWith({ '/verbs': {} });
    const data = expectSuccess(await invoke(tenant.key, tenant.account.id, callEvent()));
    expect(data.event_id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('call-control hooks and the other paths', () => {
  it('a published event does not reach call-control hooks; it reaches the others', async () => {
    const tenant = await tenantWith({ '/verbs': {} });
    const plain = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/plain`,
      hook: 'channel_create',
    });
    await publish(t.app, tenant.key, tenant.account.id, callEvent('async-1'));
    await eventually(async () => requestsTo('/plain').some((r) => r.body.includes('"async-1"')));
    await new Promise((r) => setTimeout(r, 300));
    expect(requestsTo('/verbs').some((r) => r.body.includes('"async-1"'))).toBe(false);
    const event = expectSuccess(
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/events/async-1`),
    );
    expect(event.deliveries.map((d: { webhook_id: string }) => d.webhook_id)).toEqual([plain.id]);
    // Nor can it be sent there by hand.
    const cc = tenant.hooks['/verbs'].id;
    expectError(
      await api(t.app, tenant.key).post(
        `/v2/accounts/${tenant.account.id}/events/async-1/redeliver?webhook_id=${cc}`,
      ),
      404,
    );
    expectError(
      await api(t.app, tenant.key).post(
        `/v2/accounts/${tenant.account.id}/webhooks/${cc}/recover`,
        { since: new Date(Date.now() - 60_000).toISOString() },
      ),
      409,
    );
  });

  it('an invoke does not reach ordinary hooks, now or later', async () => {
    const tenant = await tenantWith({ '/verbs': {} });
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/plain`,
      hook: 'channel_create',
    });
    const data = expectSuccess(await invoke(tenant.key, tenant.account.id, callEvent('sync-1')));
    expect(data.results.map((r: Result) => r.webhook_id)).toEqual([tenant.hooks['/verbs'].id]);
    // The worker and reconciler (200 ms here) have had their chance.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(requestsTo('/plain').some((r) => r.body.includes('"sync-1"'))).toBe(false);
    expect(requestsTo('/verbs').filter((r) => r.body.includes('"sync-1"'))).toHaveLength(1);
  });

  it('an invoke delivery that reaches a worker (its API process died) ends failed, unsent', async () => {
    const tenant = await tenantWith({ '/verbs': {} });
    const hook = tenant.hooks['/verbs'];
    const store = stores(t.db);
    const delivery = {
      id: 'abandoned-delivery',
      eventAccountId: tenant.account.id,
      eventId: 'abandoned',
      webhookId: hook.id,
      accountId: tenant.account.id,
      trigger: 'invoke' as const,
    };
    await store.events.insertWithDeliveries(
      [{ ...callEvent('abandoned'), accountId: tenant.account.id, id: 'abandoned' }],
      [delivery],
    );
    await t.scheduler.push(await withLimits(store, [delivery]));
    const row = await eventually(async () => {
      const { rows } = await t.db.pool.query(
        `SELECT status, last_error FROM deliveries WHERE id = $1 AND status <> 'pending'`,
        [delivery.id],
      );
      return rows[0];
    });
    expect(row.status).toBe('failed');
    expect(row.last_error).toMatch(/invoke interrupted/);
    expect(requestsTo('/verbs').some((r) => r.body.includes('"abandoned"'))).toBe(false);
  });

  it('call_control is shown only when true, and can be turned off', async () => {
    const tenant = await tenantWith({ '/verbs': {} });
    const url = `/v2/accounts/${tenant.account.id}/webhooks/${tenant.hooks['/verbs'].id}`;
    expect(expectSuccess(await api(t.app, tenant.key).get(url))).toMatchObject({
      call_control: true,
    });
    const list = `/v2/accounts/${tenant.account.id}/webhooks`;
    expect(expectSuccess(await api(t.app, tenant.key).get(list))).toMatchObject([
      { id: tenant.hooks['/verbs'].id, call_control: true },
    ]);
    const off = expectSuccess(await api(t.app, tenant.key).patch(url, { call_control: null }));
    expect(off).not.toHaveProperty('call_control');
    expect(expectSuccess(await api(t.app, tenant.key).get(list))[0]).not.toHaveProperty(
      'call_control',
    );
    expectValidation(await api(t.app, tenant.key).patch(url, { call_control: 'maybe' }), {
      call_control: 'type',
    });
  });
});

describe('who may invoke, and what', () => {
  let tenant: Awaited<ReturnType<typeof tenantWith>>;
  beforeAll(async () => {
    tenant = await tenantWith({ '/verbs': {} });
  });

  it('another tenant’s key is refused with 403, and nothing is sent', async () => {
    const other = await createTenant(t.db, 'other');
    expectError(await invoke(other.key, tenant.account.id, callEvent('foreign')), 403);
    expect(requestsTo('/verbs').some((r) => r.body.includes('"foreign"'))).toBe(false);
  });

  it('a key without the publish scope is refused with 403', async () => {
    const res = await api(t.app, tenant.key).put(`/v2/accounts/${tenant.account.id}/api_keys`, {
      name: 'tenant',
      scopes: ['read', 'manage'],
    });
    const managerKey = res.json().data.api_key as string;
    expectError(await invoke(managerKey, tenant.account.id, callEvent('no-scope')), 403);
    expect(requestsTo('/verbs').some((r) => r.body.includes('"no-scope"'))).toBe(false);
  });

  it('no key: 401', async () => {
    expectError(await invoke('', tenant.account.id, callEvent('anon')), 401);
  });

  it.each([
    ['a deadline under 100 ms', { ...callEvent(), timeout_ms: 50 }, { timeout_ms: 'minimum' }],
    ['a deadline over 10 s', { ...callEvent(), timeout_ms: 10_001 }, { timeout_ms: 'maximum' }],
    ['no type', { payload: {} }, { type: 'required' }],
    ['an unknown type', { type: 'nope', payload: {} }, { type: 'enum' }],
    ['a payload that is not an object', { type: 'sms', payload: [1] }, { payload: 'type' }],
  ])('%s is a validation error', async (_what, data, fields) => {
    expectValidation(await invoke(tenant.key, tenant.account.id, data), fields);
  });

  it('a list of events is a validation error (one event per invoke)', async () => {
    const res = await invoke(tenant.key, tenant.account.id, [callEvent()]);
    expectError(res, 400, 'validation error');
  });

  it('a payload over the size limit is a 413', async () => {
    const res = await invoke(tenant.key, tenant.account.id, {
      type: 'sms',
      payload: { text: 'x'.repeat(t.config.maxPayloadBytes) },
    });
    expectError(res, 413);
  });

  it('bad JSON is a 400, never a 500', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v2/accounts/${tenant.account.id}/events/invoke`,
      headers: { 'x-auth-token': tenant.key, 'content-type': 'application/json' },
      payload: '{"data": {',
    });
    expectError(res, 400);
  });
});

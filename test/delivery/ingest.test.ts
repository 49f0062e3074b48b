import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, api, testConfig, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { startTestWorker } from '../support/worker.ts';
import { createWebhook, publish } from '../support/tenants.ts';

/** Publishing (docs/events.md): accepted once, stored before the 202, bad input is a 4xx. */
describe('POST /v2/accounts/{A}/events', () => {
  let t: TestApp;
  let tenant: { account: { id: string }; key: string };
  const url = () => `/v2/accounts/${tenant.account.id}/events`;

  beforeAll(async () => {
    t = await startTestApp(testConfig({ SWITCHBOARD_MAX_PAYLOAD_BYTES: '1024' }));
    tenant = await createTenant(t.db);
  });
  afterAll(() => t.close());

  it('stores a single event before answering 202 with its id', async () => {
    const res = await api(t.app, tenant.key).post(url(), {
      type: 'call_created',
      payload: { id: 'call-1' },
    });
    expect(res.statusCode).toBe(202);
    const { ids, accepted, duplicates } = res.json().data;
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(accepted).toBe(1);
    expect(duplicates).toEqual([]);
    const { rows } = await t.db.pool.query(
      'SELECT type, payload FROM events WHERE account_id = $1 AND id = $2',
      [tenant.account.id, ids[0]],
    );
    expect(rows).toEqual([{ type: 'call_created', payload: { id: 'call-1' } }]);
  });

  it('accepts a batch and keeps the producer’s ids', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      type: 'message_created',
      id: `batch-${i}`,
      payload: { i },
    }));
    const res = await api(t.app, tenant.key).post(url(), batch);
    expect(res.statusCode).toBe(202);
    expect(res.json().data.accepted).toBe(1000);
    const { rows } = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE account_id = $1 AND id LIKE 'batch-%'`,
      [tenant.account.id],
    );
    expect(rows[0].n).toBe(1000);
  });

  it('stores the deliveries with the events before the 202, then puts them in line', async () => {
    const hook = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: 'http://127.0.0.1:9/never-sent',
      hook: 'sms',
    });
    const batch = Array.from({ length: 3 }, (_, i) => ({
      type: 'sms',
      id: `lined-${i}`,
      payload: {},
    }));
    expect((await api(t.app, tenant.key).post(url(), batch)).statusCode).toBe(202);
    const { rows } = await t.db.pool.query<{ id: string }>(
      `SELECT d.id FROM deliveries d JOIN events e ON e.account_id = d.event_account_id AND e.id = d.event_id
       WHERE d.webhook_id = $1 AND e.fanned_out_at IS NOT NULL ORDER BY d.event_id`,
      [hook.id],
    );
    expect(rows).toHaveLength(3);
    // No worker runs here: each delivery waits in its webhook's line in Redis.
    const lined = () =>
      t.scheduler.queueStates(
        rows.map((r) => ({ id: r.id, webhookId: hook.id, accountId: tenant.account.id })),
      );
    await eventually(async () => [...(await lined()).values()].every((s) => s === 'queued'), 2_000);
    await api(t.app, tenant.key).delete(`/v2/accounts/${tenant.account.id}/webhooks/${hook.id}`);
  });

  it('single events of concurrent requests are stored by grouped statements, each answered with its own ids', async () => {
    const requests = Array.from({ length: 40 }, (_, i) =>
      api(t.app, tenant.key).post(url(), { type: 'sms', id: `grouped-${i}`, payload: { i } }),
    );
    // The same id twice in one group: stored once, the second request hears "duplicate".
    requests.push(
      api(t.app, tenant.key).post(url(), { type: 'sms', id: 'grouped-0', payload: {} }),
    );
    const answers = (await Promise.all(requests)).map((r) => r.json().data);
    answers.slice(0, 40).forEach((data, i) => expect(data.ids).toEqual([`grouped-${i}`]));
    expect(
      answers
        .filter((d) => d.ids[0] === 'grouped-0')
        .map((d) => d.accepted)
        .sort(),
    ).toEqual([0, 1]);
    const { rows } = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE account_id = $1 AND id LIKE 'grouped-%'`,
      [tenant.account.id],
    );
    expect(rows[0].n).toBe(40);
  });

  it('accepts the same id once: a repeat answers 202 and reports it as a duplicate', async () => {
    const event = { type: 'sms', id: 'once-only', payload: { body: 'first' } };
    await api(t.app, tenant.key).post(url(), event);
    const again = await api(t.app, tenant.key).post(url(), [
      { ...event, payload: { body: 'second' } },
      { ...event },
    ]);
    expect(again.statusCode).toBe(202);
    expect(again.json().data).toMatchObject({
      ids: ['once-only'],
      accepted: 0,
      duplicates: ['once-only'],
    });
    const { rows } = await t.db.pool.query(
      'SELECT payload FROM events WHERE account_id = $1 AND id = $2',
      [tenant.account.id, 'once-only'],
    );
    expect(rows).toEqual([{ payload: { body: 'first' } }]);
  });

  it.each([
    ['an unknown type', { type: 'call_exploded', payload: {} }, 400, 'type', 'enum'],
    ['a payload that is not an object', { type: 'sms', payload: 'hello' }, 400, 'payload', 'type'],
    ['a payload that is a list', { type: 'sms', payload: [1, 2] }, 400, 'payload', 'type'],
    ['a missing payload', { type: 'sms' }, 400, 'payload', 'required'],
    ['a missing type', { payload: {} }, 400, 'type', 'required'],
    ['an unknown field', { type: 'sms', payload: {}, extra: 1 }, 400, 'extra', 'unknown_field'],
    ['an id with spaces', { type: 'sms', id: 'has space', payload: {} }, 400, 'id', 'pattern'],
    [
      'a payload over the limit',
      { type: 'sms', payload: { blob: 'x'.repeat(2000) } },
      413,
      'payload',
      'maxLength',
    ],
    [
      'a NUL character in the payload',
      { type: 'sms', payload: { s: 'a\u0000b' } },
      400,
      'payload',
      'format',
    ],
    [
      'half an emoji (a lone surrogate) in the payload',
      { type: 'sms', payload: { s: '\ud83d' } },
      400,
      'payload',
      'format',
    ],
  ])('refuses %s with a 4xx in the error envelope', async (_name, event, status, field, code) => {
    const res = await api(t.app, tenant.key).post(url(), event);
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.status).toBe('error');
    expect(body.error).toBe(String(status));
    expect(body.data[field]).toHaveProperty(code);
  });

  it('accepts text that merely looks like an escape (a backslash followed by u0000)', async () => {
    const res = await api(t.app, tenant.key).post(url(), {
      type: 'sms',
      id: 'looks-like-nul',
      payload: { path: 'C:\\u0000dir' },
    });
    expect(res.statusCode).toBe(202);
    const { rows } = await t.db.pool.query(
      `SELECT payload FROM events WHERE id = 'looks-like-nul'`,
    );
    expect(rows[0].payload).toEqual({ path: 'C:\\u0000dir' });
  });

  it('names the failing element of a batch by its index', async () => {
    const res = await api(t.app, tenant.key).post(url(), [
      { type: 'sms', payload: {} },
      { type: 'nope', payload: {} },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.json().data['1.type']).toHaveProperty('enum');
  });

  it('refuses more than 1000 events and an empty list', async () => {
    const many = Array.from({ length: 1001 }, () => ({ type: 'sms', payload: {} }));
    expect((await api(t.app, tenant.key).post(url(), many)).json().data.data).toHaveProperty(
      'maxItems',
    );
    expect((await api(t.app, tenant.key).post(url(), [])).json().data.data).toHaveProperty(
      'minItems',
    );
  });

  it('stores nothing from a batch with one bad event', async () => {
    await api(t.app, tenant.key).post(url(), [
      { type: 'sms', id: 'all-or-nothing-1', payload: {} },
      { type: 'sms', id: 'all-or-nothing-2', payload: 'bad' },
    ]);
    const { rows } = await t.db.pool.query(
      `SELECT id FROM events WHERE id LIKE 'all-or-nothing-%'`,
    );
    expect(rows).toEqual([]);
  });
});

describe('duplicate event ids', () => {
  let t: TestApp;
  let worker: { close(): Promise<void> };
  let receiver: Receiver;

  beforeAll(async () => {
    t = await startTestApp();
    worker = await startTestWorker(t.config);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await worker.close();
    await receiver.close();
    await t.close();
  });

  it('deliver once', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: receiver.url,
      event_types: ['call_hungup'],
    });
    const event = { type: 'call_hungup', id: 'dup-1', payload: { id: 'c1' } };
    await publish(t.app, tenant.key, tenant.account.id, event);
    await publish(t.app, tenant.key, tenant.account.id, [event, event]);
    await receiver.waitFor(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests).toHaveLength(1);
    const { rows } = await t.db.pool.query(
      'SELECT count(*)::int AS n FROM deliveries WHERE event_id = $1',
      ['dup-1'],
    );
    expect(rows[0].n).toBe(1);
  });

  it('are per account: another tenant may use the same id', async () => {
    const a = await createTenant(t.db);
    const b = await createTenant(t.db);
    await createWebhook(t.app, b.key, b.account.id, { uri: `${receiver.url}/b`, hook: 'sms' });
    await publish(t.app, a.key, a.account.id, { type: 'sms', id: 'shared-id', payload: {} });
    const res = await publish(t.app, b.key, b.account.id, {
      type: 'sms',
      id: 'shared-id',
      payload: {},
    });
    expect(res.accepted).toBe(1);
    await eventually(async () => receiver.requests.some((r) => r.url === '/b'));
  });
});

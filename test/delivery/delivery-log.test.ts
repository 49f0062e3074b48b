import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { deliveryStack } from '../support/stack.ts';
import { createWebhook, publish } from '../support/tenants.ts';

/**
 * The searchable delivery log on the real stack: one call published in Kazoo's, VoIPBIN's and
 * jambonz's shapes (and an SMS) reaches a receiver that answers 200, one that answers 503 and a
 * closed port; the attempts log and the events list are then searched by every filter.
 */

const stack = deliveryStack({}, () =>
  startReceiver((req) => ({ status: req.url.startsWith('/fail') ? 503 : 200 })),
);
let t: TestApp;
let receiver: Receiver;
let A: string;
let key: string;
const hooks: Record<'ok' | 'fail' | 'refused', string> = { ok: '', fail: '', refused: '' };

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const KAZOO_CREATE = {
  call_id: 'kazoo-call-1',
  call_direction: 'inbound',
  caller_id_number: '+15551230001',
  callee_id_number: '+15557650001',
};
const VOIPBIN_CREATED = {
  id: 'vb-call-1',
  source: { type: 'tel', target: '+15551230002' },
  destination: { type: 'tel', target: '+15557650002' },
  status: 'dialing',
  direction: 'incoming',
};
const JAMBONZ_CREATED = {
  call_sid: 'jz-call-1',
  call_id: 'sip-call-id-1@example.net',
  direction: 'inbound',
  from: '+15551230003',
  to: '+15557650003',
  call_status: 'trying',
};

const as = () => api(t.app, key);
const attempts = async (query: string, path = 'webhooks/attempts') =>
  expectSuccess(await as().get(`/v2/accounts/${A}/${path}?${query}`)) as Record<string, unknown>[];
const events = async (query: string) =>
  expectSuccess(await as().get(`/v2/accounts/${A}/events?${query}`)) as Record<string, unknown>[];

beforeAll(async () => {
  ({ t, receiver } = stack);
  const tenant = await createTenant(t.db, 'delivery-log');
  A = tenant.account.id;
  key = tenant.key;
  hooks.ok = (await createWebhook(t.app, key, A, { uri: `${receiver.url}/ok`, hook: 'all' })).id;
  hooks.fail = (
    await createWebhook(t.app, key, A, {
      uri: `${receiver.url}/fail`,
      event_types: ['call_created'],
      retries: 0,
    })
  ).id;
  hooks.refused = (
    await createWebhook(t.app, key, A, {
      uri: `http://127.0.0.1:${await closedPort()}/gone`,
      hook: 'channel_create',
      retries: 0,
    })
  ).id;
  await publish(t.app, key, A, [
    { type: 'channel_create', id: 'e-kazoo', payload: KAZOO_CREATE },
    { type: 'call_created', id: 'e-voipbin', payload: VOIPBIN_CREATED },
    { type: 'call_created', id: 'e-jambonz', payload: JAMBONZ_CREATED },
    { type: 'sms', id: 'e-sms', payload: { body: 'hi' } },
  ]);
  // Three call events to three hooks each, the SMS to one: ten attempts once all have ended.
  await eventually(async () => {
    const { rows } = await t.db.pool.query(
      `SELECT count(*)::int AS n FROM deliveries WHERE event_account_id = $1 AND status <> 'pending'`,
      [A],
    );
    return rows[0].n === 10;
  }, 20_000);
});

describe('events carry the call they are about, in every dialect', () => {
  it('stores the call id of Kazoo, VoIPBIN and jambonz calls at publish; none for an SMS', async () => {
    const { rows } = await t.db.pool.query(
      'SELECT id, call_id FROM events WHERE account_id = $1 ORDER BY id',
      [A],
    );
    expect(rows).toEqual([
      { id: 'e-jambonz', call_id: 'jz-call-1' },
      { id: 'e-kazoo', call_id: 'kazoo-call-1' },
      { id: 'e-sms', call_id: null },
      { id: 'e-voipbin', call_id: 'vb-call-1' },
    ]);
  });
});

describe('GET …/webhooks/attempts filters', () => {
  it('by call id, in each platform’s id', async () => {
    for (const [callId, eventId] of [
      ['kazoo-call-1', 'e-kazoo'],
      ['vb-call-1', 'e-voipbin'],
      ['jz-call-1', 'e-jambonz'],
    ]) {
      const found = await attempts(`call_id=${callId}`);
      expect(found).toHaveLength(3);
      expect(new Set(found.map((a) => a.event_id))).toEqual(new Set([eventId]));
    }
    expect(await attempts('call_id=nobody')).toEqual([]);
  });

  it('by result, status code and error code (ours or Kazoo’s spelling)', async () => {
    expect(await attempts('result=failure')).toHaveLength(6);
    expect(await attempts('result=success')).toHaveLength(4);
    const bad = await attempts('status_code=503');
    expect(bad).toHaveLength(3);
    expect(bad.every((a) => a.hook_id === hooks.fail && a.resp_status_code === 503)).toBe(true);
    const refused = await attempts('error_code=connect_refused');
    expect(refused).toHaveLength(3);
    expect(refused.every((a) => a.client_error === 'econnrefused')).toBe(true);
    expect(await attempts('error_code=econnrefused')).toEqual(refused);
    expect(await attempts('error_code=timeout')).toEqual([]);
  });

  it('by event type (its twin too), event id and time range', async () => {
    // call_created ≈ channel_create: the Kazoo hooks logged the Kazoo name.
    expect(await attempts('event_type=call_created')).toHaveLength(9);
    expect(await attempts('event_type=sms')).toHaveLength(1);
    expect((await attempts('event_id=e-sms')).map((a) => a.hook_id)).toEqual([hooks.ok]);
    expect(await attempts('created_to=2020-01-01T00:00:00Z')).toEqual([]);
    expect(
      await attempts(`created_from=${new Date(Date.now() - 3_600_000).toISOString()}`),
    ).toHaveLength(10);
  });

  it('filters combine, and on one webhook’s log too', async () => {
    expect(await attempts('result=failure&call_id=vb-call-1&status_code=503')).toHaveLength(1);
    expect(await attempts('status_code=503', `webhooks/${hooks.fail}/attempts`)).toHaveLength(3);
    expect(await attempts('result=failure', `webhooks/${hooks.ok}/attempts`)).toEqual([]);
    expect(await attempts('call_id=jz-call-1', `webhooks/${hooks.ok}/attempts`)).toHaveLength(1);
  });

  it('pages a filtered log with the cursor: every match once, newest first', async () => {
    const seen: string[] = [];
    let startKey: string | undefined;
    let pages = 0;
    do {
      const res = await as().get(
        `/v2/accounts/${A}/webhooks/attempts?result=failure&page_size=4${startKey ? `&start_key=${startKey}` : ''}`,
      );
      const page = expectSuccess(res) as { id: string; created: string }[];
      seen.push(...page.map((a) => a.id));
      startKey = res.json().next_start_key;
      pages++;
    } while (startKey);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect((await attempts('result=failure')).map((a) => a.id)).toEqual(seen);
  });

  it.each([
    ['status_code=abc', { status_code: 'type' }],
    ['status_code=99', { status_code: 'minimum' }],
    ['status_code=600', { status_code: 'maximum' }],
    ['error_code=nope', { error_code: 'enum' }],
    ['event_type=no_such_type', { event_type: 'enum' }],
    ['event_id=a%20b', { event_id: 'pattern' }],
    ['call_id=', { call_id: 'minLength' }],
    [`call_id=${'x'.repeat(257)}`, { call_id: 'maxLength' }],
    ['result=maybe', { result: 'enum' }],
    ['created_from=yesterday', { created_from: 'format' }],
    [
      'created_from=2026-12-02T00:00:00Z&created_to=2026-12-01T00:00:00Z',
      { created_from: 'maximum' },
    ],
    ['start_key=garbage', { start_key: 'format' }],
  ])('%s is a 400 in the validation envelope', async (query, fields) => {
    expectValidation(await as().get(`/v2/accounts/${A}/webhooks/attempts?${query}`), fields);
  });
});

describe('GET /v2/accounts/{A}/events', () => {
  it('lists the account’s events newest first with their deliveries counted', async () => {
    const list = await events('');
    expect(list.map((e) => e.id).sort()).toEqual(['e-jambonz', 'e-kazoo', 'e-sms', 'e-voipbin']);
    expect(list.find((e) => e.id === 'e-voipbin')).toEqual({
      id: 'e-voipbin',
      type: 'call_created',
      account_id: A,
      call_id: 'vb-call-1',
      created: expect.any(String),
      fanned_out: true,
      state: 'failed',
      deliveries: { pending: 0, delivered: 1, failed: 2, skipped: 0 },
    });
    expect(list.find((e) => e.id === 'e-sms')).not.toHaveProperty('call_id');
  });

  it('filters by type, call id, delivery state and time', async () => {
    expect((await events('type=sms')).map((e) => e.id)).toEqual(['e-sms']);
    expect((await events('type=call_created')).map((e) => e.id).sort()).toEqual([
      'e-jambonz',
      'e-voipbin',
    ]);
    expect((await events('call_id=jz-call-1')).map((e) => e.id)).toEqual(['e-jambonz']);
    expect((await events('state=failed')).map((e) => e.id).sort()).toEqual([
      'e-jambonz',
      'e-kazoo',
      'e-voipbin',
    ]);
    expect((await events('state=delivered')).map((e) => e.id)).toEqual(['e-sms']);
    expect(await events('state=pending')).toEqual([]);
    expect(await events('created_to=2020-01-01T00:00:00Z')).toEqual([]);
  });

  it('pages with the cursor', async () => {
    const first = await as().get(`/v2/accounts/${A}/events?page_size=3`);
    expect(expectSuccess(first)).toHaveLength(3);
    const rest = await as().get(
      `/v2/accounts/${A}/events?page_size=3&start_key=${first.json().next_start_key}`,
    );
    expect(expectSuccess(rest)).toHaveLength(1);
    expect(rest.json().next_start_key).toBeUndefined();
  });

  it.each([
    ['type=nope', { type: 'enum' }],
    ['state=lost', { state: 'enum' }],
    ['call_id=', { call_id: 'minLength' }],
    ['created_to=soon', { created_to: 'format' }],
    ['page_size=0', { page_size: 'minimum' }],
    ['start_key=%%%', { start_key: 'format' }],
  ])('%s is a 400 in the validation envelope', async (query, fields) => {
    const res = await as().get(`/v2/accounts/${A}/events?${query}`);
    if (query.startsWith('start_key=%')) expectError(res, 400);
    else expectValidation(res, fields);
  });

  it('another tenant neither lists these events nor finds their attempts by call id', async () => {
    const other = await createTenant(t.db, 'other');
    expectError(await api(t.app, other.key).get(`/v2/accounts/${A}/events`), 403);
    expectError(await api(t.app, other.key).get(`/v2/accounts/${A}/webhooks/attempts`), 403);
    const own = api(t.app, other.key);
    expect(
      expectSuccess(
        await own.get(`/v2/accounts/${other.account.id}/webhooks/attempts?call_id=vb-call-1`),
      ),
    ).toEqual([]);
    expect(
      expectSuccess(await own.get(`/v2/accounts/${other.account.id}/events?call_id=vb-call-1`)),
    ).toEqual([]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { deliveryStack } from '../support/stack.ts';
import { createWebhook, publish } from '../support/tenants.ts';

/**
 * POST …/replays on the real stack: deliveries that failed while a receiver was down go again
 * once it is back, each with its own webhook-id, worked in pages (two a page here) by the worker's
 * housekeeping; other webhooks' and other tenants' deliveries stay as they were.
 */

let failing = true;
const stack = deliveryStack(
  { SWITCHBOARD_REPLAY_INTERVAL_MS: '100', SWITCHBOARD_REPLAY_PAGE_SIZE: '2' },
  () => startReceiver(() => ({ status: failing ? 503 : 200 })),
);
let t: TestApp;
let receiver: Receiver;
const A = { id: '', key: '', one: '', two: '' };
const B = { id: '', key: '', hook: '' };

async function failedOf(webhookId: string): Promise<string[]> {
  const { rows } = await t.db.pool.query<{ id: string }>(
    `SELECT id FROM deliveries WHERE webhook_id = $1 AND status = 'failed' ORDER BY id`,
    [webhookId],
  );
  return rows.map((r) => r.id);
}

const requestsFor = (deliveryId: string) =>
  receiver.requests.filter((r) => r.headers['webhook-id'] === deliveryId);

async function replayEnds(key: string, id: string, state = 'completed') {
  return eventually(async () => {
    const replay = expectSuccess(await api(t.app, key).get(`/v2/accounts/${A.id}/replays/${id}`));
    return replay.state === state ? replay : undefined;
  }, 20_000);
}

beforeAll(async () => {
  ({ t, receiver } = stack);
  const a = await createTenant(t.db, 'replays-a');
  const b = await createTenant(t.db, 'replays-b');
  Object.assign(A, { id: a.account.id, key: a.key });
  Object.assign(B, { id: b.account.id, key: b.key });
  A.one = (
    await createWebhook(t.app, A.key, A.id, {
      uri: `${receiver.url}/a/one`,
      hook: 'all',
      retries: 0,
    })
  ).id;
  A.two = (
    await createWebhook(t.app, A.key, A.id, {
      uri: `${receiver.url}/a/two`,
      hook: 'all',
      retries: 0,
    })
  ).id;
  B.hook = (
    await createWebhook(t.app, B.key, B.id, { uri: `${receiver.url}/b`, hook: 'all', retries: 0 })
  ).id;
  const sms = (id: string) => ({ type: 'sms', id, payload: { body: id } });
  await publish(t.app, A.key, A.id, ['e-1', 'e-2', 'e-3', 'e-4', 'e-5'].map(sms));
  await publish(t.app, B.key, B.id, ['b-1', 'b-2'].map(sms));
  await eventually(
    async () =>
      (await failedOf(A.one)).length === 5 &&
      (await failedOf(A.two)).length === 5 &&
      (await failedOf(B.hook)).length === 2,
    20_000,
  );
  failing = false;
});

describe('POST /v2/accounts/{A}/replays', () => {
  it('redelivers every matching failed delivery once, with its own webhook-id and the same bytes', async () => {
    const failed = await failedOf(A.one);
    const before = receiver.requests.length;
    const res = await t.app.inject({
      method: 'POST',
      url: `/v2/accounts/${A.id}/replays`,
      headers: { 'x-auth-token': A.key, 'idempotency-key': 'replay-one' },
      payload: { data: { webhook_ids: [A.one], result: 'failure', status_code: 503 } },
    });
    const started = expectSuccess(res, 202);
    expect(started).toMatchObject({ id: expect.any(String), state: 'running' });
    const done = await replayEnds(A.key, started.id);
    expect(done).toMatchObject({ matched: 5, queued: 5, done: 5 });
    expect(await failedOf(A.one)).toEqual([]);
    for (const id of failed) {
      const sent = requestsFor(id);
      // The failed try and the replay: the same delivery id, the same body.
      expect(sent).toHaveLength(2);
      expect(sent[1].body).toBe(sent[0].body);
    }
    // Nothing else was sent: the other webhook's and the other tenant's failures stay failed.
    expect(receiver.requests.length - before).toBe(5);
    expect(await failedOf(A.two)).toHaveLength(5);
    expect(await failedOf(B.hook)).toHaveLength(2);
    const { rows } = await t.db.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT delivery_id)::int AS d FROM replay_deliveries WHERE replay_id = $1',
      [started.id],
    );
    expect(rows[0]).toEqual({ n: 5, d: 5 });
  });

  it('the same Idempotency-Key is the same replay; a new one finds nothing left to send', async () => {
    const again = await t.app.inject({
      method: 'POST',
      url: `/v2/accounts/${A.id}/replays`,
      headers: { 'x-auth-token': A.key, 'idempotency-key': 'replay-one' },
      payload: { data: { webhook_ids: [A.two] } },
    });
    const same = expectSuccess(again, 202);
    expect(same).toMatchObject({ state: 'completed', matched: 5, queued: 5, done: 5 });
    expect(same.filter).toEqual({
      webhook_ids: [A.one],
      result: 'failure',
      status_code: 503,
      include_subaccounts: false,
    });
    const fresh = expectSuccess(
      await api(t.app, A.key).post(`/v2/accounts/${A.id}/replays`, { webhook_ids: [A.one] }),
      202,
    );
    expect(fresh.id).not.toBe(same.id);
    expect(await replayEnds(A.key, fresh.id)).toMatchObject({ matched: 0, queued: 0, done: 0 });
  });

  it('takes the log filters: one event of the other webhook', async () => {
    const replay = expectSuccess(
      await api(t.app, A.key).post(`/v2/accounts/${A.id}/replays`, {
        event_id: 'e-2',
        event_type: 'sms',
      }),
      202,
    );
    expect(await replayEnds(A.key, replay.id)).toMatchObject({ matched: 1, queued: 1, done: 1 });
    expect(await failedOf(A.two)).toHaveLength(4);
  });

  it('a cancelled replay queues nothing more, while later replays run', async () => {
    const cancelled = expectSuccess(
      await api(t.app, A.key).post(`/v2/accounts/${A.id}/replays`, { webhook_ids: [A.two] }),
      202,
    );
    const stopped = expectSuccess(
      await api(t.app, A.key).delete(`/v2/accounts/${A.id}/replays/${cancelled.id}`),
    );
    expect(stopped.state).toBe('cancelled');
    // A replay made after it completes: passes have run since, and skipped the cancelled one.
    const later = expectSuccess(
      await api(t.app, A.key).post(`/v2/accounts/${A.id}/replays`, { event_id: 'no-such-event' }),
      202,
    );
    await replayEnds(A.key, later.id);
    const after = expectSuccess(
      await api(t.app, A.key).get(`/v2/accounts/${A.id}/replays/${cancelled.id}`),
    );
    expect(after).toMatchObject({ state: 'cancelled', queued: stopped.queued });
    expect(await failedOf(A.two)).toHaveLength(4 - stopped.queued);
  });

  it('a key never sees or replays another tenant’s deliveries', async () => {
    const mine = expectSuccess(
      await api(t.app, A.key).post(`/v2/accounts/${A.id}/replays`, { event_id: 'b-1' }),
      202,
    );
    expectError(await api(t.app, B.key).get(`/v2/accounts/${A.id}/replays/${mine.id}`), 403);
    expectError(await api(t.app, B.key).get(`/v2/accounts/${B.id}/replays/${mine.id}`), 404);
    expectError(await api(t.app, B.key).delete(`/v2/accounts/${B.id}/replays/${mine.id}`), 404);
    expectError(
      await api(t.app, B.key).post(`/v2/accounts/${B.id}/replays`, { webhook_ids: [A.one] }),
      404,
    );
    expectError(await api(t.app, B.key).post(`/v2/accounts/${A.id}/replays`, {}), 403);
    // A's replay of B's event id matched nothing of B's.
    expect(await replayEnds(A.key, mine.id)).toMatchObject({ matched: 0 });
    expect(await failedOf(B.hook)).toHaveLength(2);
  });

  it.each([
    [{ webhook_ids: 'x' }, { webhook_ids: 'type' }],
    [{ webhook_ids: [] }, { webhook_ids: 'minItems' }],
    [{ status_code: 'abc' }, { status_code: 'type' }],
    [{ error_code: 'nope' }, { error_code: 'enum' }],
    [{ include_subaccounts: 'maybe' }, { include_subaccounts: 'type' }],
    [{ created_from: 'yesterday' }, { created_from: 'format' }],
    [{ colour: 'red' }, { colour: 'unknown_field' }],
  ])('%j is a 400 in the validation envelope', async (data, fields) => {
    expectValidation(await api(t.app, A.key).post(`/v2/accounts/${A.id}/replays`, data), fields);
  });

  it('an unknown replay is a 404', async () => {
    expectError(await api(t.app, A.key).get(`/v2/accounts/${A.id}/replays/nope`), 404);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, api, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { startTestWorker } from '../support/worker.ts';
import { createWebhook, publish } from '../support/tenants.ts';

/** Retries (docs/delivery.md): what is retried, how often, how late, and what the log shows. */
describe('retries', () => {
  let t: TestApp;
  let worker: { close(): Promise<void> };
  let tenant: { account: { id: string }; key: string };
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    worker = await startTestWorker(t.config);
  });
  // A tenant per test: every hook below subscribes to "all", so tests must not share an account.
  beforeEach(async () => {
    tenant = await createTenant(t.db);
  });
  afterAll(async () => {
    await worker.close();
    await Promise.all(receivers.map((r) => r.close()));
    await t.close();
  });

  async function receiverAnswering(
    statuses: (number | { status: number; headers?: Record<string, string>; delayMs?: number })[],
  ) {
    const r = await startReceiver((_req, i) => {
      const s = statuses[Math.min(i, statuses.length - 1)];
      return typeof s === 'number' ? { status: s } : s;
    });
    receivers.push(r);
    return r;
  }

  async function deliveryOf(eventId: string) {
    const res = await api(t.app, tenant.key).get(
      `/v2/accounts/${tenant.account.id}/events/${eventId}`,
    );
    return res.json().data.deliveries[0] as
      { id: string; status: string; tries: number } | undefined;
  }

  /** A hook on `uri` (all events, `retries`), and one event published to it. */
  async function sendOne(uri: string, retries: number, eventId: string, type = 'sms') {
    const hook = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri,
      hook: 'all',
      retries,
    });
    await publish(t.app, tenant.key, tenant.account.id, {
      type,
      id: eventId,
      payload: { id: 'c' },
    });
    return hook;
  }

  /** Waits for the event's delivery to end with `status`, and returns it. */
  function deliveryEnds(eventId: string, status: string, timeoutMs?: number) {
    return eventually(async () => {
      const d = await deliveryOf(eventId);
      return d?.status === status ? d : undefined;
    }, timeoutMs);
  }

  async function attemptsOf(webhookId: string) {
    const res = await api(t.app, tenant.key).get(
      `/v2/accounts/${tenant.account.id}/webhooks/${webhookId}/attempts`,
    );
    return res.json().data as Record<string, unknown>[];
  }

  it('a receiver that fails twice then succeeds yields three logged attempts and one delivered delivery', async () => {
    const r = await receiverAnswering([500, 503, 200]);
    const hook = await sendOne(r.url, 2, 'flaky-1', 'call_hungup');
    await r.waitFor(3);
    const delivery = await deliveryEnds('flaky-1', 'delivered');
    expect(delivery.tries).toBe(3);
    // webhook-id is the delivery id, the same on every retry.
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([
      delivery.id,
      delivery.id,
      delivery.id,
    ]);
    const attempts = await eventually(async () => {
      const a = await attemptsOf(hook.id);
      return a.length === 3 ? a : undefined;
    });
    // Newest first.
    // Kazoo's `retries` counts the tries still owed, this one included (its UI shows retries - 1).
    expect(
      attempts.map((a) => [a.try, a.result, a.resp_status_code, a.retries_left, a.retries]),
    ).toEqual([
      [3, 'success', 200, 0, 1],
      [2, 'failure', 503, 1, 2],
      [1, 'failure', 500, 2, 3],
    ]);
    expect(attempts.map((a) => a.reason)).toEqual([
      undefined,
      'bad response code',
      'bad response code',
    ]);
    expect(attempts[2]).toMatchObject({
      hook_id: hook.id,
      event_id: 'flaky-1',
      delivery_id: delivery.id,
      hook_event: 'channel_destroy',
      method: 'post',
      uri: r.url,
    });
    expect(r.requests.length).toBe(3);
  });

  it('a 400 is final: one attempt, the delivery fails, no retry', async () => {
    const r = await receiverAnswering([400, 200]);
    const hook = await sendOne(r.url, 4, 'bad-request-1');
    // Failed is final (only a pending delivery can be leased and sent): one try got it there.
    const delivery = await deliveryEnds('bad-request-1', 'failed');
    expect(delivery.tries).toBe(1);
    expect(r.requests.length).toBe(1);
    const attempts = await attemptsOf(hook.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      result: 'failure',
      resp_status_code: 400,
      retries_left: 0,
    });
  });

  it('retries: 0 means one try only, even for a 503', async () => {
    const r = await receiverAnswering([503]);
    const hook = await sendOne(r.url, 0, 'no-retry-1');
    // Failed is final (only a pending delivery can be leased and sent): one try got it there,
    // where a retried 503 would have ended after more.
    const delivery = await deliveryEnds('no-retry-1', 'failed');
    expect(delivery.tries).toBe(1);
    expect(r.requests.length).toBe(1);
    const attempts = await attemptsOf(hook.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      result: 'failure',
      resp_status_code: 503,
      retries_left: 0,
    });
  });

  it('retries 429 no sooner than its Retry-After says', async () => {
    const r = await receiverAnswering([{ status: 429, headers: { 'retry-after': '1' } }, 200]);
    await sendOne(r.url, 1, 'throttled-1');
    await r.waitFor(2, 5000);
    expect(r.requests[1].at - r.requests[0].at).toBeGreaterThanOrEqual(950);
    await deliveryEnds('throttled-1', 'delivered');
  });

  it('retries a timeout and logs it with client_error "timeout"', async () => {
    const r = await receiverAnswering([{ status: 200, delayMs: 3000 }, 200]);
    const hook = await sendOne(r.url, 1, 'slow-1');
    await deliveryEnds('slow-1', 'delivered', 10_000);
    const attempts = await attemptsOf(hook.id);
    expect(attempts.map((a) => a.result)).toEqual(['success', 'failure']);
    expect(attempts[1]).toMatchObject({
      reason: 'kazoo http client error',
      client_error: 'timeout',
      error_code: 'timeout',
      resp_status_code: null,
    });
    expect(attempts[1].duration_ms as number).toBeLessThan(2900);
  });

  it('retries a refused connection and logs client_error "econnrefused" (error_code "connect_refused")', async () => {
    const r = await receiverAnswering([200]);
    const url = r.url;
    await r.close();
    const hook = await sendOne(`${url}/gone`, 1, 'refused-1');
    await deliveryEnds('refused-1', 'failed');
    const attempts = await attemptsOf(hook.id);
    expect(attempts.map((a) => [a.try, a.reason, a.client_error, a.error_code])).toEqual([
      [2, 'kazoo http client error', 'econnrefused', 'connect_refused'],
      [1, 'kazoo http client error', 'econnrefused', 'connect_refused'],
    ]);
  });

  it('does not follow redirects: a 302 is a final failure', async () => {
    const r = await receiverAnswering([
      { status: 302, headers: { location: 'http://127.0.0.1:1/' } },
    ]);
    await sendOne(r.url, 2, 'redirect-1');
    await deliveryEnds('redirect-1', 'failed');
    expect(r.requests.length).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, api, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { startTestWorker } from '../support/worker.ts';
import { createWebhook, publish } from '../support/tenants.ts';

/** The attempts log (docs/api-conventions.md): newest first, cursor pages that are complete, filters by time and result. */
describe('the attempts log', () => {
  let t: TestApp;
  let worker: { close(): Promise<void> };
  let receiver: Receiver;
  let tenant: { account: { id: string }; key: string };
  let good: { id: string };
  let bad: { id: string };
  const total = 25;

  beforeAll(async () => {
    t = await startTestApp();
    worker = await startTestWorker(t.config);
    receiver = await startReceiver((req) => ({
      status: req.url.startsWith('/bad') ? 404 : 200,
      headers: { 'content-type': 'text/plain', 'x-receiver': 'yes' },
      body: req.url.startsWith('/bad') ? 'no such hook' : 'x'.repeat(20_000),
    }));
    tenant = await createTenant(t.db);
    good = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/good`,
      hook: 'sms',
    });
    bad = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/bad`,
      hook: 'parking',
      retries: 0,
    });
    await publish(
      t.app,
      tenant.key,
      tenant.account.id,
      Array.from({ length: total }, (_, i) => ({ type: 'sms', id: `s-${i}`, payload: { i } })),
    );
    await publish(t.app, tenant.key, tenant.account.id, {
      type: 'parking',
      id: 'p-1',
      payload: { slot: 1 },
    });
    await eventually(async () => {
      const { rows } = await t.db.pool.query(
        'SELECT count(*)::int AS n FROM attempts WHERE account_id = $1',
        [tenant.account.id],
      );
      return rows[0].n === total + 1;
    });
  });
  afterAll(async () => {
    await worker.close();
    await receiver.close();
    await t.close();
  });

  const get = (path: string) =>
    api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}${path}`);

  it('walks every attempt exactly once, newest first, with page_size and next_start_key', async () => {
    const seen: { id: string; timestamp: number }[] = [];
    let startKey: string | undefined;
    let pages = 0;
    do {
      const res = await get(
        `/webhooks/attempts?page_size=7${startKey ? `&start_key=${startKey}` : ''}`,
      );
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.page_size).toBe(body.data.length);
      seen.push(...body.data);
      startKey = body.next_start_key;
      pages++;
    } while (startKey);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(total + 1);
    expect(new Set(seen.map((a) => a.id)).size).toBe(total + 1);
    const times = seen.map((a) => a.timestamp);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('lists one webhook’s attempts with Kazoo’s keys', async () => {
    const res = await get(`/webhooks/${bad.id}/attempts`);
    const [attempt] = res.json().data;
    expect(res.json().data).toHaveLength(1);
    expect(Object.keys(attempt).sort()).toEqual(
      [
        'id',
        'delivery_id',
        'hook_id',
        'hook_event',
        'event_id',
        'account_id',
        'uri',
        'method',
        'req_headers',
        'req_body',
        'resp_status_code',
        'resp_headers',
        'resp_body',
        'response_code',
        'try',
        'retries',
        'retries left',
        'retries_left',
        'result',
        'reason',
        'error_message',
        'duration_ms',
        'timestamp',
        'created',
      ].sort(),
    );
    expect(attempt).toMatchObject({
      hook_id: bad.id,
      hook_event: 'parking',
      event_id: 'p-1',
      uri: `${receiver.url}/bad`,
      method: 'post',
      resp_status_code: 404,
      resp_body: 'no such hook',
      response_code: 404,
      try: 1,
      retries: 1,
      'retries left': 0,
      retries_left: 0,
      result: 'failure',
      reason: 'bad response code',
      error_message: 'receiver answered 404',
    });
    // Kazoo's Gregorian seconds: an integer, the ISO time plus 62167219200 s.
    expect(Number.isInteger(attempt.timestamp)).toBe(true);
    expect(attempt.timestamp).toBe(Math.floor(Date.parse(attempt.created) / 1000) + 62_167_219_200);
    expect(attempt.resp_headers['x-receiver']).toBe('yes');
    expect(attempt.req_headers['webhook-id']).toBe(attempt.delivery_id);
    expect(JSON.parse(attempt.req_body)).toMatchObject({ slot: 1, hook_event: 'parking' });
  });

  it('keeps only the first 8 KiB of a response body', async () => {
    const res = await get(`/webhooks/${good.id}/attempts?page_size=1`);
    expect(res.json().data[0].resp_body).toHaveLength(8 * 1024);
  });

  it('stores a response body with NUL bytes (which Postgres cannot hold) without them', async () => {
    const nul = await startReceiver(() => ({ status: 200, body: 'ok\u0000done' }));
    try {
      const other = await createTenant(t.db);
      const hook = await createWebhook(t.app, other.key, other.account.id, {
        uri: nul.url,
        hook: 'sms',
      });
      await publish(t.app, other.key, other.account.id, { type: 'sms', id: 'nul-1', payload: {} });
      const attempts = await eventually(async () => {
        const res = await api(t.app, other.key).get(
          `/v2/accounts/${other.account.id}/webhooks/${hook.id}/attempts`,
        );
        return res.json().data.length > 0 ? res.json().data : undefined;
      });
      expect(attempts[0]).toMatchObject({ result: 'success', resp_body: 'okdone' });
    } finally {
      await nul.close();
    }
  });

  it('logs a request body cut in the middle of an emoji (the 16 KiB log limit) and delivers once', async () => {
    const r = await startReceiver();
    try {
      const other = await createTenant(t.db);
      const hook = await createWebhook(t.app, other.key, other.account.id, {
        uri: r.url,
        event_types: ['sms'],
      });
      // {"type":"sms","data":{"a":"xxx…😀"}}: the emoji's two halves straddle character 16384.
      const prefix = '{"type":"sms","data":{"a":"'.length;
      await publish(t.app, other.key, other.account.id, {
        type: 'sms',
        id: 'emoji-1',
        payload: { a: 'x'.repeat(16 * 1024 - prefix - 1) + '😀' },
      });
      const attempts = await eventually(async () => {
        const res = await api(t.app, other.key).get(
          `/v2/accounts/${other.account.id}/webhooks/${hook.id}/attempts`,
        );
        return res.json().data.length > 0 ? res.json().data : undefined;
      });
      expect(attempts).toHaveLength(1);
      expect(attempts[0].result).toBe('success');
      expect(attempts[0].req_body).toHaveLength(16 * 1024);
      expect(attempts[0].req_body.endsWith('\ufffd')).toBe(true);
      await new Promise((res) => setTimeout(res, 300));
      expect(r.requests).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it('filters by result and by time', async () => {
    const failures = (await get('/webhooks/attempts?result=failure')).json().data;
    expect(failures.map((a: { hook_id: string }) => a.hook_id)).toEqual([bad.id]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await get(`/webhooks/attempts?created_from=${future}`)).json().data).toEqual([]);
    const past = Math.floor(Date.now() / 1000) - 3600;
    expect(
      (await get(`/webhooks/attempts?created_from=${past}&page_size=1000`)).json().data,
    ).toHaveLength(total + 1);
    expect((await get(`/webhooks/attempts?created_to=${past}`)).json().data).toEqual([]);
  });

  it('answers 400 for a bad filter and 404 for a webhook of another account', async () => {
    expect((await get('/webhooks/attempts?result=maybe')).statusCode).toBe(400);
    expect((await get('/webhooks/attempts?created_from=yesterday')).statusCode).toBe(400);
    expect((await get('/webhooks/attempts?page_size=1001')).statusCode).toBe(400);
    const other = await createTenant(t.db);
    const res = await api(t.app, other.key).get(
      `/v2/accounts/${other.account.id}/webhooks/${good.id}/attempts`,
    );
    expect(res.statusCode).toBe(404);
  });
});

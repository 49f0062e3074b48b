import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';

/** The official verifier, told not to JSON-parse (form and GET content is not JSON): any throw rejects. */
function verdict(
  secret: string,
  payload: string,
  headers: Record<string, string>,
): 'verified' | 'rejected' {
  try {
    new Webhook(secret).verify(payload, headers, { jsonParse: false });
    return 'verified';
  } catch {
    return 'rejected';
  }
}
import { createHmac } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { startTestWorker } from '../support/worker.ts';
import { createResellerTree, createWebhook, publish } from '../support/tenants.ts';

/** Fan-out, call twins, body shapes and signatures (docs/events.md, docs/delivery.md) — end to end on the real stack. */
describe('an event published to a sub-customer', () => {
  let t: TestApp;
  let worker: { close(): Promise<void> };
  let receiver: Receiver;
  let tree: Awaited<ReturnType<typeof createResellerTree>>;
  const hooks: Record<string, { id: string; secret: string }> = {};
  const byPath = (path: string) => receiver.requests.filter((r) => r.url.split('?')[0] === path);

  beforeAll(async () => {
    t = await startTestApp();
    worker = await startTestWorker(t.config);
    receiver = await startReceiver();
    tree = await createResellerTree(t.app, t.db);
    const sub = tree.subCustomer;
    hooks.kazooJson = await createWebhook(t.app, sub.key, sub.id, {
      uri: `${receiver.url}/kazoo-json`,
      hook: 'channel_create',
      custom_data: { crm: 'acme' },
      custom_request_headers: { 'X-Tenant': 'acme', 'X-Api-Key': 'receiver-secret' },
    });
    hooks.kazooForm = await createWebhook(t.app, sub.key, sub.id, {
      uri: `${receiver.url}/kazoo-form`,
      hook: 'channel_create',
      format: 'form-data',
      http_verb: 'put',
    });
    hooks.kazooGet = await createWebhook(t.app, sub.key, sub.id, {
      uri: `${receiver.url}/kazoo-get?static=1`,
      hook: 'all',
      http_verb: 'get',
    });
    hooks.voipbin = await createWebhook(t.app, sub.key, sub.id, {
      uri: `http://user:p%40ss@127.0.0.1:${new URL(receiver.url).port}/voipbin`,
      event_types: ['call_created', 'call_hungup'],
    });
    hooks.otherType = await createWebhook(t.app, sub.key, sub.id, {
      uri: `${receiver.url}/other`,
      hook: 'channel_destroy',
    });
    hooks.modifierMiss = await createWebhook(t.app, sub.key, sub.id, {
      uri: `${receiver.url}/modifier-miss`,
      hook: 'channel_create',
      modifiers: { call_direction: 'outbound' },
    });
    hooks.resellerAll = await createWebhook(t.app, tree.reseller.key, tree.reseller.id, {
      uri: `${receiver.url}/reseller-sub`,
      hook: 'all',
      include_subaccounts: true,
    });
    hooks.resellerOwn = await createWebhook(t.app, tree.reseller.key, tree.reseller.id, {
      uri: `${receiver.url}/reseller-own`,
      hook: 'all',
    });
    hooks.customerSub = await createWebhook(t.app, tree.customer.key, tree.customer.id, {
      uri: `${receiver.url}/customer-sub`,
      event_types: ['call_created'],
      include_subaccounts: true,
    });
    await publish(t.app, sub.key, sub.id, {
      type: 'channel_create',
      id: 'evt-1',
      payload: { call_id: 'c-1', call_direction: 'inbound', caller_id_number: '+15551234567' },
    });
    // kazoo-json, kazoo-form, kazoo-get, voipbin, reseller-sub, customer-sub
    await receiver.waitFor(6);
    await new Promise((r) => setTimeout(r, 300)); // nothing else should arrive
  });

  afterAll(async () => {
    await worker.close();
    await receiver.close();
    await t.close();
  });

  it('reaches its own hooks and its ancestors’ include_subaccounts hooks, and no others', () => {
    const paths = receiver.requests.map((r) => r.url.split('?')[0]).sort();
    expect(paths).toEqual([
      '/customer-sub',
      '/kazoo-form',
      '/kazoo-get',
      '/kazoo-json',
      '/reseller-sub',
      '/voipbin',
    ]);
  });

  it('sends Kazoo subscribers the flat payload with hook_event, account_id, timestamp and custom_data', () => {
    const [req] = byPath('/kazoo-json');
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({
      call_id: 'c-1',
      call_direction: 'inbound',
      caller_id_number: '+15551234567',
      hook_event: 'channel_create',
      account_id: tree.subCustomer.id,
      crm: 'acme',
    });
    expect(typeof body.timestamp).toBe('number');
    expect(req.headers['x-hook-id']).toBe(hooks.kazooJson.id);
    expect(req.headers['x-account-id']).toBe(tree.subCustomer.id);
    expect(req.headers['user-agent']).toMatch(/^Switchboard\/\d+\.\d+\.\d+$/);
  });

  it('sends the webhook’s custom_request_headers, and logs a credential-looking one redacted', async () => {
    const [request] = byPath('/kazoo-json');
    expect(request.headers['x-tenant']).toBe('acme');
    expect(request.headers['x-api-key']).toBe('receiver-secret');
    // Ours are still ours: the custom headers did not displace the signature or the hook id.
    expect(request.headers['x-hook-id']).toBe(hooks.kazooJson.id);
    expect(request.headers['webhook-signature']).toMatch(/^v1,/);
    const { rows } = await eventually(async () => {
      const r = await t.db.pool.query('SELECT req_headers FROM attempts WHERE webhook_id = $1', [
        hooks.kazooJson.id,
      ]);
      return r.rows.length > 0 ? r : undefined;
    });
    expect(rows[0].req_headers).toMatchObject({ 'x-tenant': 'acme', 'x-api-key': '[redacted]' });
    // Only the hook that asked for them sends them.
    expect(byPath('/kazoo-form')[0].headers['x-tenant']).toBeUndefined();
  });

  it('url-encodes the same fields for form-data and honours the PUT verb', () => {
    const [req] = byPath('/kazoo-form');
    expect(req.method).toBe('PUT');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req.body);
    expect(form.get('call_id')).toBe('c-1');
    expect(form.get('hook_event')).toBe('channel_create');
  });

  it('puts the payload in the query string for GET, keeping the uri’s own query', () => {
    const [req] = byPath('/kazoo-get');
    expect(req.method).toBe('GET');
    expect(req.body).toBe('');
    const query = new URL(req.url, 'http://x').searchParams;
    expect(query.get('static')).toBe('1');
    expect(query.get('call_id')).toBe('c-1');
    expect(query.get('hook_event')).toBe('channel_create');
  });

  it('sends VoIPBIN subscribers the twin as VoIPBIN’s call resource, with basic auth from the uri', () => {
    const [req] = byPath('/voipbin');
    const body = JSON.parse(req.body);
    expect(body).toEqual({
      type: 'call_created',
      data: {
        id: 'c-1',
        customer_id: tree.subCustomer.id,
        source: { type: 'tel', target: '+15551234567' },
        status: 'dialing',
        direction: 'incoming',
        // RFC 3339, as current VoIPBIN sends; times that have not happened are left out.
        tm_create: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        tm_update: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      },
    });
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    expect(req.url).toBe('/voipbin');
  });

  it('signs every request so the official standardwebhooks verifier accepts it', () => {
    const secretOf = (path: string) =>
      Object.values(hooks).find((h) => (h as unknown as { uri: string }).uri.includes(path))!
        .secret;
    for (const req of receiver.requests) {
      const path = req.url.split('?')[0];
      // GET: the whole query as received, the uri's own `static=1` included.
      const signed = req.method === 'GET' ? req.url.slice(req.url.indexOf('?') + 1) : req.body;
      const headers = {
        'webhook-id': req.headers['webhook-id'] as string,
        'webhook-timestamp': req.headers['webhook-timestamp'] as string,
        'webhook-signature': req.headers['webhook-signature'] as string,
      };
      expect(verdict(secretOf(path), signed, headers)).toBe('verified');
      expect(verdict(secretOf(path), signed + ' ', headers)).toBe('rejected');
    }
  });

  it('adds X-VoIPBIN-Signature, the hex HMAC of the body keyed with the secret as shown', () => {
    const [req] = byPath('/voipbin');
    const key = hooks.voipbin.secret;
    const expected = `sha256=${createHmac('sha256', key).update(req.body).digest('hex')}`;
    expect(req.headers['x-voipbin-signature']).toBe(expected);
  });

  it('gives each delivery its own webhook-id and records them on the event', async () => {
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${tree.subCustomer.id}/events/evt-1`,
      headers: { 'x-auth-token': tree.reseller.key },
    });
    expect(res.statusCode).toBe(200);
    const deliveries = res.json().data.deliveries as { id: string; status: string }[];
    expect(deliveries.map((d) => d.id).sort()).toEqual([...ids].sort());
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
  });

  it('shows a sub-customer only the deliveries to hooks it manages', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v2/accounts/${tree.subCustomer.id}/events/evt-1`,
      headers: { 'x-auth-token': tree.subCustomer.key },
    });
    const webhookIds = (res.json().data.deliveries as { webhook_id: string }[]).map(
      (d) => d.webhook_id,
    );
    expect(webhookIds).toHaveLength(4);
    expect(webhookIds).not.toContain(hooks.resellerAll.id);
    expect(webhookIds).not.toContain(hooks.customerSub.id);
  });
});

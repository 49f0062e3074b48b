import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { startTestWorker } from '../support/worker.ts';
import { createWebhook, publish } from '../support/tenants.ts';
import {
  startPlatformReceivers,
  type PlatformReceiver,
  type ReceiverSecrets,
} from '../support/platform-receivers.ts';

/**
 * One call published in Kazoo's, VoIPBIN's and jambonz's shapes reaches receivers written from
 * each platform's documentation — VoIPBIN's tutorial receiver, jambonz's verifier middleware, a
 * Jaxl handler, Standard Webhooks / Svix verifiers — through the real API, worker, PostgreSQL,
 * Redis and HTTP on 127.0.0.1 (docs/dialects.md).
 */

const KAZOO_DESTROY = {
  call_id: 'kz-leg-1',
  call_direction: 'inbound',
  caller_id_number: '+15551234567',
  caller_id_name: 'Alice',
  callee_id_number: '+15557654321',
  hangup_cause: 'NORMAL_CLEARING',
  hangup_code: 'sip:200',
  duration_seconds: 65,
  billing_seconds: 60,
};
const VOIPBIN_HUNGUP = {
  id: 'vb-call-1',
  customer_id: 'vb-customer',
  source: { type: 'tel', target: '+15550001111', target_name: 'Bob' },
  destination: { type: 'tel', target: '+15550002222' },
  status: 'hangup',
  direction: 'outgoing',
  hangup_by: 'local',
  hangup_reason: 'normal',
  tm_create: '2026-11-23 10:00:00.000000',
  tm_progressing: '2026-11-23 10:00:03.000000',
  tm_hangup: '2026-11-23 10:01:00.000000',
};
const JAMBONZ_BUSY = {
  call_sid: 'jz-sid-1',
  call_id: 'jz-sip-1@example.net',
  direction: 'outbound',
  from: '+15550003333',
  to: '+15550004444',
  caller_name: 'Carol',
  call_status: 'busy',
  sip_status: 486,
  sip_reason: 'Busy Here',
};

describe('every platform’s receiver gets a call in its own dialect and verifies it', () => {
  let t: TestApp;
  let worker: { close(): Promise<void> };
  let platform: PlatformReceiver;
  let plain: Receiver;
  let accountId: string;
  let key: string;
  const secrets: ReceiverSecrets = {};
  const hooks: Record<string, { id: string; secret: string }> = {};
  const plainAt = (path: string) => plain.requests.filter((r) => r.url.split('?')[0] === path);
  const acceptedAt = (path: string) => platform.accepted.filter((a) => a.path === path);

  beforeAll(async () => {
    t = await startTestApp();
    worker = await startTestWorker(t.config);
    platform = await startPlatformReceivers(secrets);
    plain = await startReceiver();
    ({
      account: { id: accountId },
      key,
    } = await createTenant(t.db, 'dialects'));
    const hook = (data: Record<string, unknown>) => createWebhook(t.app, key, accountId, data);
    hooks.voipbin = await hook({
      uri: `${platform.url}/voipbin/webhook`,
      event_types: ['call_hungup'],
    });
    hooks.jambonzPost = await hook({
      uri: `${platform.url}/jambonz/call-status`,
      hook: 'channel_destroy',
      dialect: 'jambonz',
    });
    hooks.jambonzGet = await hook({
      uri: `${platform.url}/jambonz/call-status?app=billing`,
      event_types: ['call_hungup'],
      dialect: 'jambonz',
      http_verb: 'get',
    });
    hooks.jaxl = await hook({
      uri: `${platform.url}/jaxl`,
      event_types: ['call_created', 'call_hungup'],
      dialect: 'jaxl',
      custom_data: { pk: 42, crm: 'acme' },
    });
    hooks.standard = await hook({
      uri: `${plain.url}/standard`,
      event_types: ['call_hungup'],
      dialect: 'standard',
    });
    hooks.form = await hook({
      uri: `${plain.url}/form`,
      hook: 'channel_destroy',
      format: 'form-data',
    });
    hooks.get = await hook({
      uri: `${plain.url}/get?token=a%20b&x=1`,
      hook: 'channel_destroy',
      http_verb: 'get',
    });
    // The receivers are given their secrets as the API showed them.
    secrets.voipbin = hooks.voipbin.secret;
    secrets.jambonz = [hooks.jambonzPost.secret, hooks.jambonzGet.secret];

    await publish(t.app, key, accountId, [
      { type: 'channel_destroy', id: 'kazoo-1', payload: KAZOO_DESTROY },
      { type: 'call_hungup', id: 'voipbin-1', payload: VOIPBIN_HUNGUP },
      { type: 'call_hungup', id: 'jambonz-1', payload: JAMBONZ_BUSY },
      {
        type: 'call_created',
        id: 'created-1',
        payload: { ...VOIPBIN_HUNGUP, status: 'dialing', hangup_reason: '' },
      },
    ]);
    // 3 hang-ups × (voipbin, jambonz POST, jambonz GET, jaxl) + 1 Jaxl setup; 3 × (standard, form, get)
    await eventually(async () => platform.accepted.length + platform.refused.length >= 13);
    await plain.waitFor(9);
    await eventually(async () => {
      const { rows } = await t.db.pool.query(
        "SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'",
      );
      return rows[0].n === 22;
    });
  });

  afterAll(async () => {
    await worker.close();
    await platform.close();
    await plain.close();
    await t.close();
  });

  it('no receiver refused a delivery', () => {
    expect(platform.refused).toEqual([]);
    expect(platform.accepted).toHaveLength(13);
  });

  it('VoIPBIN’s tutorial receiver verifies X-VoIPBIN-Signature and reads the call resource', () => {
    const byId = Object.fromEntries(
      acceptedAt('/voipbin/webhook').map((a) => [a.fields.id, a.fields]),
    );
    expect(byId['kz-leg-1']).toMatchObject({
      type: 'call_hungup',
      status: 'hangup',
      hangup_reason: 'normal',
      direction: 'incoming',
      from: '+15551234567',
      to: '+15557654321',
    });
    expect(byId['vb-call-1']).toMatchObject({ hangup_reason: 'normal', direction: 'outgoing' });
    expect(byId['jz-sid-1']).toMatchObject({
      hangup_reason: 'busy',
      from: '+15550003333',
      direction: 'outgoing',
    });
  });

  it('jambonz’s verifyJambonzSignature accepts POST JSON and GET deliveries with call status fields', () => {
    const posts = acceptedAt('/jambonz/call-status').filter((a) => a.method === 'POST');
    const gets = acceptedAt('/jambonz/call-status').filter((a) => a.method === 'GET');
    expect(posts).toHaveLength(3);
    expect(gets).toHaveLength(3);
    const bySid = Object.fromEntries(posts.map((a) => [a.fields.call_sid, a.fields]));
    expect(bySid['kz-leg-1']).toEqual({
      call_sid: 'kz-leg-1',
      call_status: 'completed',
      direction: 'inbound',
      from: '+15551234567',
      to: '+15557654321',
      sip_status: 200,
    });
    expect(bySid['vb-call-1']).toMatchObject({ call_status: 'completed', direction: 'outbound' });
    expect(bySid['jz-sid-1']).toMatchObject({ call_status: 'busy', sip_status: 486 });
    expect(gets.map((a) => a.fields.call_status).sort()).toEqual([
      'busy',
      'completed',
      'completed',
    ]);
  });

  it('the Jaxl handler gets setup (1) and teardown (3) requests, and its prompt is logged', async () => {
    const jaxl = acceptedAt('/jaxl');
    expect(jaxl.map((a) => a.fields.event).sort()).toEqual([1, 3, 3, 3]);
    expect(jaxl.find((a) => a.fields.event === 1)?.fields).toEqual({
      pk: 42,
      event: 1,
      call_id: Number.parseInt(
        createHash('sha256').update('vb-call-1').digest('hex').slice(0, 13),
        16,
      ),
      original_call_id: 'vb-call-1',
      from_number: '+15550001111',
      to_number: '+15550002222',
      direction: 2,
      option: null,
      data: null,
    });
    const { rows } = await t.db.pool.query('SELECT resp_body FROM attempts WHERE webhook_id = $1', [
      hooks.jaxl.id,
    ]);
    expect(rows.map((r) => JSON.parse(r.resp_body).prompt[0]).sort()).toEqual([
      'Bye',
      'Bye',
      'Bye',
      'Welcome.',
    ]);
  });

  const signatureHeaders = (req: Receiver['requests'][number]) => ({
    'webhook-id': String(req.headers['webhook-id']),
    'webhook-timestamp': String(req.headers['webhook-timestamp']),
    'webhook-signature': String(req.headers['webhook-signature']),
  });

  it('Standard Webhooks JSON: both official verifiers accept it with their default call', () => {
    const requests = plainAt('/standard');
    expect(requests).toHaveLength(3);
    for (const req of requests) {
      const body = new StandardWebhook(hooks.standard.secret).verify(
        req.body,
        signatureHeaders(req),
      ) as { type: string; timestamp: string; data: Record<string, unknown> };
      expect(
        new SvixWebhook(hooks.standard.secret).verify(req.body, signatureHeaders(req)),
      ).toEqual(body);
      expect(body.type).toBe('call_hungup');
      expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(body.data).toHaveProperty('call_id');
      expect(body.data).toHaveProperty('status');
    }
  });

  it('form-data: the default call verifies the body passed as a JSON string, jsonParse:false the body itself', () => {
    for (const req of plainAt('/form')) {
      const headers = signatureHeaders(req);
      expect(new StandardWebhook(hooks.form.secret).verify(JSON.stringify(req.body), headers)).toBe(
        req.body,
      );
      expect(new SvixWebhook(hooks.form.secret).verify(JSON.stringify(req.body), headers)).toBe(
        req.body,
      );
      expect(
        new StandardWebhook(hooks.form.secret).verify(req.body, headers, { jsonParse: false }),
      ).toBeUndefined();
      expect(() =>
        new SvixWebhook(hooks.form.secret).verify(JSON.stringify(`${req.body}&x=2`), headers),
      ).toThrow();
    }
  });

  it('GET: the whole query as received, the uri’s own part included, verifies the same ways', () => {
    const requests = plainAt('/get');
    expect(requests).toHaveLength(3);
    for (const req of requests) {
      const query = req.url.slice(req.url.indexOf('?') + 1);
      expect(query.startsWith('token=a%20b&x=1&')).toBe(true);
      const headers = signatureHeaders(req);
      expect(new SvixWebhook(hooks.get.secret).verify(JSON.stringify(query), headers)).toBe(query);
      expect(
        new StandardWebhook(hooks.get.secret).verify(query, headers, { jsonParse: false }),
      ).toBeUndefined();
      const altered = query.replace('x=1', 'x=2');
      expect(() =>
        new StandardWebhook(hooks.get.secret).verify(altered, headers, { jsonParse: false }),
      ).toThrow();
    }
  });

  it('during a rotation X-VoIPBIN-Signature comes once per secret, the current one first', async () => {
    const rotating = await createWebhook(t.app, key, accountId, {
      uri: `${plain.url}/rotating`,
      event_types: ['call_hungup'],
    });
    const res = await api(t.app, key).put(
      `/v2/accounts/${accountId}/webhooks/${rotating.id}/secret`,
      {},
    );
    expect(res.statusCode).toBe(200);
    const current = res.json().data.secret as string;
    await publish(t.app, key, accountId, {
      type: 'call_hungup',
      id: 'rotation-1',
      payload: VOIPBIN_HUNGUP,
    });
    const [req] = await eventually(async () => {
      const found = plainAt('/rotating');
      return found.length > 0 ? found : undefined;
    });
    const lines: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      if (req.rawHeaders[i].toLowerCase() === 'x-voipbin-signature')
        lines.push(req.rawHeaders[i + 1]);
    const sign = (secret: string) =>
      `sha256=${createHmac('sha256', secret).update(req.body).digest('hex')}`;
    // A receiver reading the first value (Flask's, Go's Header.get) checks the current secret's.
    expect(lines).toEqual([sign(current), sign(rotating.secret)]);
    // Node joins them with ", ": a receiver there splits and accepts any match.
    expect(String(req.headers['x-voipbin-signature']).split(/,\s*/)).toContain(
      sign(rotating.secret),
    );
  });
});

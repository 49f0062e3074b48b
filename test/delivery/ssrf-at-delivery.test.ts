import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, api, testConfig, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { startTestWorker } from '../support/worker.ts';
import { createWebhook, publish } from '../support/tenants.ts';

/**
 * The SSRF guard (docs/security.md), end to end: with nothing allowed, a hostname that resolves to loopback is refused
 * when the worker resolves it — before any connection — logged as blocked_target and not retried.
 * (The only address involved is loopback: docs/testing.md.)
 */
describe('the SSRF guard at delivery time', () => {
  let t: TestApp;
  let worker: { close(): Promise<void> };
  let receiver: Receiver;

  beforeAll(async () => {
    t = await startTestApp(testConfig({ SWITCHBOARD_ALLOWED_TARGETS: '' }));
    worker = await startTestWorker(t.config);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await worker.close();
    await receiver.close();
    await t.close();
  });

  it('refuses a hostname resolving to a forbidden address and logs client_error blocked_target', async () => {
    const tenant = await createTenant(t.db);
    const port = new URL(receiver.url).port;
    const hook = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `http://localhost:${port}/private`,
      hook: 'sms',
      retries: 3,
    });
    await publish(t.app, tenant.key, tenant.account.id, { type: 'sms', id: 'ssrf-1', payload: {} });
    const attempts = await eventually(async () => {
      const res = await api(t.app, tenant.key).get(
        `/v2/accounts/${tenant.account.id}/webhooks/${hook.id}/attempts`,
      );
      const data = res.json().data;
      return data.length > 0 ? data : undefined;
    });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      result: 'failure',
      reason: 'kazoo http client error',
      client_error: 'blocked_target',
      error_code: 'blocked_target',
      resp_status_code: null,
    });
    expect(attempts[0].error_message).toMatch(/127\.0\.0\.1|::1|loopback/);
    const event = (
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/events/ssrf-1`)
    ).json().data;
    expect(event.deliveries[0].status).toBe('failed');
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses a literal private address when the webhook is saved', async () => {
    const tenant = await createTenant(t.db);
    for (const uri of [
      'http://127.0.0.1:9/x',
      'http://[::1]/x',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.1/x',
    ]) {
      const res = await api(t.app, tenant.key).put(`/v2/accounts/${tenant.account.id}/webhooks`, {
        name: 'x',
        uri,
        hook: 'all',
      });
      expect(res.statusCode, uri).toBe(400);
      expect(res.json().data.uri, uri).toHaveProperty('blocked_target');
    }
  });
});

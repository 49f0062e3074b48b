import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectSuccess } from '../support/envelope.ts';
import { startPlatformReceivers, type PlatformReceiver } from '../support/platform-receivers.ts';
import { createWebhook } from '../support/tenants.ts';

/**
 * Call-control in the receivers' own dialects: a jambonz application (its webhook verified by
 * @jambonz/node-client's middleware, its answer built with WebhookResponse) and a Jaxl handler
 * answer an invoke, and the platform gets those answers back. Loopback only.
 */
describe('invoke in each call-control dialect', () => {
  let t: TestApp;
  let receivers: PlatformReceiver;
  const secrets: { jambonz: string[] } = { jambonz: [] };

  beforeAll(async () => {
    t = await startTestApp();
    receivers = await startPlatformReceivers(secrets);
  });
  afterAll(async () => {
    await receivers.close();
    await t.close();
  });

  it('a Kazoo call published to invoke gets the jambonz app’s verbs and the Jaxl prompt back', async () => {
    const tenant = await createTenant(t.db);
    const jambonz = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receivers.url}/jambonz/call`,
      hook: 'channel_create',
      format: 'jambonz',
      call_control: true,
    });
    secrets.jambonz.push(jambonz.secret);
    const jaxl = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receivers.url}/jaxl`,
      hook: 'channel_create',
      dialect: 'jaxl',
      custom_data: { pk: 1 },
      call_control: true,
    });

    const res = await api(t.app, tenant.key).post(
      `/v2/accounts/${tenant.account.id}/events/invoke`,
      {
        type: 'channel_create',
        id: 'call-1',
        payload: {
          call_id: 'call-1',
          call_direction: 'inbound',
          caller_id_number: '+15550100',
          callee_id_number: '+15550199',
          to: '+15550199@example.test',
          from: '+15550100@example.test',
        },
        timeout_ms: 3_000,
      },
    );
    const data = expectSuccess(res);
    expect(receivers.refused).toEqual([]);
    const answers = new Map(
      (data.results as { webhook_id: string; answer?: unknown; result: string }[]).map((r) => [
        r.webhook_id,
        r,
      ]),
    );
    expect(answers.get(jambonz.id)).toMatchObject({
      result: 'success',
      answer: [{ verb: 'say', text: expect.stringContaining('Hello') }, { verb: 'hangup' }],
    });
    expect(answers.get(jaxl.id)).toMatchObject({
      result: 'success',
      answer: { prompt: ['Welcome.', 'Press 1 for sales.'], num_characters: 1 },
    });
    // Each receiver read the fields of its own schema from the Kazoo-shaped call.
    const byPath = new Map(receivers.accepted.map((a) => [a.path, a.fields]));
    expect(byPath.get('/jambonz/call')).toMatchObject({ call_sid: 'call-1', direction: 'inbound' });
    // Jaxl's call_id is an integer; the Kazoo id it stands for is in state.metadata.call_id.
    expect(byPath.get('/jaxl')).toMatchObject({
      pk: 1,
      event: 1,
      call_id: expect.any(Number),
      original_call_id: 'call-1',
    });
  });
});

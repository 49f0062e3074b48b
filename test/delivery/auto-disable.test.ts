import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, api, createTenant, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { startTestWorker } from '../support/worker.ts';
import { createResellerTree, createWebhook, publish } from '../support/tenants.ts';

/** Auto-disable and bulk re-enable (docs/delivery.md), across the account tree. */
describe('auto-disable and re-enable', () => {
  let t: TestApp;
  let worker: { close(): Promise<void> };
  let failing: Receiver;
  let tree: Awaited<ReturnType<typeof createResellerTree>>;

  beforeAll(async () => {
    t = await startTestApp();
    worker = await startTestWorker(t.config);
    failing = await startReceiver(() => ({ status: 500 }));
    tree = await createResellerTree(t.app, t.db);
  });
  afterAll(async () => {
    await worker.close();
    await failing.close();
    await t.close();
  });

  const getHook = async (key: string, accountId: string, id: string) =>
    (await api(t.app, key).get(`/v2/accounts/${accountId}/webhooks/${id}`)).json().data;

  it('disables a webhook with 6 failures in 60 s with reason "too many failed attempts", skips its queue, and the descendants PATCH brings it back while a manual disable stays off', async () => {
    const sub = tree.subCustomer;
    const hook = await createWebhook(t.app, sub.key, sub.id, {
      uri: failing.url,
      hook: 'sms',
      retries: 0,
    });
    const manual = await createWebhook(t.app, sub.key, sub.id, {
      uri: failing.url,
      hook: 'parking',
      enabled: false,
    });

    // Six events, one failed try each (retries: 0).
    await publish(
      t.app,
      sub.key,
      sub.id,
      Array.from({ length: 6 }, (_, i) => ({ type: 'sms', id: `fail-${i}`, payload: { n: i } })),
    );
    const disabled = await eventually(async () => {
      const h = await getHook(sub.key, sub.id, hook.id);
      return h.enabled === false ? h : undefined;
    });
    expect(disabled.disable_reason).toBe('too many failed attempts');

    const attempts = (
      await api(t.app, sub.key).get(`/v2/accounts/${sub.id}/webhooks/${hook.id}/attempts`)
    ).json().data;
    expect(attempts.length).toBeGreaterThanOrEqual(6);
    expect(attempts.every((a: { result: string }) => a.result === 'failure')).toBe(true);

    // While disabled, new events are not delivered to it.
    const before = failing.requests.length;
    await publish(t.app, sub.key, sub.id, { type: 'sms', id: 'while-disabled', payload: {} });
    await new Promise((r) => setTimeout(r, 400));
    expect(failing.requests.length).toBe(before);

    // The list summary shows it too.
    const list = (await api(t.app, sub.key).get(`/v2/accounts/${sub.id}/webhooks`)).json().data;
    expect(list.find((w: { id: string }) => w.id === hook.id)).toMatchObject({
      enabled: false,
      disable_reason: 'too many failed attempts',
    });

    // The reseller re-enables everything the system disabled in its whole tree.
    const res = await api(t.app, tree.reseller.key).patch(
      `/v2/accounts/${tree.reseller.id}/descendants/webhooks`,
      {
        're-enable': true,
      },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ reenabled: 1 });
    const back = await getHook(sub.key, sub.id, hook.id);
    expect(back.enabled).toBe(true);
    expect(back.disable_reason).toBeUndefined();
    expect((await getHook(sub.key, sub.id, manual.id)).enabled).toBe(false);

    // Its failure count was cleared: one more failure does not disable it again.
    await publish(t.app, sub.key, sub.id, { type: 'sms', id: 'after-reenable', payload: {} });
    await failing.waitFor(before + 1);
    await new Promise((r) => setTimeout(r, 200));
    expect((await getHook(sub.key, sub.id, hook.id)).enabled).toBe(true);
  });

  it('tells the account: a webhook_disabled notification reaches its notifications hooks', async () => {
    const tenant = await createTenant(t.db);
    const listener = await startReceiver();
    try {
      const hook = await createWebhook(t.app, tenant.key, tenant.account.id, {
        name: 'flaky CRM',
        uri: `http://user:secret@127.0.0.1:${new URL(failing.url).port}/crm`,
        hook: 'sms',
        retries: 0,
      });
      await createWebhook(t.app, tenant.key, tenant.account.id, {
        uri: `${listener.url}/ops`,
        hook: 'notifications',
        modifiers: { type: ['webhook_disabled'] },
      });
      await publish(
        t.app,
        tenant.key,
        tenant.account.id,
        Array.from({ length: 6 }, (_, i) => ({ type: 'sms', id: `n-${i}`, payload: {} })),
      );
      await listener.waitFor(1);
      const body = JSON.parse(listener.requests[0].body);
      expect(body).toMatchObject({
        hook_event: 'notifications',
        event_name: 'webhook_disabled',
        account_id: tenant.account.id,
        hook_id: hook.id,
        hook_name: 'flaky CRM',
        hook_uri: `http://127.0.0.1:${new URL(failing.url).port}/crm`,
        disable_reason: 'too many failed attempts',
        failed_attempts: 6,
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(listener.requests).toHaveLength(1);
    } finally {
      await listener.close();
    }
  });

  it('a success resets the count: five failures, a success, five failures leave the hook enabled', async () => {
    const { customer } = tree;
    let i = 0;
    const pattern = [500, 500, 500, 500, 500, 200, 500, 500, 500, 500, 500];
    const r = await startReceiver(() => ({ status: pattern[i++] ?? 200 }));
    try {
      const hook = await createWebhook(t.app, customer.key, customer.id, {
        uri: r.url,
        hook: 'notifications',
        retries: 0,
      });
      // One at a time, so the order of outcomes is the pattern's order.
      for (let n = 0; n < pattern.length; n++) {
        await publish(t.app, customer.key, customer.id, {
          type: 'notifications',
          id: `reset-${n}`,
          payload: {},
        });
        await r.waitFor(n + 1);
        await new Promise((res) => setTimeout(res, 60));
      }
      await new Promise((res) => setTimeout(res, 200));
      expect((await getHook(customer.key, customer.id, hook.id)).enabled).toBe(true);
    } finally {
      await r.close();
    }
  });

  it('the account PATCH re-enables only that account’s hooks', async () => {
    const { customer, subCustomer } = tree;
    const sql = `UPDATE webhooks SET enabled = false, disable_reason = 'too many failed attempts' WHERE id = $1`;
    const a = await createWebhook(t.app, customer.key, customer.id, {
      uri: failing.url,
      hook: 'channel_bridge',
    });
    const b = await createWebhook(t.app, subCustomer.key, subCustomer.id, {
      uri: failing.url,
      hook: 'channel_bridge',
    });
    await t.db.pool.query(sql, [a.id]);
    await t.db.pool.query(sql, [b.id]);
    const res = await api(t.app, customer.key).patch(`/v2/accounts/${customer.id}/webhooks`, {
      're-enable': true,
    });
    expect(res.json().data).toEqual({ reenabled: 1 });
    expect((await getHook(customer.key, customer.id, a.id)).enabled).toBe(true);
    expect((await getHook(subCustomer.key, subCustomer.id, b.id)).enabled).toBe(false);
  });

  it('a PATCH of one hook with enabled: true clears its disable_reason', async () => {
    const { customer } = tree;
    const hook = await createWebhook(t.app, customer.key, customer.id, {
      uri: failing.url,
      hook: 'channel_answer',
    });
    await t.db.pool.query(
      `UPDATE webhooks SET enabled = false, disable_reason = 'too many failed attempts', recent_failures = ARRAY[now()] WHERE id = $1`,
      [hook.id],
    );
    const res = await api(t.app, customer.key).patch(
      `/v2/accounts/${customer.id}/webhooks/${hook.id}`,
      { enabled: true },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().data.enabled).toBe(true);
    expect(res.json().data.disable_reason).toBeUndefined();
    const { rows } = await t.db.pool.query(
      'SELECT cardinality(recent_failures) AS n FROM webhooks WHERE id = $1',
      [hook.id],
    );
    expect(rows[0].n).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, type TestApp } from '../support/app.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { createWebhook } from '../support/tenants.ts';
import { createDeliverer } from '../../src/delivery/deliver.ts';
import { createHttpClient } from '../../src/delivery/http-client.ts';
import { parseAllowList } from '../../src/delivery/ssrf.ts';
import { fanOutEvent, fanOutEvents } from '../../src/delivery/fanout.ts';

/**
 * The lease: two runs of the same delivery at once (a duplicate job, a stalled job taken over by
 * another worker) send it once. Two deliverers stand for two worker processes.
 */
describe('the delivery lease', () => {
  let t: TestApp;
  let receiver: Receiver;
  const http = createHttpClient({
    allow: parseAllowList(['127.0.0.1/32']),
    timeoutMs: 2000,
    responseBodyLimit: 1024,
    followRedirects: false,
  });

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await startReceiver(() => ({ status: 200, delayMs: 200 }));
  });
  afterAll(async () => {
    await http.close();
    await receiver.close();
    await t.close();
  });

  it('two workers running the same delivery at the same time send it once', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, { uri: receiver.url, hook: 'sms' });
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload) VALUES ($1, 'twice-1', 'sms', '{}')`,
      [tenant.account.id],
    );
    const [deliveryId] = await fanOutEvent(t.db.pool, t.queues, tenant.account.id, 'twice-1');
    const a = createDeliverer(t.db.pool, http, t.config.delivery);
    const b = createDeliverer(t.db.pool, http, t.config.delivery);

    const results = await Promise.all([a.deliver(deliveryId), b.deliver(deliveryId)]);

    expect(results.map((r) => r.status).sort()).toEqual(['delivered', 'gone']);
    expect(receiver.requests).toHaveLength(1);
    const { rows } = await t.db.pool.query(
      'SELECT status, tries, lease_until FROM deliveries WHERE id = $1',
      [deliveryId],
    );
    expect(rows).toEqual([{ status: 'delivered', tries: 1, lease_until: null }]);
    // Ended: a third run finds nothing to do.
    expect((await a.deliver(deliveryId)).status).toBe('gone');
    expect(receiver.requests).toHaveLength(1);
  });

  it('a lease left by a crashed run expires, and then the delivery is sent', async () => {
    const tenant = await createTenant(t.db);
    const r = await startReceiver();
    try {
      await createWebhook(t.app, tenant.key, tenant.account.id, { uri: r.url, hook: 'sms' });
      await t.db.pool.query(
        `INSERT INTO events (account_id, id, type, payload) VALUES ($1, 'crashed-1', 'sms', '{}')`,
        [tenant.account.id],
      );
      const [deliveryId] = await fanOutEvent(t.db.pool, t.queues, tenant.account.id, 'crashed-1');
      const deliverer = createDeliverer(t.db.pool, http, t.config.delivery);
      await t.db.pool.query(
        `UPDATE deliveries SET lease_until = now() + interval '1 hour' WHERE id = $1`,
        [deliveryId],
      );
      expect((await deliverer.deliver(deliveryId)).status).toBe('gone');
      await t.db.pool.query(
        `UPDATE deliveries SET lease_until = now() - interval '1 second' WHERE id = $1`,
        [deliveryId],
      );
      expect((await deliverer.deliver(deliveryId)).status).toBe('delivered');
      expect(r.requests).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it('first tries travel 100 deliveries to a job: BullMQ costs per job, not per delivery', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, { uri: receiver.url, hook: 'sms' });
    const ids = Array.from({ length: 250 }, (_, i) => `many-${i}`);
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload) SELECT $1, id, 'sms', '{}' FROM unnest($2::text[]) AS id`,
      [tenant.account.id, ids],
    );
    const before = await t.queues.deliveryBatches.getWaitingCount();
    await fanOutEvents(
      t.db.pool,
      t.queues,
      ids.map((eventId) => ({ accountId: tenant.account.id, eventId })),
    );
    expect(await t.queues.deliveryBatches.getWaitingCount()).toBe(before + 3);
    const sizes = (await t.queues.deliveryBatches.getWaiting()).map(
      (j) => j.data.deliveryIds.length,
    );
    expect(sizes.filter((n) => n === 100 || n === 50).sort()).toEqual([100, 100, 50]);
  });
});

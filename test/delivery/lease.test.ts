import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, fanOutStored, type TestApp } from '../support/app.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { createWebhook } from '../support/tenants.ts';
import { createDeliverer } from '../../src/delivery/deliver.ts';
import { stores } from '../../src/store/stores.ts';
import { openDatabase } from '../../src/store/db.ts';
import { createHttpClient } from '../../src/delivery/http-client.ts';
import { parseAllowList } from '../../src/delivery/ssrf.ts';

/**
 * The lease: two runs of the same delivery at once (a reconciler re-push racing a slow run, a claim
 * that expired while the first run was still going) send it once. Two deliverers stand for two worker processes.
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

  /** One stored sms event of a new tenant, fanned out to one webhook at `uri`: its delivery id. */
  async function deliveryTo(uri: string, eventId: string): Promise<string> {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, { uri, hook: 'sms' });
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload) VALUES ($1, $2, 'sms', '{}')`,
      [tenant.account.id, eventId],
    );
    const [deliveryId] = await fanOutStored(t, tenant.account.id, [eventId]);
    return deliveryId;
  }

  it('two workers running the same delivery at the same time send it once', async () => {
    const deliveryId = await deliveryTo(receiver.url, 'twice-1');
    const a = createDeliverer(stores(t.db), http, t.config.delivery);
    const b = createDeliverer(stores(t.db), http, t.config.delivery);

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

  it('a run renews its lease while its attempt lasts: a second run meanwhile is turned away', async () => {
    const slow = await startReceiver(() => ({ status: 200, delayMs: 1_800 }));
    try {
      const deliveryId = await deliveryTo(slow.url, 'renewed-1');
      // Leases of 600 ms, renewed every 100 ms: the attempt (1.8 s, inside the client's 2 s
      // timeout) outlasts its first lease thrice over.
      const lease = { ms: 600, renewEveryMs: 100 };
      const a = createDeliverer(stores(t.db), http, t.config.delivery, { lease });
      const b = createDeliverer(stores(t.db), http, t.config.delivery, { lease });
      const first = a.deliver(deliveryId);
      await slow.waitFor(1, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      expect((await b.deliver(deliveryId)).status).toBe('gone');
      expect((await first).status).toBe('delivered');
      expect(slow.requests).toHaveLength(1);
      // Once the outcome is written the lease is given back, and renewals do not take it again.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { rows } = await t.db.pool.query(
        'SELECT status, lease_until FROM deliveries WHERE id = $1',
        [deliveryId],
      );
      expect(rows).toEqual([{ status: 'delivered', lease_until: null }]);
      await Promise.all([a.drain(), b.drain()]);
    } finally {
      await slow.close();
    }
  });

  it('a renewal that fails (the database gone) is logged, not swallowed', async () => {
    const slow = await startReceiver(() => ({ status: 200, delayMs: 1_500 }));
    const db = openDatabase(t.config.databaseUrl, 2);
    const warnings: string[] = [];
    const log = { warn: (_obj: object, msg: string) => void warnings.push(msg) };
    try {
      const deliveryId = await deliveryTo(slow.url, 'unrenewed-1');
      const lease = { ms: 600, renewEveryMs: 100 };
      const run = createDeliverer(stores(db), http, t.config.delivery, { lease, log });
      const first = run.deliver(deliveryId).catch((err: Error) => err);
      await slow.waitFor(1, 5_000);
      await db.close();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(warnings).toContain('lease renewal failed; tried again at the next tick');
      // Its outcome cannot be written either: the run ends with the error, nothing is lost
      // (the delivery stays pending for another run).
      expect(await first).toBeInstanceOf(Error);
      const { rows } = await t.db.pool.query('SELECT status FROM deliveries WHERE id = $1', [
        deliveryId,
      ]);
      expect(rows).toEqual([{ status: 'pending' }]);
    } finally {
      await slow.close();
    }
  });

  it('a lease left by a crashed run expires, and then the delivery is sent', async () => {
    const r = await startReceiver();
    try {
      const deliveryId = await deliveryTo(r.url, 'crashed-1');
      const deliverer = createDeliverer(stores(t.db), http, t.config.delivery);
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
});

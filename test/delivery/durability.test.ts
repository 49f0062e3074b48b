import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, api, fanOutStored, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { startTestWorker } from '../support/worker.ts';
import type { Config } from '../../src/config.ts';
import { deleteKeys } from '../support/redis-keys.ts';
import { createResellerTree, createWebhook, publish } from '../support/tenants.ts';
import { createReconciler } from '../../src/delivery/reconciler.ts';
import { stores } from '../../src/store/stores.ts';

/** Nothing accepted is lost (docs/delivery-scheduling.md), and redeliver / recover (docs/events.md). */
describe('durability', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await startReceiver((req) => ({
      status: 200,
      delayMs: req.url.startsWith('/slow') ? 1200 : 0,
    }));
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  /**
   * An sms event stored and fanned out (deliveries created and put in line) while no worker runs;
   * returns the delivery ids.
   */
  async function fanOutWithoutWorker(accountId: string, eventId: string): Promise<string[]> {
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload) VALUES ($1, $2, 'sms', '{}')`,
      [accountId, eventId],
    );
    return fanOutStored(t, accountId, [eventId]);
  }

  /**
   * A new tenant with one sms webhook to `receiver.url + path`, and one event of it stored and
   * fanned out while no worker runs: the tenant and the delivery's id.
   */
  async function oneDeliveryTo(path: string, eventId: string) {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}${path}`,
      hook: 'sms',
    });
    const [deliveryId] = await fanOutWithoutWorker(tenant.account.id, eventId);
    return { tenant, deliveryId: deliveryId! };
  }

  /** Runs `check` while a real worker runs (with `delivery` settings changed), then stops it. */
  async function withWorker(
    delivery: Partial<Config['delivery']>,
    check: () => Promise<void>,
  ): Promise<void> {
    const worker = await startTestWorker({
      ...t.config,
      delivery: { ...t.config.delivery, ...delivery },
    });
    try {
      await check();
    } finally {
      await worker.close();
    }
  }

  /**
   * What a Redis restart does to us: every key of ours is gone (on a cluster, from every master).
   * The glob also catches keys whose prefix sits inside a hash tag (`{prefix…}`).
   */
  async function loseRedisData() {
    expect(await deleteKeys(t.redis, `*${t.config.redisPrefix}*`)).toBeGreaterThan(0);
  }

  async function statusOf(tenant: { account: { id: string }; key: string }, eventId: string) {
    const res = await api(t.app, tenant.key).get(
      `/v2/accounts/${tenant.account.id}/events/${eventId}`,
    );
    return res.json().data as {
      fanned_out: boolean;
      deliveries: {
        id: string;
        status: string;
        webhook_id: string | null;
        last_error?: string;
        queue_state?: string;
      }[];
    };
  }

  it('a delivery taken by a worker that died before leasing it is sent once its claim expires', async () => {
    const { deliveryId } = await oneDeliveryTo('/taken-unleased', 'taken-unleased-1');
    // A worker takes it (claimed for 1 s) and dies at once: no lease in Postgres, no report.
    const taken = await t.scheduler.cycle([], 100, 1_000);
    expect(taken.taken.map((d) => d.id)).toEqual([deliveryId]);
    // A live worker whose reconciler would wait 10 minutes: the claim's expiry alone brings the
    // delivery back. Nothing else waits in its partition.
    await withWorker({ reconcileGraceMs: 600_000 }, async () => {
      await eventually(
        async () => receiver.requests.some((r) => r.url === '/taken-unleased'),
        8_000,
      );
      await eventually(async () => {
        const { rows } = await t.db.pool.query('SELECT status FROM deliveries WHERE id = $1', [
          deliveryId,
        ]);
        return rows[0]?.status === 'delivered';
      }, 5_000);
      expect(receiver.requests.filter((r) => r.url === '/taken-unleased')).toHaveLength(1);
    });
  });

  it('a delivery leased by a run that died is sent once that lease ends, without the reconciler', async () => {
    const { deliveryId } = await oneDeliveryTo('/lease-ends', 'lease-ends-1');
    // A run leased it and died; its lease has 1.5 s to go. The delivery is in line.
    const { rows } = await t.db.pool.query<{ ends: Date }>(
      `UPDATE deliveries SET lease_until = now() + interval '1500 milliseconds' WHERE id = $1
       RETURNING lease_until AS ends`,
      [deliveryId],
    );
    const leaseEnds = rows[0]!.ends.getTime();
    // A live worker whose reconciler would not look for 10 minutes: its run finds the delivery
    // leased, keeps it in line until the lease ends, then sends it.
    await withWorker({ reconcileIntervalMs: 600_000, reconcileGraceMs: 600_000 }, async () => {
      const arrived = await eventually(
        async () => receiver.requests.find((r) => r.url === '/lease-ends'),
        8_000,
      );
      // Not sent while the dead run's lease stood (Postgres and the receiver share this clock).
      expect(arrived.at).toBeGreaterThanOrEqual(leaseEnds);
      expect(receiver.requests.filter((r) => r.url === '/lease-ends')).toHaveLength(1);
    });
  });

  it('a delivery whose run died goes back in line once its lease lapses, without the grace', async () => {
    const { tenant, deliveryId: lapsed } = await oneDeliveryTo('/lapsed', 'lapsed-1');
    await fanOutWithoutWorker(tenant.account.id, 'fresh-1');
    await loseRedisData();
    // A run leased the first and died (its lease lapsed a second ago); the second was committed
    // moments ago and never leased: its own path is putting it in line, the grace leaves it be.
    await t.db.pool.query(
      `UPDATE deliveries SET lease_until = now() - interval '1 second' WHERE id = $1`,
      [lapsed],
    );
    const reconciler = createReconciler(
      stores(t.db),
      t.scheduler,
      async (deliveries) => {
        await t.scheduler.push(deliveries);
      },
      60_000,
    );
    expect((await reconciler.reconcileOnce()).deliveries).toBe(1);
    expect((await statusOf(tenant, 'lapsed-1')).deliveries[0]?.queue_state).toBe('queued');
    expect((await statusOf(tenant, 'fresh-1')).deliveries[0]?.queue_state).toBe('unknown');
  });

  it('an event published again has its lost deliveries put back in line, and no second one made', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/repeated`,
      hook: 'sms',
    });
    const event = { type: 'sms', id: 'repeated-1', payload: {} };
    await publish(t.app, tenant.key, tenant.account.id, event);
    const queueState = async () =>
      (await statusOf(tenant, 'repeated-1')).deliveries[0]?.queue_state;
    expect(await queueState()).toBe('queued');
    // As if the run that stored it had died before putting its delivery in line.
    await loseRedisData();
    expect(await queueState()).toBe('unknown');
    // A retry of the publish is a duplicate (no second event, no second delivery), and puts the
    // delivery back in line without waiting for the reconciler's grace (none runs here).
    const again = await publish(t.app, tenant.key, tenant.account.id, event);
    expect(again.duplicates).toEqual(['repeated-1']);
    await eventually(async () => (await queueState()) === 'queued', 5_000);
    expect((await statusOf(tenant, 'repeated-1')).deliveries).toHaveLength(1);
  });

  it('events accepted while no worker runs survive the loss of every queued job', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/lost-fanout`,
      hook: 'sms',
    });
    await publish(t.app, tenant.key, tenant.account.id, {
      type: 'sms',
      id: 'survivor-1',
      payload: {},
    });
    await loseRedisData();
    const worker = await startTestWorker(t.config);
    try {
      await eventually(async () => receiver.requests.some((r) => r.url === '/lost-fanout'), 10_000);
      const state = await eventually(async () => {
        const s = await statusOf(tenant, 'survivor-1');
        return s.deliveries[0]?.status === 'delivered' ? s : undefined;
      });
      expect(state.fanned_out).toBe(true);
    } finally {
      await worker.close();
    }
  });

  it('deliveries whose jobs were lost are re-enqueued by the reconciler and delivered once', async () => {
    const { tenant, deliveryId } = await oneDeliveryTo('/lost-delivery', 'orphan-1');
    await loseRedisData();
    await withWorker({}, async () => {
      await eventually(
        async () => (await statusOf(tenant, 'orphan-1')).deliveries[0]?.status === 'delivered',
      );
      const got = receiver.requests.filter((r) => r.url === '/lost-delivery');
      expect(got.map((r) => r.headers['webhook-id'])).toEqual([deliveryId]);
    });
  });

  it('a worker stopped mid-delivery finishes and records the attempt before it exits', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/slow`,
      hook: 'sms',
    });
    const worker = await startTestWorker(t.config);
    await publish(t.app, tenant.key, tenant.account.id, {
      type: 'sms',
      id: 'in-flight-1',
      payload: {},
    });
    await eventually(async () => receiver.requests.some((r) => r.url === '/slow'));
    await worker.close();
    const state = await statusOf(tenant, 'in-flight-1');
    expect(state.deliveries.map((d) => d.status)).toEqual(['delivered']);
  });

  it('a job that runs before its delivery is due (a duplicate run) waits instead of cutting the backoff short', async () => {
    const { deliveryId } = await oneDeliveryTo('/not-yet', 'early-1');
    const due = Date.now() + 3000;
    await t.db.pool.query('UPDATE deliveries SET next_attempt_at = $2 WHERE id = $1', [
      deliveryId,
      new Date(due),
    ]);
    await withWorker({}, async () => {
      await eventually(async () => receiver.requests.some((r) => r.url === '/not-yet'), 10_000);
      const arrived = receiver.requests.find((r) => r.url === '/not-yet')!.at;
      expect(arrived).toBeGreaterThanOrEqual(due - 1000); // the allowed early tolerance
    });
  });

  it('a delivery whose webhook was deleted before it was sent ends skipped', async () => {
    const tenant = await createTenant(t.db);
    const hook = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/deleted`,
      hook: 'sms',
    });
    await fanOutWithoutWorker(tenant.account.id, 'skip-1');
    await api(t.app, tenant.key).delete(`/v2/accounts/${tenant.account.id}/webhooks/${hook.id}`);
    const worker = await startTestWorker(t.config);
    try {
      const state = await eventually(async () => {
        const s = await statusOf(tenant, 'skip-1');
        return s.deliveries[0]?.status === 'skipped' ? s : undefined;
      });
      expect(state.deliveries[0]).toMatchObject({
        webhook_id: null,
        last_error: 'webhook deleted',
      });
      expect(receiver.requests.some((r) => r.url === '/deleted')).toBe(false);
    } finally {
      await worker.close();
    }
  });
});

describe('redeliver and recover', () => {
  let t: TestApp;
  let worker: { close(): Promise<void> };
  let receiver: Receiver;
  let answer = 200;

  beforeAll(async () => {
    t = await startTestApp();
    worker = await startTestWorker(t.config);
    receiver = await startReceiver(() => ({ status: answer }));
  });
  afterAll(async () => {
    await worker.close();
    await receiver.close();
    await t.close();
  });

  it('redeliver sends the event again as a new delivery, to every hook or to the one named', async () => {
    const tenant = await createTenant(t.db);
    const a = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/a`,
      hook: 'sms',
    });
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/b`,
      hook: 'sms',
    });
    const count = (path: string) => receiver.requests.filter((r) => r.url === path).length;
    await publish(t.app, tenant.key, tenant.account.id, {
      type: 'sms',
      id: 'again-1',
      payload: {},
    });
    await eventually(async () => count('/a') === 1 && count('/b') === 1);

    const all = await api(t.app, tenant.key).post(
      `/v2/accounts/${tenant.account.id}/events/again-1/redeliver`,
    );
    expect(all.statusCode).toBe(202);
    expect(all.json().data.deliveries).toHaveLength(2);
    await eventually(async () => count('/a') === 2 && count('/b') === 2);

    const one = await api(t.app, tenant.key).post(
      `/v2/accounts/${tenant.account.id}/events/again-1/redeliver?webhook_id=${a.id}`,
    );
    expect(one.json().data.deliveries).toEqual([{ id: expect.any(String), webhook_id: a.id }]);
    await eventually(async () => count('/a') === 3);
    const ids = receiver.requests.filter((r) => r.url === '/a').map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(3);
    expect(count('/b')).toBe(2);

    expect(
      (await api(t.app, tenant.key).post(`/v2/accounts/${tenant.account.id}/events/nope/redeliver`))
        .statusCode,
    ).toBe(404);
  });

  it('redeliver ?webhook_id= only names a hook the event reaches and the caller manages; else 404', async () => {
    const tree = await createResellerTree(t.app, t.db);
    const { reseller, customer, subCustomer } = tree;
    const resellerWide = await createWebhook(t.app, reseller.key, reseller.id, {
      uri: `${receiver.url}/wide`,
      hook: 'sms',
      include_subaccounts: true,
    });
    const otherType = await createWebhook(t.app, customer.key, customer.id, {
      uri: `${receiver.url}/other-type`,
      hook: 'channel_create',
    });
    const below = await createWebhook(t.app, subCustomer.key, subCustomer.id, {
      uri: `${receiver.url}/below`,
      hook: 'sms',
    });
    await publish(t.app, customer.key, customer.id, {
      type: 'sms',
      id: 'scoped-1',
      payload: { secret: 'c' },
    });
    const redeliver = (key: string, webhookId: string) =>
      api(t.app, key).post(
        `/v2/accounts/${customer.id}/events/scoped-1/redeliver?webhook_id=${webhookId}`,
      );

    expect((await redeliver(customer.key, otherType.id)).statusCode).toBe(404); // not subscribed to sms
    expect((await redeliver(customer.key, below.id)).statusCode).toBe(404); // a descendant's hook
    expect((await redeliver(customer.key, resellerWide.id)).statusCode).toBe(404); // not the caller's to manage
    expect((await redeliver(reseller.key, resellerWide.id)).statusCode).toBe(202);
    expect(receiver.requests.some((r) => r.url === '/below' || r.url === '/other-type')).toBe(
      false,
    );
  });

  it('recover re-sends every failed delivery since a time, keeping each webhook-id', async () => {
    const tenant = await createTenant(t.db);
    const hook = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/recover`,
      hook: 'parking',
      retries: 0,
    });
    const since = new Date().toISOString();
    answer = 410;
    await publish(t.app, tenant.key, tenant.account.id, [
      { type: 'parking', id: 'r-1', payload: {} },
      { type: 'parking', id: 'r-2', payload: {} },
    ]);
    const failedIds = await eventually(async () => {
      const { rows } = await t.db.pool.query(
        `SELECT id FROM deliveries WHERE webhook_id = $1 AND status = 'failed'`,
        [hook.id],
      );
      return rows.length === 2 ? rows.map((r) => r.id).sort() : undefined;
    });
    answer = 200;
    const res = await api(t.app, tenant.key).post(
      `/v2/accounts/${tenant.account.id}/webhooks/${hook.id}/recover`,
      { since },
    );
    expect(res.statusCode).toBe(202);
    expect(res.json().data.recovered).toBe(2);
    await eventually(async () => {
      const { rows } = await t.db.pool.query(
        `SELECT count(*)::int AS n FROM deliveries WHERE webhook_id = $1 AND status = 'delivered'`,
        [hook.id],
      );
      return rows[0].n === 2;
    });
    const succeeded = receiver.requests.filter((r) => r.url === '/recover').slice(-2);
    expect(succeeded.map((r) => r.headers['webhook-id']).sort()).toEqual(failedIds);

    const bad = await api(t.app, tenant.key).post(
      `/v2/accounts/${tenant.account.id}/webhooks/${hook.id}/recover`,
      { since: 'yesterday' },
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json().data.since).toHaveProperty('format');
  });
});

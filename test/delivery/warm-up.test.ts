import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, testConfig, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { createWebhook, publish } from '../support/tenants.ts';
import { openDatabase } from '../../src/store/db.ts';
import { startWorker, type RunningWorker } from '../../src/worker.ts';
import { rehearseDeliveries } from '../../src/delivery/warm-up.ts';

const quiet = { warn: () => {} };

/** The worker's warm-up (src/delivery/warm-up.ts): made-up deliveries to a receiver of its own. */
describe('the delivery warm-up', () => {
  it('sends every made-up delivery to its own receiver and has each answered', async () => {
    const warnings: unknown[] = [];
    const sockets = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap')
        .length;
    const before = sockets();
    const done = await rehearseDeliveries(testConfig().delivery, 300, {
      warn: (obj) => warnings.push(obj),
    });
    expect(done.sent).toBe(300);
    expect(done.answered).toBe(300);
    expect(warnings).toEqual([]);
    // Its server, its client's connections and the receiver's end of them are all gone.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sockets()).toBe(before);
  });

  it('does nothing when turned off', async () => {
    const done = await rehearseDeliveries(testConfig().delivery, 0, quiet);
    expect(done).toEqual({ sent: 0, answered: 0, ms: 0 });
  });

  describe('in a worker', () => {
    let t: TestApp;
    let receiver: Receiver;
    let worker: RunningWorker | undefined;
    let db: ReturnType<typeof openDatabase>;
    const logged: { obj: Record<string, unknown>; msg: string }[] = [];
    const logger = {
      info: (obj: Record<string, unknown> | string, msg?: string) =>
        typeof obj === 'string'
          ? logged.push({ obj: {}, msg: obj })
          : logged.push({ obj, msg: msg ?? '' }),
      warn: () => {},
    };

    beforeAll(async () => {
      t = await startTestApp(testConfig({ SWITCHBOARD_WORKER_WARM_UP_DELIVERIES: '250' }));
      receiver = await startReceiver(() => ({ status: 200 }));
      db = openDatabase(t.config.databaseUrl, 5, { asyncCommit: true });
    });
    afterAll(async () => {
      await worker?.close();
      await db.close();
      await receiver.close();
      await t.close();
    });

    const count = async (table: string) =>
      (await t.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

    it('warms up before it starts, stores nothing, then delivers as usual', async () => {
      const tenant = await createTenant(t.db);
      await createWebhook(t.app, tenant.key, tenant.account.id, {
        uri: `${receiver.url}/hook`,
        hook: 'sms',
      });
      worker = await startWorker(t.config, db, logger as never);
      const messages = logged.map((l) => l.msg);
      expect(messages.indexOf('delivery code warmed up')).toBeGreaterThanOrEqual(0);
      expect(messages.indexOf('delivery code warmed up')).toBeLessThan(
        messages.indexOf('worker started'),
      );
      const warm = logged.find((l) => l.msg === 'delivery code warmed up')!.obj;
      expect(warm).toMatchObject({ sent: 250, answered: 250 });
      // Nothing of the rehearsal is stored, and nothing of it reached a real receiver.
      expect(await count('events')).toBe(0);
      expect(await count('deliveries')).toBe(0);
      expect(await count('attempts')).toBe(0);
      expect(receiver.requests).toHaveLength(0);

      await publish(t.app, tenant.key, tenant.account.id, {
        type: 'sms',
        id: 'after-warm-up',
        payload: { n: 1 },
      });
      await receiver.waitFor(1, 10_000);
      await eventually(async () => (await count('attempts')) === 1);
      expect(receiver.requests).toHaveLength(1);
      expect(await count('deliveries')).toBe(1);
    });
  });
});

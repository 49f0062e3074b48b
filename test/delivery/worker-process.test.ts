import type { ChildProcess, StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, api, type TestApp } from '../support/app.ts';
import { eventually, gate, startReceiver, type Receiver } from '../support/receiver.ts';
import { createWebhook, publish } from '../support/tenants.ts';
import { spawnWorkerProcess } from '../support/worker.ts';
import { CLUSTER_FOUND, parseRedisUrl } from '../../src/redis.ts';
import { workerStarted } from '../../src/worker-ready.ts';

/** `npm run start:worker` as its own process: it delivers, and SIGTERM lets in-flight work finish. */
describe('the worker process', () => {
  let t: TestApp;
  let receiver: Receiver;
  let child: ChildProcess | undefined;

  /** `npm run start:worker`'s entry point, on this test's database and Redis prefix. */
  function spawnWorker(stdio: StdioOptions): ChildProcess {
    return spawnWorkerProcess(t.config, {}, stdio);
  }

  beforeAll(async () => {
    t = await startTestApp();
    receiver = await startReceiver(() => ({ status: 200, delayMs: 1500 }));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await receiver.close();
    await t.close();
  });

  it('finishes and records an in-flight delivery on SIGTERM, then exits 0', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/slow`,
      hook: 'sms',
    });
    child = spawnWorker(['ignore', 'ignore', 'pipe']);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await publish(t.app, tenant.key, tenant.account.id, {
      type: 'sms',
      id: 'sigterm-1',
      payload: {},
    });
    await receiver.waitFor(1, 20_000);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const event = (
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/events/sigterm-1`)
    ).json().data;
    expect(event.deliveries.map((d: { status: string }) => d.status)).toEqual(['delivered']);
    expect(receiver.requests).toHaveLength(1);
  });

  it('started with an IPC channel, says it has started, and stops when its parent goes', async () => {
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/orphan`,
      hook: 'notifications',
    });
    child = spawnWorker(['ignore', 'ignore', 'pipe', 'ipc']);
    expect(await workerStarted(child, 20_000)).toBe('ready');
    await publish(t.app, tenant.key, tenant.account.id, {
      type: 'notifications',
      id: 'orphan-1',
      payload: {},
    });
    await eventually(async () => receiver.requests.some((r) => r.url === '/orphan'));
    // The parent goes (its end of the channel closes): the worker finishes what it holds and exits.
    const exited = once(child, 'exit');
    child.disconnect();
    const [code] = await exited;
    expect(code).toBe(0);
    const event = (
      await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/events/orphan-1`)
    ).json().data;
    expect(event.deliveries.map((d: { status: string }) => d.status)).toEqual(['delivered']);
  });

  it('killed -9 while holding a webhook’s whole cap: the next worker delivers to it within seconds', async () => {
    const tenant = await createTenant(t.db);
    const held = gate();
    const slowHook = await startReceiver(() => ({ status: 200, until: held.opened }));
    try {
      await createWebhook(t.app, tenant.key, tenant.account.id, {
        uri: `${slowHook.url}/held`,
        hook: 'parking',
        max_in_flight: 2,
      });
      for (const id of ['capped-1', 'capped-2'])
        await publish(t.app, tenant.key, tenant.account.id, { type: 'parking', id, payload: {} });
      child = spawnWorker('ignore');
      await slowHook.waitFor(2, 20_000); // both slots held at the endpoint
      const dead = slowHook.requests.map((r) => r.headers['webhook-id']);
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      held.open(); // the endpoint answers again; the webhook's line waits behind the dead claims
      await publish(t.app, tenant.key, tenant.account.id, {
        type: 'parking',
        id: 'after-kill',
        payload: { marker: 'after-kill' },
      });
      child = spawnWorker('ignore');
      // The dead worker's claims expire 5 s after their last renewal (10 s, and 40 s, before).
      await eventually(
        async () => slowHook.requests.some((r) => r.body.includes('after-kill')),
        15_000,
        100,
      );
      expect(Date.now() - killedAt).toBeLessThan(15_000);
      // The two it was attempting: their leases in Postgres, no longer renewed, lapse within 15 s
      // (they lasted the attempt timeout + 30 s before), and the reconciler puts them back.
      const sentTwice = () =>
        dead.every(
          (id) => slowHook.requests.filter((r) => r.headers['webhook-id'] === id).length === 2,
        );
      await eventually(async () => sentTwice(), 25_000, 100);
      expect(Date.now() - killedAt).toBeLessThan(25_000);
      const stopped = once(child, 'exit');
      child.kill('SIGTERM');
      await stopped;
    } finally {
      held.open();
      await slowHook.close();
    }
  }, 60_000);

  it('delivers what the API accepted while it was down', async () => {
    const tenant = await createTenant(t.db);
    const fast = await startReceiver();
    try {
      await createWebhook(t.app, tenant.key, tenant.account.id, {
        uri: `${fast.url}/late`,
        hook: 'parking',
      });
      await publish(t.app, tenant.key, tenant.account.id, {
        type: 'parking',
        id: 'late-1',
        payload: {},
      });
      child = spawnWorker('ignore');
      await fast.waitFor(1, 20_000);
      await eventually(async () => {
        const event = (
          await api(t.app, tenant.key).get(`/v2/accounts/${tenant.account.id}/events/late-1`)
        ).json().data;
        return event.deliveries[0]?.status === 'delivered';
      });
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    } finally {
      await fast.close();
    }
  });

  it('given REDIS_URL as a plain redis:// URL of one node, finds a cluster behind it and delivers', async () => {
    const target = parseRedisUrl(t.config.redisUrl);
    const onCluster = target.kind === 'cluster';
    const plainUrl = onCluster
      ? `redis://${target.nodes[0].host}:${target.nodes[0].port}`
      : t.config.redisUrl;
    const tenant = await createTenant(t.db);
    const fast = await startReceiver();
    try {
      // Six webhooks: their lines fall in partitions held by every master of a cluster, which a
      // client of one node could not reach (MOVED).
      for (let i = 0; i < 6; i++) {
        await createWebhook(t.app, tenant.key, tenant.account.id, {
          uri: `${fast.url}/plain-${i}`,
          hook: 'parking',
        });
      }
      child = spawnWorkerProcess(t.config, { REDIS_URL: plainUrl, LOG_LEVEL: 'info' }, [
        'ignore',
        'pipe',
        'pipe',
      ]);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await eventually(async () => stdout.includes('worker started'), 20_000);
      expect(stdout.includes(CLUSTER_FOUND)).toBe(onCluster);
      await publish(t.app, tenant.key, tenant.account.id, {
        type: 'parking',
        id: 'plain-url-1',
        payload: {},
      });
      await fast.waitFor(6, 20_000);
      expect(fast.requests.map((r) => r.url).sort()).toEqual(
        Array.from({ length: 6 }, (_, i) => `/plain-${i}`),
      );
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
      expect(stderr).toBe('');
    } finally {
      await fast.close();
    }
  });
});

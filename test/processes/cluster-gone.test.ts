import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createTenant, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.ts';
import { createWebhook, publish } from '../support/tenants.ts';
import { spawnWorkerProcess } from '../support/worker.ts';
import { workerStarted } from '../../src/worker-ready.ts';

/** CPU time (user + system) a process has used so far, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
}

/**
 * A worker whose Redis Cluster goes away entirely waits for it, quietly. Its wake-up listener was
 * once a cluster client, whose subscriber reconnected from node to node without pause with every
 * node gone: the worker spun at more than a core and its memory grew by megabytes a second.
 */
describe('a worker whose whole Redis Cluster goes away', () => {
  let cluster: RedisCluster;
  let t: TestApp;
  let receiver: Receiver;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await receiver?.close();
    await t?.close();
    await cluster?.stop();
  });

  it('uses next to no CPU and warns of no listener leak while the cluster is down', async () => {
    cluster = await startRedisCluster(3);
    t = await startTestApp(testConfig({ REDIS_URL: cluster.url }));
    receiver = await startReceiver();
    const tenant = await createTenant(t.db);
    await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/gone`,
      hook: 'sms',
    });
    child = spawnWorkerProcess(t.config, {}, ['ignore', 'ignore', 'pipe', 'ipc']);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await workerStarted(child, 30_000)).toBe('ready');
    for (let i = 0; i < 20; i++)
      await publish(t.app, tenant.key, tenant.account.id, {
        type: 'sms',
        id: `g${i}`,
        payload: {},
      });
    await receiver.waitFor(20, 20_000); // it delivers while the cluster is there

    await cluster.stop();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const before = cpuMs(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const used = cpuMs(child.pid!) - before;
    // Waiting (reconnect attempts with back-off, a poll a second) takes a few per cent of a core;
    // the loop took more than a whole one.
    expect(used).toBeLessThan(1_500);
    expect(stderr).not.toContain('MaxListenersExceededWarning');

    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }, 90_000);
});

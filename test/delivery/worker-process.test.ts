import type { ChildProcess, StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, api, type TestApp } from '../support/app.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { createWebhook, publish } from '../support/tenants.ts';
import { spawnWorkerProcess } from '../support/worker.ts';

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
});

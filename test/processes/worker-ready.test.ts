import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKER_READY, workerStarted } from '../../src/worker-ready.ts';

/** How a parent learns that its worker started: a message on the IPC channel, an exit, or time. */
const children: ChildProcess[] = [];

function child(script: string): ChildProcess {
  const c = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.push(c);
  return c;
}

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('workerStarted', () => {
  it('is "ready" when the child sends the worker-ready message, and only that one', async () => {
    const c = child(
      `process.send({ type: 'something else' });
       setTimeout(() => process.send({ type: ${JSON.stringify(WORKER_READY)} }), 300);
       setTimeout(() => {}, 10_000);`,
    );
    const started = Date.now();
    expect(await workerStarted(c, 5_000)).toBe('ready');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(c.exitCode).toBeNull();
  });

  it('is "exited" when the child exits first, and at once if it already has', async () => {
    const c = child('process.exit(3)');
    expect(await workerStarted(c, 5_000)).toBe('exited');
    expect(c.exitCode).toBe(3);
    expect(await workerStarted(c, 5_000)).toBe('exited');
  });

  it('is "timeout" when the child neither says it started nor exits in time', async () => {
    const c = child('setTimeout(() => {}, 10_000)');
    const started = Date.now();
    expect(await workerStarted(c, 300)).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(c.exitCode).toBeNull();
  });
});

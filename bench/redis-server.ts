/**
 * A redis-server of the bench's own (BENCH_REDIS=own): one process on a free loopback port, no
 * persistence, in a temporary directory, so that INFO commandstats and INFO cpu count this run's
 * work alone (the shared server on 6379 also serves other people's tests). stop() ends it and
 * deletes its directory.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sleep, waitExit } from './lib.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startOwnRedis(): Promise<{
  url: string;
  port: number;
  stop: () => Promise<void>;
}> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `sbbench-redis-${port}-`));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await waitExit(child, 5000);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') {
        probe.disconnect();
        return { url: `redis://127.0.0.1:${port}`, port, stop };
      }
    } catch {
      probe.disconnect();
      await sleep(100);
    }
  }
  await stop();
  throw new Error(`redis-server on 127.0.0.1:${port} did not answer`);
}

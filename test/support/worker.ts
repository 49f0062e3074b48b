import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import pino from 'pino';
import type { Config } from '../../src/config.ts';
import { openDatabase } from '../../src/store/db.ts';
import { startWorker } from '../../src/worker.ts';

/** A real worker (BullMQ + undici + Postgres) on the test's Redis prefix. */
export async function startTestWorker(config: Config) {
  const db = openDatabase(config.databaseUrl, 5, { asyncCommit: true });
  const worker = await startWorker(config, db, pino({ level: 'silent' }));
  return {
    async close() {
      await worker.close();
      await db.close();
    },
  };
}

/**
 * `npm run start:worker`'s entry point as a process of its own, on the test's database and Redis
 * prefix, loopback receivers allowed; `env` adds settings.
 */
export function spawnWorkerProcess(
  config: Config,
  env: Record<string, string> = {},
  stdio: StdioOptions = 'ignore',
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'workers/delivery-worker.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      REDIS_URL: config.redisUrl,
      SWITCHBOARD_REDIS_PREFIX: config.redisPrefix,
      SWITCHBOARD_ALLOWED_TARGETS: '127.0.0.1/32',
      LOG_LEVEL: 'silent',
      SWITCHBOARD_WORKER_WARM_UP_DELIVERIES: '0',
      ...env,
    },
    stdio,
  });
}

import pino from 'pino';
import type { Config } from '../../src/config.ts';
import { openDatabase } from '../../src/store/db.ts';
import { startWorker } from '../../src/worker.ts';

/** A real worker (BullMQ + undici + Postgres) on the test's Redis prefix. */
export async function startTestWorker(config: Config) {
  const db = openDatabase(config.databaseUrl, 5);
  const worker = await startWorker(config, db, pino({ level: 'silent' }));
  return {
    async close() {
      await worker.close();
      await db.close();
    },
  };
}

import { loadConfigOrExit } from '../src/config.ts';
import { onShutdown } from '../src/server.ts';
import { openDatabase } from '../src/store/db.ts';
import { startWorker } from '../src/worker.ts';

/** The worker process: `npm run start:worker`. Run as many as the load needs. */
const config = loadConfigOrExit();
const db = openDatabase(
  config.databaseUrl,
  Math.max(10, Math.ceil(config.delivery.concurrency / 4)),
  { asyncCommit: true },
);
const worker = await startWorker(config, db);
onShutdown(async () => {
  await worker.close();
  await db.close();
});

import v8 from 'node:v8';
import { loadConfigOrExit } from '../src/config.ts';
import { onShutdown } from '../src/server.ts';
import { openDatabase } from '../src/store/db.ts';
import { startWorker } from '../src/worker.ts';
import { announceWorkerReady } from '../src/worker-ready.ts';

/**
 * After each full garbage collection the old generation may grow to twice what survived it
 * before the next one. V8 picks that factor itself, up to four times when a program allocates
 * fast, and an overloaded worker does: what waits in its queues outlives the young generation and
 * dies old, so its heap swelled to ~370 MB before being collected back to ~230 MB. Twice keeps
 * its peak near 250–270 MB for the same CPU (BENCHMARKS.md, 2026-12-07). Read at every
 * collection, so setting it here, before any work, is as good as passing it to `node`.
 */
const OLD_GENERATION_GROWTH_PERCENT = 100;
v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);

/** The worker process: `npm run start:worker`. Run as many as the load needs. */
const config = loadConfigOrExit();
const db = openDatabase(
  config.databaseUrl,
  Math.max(10, Math.ceil(config.delivery.concurrency / 4)),
  { asyncCommit: true },
);
const worker = await startWorker(config, db);
announceWorkerReady();
onShutdown(async () => {
  await worker.close();
  await db.close();
});

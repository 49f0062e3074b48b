/**
 * The delivery worker for the benchmark, as its own process: the same steps as
 * workers/delivery-worker.ts (loadConfig from the environment, a pg pool of
 * max(10, concurrency / 4), startWorker), plus an IPC channel so the benchmark knows when it is
 * ready, can read its event-loop utilisation and memory, and can stop it gracefully (which also
 * lets `--cpu-prof` write its profile).
 *
 * IPC: sends {type:'ready'}; {cmd:'mark'} resets the ELU window; {cmd:'stats'} → {type:'stats',
 * elu, rss, heapUsed}; {cmd:'stop'} → graceful close, {type:'stopped'}, exit 0.
 */
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/store/db.ts';
import { startWorker } from '../src/worker.ts';

const config = loadConfig();
const db = openDatabase(
  config.databaseUrl,
  Math.max(10, Math.ceil(config.delivery.concurrency / 4)),
);
const worker = await startWorker(config, db, pino({ level: config.logLevel }));
let elu = performance.eventLoopUtilization();
process.send?.({ type: 'ready' });

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code || 1), 15_000);
  force.unref();
  try {
    await worker.close();
    await db.close();
  } finally {
    process.send?.({ type: 'stopped' });
    process.exit(code);
  }
}

process.on('message', (message: { cmd?: string }) => {
  switch (message?.cmd) {
    case 'mark':
      elu = performance.eventLoopUtilization();
      break;
    case 'stats': {
      const mem = process.memoryUsage();
      process.send?.({
        type: 'stats',
        elu: performance.eventLoopUtilization(elu).utilization,
        rss: mem.rss,
        heapUsed: mem.heapUsed,
      });
      break;
    }
    case 'stop':
      void stop(0);
      break;
  }
});
process.on('SIGTERM', () => void stop(0));
// Never outlive the benchmark.
process.on('disconnect', () => void stop(0));

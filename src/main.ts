import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { once } from 'node:events';
import os from 'node:os';
import { loadConfigOrExit } from './config.ts';
import { onShutdown, startApi } from './server.ts';
import { PROJECT_ROOT } from './paths.ts';
import { workerStarted } from './worker-ready.ts';
import type { FastifyBaseLogger } from 'fastify';

/**
 * `npm start`: the API in this process and one worker in a child process (migrations were
 * applied by npm start). Two processes, not one: on one event loop the worker's deliveries and the
 * API's requests queue behind each other, and a cold start at a thousand events a second misses
 * its latency by several times (BENCHMARKS.md); as two they use two cores.
 *
 * The worker runs at a lower CPU priority (SWITCHBOARD_WORKER_NICE steps below the API): a
 * publish answers a client that waits for it, a delivery waits in line, stored. When the machine
 * has no CPU to spare, publishing keeps its latency and deliveries fall behind for a while;
 * with CPU to spare both run at full speed.
 */
const config = loadConfigOrExit();

/** The worker entry point next to this file: built JavaScript under dist/, or TypeScript under tsx. */
const workerEntry = import.meta.url.endsWith('.ts')
  ? path.join(PROJECT_ROOT, 'workers/delivery-worker.ts')
  : path.join(PROJECT_ROOT, 'dist/workers/delivery-worker.js');

/** How long the API waits for its worker to start before it listens anyway. */
const WORKER_START_WAIT_MS = 30_000;

type Logger = Pick<FastifyBaseLogger, 'warn'>;

let stopping = false;
let worker: ChildProcess | undefined;
/** The API's part, once it is up. */
const started: { api?: Awaited<ReturnType<typeof startApi>> } = {};

// From the start: a stop that comes while the worker loads stops the worker too (it must not
// outlive npm start), and the API's part if it is up by then.
onShutdown(async () => {
  stopping = true;
  const running = worker && worker.exitCode === null && worker.signalCode === null;
  const exited = running ? once(worker!, 'exit') : undefined;
  worker?.kill('SIGTERM');
  await started.api?.close();
  await exited;
});

/**
 * The API listens once its worker has started: a client that waits for the port or for /readyz
 * meets a service whose deliveries run, not one whose worker is still loading while the first
 * events wait for it (under load, seconds on two cores; BENCHMARKS.md, 2026-12-07). A worker
 * that does not start in time does not keep the API down: events are stored and wait for it.
 */
started.api = await startApi(config, {
  async beforeListen(app) {
    worker = startWorkerProcess(app.log);
    const how = await workerStarted(worker, WORKER_START_WAIT_MS);
    if (how !== 'ready')
      app.log.warn({ worker: how }, 'the worker has not started; listening without it');
  },
});

function startWorkerProcess(log: Logger): ChildProcess {
  const child = fork(workerEntry, { stdio: 'inherit' });
  lowerPriority(child, log);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    // A worker that died is replaced; what it had in flight the reconciler puts back in line.
    log.warn({ code, signal }, 'worker process exited; starting another');
    setTimeout(() => {
      if (!stopping) worker = startWorkerProcess(log);
    }, 1_000).unref();
  });
  return child;
}

/** Relative to this process's own priority, as `nice -n` is: lowering it needs no privilege. */
function lowerPriority(child: ChildProcess, log: Logger): void {
  if (child.pid === undefined || config.workerNice === 0) return;
  const niceness = Math.min(19, os.getPriority() + config.workerNice);
  try {
    os.setPriority(child.pid, niceness);
  } catch (err) {
    log.warn({ err, niceness }, 'could not lower the worker process priority');
  }
}

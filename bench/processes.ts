/**
 * The Switchboard processes the benchmark measures. Each API and each delivery worker is a
 * process of its own, started from the repository's entry points and configured through the
 * environment only, as an operator would run them (`npm run start:api`, `npm run start:worker`).
 *
 * They run the compiled build (`dist/`, what `npm start` runs; `npm run bench` builds it first).
 * spawnApi() and spawnWorker() are the one place that knows the command lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { log, sleep, waitExit } from './lib.ts';
import { workerStarted } from '../src/worker-ready.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');

export type Env = Record<string, string>;

function spawnNode(args: string[], env: Env): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    // The IPC channel carries a worker's "started" (src/worker-ready.ts), as under npm start.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

/** One API process; it listens on env.HOST:env.PORT. `nodeArgs`: e.g. --cpu-prof. */
export function spawnApi(env: Env, nodeArgs: string[] = []): ChildProcess {
  return spawnNode([...nodeArgs, path.join(REPO_ROOT, 'dist/src/server.js')], env);
}

/** One delivery worker process. `nodeArgs`: e.g. --cpu-prof. */
export function spawnWorker(env: Env, nodeArgs: string[] = []): ChildProcess {
  return spawnNode([...nodeArgs, path.join(REPO_ROOT, 'dist/workers/delivery-worker.js')], env);
}

// ---- a set of running processes ----------------------------------------------------------------

export interface Managed {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Lines the process wrote (at LOG_LEVEL=warn: warnings and errors), the first few kept. */
  lines: number;
  firstLines: string[];
}

function manage(name: string, child: ChildProcess): Managed {
  if (child.pid === undefined) throw new Error(`${name}: could not start`);
  const managed: Managed = { name, child, pid: child.pid, lines: 0, firstLines: [] };
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      if (line.trim() === '') return;
      managed.lines++;
      if (managed.firstLines.length < 3) managed.firstLines.push(line.slice(0, 300));
      if (managed.lines <= 5) process.stderr.write(`[${name}] ${line.slice(0, 300)}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping.has(child)) log(`${name} (pid ${child.pid}) exited: ${signal ?? code}`);
  });
  return managed;
}

const stopping = new WeakSet<ChildProcess>();

/** Ports free on 127.0.0.1 right now (the OS picks them; they are released before use). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

async function waitReady(api: Managed, origin: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (api.child.exitCode !== null || api.child.signalCode !== null)
      throw new Error(`${api.name} exited before it was ready: ${api.firstLines.join(' / ')}`);
    try {
      const res = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${api.name} not ready within ${timeoutMs} ms`);
}

export interface Cluster {
  apis: Managed[];
  workers: Managed[];
  /** http://127.0.0.1:<port> of each API. */
  origins: string[];
  all(): Managed[];
  /** Names of processes that have exited. */
  dead(): string[];
  /** Graceful stop (SIGTERM by pid), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/**
 * Starts `apis` API processes on ports of their own and waits for each one's /readyz, then starts
 * `workers` worker processes and waits for each one to say it has started, as `npm start` does
 * before it listens: a scenario's first events meet running processes, however cold.
 */
export async function startCluster(opts: {
  apis: number;
  workers: number;
  env: Env;
  /** Node options for the workers (BENCH_PROFILE=1: --cpu-prof). */
  workerNodeArgs?: string[];
  /** Node options for the APIs (BENCH_PROFILE=1: --cpu-prof). */
  apiNodeArgs?: string[];
  label?: string;
}): Promise<Cluster> {
  const label = opts.label ? `${opts.label} ` : '';
  const ports = await freePorts(opts.apis);
  const apis = ports.map((port, i) =>
    manage(
      `${label}api ${i + 1}`,
      spawnApi({ ...opts.env, PORT: String(port), HOST: '127.0.0.1' }, opts.apiNodeArgs),
    ),
  );
  const origins = ports.map((port) => `http://127.0.0.1:${port}`);
  const workers: Managed[] = [];
  const cluster: Cluster = {
    apis,
    workers,
    origins,
    all: () => [...apis, ...workers],
    dead: () =>
      cluster
        .all()
        .filter((p) => p.child.exitCode !== null || p.child.signalCode !== null)
        .map((p) => p.name),
    async stop() {
      await Promise.all(
        cluster.all().map(async (p) => {
          stopping.add(p.child);
          if (p.child.exitCode !== null || p.child.signalCode !== null) return;
          p.child.kill('SIGTERM');
          await waitExit(p.child, 15_000);
        }),
      );
    },
  };
  try {
    await Promise.all(apis.map((api, i) => waitReady(api, origins[i], 60_000)));
    for (let i = 0; i < opts.workers; i++)
      workers.push(manage(`${label}worker ${i + 1}`, spawnWorker(opts.env, opts.workerNodeArgs)));
    const started = await Promise.all(workers.map((w) => workerStarted(w.child, 60_000)));
    const failed = started.findIndex((how) => how !== 'ready');
    if (failed >= 0)
      throw new Error(
        `${workers[failed].name} did not start (${started[failed]}): ${workers[failed].firstLines.join(' / ')}`,
      );
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  log(
    `${label}started ${apis.length} API (${apis.map((a, i) => `pid ${a.pid} on ${origins[i]}`).join(', ')}) and ${workers.length} worker process(es) (${workers.map((w) => `pid ${w.pid}`).join(', ') || 'none'})`,
  );
  return cluster;
}

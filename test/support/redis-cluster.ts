import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Redis Cluster's bus port of a node is its client port + 10000. */
const BUS_OFFSET = 10_000;
/**
 * Client ports come from 12000–21999, so bus ports (22000–31999) stay below Linux's ephemeral
 * range (32768+) where outgoing connections could take them.
 */
const PORT_MIN = 12_000;
const PORT_MAX = 21_999;
const ALL_SLOTS = 16_384;

export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3`, for REDIS_URL. */
  url: string;
  ports: number[];
  /** Stops every node and deletes their directories; safe to call twice. */
  stop(): Promise<void>;
}

interface Node {
  port: number;
  dir: string;
  child: ChildProcess;
  exited: Promise<void>;
  output: string[];
}

/**
 * A real Redis Cluster of `masters` redis-server processes (no replicas) on free loopback ports,
 * each in a temp directory of its own, spawned as children of this process. Resolves once every
 * node reports cluster_state:ok and all 16384 slots served by live masters; a failure stops and
 * deletes whatever it started and throws with the nodes' logs.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const ports = await freePorts(masters);
    const nodes: Node[] = [];
    const stop = once(async () => {
      await Promise.all(nodes.map(stopNode));
      untrack(nodes);
    });
    try {
      for (const port of ports) nodes.push(startNode(port));
      track(nodes);
      await Promise.all(nodes.map(waitForPing));
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...ports.map((p) => `127.0.0.1:${p}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { timeout: 30_000 },
      );
      await waitForClusterOk(nodes, masters);
      return {
        url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
        ports,
        stop,
      };
    } catch (error) {
      const logs = nodes.map((n) => `--- node ${n.port}\n${logOf(n)}`).join('\n');
      await stop();
      lastError = new Error(
        `Redis Cluster on ports ${ports.join(',')} did not start: ${describe(error)}\n${logs}`,
      );
      // Another process took a port between our check and the node's bind: try other ports.
      if (!/Address already in use/i.test(logs)) break;
    }
  }
  throw lastError;
}

interface NodeMode {
  cluster: boolean;
  /** Keep every write in an append-only file fsync'd at once (survives a restart). */
  appendOnly?: boolean;
}

function startNode(
  port: number,
  mode: NodeMode = { cluster: true },
  dir = mkdtempSync(join(tmpdir(), `sbtest-redis-${port}-`)),
): Node {
  const cluster = mode.cluster
    ? [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '5000',
      ]
    : [];
  const persistence = mode.appendOnly
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  const child = spawn(
    'redis-server',
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--daemonize', 'no',
      ...cluster,
      '--dir', dir,
      '--save', '',
      ...persistence,
      '--logfile', 'redis.log',
    ], // prettier-ignore
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
  const exited = new Promise<void>((resolve) => {
    child.on('error', (e) => {
      output.push(`spawn redis-server: ${e.message}\n`);
      resolve();
    });
    child.on('exit', () => resolve());
  });
  return { port, dir, child, exited, output };
}

export interface RedisServer {
  /** `redis://127.0.0.1:PORT`, for REDIS_URL. */
  url: string;
  /**
   * Shuts the server down (SHUTDOWN: clients are cut) and starts it again on the same port and
   * directory: with `appendOnly` it comes back with its data, else empty.
   */
  restart(): Promise<void>;
  /** Stops it and deletes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/** One plain redis-server of the test's own on a free loopback port (not the shared one). */
export async function startRedisServer(mode: Omit<NodeMode, 'cluster'> = {}): Promise<RedisServer> {
  const [port] = await freePorts(1);
  let node = startNode(port, { ...mode, cluster: false });
  track([node]);
  await waitForPing(node);
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await cli(port, 'shutdown');
      await node.exited;
      untrack([node]);
      node = startNode(port, { ...mode, cluster: false }, node.dir);
      track([node]);
      await waitForPing(node);
    },
    stop: once(async () => {
      await stopNode(node);
      untrack([node]);
    }),
  };
}

function logOf(node: Node): string {
  let log = node.output.join('');
  try {
    log += readFileSync(join(node.dir, 'redis.log'), 'utf8');
  } catch {
    // the node never started
  }
  return log.split('\n').slice(-15).join('\n');
}

async function stopNode(node: Node): Promise<void> {
  if (node.child.exitCode === null && node.child.signalCode === null && node.child.pid) {
    node.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = await Promise.race([
      node.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 5_000))),
    ]);
    clearTimeout(timer);
    if (!killed) {
      node.child.kill('SIGKILL');
      await node.exited;
    }
  }
  rmSync(node.dir, { recursive: true, force: true });
}

async function waitForPing(node: Node): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (node.child.exitCode !== null || node.child.signalCode !== null)
      throw new Error(`redis-server on port ${node.port} exited`);
    if ((await cli(node.port, 'ping')) === 'PONG') return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${node.port} did not answer`);
    await sleep(50);
  }
}

/**
 * Every node says cluster_state:ok, knows all the nodes, and sees each of the 16384 slots served
 * by a master (CLUSTER SLOTS covers them all).
 */
async function waitForClusterOk(nodes: Node[], masters: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = '';
  for (;;) {
    const states = await Promise.all(nodes.map((n) => clusterState(n.port)));
    last = states.map((s, i) => `${nodes[i].port}: ${s.summary}`).join('; ');
    if (states.every((s) => s.ok && s.knownNodes === masters && s.slotsCovered === ALL_SLOTS))
      return;
    if (Date.now() > deadline) throw new Error(`cluster not ready: ${last}`);
    await sleep(100);
  }
}

async function clusterState(port: number) {
  const info = await cli(port, 'cluster', 'info');
  const field = (name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
  const slots = await cli(port, '--json', 'cluster', 'slots');
  let slotsCovered = 0;
  try {
    for (const range of JSON.parse(slots) as [number, number, ...unknown[]][])
      slotsCovered += range[1] - range[0] + 1;
  } catch {
    slotsCovered = 0;
  }
  return {
    ok: field('cluster_state') === 'ok' && field('cluster_slots_ok') === String(ALL_SLOTS),
    knownNodes: Number(field('cluster_known_nodes')),
    slotsCovered,
    summary: `state=${field('cluster_state')} slots_ok=${field('cluster_slots_ok')} known=${field('cluster_known_nodes')} covered=${slotsCovered}`,
  };
}

async function cli(port: number, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
      timeout: 5_000,
    });
    return stdout.trim();
  } catch {
    return '';
  }
}

/**
 * `n` random client ports from PORT_MIN–PORT_MAX whose client and bus ports are both free on
 * loopback right now (a node that still loses a race to another process fails to bind, and
 * startRedisCluster tries again with other ports).
 */
async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < n; tries++) {
    if (tries > 500) throw new Error('no free loopback ports for a Redis Cluster');
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN + 1));
    if (ports.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + BUS_OFFSET))) ports.push(port);
  }
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

/**
 * Nodes still running when this process exits (a crash, a Ctrl-C that skips teardown) are killed
 * and their directories deleted: exit handlers may only do synchronous work, and both are.
 */
const running = new Set<Node>();
let exitHookInstalled = false;

function track(nodes: Node[]) {
  for (const n of nodes) running.add(n);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const n of running) {
      try {
        n.child.kill('SIGKILL');
      } catch {
        // already gone
      }
      rmSync(n.dir, { recursive: true, force: true });
    }
  });
}

function untrack(nodes: Node[]) {
  for (const n of nodes) running.delete(n);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const out = (error as { stdout?: string; stderr?: string }).stdout ?? '';
    const err = (error as { stderr?: string }).stderr ?? '';
    return [error.message, out.trim(), err.trim()].filter(Boolean).join('\n');
  }
  return String(error);
}

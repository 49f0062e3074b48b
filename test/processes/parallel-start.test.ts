import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';

/**
 * Build once, start many: the built API and worker processes, started together any number of
 * times from one checkout on a database that does not exist yet, all come up — one creates the
 * database, migrations are applied once, one root key is generated. (`npm test` builds first.)
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const databaseUrl = `${inject('databaseUrl')}_parallel`;
const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  REDIS_URL: inject('redisUrl'),
  SWITCHBOARD_REDIS_PREFIX: `sbtest:${inject('runId')}:${randomBytes(4).toString('hex')}`,
  SWITCHBOARD_ROOT_KEY: '',
  LOG_LEVEL: 'warn',
};
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function start(script: string, extra: Record<string, string> = {}) {
  const child = spawn('npm', ['run', '--silent', script], {
    cwd: ROOT,
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: stopping it stops npm and the node process npm started.
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  children.push(child);
  return { child, output: () => output };
}

async function ready(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`API on port ${port} not ready`);
}

/** SIGTERM to the whole group, as a supervisor stops a service; resolves once npm has exited. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
}

afterAll(async () => {
  await Promise.all(children.map(stop));
});

describe('starting processes in parallel', () => {
  it('two APIs and two workers started at once all come up on one fresh database', async () => {
    const ports = [await freePort(), await freePort()];
    const apis = ports.map((port) => start('start:api', { PORT: String(port) }));
    const workers = [start('start:worker'), start('start:worker')];
    await Promise.all(ports.map((port) => ready(port)));

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const migrations = await client.query(
        'SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY 1',
      );
      expect(migrations.rows.length).toBeGreaterThan(0);
      expect(migrations.rows.every((r) => r.n === 1)).toBe(true);
      const roots = await client.query(
        'SELECT count(*)::int AS n FROM accounts WHERE parent_id IS NULL',
      );
      expect(roots.rows[0].n).toBe(1);
      const keys = await client.query('SELECT count(*)::int AS n FROM api_keys WHERE root_key');
      expect(keys.rows[0].n).toBe(1);
    } finally {
      await client.end();
    }
    const printed = apis
      .map((a) => a.output())
      .join('\n')
      .match(/Root API key \(shown once, keep it\): sbk_\S+/g);
    expect(printed).toHaveLength(1);

    await Promise.all([...apis, ...workers].map(({ child }) => stop(child)));
  }, 60_000);

  it('npm start runs the API and a worker in a process of its own, and stops both', async () => {
    const port = await freePort();
    const all = start('start', { PORT: String(port) });
    await ready(port);
    /** The niceness and command line of each process in npm start's process group. */
    const group = () => {
      try {
        return execFileSync('ps', ['-o', 'ni=,args=', '-g', String(all.child.pid)], {
          encoding: 'utf8',
        })
          .split('\n')
          .filter(Boolean);
      } catch {
        return []; // ps exits 1 when the group is empty
      }
    };
    await expect
      .poll(() => group().some((args) => args.includes('workers/delivery-worker')), {
        timeout: 20_000,
      })
      .toBe(true);
    expect(group().some((args) => args.includes('src/main.js'))).toBe(true);
    // The worker runs SWITCHBOARD_WORKER_NICE (default 10) steps below the API's priority.
    const niceness = (script: string) =>
      Number(
        group()
          .find((args) => args.includes(script))!
          .trim()
          .split(/\s+/)[0],
      );
    expect(niceness('workers/delivery-worker')).toBe(Math.min(19, niceness('src/main.js') + 10));
    await stop(all.child);
    await expect.poll(() => group().length, { timeout: 10_000 }).toBe(0);
  }, 60_000);

  it('npm start listens only once its worker has started', async () => {
    const port = await freePort();
    const all = start('start', { PORT: String(port), LOG_LEVEL: 'info' });
    await ready(port);
    // The worker shares npm start's output; each line carries the time it was logged (the two
    // processes' lines may reach the pipe in either order, and the worker's line may reach it
    // after the port answers: it says it started over IPC, which can overtake its log).
    await expect
      .poll(() => all.output().includes('"msg":"worker started'), { timeout: 10_000 })
      .toBe(true);
    const loggedAt = (msg: string) => {
      const line = all
        .output()
        .split('\n')
        .find((l) => l.includes(`"msg":"${msg}`));
      expect(line, `no "${msg}" in:\n${all.output()}`).toBeDefined();
      return (JSON.parse(line!) as { time: number }).time;
    };
    expect(loggedAt('Server listening at')).toBeGreaterThanOrEqual(loggedAt('worker started'));
    await stop(all.child);
  }, 60_000);

  it('a root key shorter than 32 characters: the API refuses to start and says why', async () => {
    const api = start('start:api', {
      SWITCHBOARD_ROOT_KEY: 'changeme',
      PORT: String(await freePort()),
    });
    const [code] = await once(api.child, 'exit');
    expect(code).not.toBe(0);
    expect(api.output()).toContain('SWITCHBOARD_ROOT_KEY must be at least 32 characters');
    expect(api.output()).not.toMatch(/\bat .+\.js:\d+/);
  }, 30_000);
});

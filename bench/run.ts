/**
 * `npm run bench`: Switchboard's throughput, latency and memory on this machine, each figure next
 * to the machine's own ceilings, measured in the same run.
 *
 * Every Switchboard process is a real, separate process started from the repository's entry
 * points (bench/processes.ts): BENCH_APIS API processes on ports of their own and BENCH_WORKERS
 * delivery workers, configured through the environment only. The load comes from a process of its
 * own (bench/load.ts), the webhooks point at a receiver process (bench/receiver.ts), and both
 * stamp times on one clock, so publish → arrival is measured across processes. CPU and memory of
 * every process come from /proc.
 *
 * Scenarios (BENCH_SCENARIOS, comma-separated; default all, in this order):
 *   ceilings  undici → receiver, BullMQ addBulk and no-op processor (bench/ceilings.ts)
 *   intake-floor  BullMQ alone at the intake's shape: the intake's producer → a bare BullMQ Worker
 *             with the intake's settings, at the intake ladder's rates, with the CPU it takes
 *             (bench/scenarios/intake-floor.ts; BENCH_FLOOR_HOLD_MS, default 10: how long each
 *             group of jobs is held, as the group commit holds the intake's)
 *   ingest    the APIs alone, batches of 100 and single events (bench/scenarios/ingest.ts)
 *   burst     3,000 events × 10 webhooks (bench/scenarios/burst.ts)
 *   cold      single events at 1,000/s on a started cluster that has served nothing yet, no warm-up
 *             (bench/scenarios/ladder.ts; run first of the end-to-end scenarios; BENCH_COLD_LADDER)
 *   ladder    single events at rising rates (bench/scenarios/ladder.ts)
 *   noisy     a slow tenant's backlog beside three quiet tenants (bench/scenarios/noisy.ts)
 *   throttle  a webhook with rate_limit 50 (bench/scenarios/throttle.ts)
 *   ordering  the same calls (create → answer → destroy) with ordering "none" and "call"
 *             (bench/scenarios/ordering.ts; BENCH_ORDERING_CALLS, BENCH_ORDERING_WEBHOOKS)
 *   intake    events added with BullMQ's Queue.add, one job per call, by a producer process of
 *             its own, at rising rates (bench/scenarios/intake.ts; BENCH_INTAKE_LADDER,
 *             BENCH_INTAKE_SECONDS; spread over BENCH_INTAKE_ACCOUNTS accounts, default 8, so
 *             that the scheduler's partitions spread over a cluster's shards), with Redis
 *             commands and CPU per delivery
 *
 * BENCH_WORKER_NODE_ARGS (space-separated) are given to every worker's `node`, and
 * BENCH_API_NODE_ARGS to every API's, to compare V8 or Node flags (`--max-semi-space-size=32`…)
 * on the same code; the report's header names them.
 *
 * Redis (BENCH_REDIS): `shared` (default) is the local server on 6379; `own` starts a redis-server
 * of the run's own on a free loopback port, and `cluster` a 3-master Redis Cluster of its own
 * (test/support/redis-cluster.ts), so that Redis's counters and CPU are this run's alone; both are
 * stopped and deleted at the end. The ceilings scenario always uses the shared server.
 *
 * Traffic stays on 127.0.0.1: the receiver binds it, every webhook points at it, and Postgres
 * and Redis are the local ones (BENCH_POSTGRES replaces the server's address, e.g.
 * `postgresql://postgres@%2Fvar%2Frun%2Fpostgresql` for its Unix socket). A fresh database switchboard_bench_<run> (ingest gets one of its
 * own) and Redis prefix sbbench:<run>, dropped and deleted at the end. Progress on stderr, the
 * Markdown report on stdout; exit code 0 even when a target is missed (the report says which),
 * 1 if a scenario could not run.
 */
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createDatabase, dropDatabase, migrate } from '../src/store/migrate.ts';
import { ceilings } from './ceilings.ts';
import { intakeFloor } from './scenarios/intake-floor.ts';
import {
  acceptedEvents,
  intakeProducer,
  loadGenerator,
  managementApi,
  receiver as receiverClient,
  settle,
  type Ceilings,
  type Context,
  type Section,
  type Settings,
  type Target,
} from './harness.ts';
import {
  check,
  cpuMeter,
  envInt,
  envList,
  fmtCore,
  fmtMB,
  fmtRatio,
  forkTs,
  loadAverage,
  log,
  markdownTable,
  nextMessage,
  postgresBesides,
  postgresPidsOf,
  postgresSharedPids,
  redisPids,
  rpc,
  rssPeaks,
  waitExit,
  waitFor,
} from './lib.ts';
import { REPO_ROOT, startCluster, type Cluster, type Env } from './processes.ts';
import { summarise } from './profile-summary.ts';
import { startRedisCluster } from '../test/support/redis-cluster.ts';
import { startOwnRedis } from './redis-server.ts';
import { burst } from './scenarios/burst.ts';
import { ingest } from './scenarios/ingest.ts';
import { intake } from './scenarios/intake.ts';
import { coldLadder, ladder } from './scenarios/ladder.ts';
import { noisy } from './scenarios/noisy.ts';
import { ordering } from './scenarios/ordering.ts';
import { throttle } from './scenarios/throttle.ts';

const ALL_SCENARIOS = [
  'ceilings',
  'intake-floor',
  'ingest',
  'cold',
  'burst',
  'ladder',
  'noisy',
  'throttle',
  'ordering',
  'intake',
];
const E2E_SCENARIOS = ['cold', 'burst', 'ladder', 'noisy', 'throttle', 'ordering', 'intake'];

const S: Settings = {
  scenarios: envList('BENCH_SCENARIOS', ALL_SCENARIOS),
  apis: Math.max(1, envInt('BENCH_APIS', 1)),
  workers: Math.max(1, envInt('BENCH_WORKERS', 1)),
  ceilingRequests: envInt('BENCH_CEILING_REQUESTS', 20_000),
  ceilingJobs: envInt('BENCH_CEILING_JOBS', 20_000),
  ingestBatches: envInt('BENCH_INGEST_BATCHES', 300),
  ingestSingles: envInt('BENCH_INGEST_SINGLES', 4000),
  burstEvents: envInt('BENCH_EVENTS', 3000),
  burstWebhooks: Math.max(1, envInt('BENCH_WEBHOOKS', 10)),
  ladder: envList('BENCH_LADDER', ['250', '500', '1000', '1500', '2000', '2500', '3000'])
    .map(Number)
    .filter((n) => n > 0),
  intakeLadder: envList('BENCH_INTAKE_LADDER', ['500', '1000', '1500', '2000', '2500', '3000'])
    .map(Number)
    .filter((n) => n > 0),
  intakeSeconds: Math.max(1, envInt('BENCH_INTAKE_SECONDS', 10)),
  intakeAccounts: Math.max(1, envInt('BENCH_INTAKE_ACCOUNTS', 8)),
  redis: process.env.BENCH_REDIS ?? 'shared',
  coldLadder: envList('BENCH_COLD_LADDER', ['1000'])
    .map(Number)
    .filter((n) => n > 0),
  stepSeconds: Math.max(1, envInt('BENCH_STEP_SECONDS', 8)),
  ladderInFlight: Math.max(1, envInt('BENCH_LADDER_IN_FLIGHT', 256)),
  noisySeconds: Math.max(1, envInt('BENCH_NOISY_SECONDS', 20)),
  noisyBacklog: envInt('BENCH_NOISY_BACKLOG', 2000),
  noisyDelayMs: 2500,
  quietRate: 20,
  throttleEvents: 1000,
  throttleLimit: 50,
  settleSeconds: envInt('BENCH_SETTLE_SECONDS', 60),
  profile: process.env.BENCH_PROFILE === '1',
  workerNodeArgs: (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  apiNodeArgs: (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean),
  keepDb: process.env.BENCH_KEEP_DB === '1',
};
const unknown = S.scenarios.filter((s) => !ALL_SCENARIOS.includes(s));
if (unknown.length) {
  log(`unknown scenario(s) ${unknown.join(', ')}; known: ${ALL_SCENARIOS.join(', ')}`);
  process.exit(2);
}
if (!['shared', 'own', 'cluster'].includes(S.redis)) {
  log(`BENCH_REDIS=${S.redis}: expected shared, own or cluster`);
  process.exit(2);
}
const selected = (name: string) => S.scenarios.includes(name);
const WATCHDOG_MS = envInt('BENCH_WATCHDOG_SECONDS', 600) * 1000;

// Local services only: nothing of the bench's goes anywhere but 127.0.0.1.
const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';
/** The Redis of the Switchboard processes under test (BENCH_REDIS), set in main(). */
let REDIS_URL = SHARED_REDIS_URL;
let redisNodes = ['127.0.0.1:6379'];
const POSTGRES = process.env.BENCH_POSTGRES ?? 'postgresql://postgres@127.0.0.1:5432';
const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const dbName = `switchboard_bench_${runId}`;
const ingestDbName = `${dbName}_ingest`;
const databaseUrl = `${POSTGRES}/${dbName}`;
const ingestDatabaseUrl = `${POSTGRES}/${ingestDbName}`;
const prefix = `sbbench:${runId}`;
const rootKey = `sbbench-root-${randomBytes(24).toString('hex')}`;
const profileDir = path.join(os.tmpdir(), `switchboard-bench-profile-${runId}`);

// ---- resources, released in cleanup() whatever happens ----------------------------------------
const helpers: ChildProcess[] = [];
/** The intake's BullMQ producer process, when a scenario needs it (counted as load generator). */
let producerPid: number | undefined;
const clusters: Cluster[] = [];
const closers: (() => Promise<unknown>)[] = [];
const databases: string[] = [];
let cleanedUp = false;

async function deleteRedisKeys(match: string): Promise<number> {
  const redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    for (let i = 0; i < 100_000; i++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}

async function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const close of closers.reverse())
    await close().catch((err: Error) => log(`cleanup: ${err.message}`));
  await Promise.all(clusters.map((c) => c.stop()));
  for (const child of helpers) {
    if (child.exitCode === null && child.signalCode === null) {
      await rpc(child, 'stop', {}, 3000).catch(() => {});
      await waitExit(child, 3000);
    }
  }
  // The run's own prefix, and the braced ones BullMQ's queues live under: `{<prefix>}` and the
  // scenarios' `{<prefix>:ingest}`, `{<prefix>:floor}`.
  let keys = 0;
  for (const pattern of [`${prefix}:*`, `{${prefix}}:*`, `{${prefix}:*}:*`])
    keys += await deleteRedisKeys(pattern).catch(() => 0);
  if (!S.keepDb)
    for (const url of databases)
      await dropDatabase(url).catch((err: Error) => log(`drop: ${err.message}`));
  log(
    `cleaned up: processes stopped, ${keys} Redis keys deleted, database(s) ${S.keepDb ? `kept: ${databases.map((u) => new URL(u).pathname.slice(1)).join(', ')}` : 'dropped'}`,
  );
}

const watchdog = setTimeout(() => {
  log(`watchdog: still running after ${WATCHDOG_MS / 1000} s, aborting`);
  void cleanup().finally(() => process.exit(2));
}, WATCHDOG_MS);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---- per-scenario measurement of every process ---------------------------------------------------

interface Usage {
  wall: number;
  loadAtStart: string;
  cpu: Record<string, number>;
  machineBusy: number;
  machineTotal: number;
  other: number;
  workerPeaks: number[];
  apiPeaks: number[];
  /** Deliveries still pending when the next scenario had to start. */
  pendingAfter?: number;
}

interface Outcome {
  name: string;
  section?: Section;
  error?: string;
  usage?: Usage;
}

const outcomes: Outcome[] = [];

/** Runs one scenario, measuring CPU and peak RSS of every process while it runs. */
async function measured<T extends Section>(
  name: string,
  cluster: Cluster | undefined,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  log(`---- ${name} (load average ${loadAverage()})`);
  const apis = cluster?.apis.map((p) => p.pid) ?? [];
  const workers = cluster?.workers.map((p) => p.pid) ?? [];
  const [receiverChild, loadChild] = helpers;
  const meter = cpuMeter({
    API: apis,
    workers,
    receiver: [receiverChild.pid!],
    // The HTTP load generator and, when forked, the intake's BullMQ producer.
    'load generator': [loadChild.pid!, ...(producerPid ? [producerPid] : [])],
    'bench orchestrator': [process.pid],
    Postgres: postgresPidsOf([dbName, ingestDbName]),
    'Postgres shared': postgresSharedPids,
    Redis: redisPids,
  });
  const loadAtStart = loadAverage();
  const peaks = rssPeaks([...workers, ...apis]);
  const outcome: Outcome = { name };
  outcomes.push(outcome);
  let result: T | undefined;
  try {
    result = await fn();
    outcome.section = result;
  } catch (err) {
    outcome.error = (err as Error).message;
    log(`${name} FAILED: ${(err as Error).stack ?? err}`);
  }
  const cpu = meter.stop();
  const rss = peaks.stop();
  const ours = Object.values(cpu.groups).reduce((a, b) => a + b, 0);
  outcome.usage = {
    wall: cpu.wall,
    loadAtStart,
    cpu: cpu.groups,
    machineBusy: cpu.machineBusy,
    machineTotal: cpu.machineTotal,
    // With tick-based accounting softirq is already charged to the process it interrupted.
    other: cpu.machineBusy - ours - cpu.steal,
    workerPeaks: workers.map((pid) => rss.get(pid) ?? NaN),
    apiPeaks: apis.map((pid) => rss.get(pid) ?? NaN),
  };
  const dead = cluster?.dead() ?? [];
  if (dead.length) {
    outcome.error = `${outcome.error ? `${outcome.error}; ` : ''}process(es) exited: ${dead.join(', ')}`;
  }
  return result;
}

// ---- the machine --------------------------------------------------------------------------------

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

async function versions(): Promise<{ postgres: string; redis: string; postgresBesides: string }> {
  const client = new pg.Client({ connectionString: `${POSTGRES}/postgres` });
  await client.connect();
  const redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    return {
      postgres: (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
        .rows[0].v,
      redis: /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown',
      postgresBesides: await postgresBesides(client),
    };
  } finally {
    await client.end();
    redis.disconnect();
  }
}

async function freshDatabase(url: string): Promise<pg.Pool> {
  databases.push(url);
  await createDatabase(url);
  await migrate(url);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  closers.push(() => pool.end());
  return pool;
}

/** The environment of every Switchboard process of the run. */
function switchboardEnv(database: string, redisPrefix: string): Env {
  return {
    DATABASE_URL: database,
    REDIS_URL,
    SWITCHBOARD_REDIS_PREFIX: redisPrefix,
    SWITCHBOARD_ROOT_KEY: rootKey,
    SWITCHBOARD_ALLOWED_TARGETS: '127.0.0.1/32',
    LOG_LEVEL: 'warn',
  };
}

/** Proves the pipeline works end to end (and warms it) before anything is timed. */
async function warmUp(ctx: Context) {
  const account = await ctx.api.createTenant('bench-warmup');
  await ctx.api.webhook(account, 'warm-up', ctx.hookUri('/hook/warmup/0'));
  const group = ctx.group('warmup');
  const published = await ctx.load.count({
    account,
    group,
    requests: 20 * S.workers,
    eventsPerRequest: 1,
    inFlight: 4,
    seconds: 30,
  });
  const accepted = acceptedEvents(published);
  const ok = await waitFor(async () => (await ctx.receiver.unique(group)) >= accepted, 60_000);
  if (!ok || accepted === 0)
    throw new Error(
      `warm-up: ${await ctx.receiver.unique(group)}/${accepted} events delivered within 60 s (${published.errors.join('; ')})`,
    );
  await ctx.receiver.forget(group);
  log(`warm-up: ${accepted} events delivered end to end`);
}

/** Runs the set-up and scenarios of one group; a failure is reported, and the run goes on. */
async function setUp(what: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (err) {
    log(`${what}: set-up FAILED: ${(err as Error).stack ?? err}`);
    outcomes.push({ name: `${what} (set-up)`, error: (err as Error).message });
  }
}

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<string> {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const v = await versions();
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const branch = git(['rev-parse', '--abbrev-ref', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
  log(
    `run ${runId}: ${S.apis} API + ${S.workers} worker process(es); scenarios ${S.scenarios.join(', ')}; load average ${loadAtStart}`,
  );

  if (S.redis === 'own') {
    const own = await startOwnRedis();
    closers.push(() => own.stop());
    REDIS_URL = own.url;
    redisNodes = [`127.0.0.1:${own.port}`];
    log(`own Redis on 127.0.0.1:${own.port}`);
  } else if (S.redis === 'cluster') {
    const cluster = await startRedisCluster(3);
    closers.push(() => cluster.stop());
    REDIS_URL = cluster.url;
    redisNodes = cluster.ports.map((p) => `127.0.0.1:${p}`);
    log(`own Redis Cluster: ${REDIS_URL}`);
  }

  const receiverChild = forkTs(path.join(import.meta.dirname, 'receiver.ts'));
  helpers.push(receiverChild);
  const { port } = await nextMessage<{ type: 'ready'; port: number }>(
    receiverChild,
    'ready',
    30_000,
  );
  const receiverOrigin = `http://127.0.0.1:${port}`;
  const loadChild = forkTs(path.join(import.meta.dirname, 'load.ts'));
  helpers.push(loadChild);
  await nextMessage(loadChild, 'ready', 30_000);
  const receiver = receiverClient(receiverChild, receiverOrigin);
  const load = loadGenerator(loadChild);
  let producer: ReturnType<typeof intakeProducer> | undefined;
  if (selected('intake') || selected('intake-floor')) {
    const producerChild = forkTs(path.join(import.meta.dirname, 'intake-producer.ts'));
    helpers.push(producerChild);
    await nextMessage(producerChild, 'ready', 30_000);
    producer = intakeProducer(producerChild);
    producerPid = producerChild.pid;
  }

  let measuredCeilings: Ceilings | undefined;
  let singleEventIngest: number | undefined;
  if (selected('ceilings')) {
    const result = await measured('ceilings', undefined, async () => {
      const r = await ceilings({
        receiverOrigin,
        redisUrl: SHARED_REDIS_URL,
        prefix: `${prefix}:ceiling`,
        requests: S.ceilingRequests,
        jobs: S.ceilingJobs,
      });
      measuredCeilings = r.ceilings;
      return r.section;
    });
    if (!result) log('ceilings failed; ratios will read n/a');
  }

  if (selected('intake-floor') && producer) {
    const consumer = forkTs(path.join(import.meta.dirname, 'bullmq-consumer.ts'));
    helpers.push(consumer);
    await nextMessage(consumer, 'ready', 30_000);
    await measured('intake-floor', undefined, () =>
      intakeFloor({
        settings: S,
        producer: producer!,
        consumer,
        redisUrl: REDIS_URL,
        redisNodes,
        prefix: `${prefix}:floor`,
        concurrency: envInt('SWITCHBOARD_INTAKE_CONCURRENCY', 256),
        holdMs: envInt('BENCH_FLOOR_HOLD_MS', 10),
        group: (g: string) => `r${runId}.${g}`,
      }),
    );
    await rpc(consumer, 'stop').catch(() => {});
  }

  const context = async (cluster: Cluster, db: pg.Pool, name: string): Promise<Context> => {
    const api = await managementApi(cluster.origins[0], rootKey);
    closers.push(() => api.close());
    await load.init(cluster.origins, rootKey, S.ladderInFlight);
    return {
      runId,
      settings: S,
      cluster,
      api,
      load,
      receiver,
      db,
      dbName: name,
      redisUrl: REDIS_URL,
      redisNodes,
      redisPrefix: name === ingestDbName ? `${prefix}:ingest` : prefix,
      redisOwn: S.redis !== 'shared',
      producer,
      ceilings: measuredCeilings,
      singleEventIngest,
      group: (g: string) => `r${runId}.${g}`,
      hookUri: (p: string) => `${receiverOrigin}${p}`,
    };
  };

  if (selected('ingest')) {
    // The APIs alone, on a database of their own: no worker ever sees these events.
    await setUp('ingest', async () => {
      const db = await freshDatabase(ingestDatabaseUrl);
      const cluster = await startCluster({
        apis: S.apis,
        workers: 0,
        env: switchboardEnv(ingestDatabaseUrl, `${prefix}:ingest`),
        label: 'ingest',
      });
      clusters.push(cluster);
      const ctx = await context(cluster, db, ingestDbName);
      const result = await measured('ingest', cluster, () => ingest(ctx));
      singleEventIngest = result?.singleEventsPerSecond;
      await cluster.stop();
    });
  }

  const e2e = E2E_SCENARIOS.filter(selected);
  if (e2e.length > 0) {
    await setUp(e2e.join(', '), async () => {
      const db = await freshDatabase(databaseUrl);
      if (S.profile) {
        mkdirSync(path.join(profileDir, 'worker'), { recursive: true });
        mkdirSync(path.join(profileDir, 'api'), { recursive: true });
      }
      const cluster = await startCluster({
        apis: S.apis,
        workers: S.workers,
        env: switchboardEnv(databaseUrl, prefix),
        workerNodeArgs: [
          ...S.workerNodeArgs,
          ...(S.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/worker`] : []),
        ],
        apiNodeArgs: [
          ...S.apiNodeArgs,
          ...(S.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/api`] : []),
        ],
      });
      clusters.push(cluster);
      const ctx = await context(cluster, db, dbName);
      // `cold` must meet the processes before anything else has warmed them.
      if (selected('cold')) {
        await measured('cold', cluster, () => coldLadder(ctx));
        const pending = await settle(ctx, 'cold');
        if (pending) outcomes[outcomes.length - 1].usage!.pendingAfter = pending;
      }
      await warmUp(ctx);
      const scenarios: Record<string, () => Promise<Section>> = {
        burst: () => burst(ctx),
        ladder: () => ladder(ctx),
        noisy: () => noisy(ctx),
        throttle: () => throttle(ctx),
        ordering: () => ordering(ctx),
        intake: () => intake(ctx),
      };
      for (const name of e2e.filter((n) => n !== 'cold')) {
        await measured(name, cluster, scenarios[name]);
        const pending = await settle(ctx, name);
        if (pending) outcomes[outcomes.length - 1].usage!.pendingAfter = pending;
      }
      await cluster.stop();
    });
  }

  return report({
    startedAt,
    loadAtStart,
    loadAtEnd: loadAverage(),
    versions: v,
    commit: `${commit}${branch ? ` (branch ${branch})` : ''}${dirty ? ', with uncommitted changes' : ''}`,
  });
}

// ---- report --------------------------------------------------------------------------------------

function report(run: {
  startedAt: Date;
  loadAtStart: string;
  loadAtEnd: string;
  versions: { postgres: string; redis: string; postgresBesides: string };
  commit: string;
}): string {
  const out: string[] = [];
  const passedThrough = Object.keys(process.env)
    .filter((k) => k.startsWith('SWITCHBOARD_') && k !== 'SWITCHBOARD_ROOT_KEY')
    .filter((k) => !['SWITCHBOARD_REDIS_PREFIX', 'SWITCHBOARD_ALLOWED_TARGETS'].includes(k))
    .map((k) => `${k}=${process.env[k]}`);
  const cpus = os.cpus();
  out.push(`## Switchboard benchmark — ${run.startedAt.toISOString().slice(0, 10)}`, '');
  out.push(
    `- Machine: ${os.availableParallelism()} cores (${cpus[0]?.model ?? 'unknown CPU'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}, PostgreSQL ${run.versions.postgres}, Redis ${run.versions.redis}.`,
    `- Code: commit ${run.commit}.`,
    `- Postgres besides this run, at its start: ${run.versions.postgresBesides}.`,
    `- Redis: ${S.redis === 'shared' ? 'the shared server on 127.0.0.1:6379' : S.redis === 'own' ? `a redis-server of this run's own (${redisNodes.join(', ')})` : `a 3-master Redis Cluster of this run's own (${redisNodes.join(', ')})`}.`,
    `- Processes: **${S.apis} API + ${S.workers} worker**, each its own process (the build's \`dist/src/server.js\`, \`dist/workers/delivery-worker.js\`); the load generator, the receiver and the orchestrator are three more. Engine settings: ${passedThrough.length ? passedThrough.join(', ') : "the engine's defaults"}${S.workerNodeArgs.length ? `; workers started with \`node ${S.workerNodeArgs.join(' ')}\`` : ''}${S.apiNodeArgs.length ? `; APIs started with \`node ${S.apiNodeArgs.join(' ')}\`` : ''}${S.profile ? '; APIs and workers under --cpu-prof' : ''}.`,
    `- Load average (1, 5, 15 min): ${run.loadAtStart} at start, ${run.loadAtEnd} at end. Started ${run.startedAt.toISOString().slice(11, 19)} UTC, took ${((Date.now() - run.startedAt.getTime()) / 1000).toFixed(0)} s. The machine is shared: "other processes" below is CPU that none of this run's processes used.`,
    '',
  );

  const targets: Target[] = outcomes.flatMap((o) => o.section?.targets ?? []);
  const workerPeak = Math.max(
    ...outcomes.flatMap((o) => o.usage?.workerPeaks ?? []).filter(Number.isFinite),
  );
  if (Number.isFinite(workerPeak)) {
    targets.push({
      name: 'Worker RSS ≤ 300 MB in every scenario (peak of every worker process)',
      result: `peak ${fmtMB(workerPeak)}`,
      met: workerPeak <= 300e6,
    });
  }
  for (const o of outcomes.filter((x) => x.error))
    targets.push({ name: `Scenario ${o.name} ran`, result: o.error!, met: false });
  out.push('### Targets', '');
  out.push(
    markdownTable(
      ['target', 'this run', 'met'],
      targets.map((t) => [t.name, t.result, check(t.met)]),
    ),
    '',
  );

  for (const o of outcomes) {
    if (!o.section) {
      out.push(`### ${o.name}`, '', `**Did not complete:** ${o.error ?? 'unknown error'}`, '');
      continue;
    }
    out.push(`### ${o.section.title}`, '', ...o.section.body, '');
  }

  out.push('### Processes: CPU and memory per scenario', '');
  const rows = outcomes
    .filter((o) => o.usage)
    .map((o) => {
      const u = o.usage!;
      // Under a second, CPU shares are mostly rounding of clock ticks.
      const share = (cpu: number) => (u.wall < 1 ? '–' : fmtCore(Math.max(0, cpu), u.wall));
      const core = (name: string) => share(u.cpu[name] ?? 0);
      return [
        o.name,
        `${u.wall.toFixed(0)} s`,
        u.loadAtStart.split(' ')[0],
        core('API'),
        core('workers'),
        share((u.cpu.Postgres ?? 0) + (u.cpu['Postgres shared'] ?? 0)),
        core('Redis'),
        core('receiver'),
        core('load generator'),
        core('bench orchestrator'),
        share(u.other),
        u.wall < 1 ? '–' : fmtRatio(u.machineBusy, u.machineTotal),
        u.workerPeaks.map(fmtMB).join(', ') || '–',
        u.apiPeaks.map(fmtMB).join(', ') || '–',
      ];
    });
  out.push(
    markdownTable(
      [
        'scenario',
        'wall',
        'load avg at start',
        'API',
        'workers',
        'Postgres',
        'Redis',
        'receiver',
        'load gen.',
        'orchestrator',
        'other processes',
        'machine busy',
        'worker peak RSS',
        'API peak RSS',
      ],
      rows,
    ),
    '',
    'CPU columns are % of one core (summed over the processes of the group); "machine busy" is % of all cores. Peak RSS from /proc (VmHWM, reset at the start of each scenario, and VmRSS sampled every 100 ms).',
    '',
  );
  const pending = outcomes.filter((o) => o.usage?.pendingAfter);
  if (pending.length)
    out.push(
      `Deliveries still pending ${S.settleSeconds} s after a scenario (the next one started beside them): ${pending.map((o) => `${o.name} ${o.usage!.pendingAfter}`).join(', ')}.`,
      '',
    );
  const noisyLogs = clusters.flatMap((c) => c.all()).filter((p) => p.lines > 0);
  if (noisyLogs.length) {
    out.push(
      `**Warnings logged** (LOG_LEVEL=warn): ${noisyLogs.map((p) => `${p.name}: ${p.lines} lines, first: \`${p.firstLines[0].slice(0, 160).replaceAll('`', "'")}\``).join('; ')}.`,
      '',
    );
  }
  if (S.profile) {
    for (const kind of ['worker', 'api']) {
      const dir = path.join(profileDir, kind);
      const files = (() => {
        try {
          return readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
        } catch {
          return [];
        }
      })();
      // The largest profile is the process's main thread (tsx's loader thread writes a small one).
      const main = files
        .map((f) => path.join(dir, f))
        .sort((a, b) => statSync(b).size - statSync(a).size)[0];
      out.push(`### ${kind === 'api' ? 'API' : 'Worker'} CPU profile`, '');
      out.push(main ? summarise(main, 15) : `(no profile written in ${dir})`, '');
    }
  }
  return `${out.join('\n')}\n`;
}

try {
  const text = await main();
  process.stdout.write(text);
  if (outcomes.some((o) => o.error)) process.exitCode = 1;
} catch (err) {
  log(`FAILED: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
  log('done');
  process.exit(process.exitCode ?? 0);
}

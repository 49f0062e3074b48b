/**
 * `npm run bench`: Switchboard's throughput and latency on this machine, each figure next to the
 * ceiling it is bounded by, measured in the same run (ENVIRONMENT.md, "Measured ceilings").
 *
 *  1. Ceilings: undici Pool → plain node:http receiver (another process), and BullMQ no-op.
 *  2. Ingest: POST /v2/accounts/{A}/events on the real API (built as startApi does: buildApp,
 *     ensureRootAccount, listen on 127.0.0.1:0, in this process), batches of 100 and single
 *     events; events/s answered 202 (committed, checked in Postgres). No worker runs meanwhile.
 *  3. End to end: N webhooks on the receiver process, M events published through the API, the
 *     delivery worker in its own process (bench/worker-process.ts); deliveries/s from the first
 *     publish until Postgres shows every delivery 'delivered', latency from event accepted to
 *     receiver arrival, worker RSS peak and CPU. Then a paced run at half that rate, for latency
 *     without a backlog.
 *
 * Everything goes to 127.0.0.1 only (SPEC §7). A fresh database and Redis prefix per run, dropped
 * and deleted at the end. Progress on stderr, the Markdown report on stdout.
 *
 * Knobs (env): BENCH_EVENTS (3000), BENCH_WEBHOOKS (10), BENCH_CEILING_REQUESTS (20000),
 * BENCH_CEILING_JOBS (20000), BENCH_PACED_SECONDS (10, 0 skips), SWITCHBOARD_WORKER_CONCURRENCY
 * (200), BENCH_PROFILE=1 (worker under --cpu-prof, summary printed), BENCH_KEEP_DB=1,
 * BENCH_DATABASE_URL, REDIS_URL.
 */
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Pool } from 'undici';
import { Writable } from 'node:stream';
import { buildApp } from '../src/app.ts';
import { ensureRootAccount } from '../src/bootstrap.ts';
import { loadConfig } from '../src/config.ts';
import { DELIVERY_QUEUE, FANOUT_QUEUE, openQueues } from '../src/delivery/queues.ts';
import { openDatabase } from '../src/store/db.ts';
import { createDatabase, dropDatabase, migrate } from '../src/store/migrate.ts';
import {
  bullmqCeiling,
  undiciCeiling,
  type BullmqCeiling,
  type UndiciCeiling,
} from './ceilings.ts';
import {
  ask,
  cpuMeter,
  fmtInt,
  fmtMiB,
  fmtMs,
  fmtRatio,
  forkTs,
  markdownTable,
  memory,
  nextMessage,
  percentile,
  postgresPidsOf,
  postgresSharedPids,
  redisPids,
  runPool,
  sleep,
  waitExit,
} from './lib.ts';
import { summarise } from './profile-summary.ts';

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return process.env[name] && Number.isFinite(value) && value >= 0 ? value : fallback;
}

const S = {
  events: envInt('BENCH_EVENTS', 3000),
  webhooks: Math.max(1, envInt('BENCH_WEBHOOKS', 10)),
  ceilingRequests: envInt('BENCH_CEILING_REQUESTS', 20_000),
  ceilingJobs: envInt('BENCH_CEILING_JOBS', 20_000),
  ingestBatchRequests: envInt('BENCH_INGEST_BATCHES', 300),
  ingestSingleRequests: envInt('BENCH_INGEST_SINGLES', 4000),
  pacedSeconds: envInt('BENCH_PACED_SECONDS', 10),
  workerConcurrency: envInt('SWITCHBOARD_WORKER_CONCURRENCY', 200),
  profile: process.env.BENCH_PROFILE === '1',
  keepDb: process.env.BENCH_KEEP_DB === '1',
};
const BATCH = 100;
const PUBLISH_IN_FLIGHT = 4;
const SINGLE_IN_FLIGHT = 16;
const E2E_CAP_MS = 90_000;
const WATCHDOG_MS = 240_000;

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const databaseUrl =
  process.env.BENCH_DATABASE_URL ??
  `postgresql://postgres@127.0.0.1:5432/switchboard_bench_${runId}`;
const prefix = `sbbench:${runId}`;
const dbName = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
const benchStart = performance.now();

function log(message: string) {
  process.stderr.write(
    `[bench ${((performance.now() - benchStart) / 1000).toFixed(1).padStart(5)} s] ${message}\n`,
  );
}

// ---- resources, released in cleanup() whatever happens ----------------------------------------
const children: ChildProcess[] = [];
const closers: (() => Promise<unknown>)[] = [];
let cleanedUp = false;

async function deleteRedisKeys(match: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
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
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.send?.({ cmd: 'stop' });
      await waitExit(child, 5000);
    }
  }
  const keys = await deleteRedisKeys(`${prefix}:*`).catch(() => -1);
  if (!S.keepDb && !process.env.BENCH_DATABASE_URL)
    await dropDatabase(databaseUrl).catch((err: Error) => log(`drop: ${err.message}`));
  log(
    `cleaned up: children stopped, ${keys} Redis keys deleted, database ${S.keepDb ? 'kept' : 'dropped'}`,
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

// ---- the API's log lines ----------------------------------------------------------------------
const apiWarnings = { lines: 0, fanoutNotEnqueued: 0, redisEvents: [] as string[] };

function apiLogStream() {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        apiWarnings.lines++;
        if (line.includes('fan-out not enqueued')) apiWarnings.fanoutNotEnqueued++;
        if (apiWarnings.lines <= 5) process.stderr.write(`[api] ${line.slice(0, 300)}\n`);
      }
      done();
    },
  });
}

// ---- the API client ----------------------------------------------------------------------------
type Api = ReturnType<typeof apiClient>;

function apiClient(origin: string) {
  const pool = new Pool(origin, { connections: 32, keepAliveTimeout: 30_000 });
  closers.push(() => pool.close());
  async function call(method: 'GET' | 'PUT' | 'POST', url: string, key: string, data?: unknown) {
    const res = await pool.request({
      method,
      path: url,
      headers: {
        'x-auth-token': key,
        ...(data === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: data === undefined ? undefined : JSON.stringify({ data }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
  }
  return { call };
}

async function createAccount(api: Api, rootKey: string, rootId: string, name: string) {
  const acc = await api.call('PUT', `/v2/accounts/${rootId}`, rootKey, { name });
  if (acc.status !== 201)
    throw new Error(`create account: ${acc.status} ${JSON.stringify(acc.body)}`);
  const id = acc.body.data.id as string;
  const key = await api.call('PUT', `/v2/accounts/${id}/api_keys`, rootKey, {
    name: `${name} key`,
  });
  if (key.status !== 201) throw new Error(`create key: ${key.status} ${JSON.stringify(key.body)}`);
  return { id, key: key.body.data.api_key as string };
}

let eventSeq = 0;
/** A channel_create event (~300 bytes of payload), as a Kazoo platform would publish it. */
function event() {
  const n = eventSeq++;
  return {
    type: 'channel_create',
    payload: {
      call_id: `bench-${runId}-${n}`,
      call_direction: 'inbound',
      caller_id_name: 'Alice',
      caller_id_number: '+15551234567',
      callee_id_name: 'Sales',
      callee_id_number: '+15557654321',
      from: '+15551234567@sip.example.com',
      to: '+15557654321@sip.example.com',
      request: '+15557654321@sip.example.com',
      other_leg_call_id: 'af1e1e12f1bcf519a96f2235ab8eeec4',
      custom_channel_vars: { campaign: 'bench' },
    },
  };
}

/** Publishes `events` in one request; throws unless 202 with every event accepted. */
async function publish(
  api: Api,
  tenant: { id: string; key: string },
  count: number,
): Promise<number> {
  const events = Array.from({ length: count }, event);
  const res = await api.call(
    'POST',
    `/v2/accounts/${tenant.id}/events`,
    tenant.key,
    count === 1 ? events[0] : events,
  );
  if (res.status !== 202)
    throw new Error(`publish: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body.data.accepted as number;
}

interface IngestResult {
  label: string;
  requests: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  /** CPU of this process (API + load generator), of the bench database's backends, of Redis, % of a core. */
  cpu: { api: number; postgres: number; redis: number };
}

async function ingest(
  api: Api,
  tenant: { id: string; key: string },
  label: string,
  requests: number,
  perRequest: number,
  inFlight: number,
  capMs: number,
): Promise<IngestResult> {
  const latencies: number[] = [];
  let events = 0;
  const meter = cpuMeter({
    api: [process.pid],
    postgres: postgresPidsOf(dbName),
    redis: redisPids,
  });
  const start = performance.now();
  const sent = await runPool(requests, inFlight, start + capMs, async () => {
    const t = performance.now();
    const accepted = await publish(api, tenant, perRequest);
    events += accepted;
    latencies.push(performance.now() - t);
  });
  const seconds = (performance.now() - start) / 1000;
  const cpu = meter.stop();
  const share = (name: string) => (cpu.groups[name] / cpu.wall) * 100;
  return {
    cpu: { api: share('api'), postgres: share('postgres'), redis: share('redis') },
    label,
    requests: sent,
    events,
    seconds,
    eventsPerSecond: events / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

// ---- end to end --------------------------------------------------------------------------------
interface DeliveryCounts {
  total: number;
  delivered: number;
  ended: number;
}

async function deliveryCounts(db: pg.Pool): Promise<DeliveryCounts> {
  const { rows } = await db.query<{ total: number; delivered: number; ended: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
            count(*) FILTER (WHERE status IN ('failed', 'skipped'))::int AS ended
     FROM deliveries`,
  );
  return rows[0];
}

/** Polls until `expected` deliveries are delivered (or some failed, or the cap). */
async function waitDelivered(
  db: pg.Pool,
  expected: number,
  capMs: number,
  onPoll?: (c: DeliveryCounts) => void,
) {
  const deadline = performance.now() + capMs;
  let fannedOutAt: number | undefined;
  let deliveredAtFanout = 0;
  let counts = await deliveryCounts(db);
  while (performance.now() < deadline) {
    counts = await deliveryCounts(db);
    onPoll?.(counts);
    if (fannedOutAt === undefined && counts.total >= expected) {
      fannedOutAt = performance.now();
      deliveredAtFanout = counts.delivered;
    }
    if (counts.delivered >= expected || counts.ended > 0) break;
    await sleep(100);
  }
  return { counts, fannedOutAt, deliveredAtFanout, doneAt: performance.now() };
}

interface LatencyResult {
  arrivals: number;
  unique: number;
  total: { p50: number; p99: number; max: number };
  fromDelivery: { p50: number; p99: number };
  fanout: { p50: number; p99: number };
  queue: { p50: number; p99: number };
  http: { p50: number; p99: number };
  commit: { p50: number; p99: number };
}

/**
 * Joins the receiver's arrivals (webhook-id = delivery id) with Postgres: event accepted
 * (events.created) → delivery created (fan-out) → attempt started (attempts.created) → arrival →
 * delivery committed as delivered (deliveries.modified). Times are ms since the epoch on one clock.
 */
async function latencies(db: pg.Pool, receiver: ChildProcess): Promise<LatencyResult> {
  const dump = await ask<{ type: 'dump'; ids: string[]; at: number[] }>(
    receiver,
    'dump',
    'dump',
    30_000,
  );
  const arrival = new Map<string, number>();
  dump.ids.forEach((id, i) => {
    if (!arrival.has(id)) arrival.set(id, dump.at[i]);
  });
  const { rows } = await db.query<{
    id: string;
    ev: number;
    dc: number;
    dm: number;
    ac: number | null;
  }>(
    `SELECT d.id, extract(epoch FROM e.created)::float8 * 1000 AS ev, extract(epoch FROM d.created)::float8 * 1000 AS dc,
            extract(epoch FROM d.modified)::float8 * 1000 AS dm, extract(epoch FROM a.created)::float8 * 1000 AS ac
     FROM deliveries d
     JOIN events e ON e.account_id = d.event_account_id AND e.id = d.event_id
     LEFT JOIN attempts a ON a.delivery_id = d.id AND a.try = 1
     WHERE d.id = ANY($1)`,
    [[...arrival.keys()]],
  );
  const total: number[] = [];
  const fromDelivery: number[] = [];
  const fanout: number[] = [];
  const queue: number[] = [];
  const http: number[] = [];
  const commit: number[] = [];
  for (const r of rows) {
    const at = arrival.get(r.id)!;
    total.push(at - r.ev);
    fromDelivery.push(at - r.dc);
    fanout.push(r.dc - r.ev);
    commit.push(r.dm - at);
    if (r.ac !== null) {
      queue.push(r.ac - r.dc);
      http.push(at - r.ac);
    }
  }
  const p = (v: number[]) => ({ p50: percentile(v, 50), p99: percentile(v, 99) });
  return {
    arrivals: dump.ids.length,
    unique: arrival.size,
    total: { ...p(total), max: percentile(total, 100) },
    fromDelivery: p(fromDelivery),
    fanout: p(fanout),
    queue: p(queue),
    http: p(http),
    commit: p(commit),
  };
}

/** Counters that tell how much work one delivery costs: Postgres transactions, Redis commands. */
async function serverCounters(db: pg.Pool) {
  const { rows } = await db.query<{ commits: string }>(
    'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
  );
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('stats');
    const commands = Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
    return { commits: Number(rows[0].commits), commands };
  } finally {
    redis.disconnect();
  }
}

// ---- main --------------------------------------------------------------------------------------
async function main() {
  const machine = {
    cores: os.availableParallelism(),
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
  };
  log(`run ${runId}: database ${new URL(databaseUrl).pathname.slice(1)}, Redis prefix ${prefix}`);
  log(`settings ${JSON.stringify(S)}`);

  // Receiver (another process), used by the undici ceiling and as every webhook's target.
  const receiver = forkTs(path.join(import.meta.dirname, 'receiver.ts'), {});
  children.push(receiver);
  const { port: receiverPort } = await nextMessage<{ type: 'ready'; port: number }>(
    receiver,
    'ready',
    30_000,
  );
  const receiverOrigin = `http://127.0.0.1:${receiverPort}`;

  // 1. Ceilings, before anything else runs.
  const undici: UndiciCeiling[] = [];
  for (let run = 0; run < 2; run++) {
    undici.push(await undiciCeiling(receiverOrigin, S.ceilingRequests));
    log(
      `undici ceiling run ${run + 1}: ${fmtInt(undici[run].perSecond)} req/s (${undici[run].errors} errors)`,
    );
  }
  const bull: BullmqCeiling[] = [];
  for (let run = 0; run < 2; run++) {
    bull.push(await bullmqCeiling(REDIS_URL, `${prefix}:ceiling`, S.ceilingJobs));
    log(
      `BullMQ ceiling run ${run + 1}: addBulk ${fmtInt(bull[run].addPerSecond)}/s, no-op c=50 ${fmtInt(bull[run].processPerSecond)}/s`,
    );
  }
  const undiciBest = Math.max(...undici.map((u) => u.perSecond));
  const bullBest = Math.max(...bull.map((b) => b.processPerSecond));
  const addBest = Math.max(...bull.map((b) => b.addPerSecond));

  // 2. Database, API.
  await createDatabase(databaseUrl);
  await migrate(databaseUrl);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  closers.push(() => db.end());
  const versions = {
    postgres: (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
      .rows[0].v,
    redis: await (async () => {
      const r = new Redis(REDIS_URL);
      try {
        return /redis_version:(\S+)/.exec(await r.info('server'))?.[1] ?? 'unknown';
      } finally {
        r.disconnect();
      }
    })(),
  };
  const rootKey = `sbbench_${randomBytes(24).toString('base64url')}`;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    SWITCHBOARD_REDIS_PREFIX: prefix,
    SWITCHBOARD_ALLOWED_TARGETS: '127.0.0.1/32',
    SWITCHBOARD_WORKER_CONCURRENCY: String(S.workerConcurrency),
    LOG_LEVEL: 'warn',
  };
  // The API as src/server.ts's startApi builds it, except that its log lines (level warn) go to
  // stderr and are counted, so a degraded run (e.g. fan-out not enqueued) shows in the report.
  const config = loadConfig({
    ...env,
    SWITCHBOARD_ROOT_KEY: rootKey,
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const apiDb = openDatabase(config.databaseUrl);
  const queues = openQueues(config.redisUrl, config.redisPrefix);
  for (const e of ['close', 'reconnecting', 'end'] as const) {
    queues.redis.on(e, () => {
      apiWarnings.redisEvents.push(`${e}@${((performance.now() - benchStart) / 1000).toFixed(1)}s`);
    });
  }
  const app = await buildApp({
    config,
    db: apiDb,
    queues,
    logger: { level: 'warn', stream: apiLogStream() },
  });
  const { root } = await ensureRootAccount(apiDb, rootKey);
  await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(async () => {
    await app.close();
    await queues.close();
    await apiDb.close();
  });
  const apiPort = (app.server.address() as AddressInfo).port;
  const client = apiClient(`http://127.0.0.1:${apiPort}`);
  const rootId = root.id;
  const readyz = async () => (await client.call('GET', '/readyz', rootKey)).body;
  log(`API on 127.0.0.1:${apiPort}, Postgres ${versions.postgres}, Redis ${versions.redis}`);

  // 3. Ingest, no worker running (fan-out jobs just queue up in Redis).
  const ingestTenant = await createAccount(client, rootKey, rootId, 'bench-ingest');
  await ingest(client, ingestTenant, 'warm-up', 20, BATCH, PUBLISH_IN_FLIGHT, 10_000);
  await ingest(client, ingestTenant, 'warm-up', 200, 1, SINGLE_IN_FLIGHT, 10_000);
  const ingestResults = [
    await ingest(
      client,
      ingestTenant,
      `batches of ${BATCH}, ${PUBLISH_IN_FLIGHT} requests in flight`,
      S.ingestBatchRequests,
      BATCH,
      PUBLISH_IN_FLIGHT,
      20_000,
    ),
    await ingest(
      client,
      ingestTenant,
      `single events, ${SINGLE_IN_FLIGHT} requests in flight`,
      S.ingestSingleRequests,
      1,
      SINGLE_IN_FLIGHT,
      15_000,
    ),
  ];
  for (const r of ingestResults)
    log(
      `ingest ${r.label}: ${fmtInt(r.eventsPerSecond)} events/s, request p50 ${fmtMs(r.p50)} p99 ${fmtMs(r.p99)}`,
    );
  const stored = (
    await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE account_id = $1', [
      ingestTenant.id,
    ])
  ).rows[0].n;
  const answered = 20 * BATCH + 200 + ingestResults.reduce((a, r) => a + r.events, 0);
  if (stored !== answered)
    throw new Error(`ingest: ${answered} events answered 202 but ${stored} in Postgres`);
  log(`ingest: all ${stored} accepted events are in Postgres`);

  // Reset for the delivery run: forget the ingest fan-out jobs and rows.
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  for (const name of [FANOUT_QUEUE, DELIVERY_QUEUE]) {
    const q = new Queue(name, { connection: redis, prefix });
    await q.obliterate({ force: true });
    await q.close();
  }
  redis.disconnect();
  await db.query('TRUNCATE events, deliveries, attempts');

  // 4. End to end.
  const tenant = await createAccount(client, rootKey, rootId, 'bench-deliveries');
  for (let i = 0; i < S.webhooks; i++) {
    // Half Kazoo subscribers of channel_create, half VoIPBIN subscribers of its twin call_created.
    const shape = i % 2 === 0 ? { hook: 'channel_create' } : { event_types: ['call_created'] };
    const res = await client.call('PUT', `/v2/accounts/${tenant.id}/webhooks`, tenant.key, {
      name: `bench-${i}`,
      uri: `${receiverOrigin}/hook/${i}`,
      ...shape,
    });
    if (res.status !== 201)
      throw new Error(`create webhook: ${res.status} ${JSON.stringify(res.body)}`);
  }

  const profileDir = path.join(os.tmpdir(), `switchboard-bench-profile-${runId}`);
  if (S.profile) mkdirSync(profileDir, { recursive: true });
  log(`API /readyz before the delivery run: ${JSON.stringify(await readyz())}`);
  const worker = forkTs(
    path.join(import.meta.dirname, 'worker-process.ts'),
    env,
    S.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  children.push(worker);
  await nextMessage(worker, 'ready', 30_000);
  const workerPid = worker.pid!;
  const idleRss = memory(workerPid)?.rss ?? NaN;
  log(
    `worker pid ${workerPid} ready (RSS ${fmtMiB(idleRss)}), ${S.webhooks} webhooks; publishing ${S.events} events`,
  );

  const meter = cpuMeter({
    'bench + API (this process)': [process.pid],
    'delivery worker': [workerPid],
    receiver: [receiver.pid!],
    [`postgres backends of ${dbName}`]: postgresPidsOf(dbName),
    'postgres shared (WAL writer, checkpointer…)': postgresSharedPids,
    redis: redisPids,
  });
  let rssPeak = 0;
  const rssTimer = setInterval(() => {
    rssPeak = Math.max(rssPeak, memory(workerPid)?.rss ?? 0);
  }, 100);
  closers.push(async () => clearInterval(rssTimer));

  const expected = S.events * S.webhooks;
  worker.send({ cmd: 'mark' });
  const countersBefore = await serverCounters(db);
  meter.start();
  const t0 = performance.now();
  const batches = Math.ceil(S.events / BATCH);
  const publishing = runPool(batches, PUBLISH_IN_FLIGHT, t0 + 30_000, async (i) => {
    await publish(client, tenant, Math.min(BATCH, S.events - i * BATCH));
  }).then(() => performance.now());
  let lastLog = t0;
  const burst = await waitDelivered(db, expected, E2E_CAP_MS, (c) => {
    if (performance.now() - lastLog > 5000) {
      lastLog = performance.now();
      log(`  ${c.delivered}/${expected} delivered (${c.total} created)`);
    }
  });
  const publishedAt = await publishing;
  const cpu = meter.stop();
  const workerStats = await ask<{ type: 'stats'; elu: number; rss: number; heapUsed: number }>(
    worker,
    'stats',
    'stats',
  );
  const burstSeconds = (burst.doneAt - t0) / 1000;
  const deliveriesPerSecond = burst.counts.delivered / burstSeconds;
  const burstPeak = memory(workerPid)?.peak ?? NaN;
  log(
    `burst: ${burst.counts.delivered}/${expected} delivered in ${burstSeconds.toFixed(2)} s = ${fmtInt(deliveriesPerSecond)}/s (failed/skipped ${burst.counts.ended})`,
  );
  const burstLatency = await latencies(db, receiver);
  // Postgres publishes a backend's counters within a second or so of its last transaction.
  await sleep(1500);
  const countersAfter = await serverCounters(db);
  const perDelivery = {
    // Minus this bench's own polls (one per 100 ms) and its few queries.
    commits: (countersAfter.commits - countersBefore.commits - burstSeconds * 10 - 3) / expected,
    commands: (countersAfter.commands - countersBefore.commands) / expected,
  };
  log(
    `per delivery: ${perDelivery.commits.toFixed(2)} Postgres commits, ${perDelivery.commands.toFixed(1)} Redis commands`,
  );

  // 5. Paced: half the burst rate, so latency is measured without a backlog.
  let paced:
    | { rate: number; seconds: number; delivered: number; expected: number; latency: LatencyResult }
    | undefined;
  if (S.pacedSeconds > 0 && burst.counts.delivered === expected) {
    const rate = deliveriesPerSecond / 2;
    const eventsPerTick = Math.max(1, Math.round(rate / S.webhooks / 10));
    const ticks = Math.round(S.pacedSeconds * 10);
    log(
      `paced: ${eventsPerTick} events every 100 ms (${fmtInt(eventsPerTick * 10 * S.webhooks)} deliveries/s) for ${S.pacedSeconds} s`,
    );
    const before = burst.counts.delivered;
    const start = performance.now();
    let published = 0;
    const inFlight: Promise<void>[] = [];
    for (let tick = 0; tick < ticks; tick++) {
      inFlight.push(publish(client, tenant, eventsPerTick).then((n) => void (published += n)));
      await sleep(Math.max(0, start + (tick + 1) * 100 - performance.now()));
    }
    await Promise.all(inFlight);
    const done = await waitDelivered(db, before + published * S.webhooks, 30_000);
    paced = {
      rate: eventsPerTick * 10 * S.webhooks,
      seconds: (done.doneAt - start) / 1000,
      delivered: done.counts.delivered - before,
      expected: published * S.webhooks,
      latency: await latencies(db, receiver),
    };
    log(
      `paced: ${paced.delivered}/${paced.expected} delivered, p50 ${fmtMs(paced.latency.total.p50)} p99 ${fmtMs(paced.latency.total.p99)}`,
    );
  }

  log(`API /readyz after the delivery run: ${JSON.stringify(await readyz())}`);
  const lifetimePeak = memory(workerPid)?.peak ?? NaN;
  const stopped = nextMessage(worker, 'stopped', 20_000).catch(() => undefined);
  worker.send({ cmd: 'stop' });
  await stopped;
  await waitExit(worker, 5000);
  clearInterval(rssTimer);

  // ---- report ----------------------------------------------------------------------------------
  const out: string[] = [];
  const date = new Date().toISOString().slice(0, 10);
  out.push(`## Switchboard benchmark — ${date}`, '');
  out.push(
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memory}, Node ${machine.node}, PostgreSQL ${versions.postgres}, Redis ${versions.redis}.`,
    `Run: ${S.events} events × ${S.webhooks} webhooks = ${expected} deliveries; worker concurrency ${S.workerConcurrency}, its own process${S.profile ? ' (under --cpu-prof)' : ''}; API in the bench process.`,
    '',
  );
  const u = (x: UndiciCeiling) => `${fmtInt(x.perSecond)} req/s`;
  const rows: string[][] = [
    [
      'Ceiling: undici Pool → node:http receiver, signed 200-B POSTs, run 1 (cold)',
      u(undici[0]),
      '',
      '',
    ],
    ['Ceiling: same, run 2 (warm)', u(undici[1]), '', ''],
    ['Ceiling: BullMQ addBulk', `${fmtInt(addBest)} jobs/s`, '', ''],
    [
      'Ceiling: BullMQ no-op processor, concurrency 50 (best of 2)',
      `${fmtInt(bullBest)} jobs/s`,
      '',
      '',
    ],
  ];
  for (const r of ingestResults) {
    rows.push([
      `Ingest: ${r.label}`,
      `${fmtInt(r.eventsPerSecond)} events/s`,
      `request p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)}; CPU: API + client ${r.cpu.api.toFixed(0)} %, Postgres ${r.cpu.postgres.toFixed(0)} %, Redis ${r.cpu.redis.toFixed(0)} % of a core`,
      `${fmtRatio(r.eventsPerSecond, addBest)} of addBulk`,
    ]);
  }
  const fanoutSeconds = burst.fannedOutAt ? (burst.fannedOutAt - t0) / 1000 : NaN;
  const fanoutRate = S.events / fanoutSeconds;
  const afterFanoutRate = burst.fannedOutAt
    ? (burst.counts.delivered - burst.deliveredAtFanout) /
      ((burst.doneAt - burst.fannedOutAt) / 1000)
    : NaN;
  const complete =
    burst.counts.delivered === expected
      ? ''
      : ` (INCOMPLETE: ${burst.counts.delivered}/${expected}, ${burst.counts.ended} failed/skipped)`;
  rows.push(
    [
      `E2E burst: deliveries/s, first publish → all 'delivered'${complete}`,
      `${fmtInt(deliveriesPerSecond)} /s`,
      `${burstSeconds.toFixed(2)} s total; publish done ${((publishedAt - t0) / 1000).toFixed(2)} s, fan-out done ${burst.fannedOutAt ? ((burst.fannedOutAt - t0) / 1000).toFixed(2) : 'n/a'} s`,
      `${fmtRatio(deliveriesPerSecond, undiciBest)} of undici, ${fmtRatio(deliveriesPerSecond, bullBest)} of BullMQ`,
    ],
    [
      'E2E burst: fan-out rate (events turned into delivery rows)',
      `${fmtInt(fanoutRate)} events/s`,
      `= ${fmtInt(fanoutRate * S.webhooks)} deliveries/s created, while delivering`,
      `${fmtRatio(fanoutRate, bullBest)} of BullMQ`,
    ],
    [
      'E2E burst: delivery rate once fan-out had finished',
      `${fmtInt(afterFanoutRate)} /s`,
      `${fmtInt(expected - burst.deliveredAtFanout)} deliveries left when fan-out ended`,
      `${fmtRatio(afterFanoutRate, undiciBest)} of undici, ${fmtRatio(afterFanoutRate, bullBest)} of BullMQ`,
    ],
    [
      'E2E burst: latency event accepted → receiver',
      `p50 ${fmtMs(burstLatency.total.p50)}, p99 ${fmtMs(burstLatency.total.p99)}`,
      `max ${fmtMs(burstLatency.total.max)} (backlog drain)`,
      '',
    ],
    [
      'E2E burst: latency delivery created → receiver',
      `p50 ${fmtMs(burstLatency.fromDelivery.p50)}, p99 ${fmtMs(burstLatency.fromDelivery.p99)}`,
      '',
      '',
    ],
  );
  if (paced) {
    rows.push(
      [
        `E2E paced at ${fmtInt(paced.rate)} deliveries/s for ${S.pacedSeconds} s`,
        `${paced.delivered}/${paced.expected} delivered`,
        '',
        `${fmtRatio(paced.rate, undiciBest)} of undici`,
      ],
      [
        'E2E paced: latency event accepted → receiver',
        `p50 ${fmtMs(paced.latency.total.p50)}, p99 ${fmtMs(paced.latency.total.p99)}`,
        `max ${fmtMs(paced.latency.total.max)}`,
        '',
      ],
    );
  }
  rows.push(
    [
      'E2E burst: work per delivery',
      `${perDelivery.commits.toFixed(2)} Postgres commits, ${perDelivery.commands.toFixed(1)} Redis commands`,
      'pg_stat_database, INFO stats (Redis is shared: other clients count too)',
      `BullMQ ceiling: ${bull[bull.length - 1].redisCommandsPerJob.toFixed(1)} Redis commands per job`,
    ],
    [
      'Worker RSS',
      `peak ${fmtMiB(Math.max(burstPeak, rssPeak))} in burst`,
      `idle ${fmtMiB(idleRss)}, lifetime peak ${fmtMiB(lifetimePeak)}, heap used ${fmtMiB(workerStats.heapUsed)} after burst`,
      '',
    ],
    [
      'Worker CPU in burst',
      `${((cpu.groups['delivery worker'] / cpu.wall) * 100).toFixed(0)} % of a core`,
      `event-loop utilisation ${(workerStats.elu * 100).toFixed(0)} %`,
      '',
    ],
  );
  out.push(markdownTable(['measure', 'result', 'detail', 'ratio to ceiling'], rows), '');
  if (apiWarnings.lines > 0) {
    out.push(
      `**Degraded run:** the API logged ${apiWarnings.lines} warnings (${apiWarnings.fanoutNotEnqueued} × "fan-out not enqueued"; API Redis connection events: ${apiWarnings.redisEvents.join(', ') || 'none'}). Fan-out then waits for the reconciler.`,
      '',
    );
  }

  out.push(
    `**Where the time goes (burst, ${cpu.wall.toFixed(1)} s wall, ${(cpu.wall * machine.cores).toFixed(1)} CPU-s available)**`,
    '',
  );
  const cpuRows = Object.entries(cpu.groups)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => [
      name,
      `${s.toFixed(1)} s`,
      `${((s / cpu.wall) * 100).toFixed(0)} % of a core`,
      fmtRatio(s, cpu.wall * machine.cores),
    ]);
  const ours = Object.values(cpu.groups).reduce((a, b) => a + b, 0);
  // With tick-based accounting (no CONFIG_IRQ_TIME_ACCOUNTING) a softirq tick is charged both to
  // /proc/stat's softirq column and to the process it interrupted, which is mostly one of ours
  // (loopback TCP runs in the sender's context), so softirq is not subtracted a second time.
  const rest = cpu.machineBusy - ours - cpu.steal;
  cpuRows.push(
    [
      'kernel softirq (loopback TCP; mostly inside the rows above)',
      `${cpu.softirq.toFixed(1)} s`,
      '',
      fmtRatio(cpu.softirq, cpu.machineTotal),
    ],
    [
      'steal (hypervisor gave the CPU to another VM)',
      `${cpu.steal.toFixed(1)} s`,
      '',
      fmtRatio(cpu.steal, cpu.machineTotal),
    ],
    [
      'everything else (other processes on this machine)',
      `${rest.toFixed(1)} s`,
      '',
      fmtRatio(rest, cpu.machineTotal),
    ],
  );
  cpuRows.push([
    'whole machine (busy)',
    `${cpu.machineBusy.toFixed(1)} s`,
    '',
    fmtRatio(cpu.machineBusy, cpu.machineTotal),
  ]);
  out.push(markdownTable(['process', 'CPU time', 'average', 'of machine'], cpuRows), '');
  const segments = (l: LatencyResult, label: string) => [
    label,
    `${fmtMs(l.fanout.p50)} / ${fmtMs(l.fanout.p99)}`,
    `${fmtMs(l.queue.p50)} / ${fmtMs(l.queue.p99)}`,
    `${fmtMs(l.http.p50)} / ${fmtMs(l.http.p99)}`,
    `${fmtMs(l.commit.p50)} / ${fmtMs(l.commit.p99)}`,
    `${l.unique}${l.arrivals > l.unique ? ` (+${l.arrivals - l.unique} duplicates)` : ''}`,
  ];
  out.push('**Latency segments, p50 / p99**', '');
  out.push(
    markdownTable(
      [
        'run',
        'event accepted → delivery row (fan-out)',
        'delivery row → attempt start (queue)',
        'attempt start → arrival (HTTP)',
        'arrival → committed delivered',
        'deliveries received',
      ],
      [segments(burstLatency, 'burst'), ...(paced ? [segments(paced.latency, 'paced')] : [])],
    ),
    '',
  );

  if (S.profile) {
    const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
    const mainThread = files
      .map((f) => path.join(profileDir, f))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0]; // the main thread's (tsx's loader thread writes one too)
    out.push(mainThread ? summarise(mainThread, 15) : `(no profile written in ${profileDir})`, '');
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

try {
  await main();
} catch (err) {
  log(`FAILED: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
  log('done');
  process.exit(process.exitCode ?? 0);
}

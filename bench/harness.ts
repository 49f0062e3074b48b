/**
 * What every scenario works with: the settings, a management client for the API (accounts and
 * webhooks, with the root key), the load generator and the receiver (both processes of their
 * own, driven over IPC), the run's database, and the join of publishes with arrivals.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Pool } from 'undici';
import type { PublishLog } from './publish-log.ts';
import { cpuMeter, log, percentile, postgresPidsOf, rpc, waitFor } from './lib.ts';
import type { Cluster } from './processes.ts';

export interface Settings {
  scenarios: string[];
  apis: number;
  workers: number;
  ceilingRequests: number;
  ceilingJobs: number;
  ingestBatches: number;
  ingestSingles: number;
  burstEvents: number;
  burstWebhooks: number;
  ladder: number[];
  /** Offered rates of the intake scenario (BullMQ Queue.add), and seconds per step. */
  intakeLadder: number[];
  intakeSeconds: number;
  /** Accounts the intake's events are spread over (each with one webhook): partitions/shards. */
  intakeAccounts: number;
  /** `shared` (127.0.0.1:6379), `own` (a redis-server of the run's own) or `cluster` (3 masters). */
  redis: string;
  /** Steps of the `cold` scenario (no warm-up). */
  coldLadder: number[];
  stepSeconds: number;
  ladderInFlight: number;
  noisySeconds: number;
  noisyBacklog: number;
  noisyDelayMs: number;
  quietRate: number;
  throttleEvents: number;
  throttleLimit: number;
  settleSeconds: number;
  profile: boolean;
  /** Extra `node` flags for every worker process (BENCH_WORKER_NODE_ARGS). */
  workerNodeArgs: string[];
  /** Extra `node` flags for every API process (BENCH_API_NODE_ARGS). */
  apiNodeArgs: string[];
  keepDb: boolean;
}

/** A target of the issue this bench serves, and whether this run met it (undefined: not measured). */
export interface Target {
  name: string;
  result: string;
  met: boolean | undefined;
}

export interface Section {
  title: string;
  /** Markdown lines. */
  body: string[];
  targets: Target[];
}

export interface Ceilings {
  undiciBest: number;
  addBulkBest: number;
  bullmqBest: number;
  redisCommandsPerJob: number;
}

export interface Context {
  runId: string;
  settings: Settings;
  cluster: Cluster;
  api: ManagementApi;
  load: LoadGenerator;
  receiver: Receiver;
  /** The database the cluster uses, and a small pool on it for checks. */
  db: pg.Pool;
  dbName: string;
  redisUrl: string;
  /** The Redis nodes (`host:port`) behind redisUrl: one, or every master of a cluster. */
  redisNodes: string[];
  /** SWITCHBOARD_REDIS_PREFIX of the cluster under test. */
  redisPrefix: string;
  /** Whether the Redis is the bench's own (its counters are this run's alone). */
  redisOwn: boolean;
  /** The intake producer (bench/intake-producer.ts), when the intake scenario is selected. */
  producer?: IntakeProducer;
  /** Measured earlier in the run, when those scenarios ran. */
  ceilings?: Ceilings;
  singleEventIngest?: number;
  /** A group name unique to this run: event ids `<group>-<n>`. */
  group(name: string): string;
  /** http://127.0.0.1:<port> + path on the receiver. */
  hookUri(path: string): string;
}

// ---- the API, as a tenant's operator uses it -----------------------------------------------------

export type ManagementApi = Awaited<ReturnType<typeof managementApi>>;

export type WebhookShape = ({ hook: string } | { event_types: string[] }) & {
  ordering?: 'none' | 'call';
};

/** Accounts and webhooks through the public API, with the root key. */
export async function managementApi(origin: string, rootKey: string) {
  const pool = new Pool(origin, { connections: 4, keepAliveTimeout: 30_000 });
  async function call(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, data?: unknown) {
    const res = await pool.request({
      method,
      path,
      headers: {
        'x-auth-token': rootKey,
        ...(data === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: data === undefined ? undefined : JSON.stringify({ data }),
    });
    const text = await res.body.text();
    let body: { data?: Record<string, unknown>; message?: string } | undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = { message: text.slice(0, 200) };
    }
    return { status: res.statusCode, body };
  }
  const auth = await call('PUT', '/v2/api_auth', { api_key: rootKey });
  const rootId = auth.body?.data?.account_id as string | undefined;
  if (auth.status !== 201 && auth.status !== 200)
    throw new Error(`api_auth: ${auth.status} ${JSON.stringify(auth.body)}`);
  if (!rootId) throw new Error(`api_auth: no account_id in ${JSON.stringify(auth.body)}`);

  return {
    call,
    rootId,
    async createTenant(name: string): Promise<string> {
      const res = await call('PUT', `/v2/accounts/${rootId}`, { name });
      if (res.status !== 201)
        throw new Error(`create account: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body?.data?.id as string;
    },
    /** Creates a webhook; answers the raw response so callers can tell a 400 from a 201. */
    createWebhook(account: string, fields: Record<string, unknown>) {
      return call('PUT', `/v2/accounts/${account}/webhooks`, fields);
    },
    async webhook(
      account: string,
      name: string,
      uri: string,
      shape: WebhookShape = { hook: 'channel_create' },
    ): Promise<string> {
      const res = await call('PUT', `/v2/accounts/${account}/webhooks`, { name, uri, ...shape });
      if (res.status !== 201)
        throw new Error(`create webhook: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body?.data?.id as string;
    },
    async deleteWebhook(account: string, id: string): Promise<number> {
      return (await call('DELETE', `/v2/accounts/${account}/webhooks/${id}`)).status;
    },
    close: () => pool.close(),
  };
}

// ---- the bench's child processes -------------------------------------------------------------------

export type LoadGenerator = ReturnType<typeof loadGenerator>;

export function loadGenerator(child: ChildProcess) {
  return {
    child,
    init: (origins: string[], key: string, connections: number) =>
      rpc(child, 'init', { origins, key, connections }),
    paced: (
      streams: { account: string; rate: number; group: string }[],
      seconds: number,
      maxInFlight: number,
    ) =>
      rpc<PublishLog>(child, 'paced', { streams, seconds, maxInFlight }, seconds * 1000 + 120_000),
    count: (opts: {
      account: string;
      group: string;
      requests: number;
      eventsPerRequest: number;
      inFlight: number;
      seconds: number;
      /** 3: consecutive events are one call's create, answer, destroy (bench/load.ts). */
      callPhases?: number;
    }) => rpc<PublishLog>(child, 'count', opts, opts.seconds * 1000 + 120_000),
  };
}

export interface Arrivals {
  path: string[];
  id: string[];
  at: number[];
  webhookId: string[];
}

export type IntakeProducer = ReturnType<typeof intakeProducer>;

/** bench/intake-producer.ts: BullMQ `Queue.add`, one job per call, at a constant rate. */
export function intakeProducer(child: ChildProcess) {
  return {
    child,
    init: (redisUrl: string, prefix: string, queue: string) =>
      rpc(child, 'init', { redisUrl, prefix, queue }),
    paced: (opts: {
      accounts: string[];
      group: string;
      rate: number;
      seconds: number;
      maxInFlight: number;
    }) => rpc<PublishLog>(child, 'paced', opts, opts.seconds * 1000 + 120_000),
  };
}

/**
 * The intake path's unreported warm-up, shared by the intake ladder and its floor: 2 s of adds at
 * 100/s, then a wait (up to `timeoutMs`) until `through()` counts every accepted one. Returns what
 * was accepted and what came through, for the caller to judge.
 */
export async function warmUpIntake(opts: {
  producer: IntakeProducer;
  accounts: string[];
  group: string;
  maxInFlight: number;
  through: () => Promise<number>;
  timeoutMs: number;
}): Promise<{ accepted: number; through: number; errors: string[] }> {
  const warm = await opts.producer.paced({
    accounts: opts.accounts,
    group: opts.group,
    rate: 100,
    seconds: 2,
    maxInFlight: opts.maxInFlight,
  });
  const accepted = acceptedEvents(warm);
  await waitFor(async () => (await opts.through()) >= accepted, opts.timeoutMs, 100);
  return { accepted, through: await opts.through(), errors: warm.errors };
}

export type Receiver = ReturnType<typeof receiver>;

export function receiver(child: ChildProcess, origin: string) {
  const counts = (groups: string[]) =>
    rpc<Record<string, { unique: number; total: number }>>(child, 'counts', { groups });
  return {
    child,
    origin,
    counts,
    /** Deliveries of `group` received so far, each (path, event) once. */
    unique: async (group: string) => (await counts([group]))[group].unique,
    arrivals: (group: string) => rpc<Arrivals>(child, 'arrivals', { group }, 60_000),
    forget: (group: string) => rpc(child, 'forget', { group }),
    release: () => rpc(child, 'release'),
    hold: () => rpc(child, 'hold'),
    slowPeak: () => rpc<{ slowPeak: number; held: number }>(child, 'slowPeak'),
  };
}

// ---- joining publishes with arrivals -----------------------------------------------------------

/**
 * When each accepted event's request was due: event id → its scheduled send time (shared clock,
 * ms). Latencies are measured from when a request should have gone out, not from when the load
 * generator got round to sending it: a send held back by the in-flight limit (or a busy generator)
 * waited because the server was slow, and measuring from the actual send would hide that wait
 * (coordinated omission). For closed-loop runs `due` is the send time.
 */
export function sendTimes(log: PublishLog): Map<string, number> {
  const sent = new Map<string, number>();
  for (let r = 0; r < log.start.length; r++) {
    if (log.status[r] !== 202) continue;
    for (let k = 0; k < log.events[r]; k++)
      sent.set(`${log.group[r]}-${log.seq[r] + k}`, log.due[r]);
  }
  return sent;
}

export interface Latency {
  /** Deliveries expected: accepted events × webhooks per event. */
  expected: number;
  /** Distinct deliveries (path, event) that arrived by the deadline. */
  delivered: number;
  /** Arrivals beyond one per delivery (at-least-once duplicates). */
  duplicates: number;
  /** Publish sent → first arrival, ms; a delivery missing at the deadline counts as Infinity. */
  p50: number;
  p99: number;
  max: number;
  /** The arrival times of first arrivals (shared clock), for rates. */
  firstArrivals: number[];
  /**
   * p99 of the deliveries of events scheduled in each second of the step (from the first
   * scheduled send): where in a step its p99 comes from, e.g. a cold first second.
   */
  p99BySecond: number[];
}

/**
 * Publish → receiver latency of every expected delivery: the first arrival of each (path, event)
 * by `deadline`, minus the start of the request that published the event. Deliveries that did not
 * arrive count as Infinity, so a p99 is never flattered by what is missing.
 */
export function latency(
  log: PublishLog,
  arrivals: Arrivals,
  webhooksPerEvent: number,
  deadline = Infinity,
): Latency {
  const sent = sendTimes(log);
  const first = new Map<string, number>();
  for (let i = 0; i < arrivals.at.length; i++) {
    if (!sent.has(arrivals.id[i]) || arrivals.at[i] > deadline) continue;
    const key = `${arrivals.path[i]}|${arrivals.id[i]}`;
    const seen = first.get(key);
    if (seen === undefined || arrivals.at[i] < seen) first.set(key, arrivals.at[i]);
  }
  const values: number[] = [];
  let start = Infinity;
  for (const scheduled of sent.values()) start = Math.min(start, scheduled);
  const bySecond: number[][] = [];
  const inSecond = (scheduled: number) => (bySecond[Math.floor((scheduled - start) / 1000)] ??= []);
  const delivered = new Map<string, number>();
  for (const [key, at] of first) {
    const id = key.slice(key.indexOf('|') + 1);
    const value = at - sent.get(id)!;
    values.push(value);
    inSecond(sent.get(id)!).push(value);
    delivered.set(id, (delivered.get(id) ?? 0) + 1);
  }
  const expected = sent.size * webhooksPerEvent;
  for (let i = values.length; i < expected; i++) values.push(Infinity);
  // Deliveries still missing count as Infinity in their event's second too.
  for (const [id, scheduled] of sent) {
    for (let k = delivered.get(id) ?? 0; k < webhooksPerEvent; k++)
      inSecond(scheduled).push(Infinity);
  }
  const matching = arrivals.id.filter((id) => sent.has(id)).length;
  return {
    expected,
    delivered: first.size,
    duplicates: matching - first.size,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: percentile(values, 100),
    firstArrivals: [...first.values()],
    p99BySecond: Array.from(bySecond, (v) => (v ? percentile(v, 99) : NaN)),
  };
}

/** A step's p99 by second as one line: "1,000/s: 452 120 31 …" (ms; ∞ = something undelivered). */
export function bySecondLine(rate: number, p99BySecond: number[]): string {
  const values = p99BySecond.map((v) => (Number.isFinite(v) ? String(Math.round(v)) : '∞'));
  return `${rate.toLocaleString('en-US')}/s: ${values.join(' ')}`;
}

/**
 * Request time of the answered requests, ms: from the scheduled send time to the answer (see
 * sendTimes), and `sentP99` from the actual send, for comparison with earlier reports.
 */
export function requestTimes(log: PublishLog) {
  const values: number[] = [];
  const fromSent: number[] = [];
  let errors = 0;
  for (let r = 0; r < log.start.length; r++) {
    if (log.status[r] === 202) {
      values.push(log.end[r] - log.due[r]);
      fromSent.push(log.end[r] - log.start[r]);
    } else errors++;
  }
  return {
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: percentile(values, 100),
    sentP99: percentile(fromSent, 99),
    errors,
  };
}

export const acceptedEvents = (log: PublishLog) => log.accepted.reduce((a, b) => a + b, 0);

/**
 * Why a paced step failed (empty when it passed): its rate was not offered (under 95 % sent),
 * sends failed, something accepted did not come through by the step's deadline, or the p99 missed
 * its target. One rule for every ladder (REST, intake, the intake's floor).
 */
export function stepFailures(s: {
  rate: number;
  seconds: number;
  offered: number;
  /** Sends refused or failed, and what a failed send is called ("publish", "add"). */
  errors: number;
  sends: string;
  /** What came through by the deadline, of what was accepted, and what arriving is called. */
  through: number;
  accepted: number;
  arrived: string;
  p99: number;
  p99TargetMs: number;
}): string[] {
  const why: string[] = [];
  if (s.offered < 0.95 * s.rate * s.seconds) why.push('rate not offered');
  if (s.errors > 0) why.push(`${s.errors} ${s.sends} errors`);
  if (s.through < s.accepted) why.push(`${s.accepted - s.through} not ${s.arrived} in 10 s`);
  if (!(s.p99 <= s.p99TargetMs)) why.push(`p99 > ${s.p99TargetMs} ms`);
  return why;
}

// ---- Postgres checks -------------------------------------------------------------------------------

/**
 * Deliveries not yet ended in the run's database, or undefined if the schema has no such
 * column (the bench reads Postgres only for checks, never to drive the engine).
 */
export async function pendingDeliveries(db: pg.Pool): Promise<number | undefined> {
  try {
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deliveries WHERE status NOT IN ('delivered', 'failed', 'skipped')",
    );
    return rows[0].n;
  } catch {
    return undefined;
  }
}

/**
 * Waits (bounded) until the run's database has no delivery left to send, so one scenario's
 * backlog does not slow the next. Answers how many were still pending.
 */
export async function settle(ctx: Context, after: string): Promise<number | undefined> {
  let pending = await pendingDeliveries(ctx.db);
  if (!pending) return pending;
  log(
    `${after}: waiting for ${pending} pending deliveries (up to ${ctx.settings.settleSeconds} s)`,
  );
  await waitFor(
    async () => (pending = await pendingDeliveries(ctx.db)) === 0,
    ctx.settings.settleSeconds * 1000,
    500,
  );
  if (pending) log(`${after}: ${pending} deliveries still pending; going on`);
  return pending;
}

/** The rows of a publish log that belong to one stream (a paced run with several streams). */
export function onlyStream(log: PublishLog, stream: number): PublishLog {
  const keep = log.stream.map((s, i) => (s === stream ? i : -1)).filter((i) => i >= 0);
  const pick = <T>(column: T[]) => keep.map((i) => column[i]);
  return {
    ...log,
    stream: pick(log.stream),
    group: pick(log.group),
    seq: pick(log.seq),
    events: pick(log.events),
    due: pick(log.due),
    start: pick(log.start),
    end: pick(log.end),
    status: pick(log.status),
    accepted: pick(log.accepted),
  };
}

/** Several groups' arrivals as one. */
export function mergeArrivals(list: Arrivals[]): Arrivals {
  return {
    path: list.flatMap((a) => a.path),
    id: list.flatMap((a) => a.id),
    at: list.flatMap((a) => a.at),
    webhookId: list.flatMap((a) => a.webhookId),
  };
}

/** CPU of the cluster's API processes, its workers and the run's Postgres backends. */
export function clusterCpu(ctx: Context) {
  const meter = cpuMeter({
    api: ctx.cluster.apis.map((p) => p.pid),
    workers: ctx.cluster.workers.map((p) => p.pid),
    postgres: postgresPidsOf([ctx.dbName]),
  });
  return {
    /** CPU milliseconds per unit of work (event or delivery) since the meter started. */
    stop(units: number) {
      const cpu = meter.stop();
      const per = (name: string) => (cpu.groups[name] * 1000) / units;
      return { api: per('api'), workers: per('workers'), postgres: per('postgres') };
    },
  };
}

export const fmtCpuPer = (c: { api: number; workers: number; postgres: number }) =>
  [c.api, c.workers, c.postgres]
    .map((v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a'))
    .join(' / ');

/** Counters that tell how much work one delivery costs: Postgres transactions, Redis commands. */
export async function serverCounters(db: pg.Pool, redisNodes: string[]) {
  const { rows } = await db.query<{ commits: string }>(
    'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
  );
  let commands = 0;
  for (const node of redisNodes) {
    const colon = node.lastIndexOf(':');
    const redis = new Redis({
      host: node.slice(0, colon),
      port: Number(node.slice(colon + 1)),
      maxRetriesPerRequest: 1,
    });
    try {
      const info = await redis.info('stats');
      commands += Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
    } finally {
      redis.disconnect();
    }
  }
  return { commits: Number(rows[0].commits), commands };
}

// ---- Redis: commands and CPU per node ------------------------------------------------------------

/** One Redis node's counters: calls per command (INFO commandstats) and CPU seconds (INFO cpu). */
export interface RedisNodeStats {
  node: string;
  calls: Record<string, number>;
  /** used_cpu_sys + used_cpu_user, seconds (the server's main thread and its helpers). */
  cpu: number;
}

/** INFO commandstats and INFO cpu of each node (`host:port`), read at once. */
export async function redisNodeStats(nodes: string[]): Promise<RedisNodeStats[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const [host, port] = [
        node.slice(0, node.lastIndexOf(':')),
        node.slice(node.lastIndexOf(':') + 1),
      ];
      const redis = new Redis({ host, port: Number(port), maxRetriesPerRequest: 1 });
      try {
        const stats = await redis.info('commandstats');
        const cpu = await redis.info('cpu');
        const calls: Record<string, number> = {};
        for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
          calls[m[1]] = Number(m[2]);
        const field = (name: string) =>
          Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? NaN);
        return { node, calls, cpu: field('used_cpu_sys') + field('used_cpu_user') };
      } finally {
        redis.disconnect();
      }
    }),
  );
}

/** What each node did between two readings: calls per command, and CPU seconds. */
export function redisDelta(before: RedisNodeStats[], after: RedisNodeStats[]) {
  return after.map((a, i) => {
    const b = before[i];
    const calls: Record<string, number> = {};
    for (const [cmd, n] of Object.entries(a.calls)) {
      const d = n - (b.calls[cmd] ?? 0);
      if (d > 0) calls[cmd] = d;
    }
    return {
      node: a.node,
      calls,
      total: Object.values(calls).reduce((x, y) => x + y, 0),
      cpu: a.cpu - b.cpu,
    };
  });
}
export type RedisNodeDelta = ReturnType<typeof redisDelta>[number];

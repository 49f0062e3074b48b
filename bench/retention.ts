/**
 * One retention pass over a large log, and publishing while it runs. Seeds BENCH_RET_ATTEMPTS
 * attempts (default 10,000,000; 2 per delivery, 2 deliveries per event, as bench/log-search.ts)
 * spread evenly over the 31 days before today and today so far, in its own database; then
 * publishes one event per request through the API (app.inject, in process: validation, auth,
 * fan-out, the publish statement, the scheduler's Redis) at BENCH_RET_RATE requests/s, first
 * alone, then while ONE retention pass runs with a retention of 30 days as of today 00:00 UTC —
 * so both designs have exactly one day to remove (day −31). Reports the pass's wall time, the
 * rows and partitions it removed, and publish latency p50 / p99 / max before and during it.
 *
 * It runs against the checkout it is in: the row-delete design (before day partitions: deletes
 * ended events in batches of 1,000, cascading to deliveries and attempts, for at most 60 s per
 * pass) or the day-partition design (drops the day's three partitions). Not a test: run by hand,
 * `tsx bench/retention.ts`, and record the result in BENCHMARKS.md.
 * Settings: BENCH_RET_ATTEMPTS, BENCH_RET_RATE (default 50), BENCH_RET_BASELINE_S (default 20),
 * BENCH_RET_DB (default switchboard_retention, dropped and recreated), BENCH_RET_ADMIN_URL,
 * REDIS_URL (the scheduler's lines go under a prefix of their own, deleted after),
 * BENCH_RET_PHASE: `seed` (seed only), `measure` (measure a database seeded earlier, the same
 * UTC day), or both (default) — so two databases can be seeded side by side and measured one
 * after the other. BENCH_RET_AS_OF_DAYS: days added to "today" for the pass (measure a database
 * again: 1 removes day −30, which the first pass left).
 */
import os from 'node:os';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { purgeExpired } from '../src/delivery/retention.ts';
import { ALL_SCOPES } from '../src/domain/scopes.ts';
import { redisConnection } from '../src/redis.ts';
import { openDatabase } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { scopedAccount } from '../src/store/scoped.ts';
import { stores } from '../src/store/stores.ts';
import { hasDayPartitions, seedLog } from './seed-log.ts';
import {
  envInt,
  fmtInt,
  freshDatabase,
  loadAverage,
  log,
  markdownTable,
  percentile,
  sleep,
} from './lib.ts';

const ADMIN_URL =
  process.env.BENCH_RET_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const DB_NAME = process.env.BENCH_RET_DB ?? 'switchboard_retention';
const ATTEMPTS = envInt('BENCH_RET_ATTEMPTS', 10_000_000);
const RATE = envInt('BENCH_RET_RATE', 50);
const BASELINE_MS = envInt('BENCH_RET_BASELINE_S', 20) * 1000;
const EVENTS = Math.floor(ATTEMPTS / 4);
const RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

/** Today 00:00 UTC: the pass runs "as of" it, so day −31 is the one day past retention. */
const TODAY = new Date(
  new Date(Date.now() + envInt('BENCH_RET_AS_OF_DAYS', 0) * 86_400_000).toISOString().slice(0, 10) +
    'T00:00:00Z',
);
const FIRST = new Date(TODAY.getTime() - 31 * DAY_MS);

/**
 * The seeded rows of the three tables (and keys, when there is a key table) — not the events
 * this run publishes — and the day partitions.
 */
async function census(pool: pg.Pool, partitioned: boolean) {
  const count = async (sql: string) => Number((await pool.query(sql)).rows[0].n);
  const seeded = "NOT LIKE 'bench-%'";
  return {
    events: await count(`SELECT count(*) AS n FROM events WHERE id ${seeded}`),
    deliveries: await count(`SELECT count(*) AS n FROM deliveries WHERE event_id ${seeded}`),
    attempts: await count(`SELECT count(*) AS n FROM attempts`),
    keys: partitioned ? await count(`SELECT count(*) AS n FROM event_keys WHERE id ${seeded}`) : 0,
    partitions: partitioned
      ? await count(
          `SELECT count(*) AS n FROM pg_inherits
           WHERE inhparent IN ('events'::regclass, 'deliveries'::regclass, 'attempts'::regclass)`,
        )
      : 0,
  };
}

async function main() {
  const phase = process.env.BENCH_RET_PHASE ?? 'all';
  let url: string;
  if (phase === 'measure') {
    const seeded = new URL(ADMIN_URL);
    seeded.pathname = `/${DB_NAME}`;
    url = seeded.toString();
  } else {
    url = await freshDatabase(ADMIN_URL, DB_NAME);
    await migrate(url);
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const partitioned = await hasDayPartitions(client);
  const design = partitioned ? 'day partitions' : 'row deletes';
  log(`design: ${design}`);
  const t0 = Date.now();
  if (phase !== 'measure') {
    await seedLog(client, { events: EVENTS, from: FIRST, to: new Date() });
    await client.query('CHECKPOINT');
  }
  const seedSeconds = (Date.now() - t0) / 1000;
  await client.end();
  if (phase === 'seed') {
    console.log(`seeded ${DB_NAME} (${design}) in ${seedSeconds.toFixed(0)} s`);
    return;
  }

  const prefix = `bench-retention-${process.pid}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: url,
    SWITCHBOARD_REDIS_PREFIX: prefix,
    SWITCHBOARD_RETENTION_DAYS: String(RETENTION_DAYS),
    LOG_LEVEL: 'silent',
  });
  const db = openDatabase(url, 10);
  const redis = redisConnection(config.redisUrl, false);
  const app = await buildApp({ config, db, redis, logger: false });
  await app.ready();
  const s = stores(db);
  const big = await db.prisma.account.findUniqueOrThrow({ where: { id: 'big' } });
  const { key } = await s.apiKeys.create(scopedAccount(big), { name: 'bench', scopes: ALL_SCOPES });

  // Publishing at RATE requests/s, open loop: a slow request does not delay the next one.
  let n = 0;
  const latencies: { at: number; end: number; ms: number }[] = [];
  const failures: string[] = [];
  let publishing = true;
  async function publishOne() {
    const i = n++;
    const started = performance.now();
    const res = await app.inject({
      method: 'POST',
      url: '/v2/accounts/big/events',
      headers: { 'x-auth-token': key },
      payload: {
        data: { type: 'channel_create', id: `bench-${i}`, payload: { call_id: `c-${i}` } },
      },
    });
    latencies.push({ at: started, end: performance.now(), ms: performance.now() - started });
    if (res.statusCode !== 202) failures.push(`${res.statusCode} ${res.body.slice(0, 200)}`);
  }
  const inFlight = new Set<Promise<void>>();
  const load = (async () => {
    const every = 1000 / RATE;
    let next = performance.now();
    while (publishing) {
      const p = publishOne().finally(() => inFlight.delete(p));
      inFlight.add(p);
      next += every;
      await sleep(Math.max(0, next - performance.now()));
    }
    await Promise.all(inFlight);
  })();

  const before = await census(db.pool, partitioned);
  log(`baseline: publishing alone for ${BASELINE_MS / 1000} s`);
  const baselineFrom = performance.now();
  await sleep(BASELINE_MS);
  const passFrom = performance.now();
  log('retention pass');
  // The row-delete design's pass takes the retention store; the partition design's, both stores.
  // Each retention store call timed (how long a day's drop, a batch of deletes, takes).
  const calls = new Map<string, { n: number; ms: number }>();
  const retention = Object.fromEntries(
    Object.entries(s.retention).map(([name, call]) => [
      name,
      async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await (call as (...a: unknown[]) => Promise<unknown>)(...args);
        } finally {
          const c = calls.get(name) ?? { n: 0, ms: 0 };
          calls.set(name, { n: c.n + 1, ms: c.ms + performance.now() - started });
        }
      },
    ]),
  ) as typeof s.retention;
  const result: unknown = partitioned
    ? await purgeExpired({ ...s, retention }, RETENTION_DAYS, TODAY)
    : await (purgeExpired as unknown as (r: unknown, d: number, now: Date) => Promise<number>)(
        retention,
        RETENTION_DAYS,
        TODAY,
      );
  const passTo = performance.now();
  publishing = false;
  await load;
  const after = await census(db.pool, partitioned);
  log(`pass: ${((passTo - passFrom) / 1000).toFixed(2)} s, ${JSON.stringify(result)}`);

  // A request belongs to the pass if it was in flight at any moment of it.
  const during = latencies.filter((l) => l.end >= passFrom && l.at < passTo).map((l) => l.ms);
  const alone = latencies.filter((l) => l.at >= baselineFrom && l.end < passFrom).map((l) => l.ms);
  const row = (name: string, values: number[]) => [
    name,
    fmtInt(values.length),
    percentile(values, 50).toFixed(1),
    percentile(values, 99).toFixed(1),
    Math.max(...values).toFixed(1),
  ];
  const removed = (k: keyof typeof before) => fmtInt(before[k] - after[k]);
  const out = [
    `retention (${design}): ${fmtInt(ATTEMPTS)} attempts, ${fmtInt(EVENTS)} events over 31 days + today; ${phase === 'measure' ? 'seeded beforehand' : `seeded in ${seedSeconds.toFixed(0)} s`}`,
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; load average ${loadAverage()}; ${new Date().toISOString()}`,
    '',
    `one pass (retention ${RETENTION_DAYS} days as of ${TODAY.toISOString()}): ${((passTo - passFrom) / 1000).toFixed(2)} s; ` +
      `removed ${removed('events')} events, ${removed('deliveries')} deliveries, ${removed('attempts')} attempts` +
      (partitioned ? `, ${removed('partitions')} partitions, ${removed('keys')} event keys` : '') +
      `; left ${fmtInt(after.attempts)} attempts`,
    `pass result: ${JSON.stringify(result)}`,
    `store calls: ${[...calls].map(([name, c]) => `${name} ${c.n}× ${(c.ms / 1000).toFixed(2)} s`).join(', ')}`,
    '',
    markdownTable(
      [
        `publish, 1 event per request at ${RATE}/s (app.inject)`,
        'requests',
        'p50 ms',
        'p99 ms',
        'max ms',
      ],
      [row('alone (before the pass)', alone), row('in flight during the pass', during)],
    ),
    failures.length ? `\n${failures.length} publishes failed, first: ${failures[0]}` : '',
  ];
  await app.close();
  // The scheduler's lines this run pushed to (nobody delivers them): gone with the run.
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
  await db.close();
  console.log(out.join('\n'));
}

await main();

/**
 * The searchable delivery log over a large attempts table: seeds BENCH_LOG_ATTEMPTS attempts
 * (default 10,000,000; 2 per delivery, 2 deliveries per event) with generate_series in its own
 * database, then times filtered pages of 50 through the same store calls the API makes
 * (GET …/webhooks/attempts, GET …/events), reporting p50 / p99 / max per filter. Not a test:
 * run it by hand, `tsx bench/log-search.ts`, and record the result in BENCHMARKS.md.
 * Settings: BENCH_LOG_ATTEMPTS, BENCH_LOG_PAGES (pages per filter, default 200),
 * BENCH_LOG_DB (default switchboard_logsearch, dropped and recreated), BENCH_LOG_ADMIN_URL.
 */
import os from 'node:os';
import pg from 'pg';
import { openDatabase } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { stores } from '../src/store/stores.ts';
import { seedLog } from './seed-log.ts';
import type { LogFilter } from '../src/domain/log-filter.ts';

const ADMIN_URL =
  process.env.BENCH_LOG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const DB_NAME = process.env.BENCH_LOG_DB ?? 'switchboard_logsearch';
const ATTEMPTS = Number(process.env.BENCH_LOG_ATTEMPTS ?? 10_000_000);
const PAGES = Number(process.env.BENCH_LOG_PAGES ?? 200);
const PAGE = 50;
const EVENTS = Math.floor(ATTEMPTS / 4);
const SPAN_MS = 30 * 86_400_000;

const log = (...args: unknown[]) => console.error(new Date().toISOString(), ...args);

async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const url = await freshDatabase();
  await migrate(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const t0 = Date.now();
  await seedLog(client, { events: EVENTS, from: new Date(Date.now() - SPAN_MS), to: new Date() });
  const seedSeconds = (Date.now() - t0) / 1000;
  await client.end();

  const db = openDatabase(url, 2);
  const s = stores(db);
  const now = Date.now();
  const rand = (n: number) => Math.floor(Math.random() * n);
  const bigEvent = () => {
    let i = 1 + rand(EVENTS);
    if (i % 5 === 0) i++;
    return i;
  };
  const hour = (): LogFilter => {
    const to = now - rand(SPAN_MS);
    return { createdFrom: new Date(to - 3_600_000), createdTo: new Date(to) };
  };
  const attempts = (filter: () => LogFilter, webhookId?: string) => () =>
    s.attempts.list({ accountId: 'big', webhookId, filter: filter(), take: PAGE + 1 });
  const scenarios: [string, () => Promise<unknown>][] = [
    ['attempts: no filter', attempts(() => ({}))],
    ['attempts: result=failure', attempts(() => ({ result: 'failure' }))],
    ['attempts: result=success (90 %)', attempts(() => ({ result: 'success' }))],
    ['attempts: status_code=200 (90 %)', attempts(() => ({ statusCode: 200 }))],
    ['attempts: status_code=503', attempts(() => ({ statusCode: 503 }))],
    ['attempts: status_code=404 (0.5 %)', attempts(() => ({ statusCode: 404 }))],
    ['attempts: error_code=tls (0.5 %)', attempts(() => ({ errorCode: 'tls' }))],
    ['attempts: event_type=channel_destroy', attempts(() => ({ eventType: 'channel_destroy' }))],
    ['attempts: event_id (random)', attempts(() => ({ eventId: `e${bigEvent()}` }))],
    ['attempts: call_id (random)', attempts(() => ({ callId: `call-${bigEvent()}` }))],
    ['attempts: one hour (random)', attempts(hour)],
    [
      'attempts: failure + event_type + one hour',
      attempts(() => ({ ...hour(), result: 'failure', eventType: 'sms' })),
    ],
    [
      'attempts of one webhook: status_code=503',
      attempts(() => ({ statusCode: 503 }), 'hook-big-0'),
    ],
    [
      'events: no filter',
      () => s.events.list({ accountId: 'big', callerId: 'big', filter: {}, take: PAGE + 1 }),
    ],
    [
      'events: call_id (random)',
      () =>
        s.events.list({
          accountId: 'big',
          callerId: 'big',
          filter: { callId: `call-${bigEvent()}` },
          take: PAGE + 1,
        }),
    ],
    [
      'events: type=sms, state=failed',
      () =>
        s.events.list({
          accountId: 'big',
          callerId: 'big',
          filter: { eventType: 'sms' },
          state: 'failed',
          take: PAGE + 1,
        }),
    ],
  ];
  const out: string[] = [
    `log-search: ${ATTEMPTS.toLocaleString('en')} attempts, ${EVENTS.toLocaleString('en')} events; seeded in ${seedSeconds.toFixed(0)} s`,
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${os.loadavg()[0].toFixed(2)}; ${new Date().toISOString()}`,
    '',
    '| filter (pages of 50, account with 80 % of rows) | p50 ms | p99 ms | max ms |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const [name, run] of scenarios) {
    await run(); // warm
    const times: number[] = [];
    for (let i = 0; i < PAGES; i++) {
      const started = process.hrtime.bigint();
      await run();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    const row = `| ${name} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 99).toFixed(1)} | ${times[times.length - 1].toFixed(1)} |`;
    log(row);
    out.push(row);
  }
  await db.close();
  console.log(out.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

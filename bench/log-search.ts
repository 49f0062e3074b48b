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
import type { LogFilter } from '../src/domain/log-filter.ts';

const ADMIN_URL =
  process.env.BENCH_LOG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const DB_NAME = process.env.BENCH_LOG_DB ?? 'switchboard_logsearch';
const ATTEMPTS = Number(process.env.BENCH_LOG_ATTEMPTS ?? 10_000_000);
const PAGES = Number(process.env.BENCH_LOG_PAGES ?? 200);
const PAGE = 50;
const EVENTS = Math.floor(ATTEMPTS / 4);
const SPAN_MS = 30 * 86_400_000;
const TYPES = ['channel_create', 'channel_answer', 'channel_destroy', 'sms', 'doc_edited'];

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

/**
 * Rows by generate_series, indexes dropped while loading and built again after (as a restore
 * does). Event i is account "big" for 4 of 5 events, else one of 100 other accounts; its time
 * walks back over 30 days; each event has deliveries to two webhooks, each delivery two tries;
 * 90 % of tries succeed, the rest are 503 (5 %), 404 (0.5 %), timeouts (2 %), refusals (2 %), TLS
 * (0.5 %).
 */
async function seed(client: pg.Client): Promise<void> {
  const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('events', 'deliveries', 'attempts')
       AND indexname NOT LIKE '%_pkey'`,
  );
  for (const i of indexes) await client.query(`DROP INDEX ${i.indexname}`);
  await client.query(`SET session_replication_role = replica`); // no FK checks while loading
  await client.query(
    `INSERT INTO accounts (id, name, tree) SELECT a, a, ARRAY[a]
     FROM (SELECT 'big' AS a UNION ALL SELECT 'other' || n FROM generate_series(1, 100) n) s`,
  );
  await client.query(
    `INSERT INTO webhooks (id, account_id, name, uri, hook, event_types, secret)
     SELECT 'hook-' || a.id || '-' || n, a.id, 'hook', 'http://127.0.0.1:9/', 'all', '{}', 'whsec_x'
     FROM accounts a, generate_series(0, 1) n`,
  );
  log(`seeding ${EVENTS} events`);
  await client.query(
    `INSERT INTO events (account_id, id, type, payload, call_id, created, fanned_out_at)
     SELECT CASE WHEN i % 5 = 0 THEN 'other' || (i % 100 + 1) ELSE 'big' END, 'e' || i,
            (ARRAY['${TYPES.join("','")}'])[i % ${TYPES.length} + 1], '{}',
            CASE WHEN i % ${TYPES.length} < 3 THEN 'call-' || i END,
            now() - (i::float8 / $1 * ${SPAN_MS}) * interval '1 millisecond', now()
     FROM generate_series(1, $1) i`,
    [EVENTS],
  );
  log('seeding deliveries');
  await client.query(
    `INSERT INTO deliveries (id, event_account_id, event_id, webhook_id, account_id, status, tries, created, modified)
     SELECT 'd' || e.id || '-' || n, e.account_id, e.id, 'hook-' || e.account_id || '-' || n, e.account_id,
            CASE WHEN hashint4(n + substr(e.id, 2)::int * 2) % 10 = 0 THEN 'failed' ELSE 'delivered' END,
            2, e.created, e.created
     FROM events e, generate_series(0, 1) n`,
  );
  log(`seeding ${ATTEMPTS} attempts`);
  await client.query(
    `INSERT INTO attempts (id, delivery_id, webhook_id, account_id, event_id, hook_event, uri, method,
       req_headers, req_body, resp_status_code, try, retries_left, result, client_error, duration_ms, created)
     SELECT 'a' || d.id || '-' || t, d.id, d.webhook_id, d.account_id, d.event_id, e.type,
            'http://127.0.0.1:9/', 'post', '{}', '{}',
            CASE WHEN r < 900 THEN 200 WHEN r < 950 THEN 503 WHEN r < 955 THEN 404 END,
            t, 1 - t, CASE WHEN r < 900 THEN 'success' ELSE 'failure' END,
            CASE WHEN r >= 955 AND r < 975 THEN 'timeout' WHEN r >= 975 AND r < 995 THEN 'connect_refused'
                 WHEN r >= 995 THEN 'tls' END,
            5, d.created + t * interval '1 second'
     FROM deliveries d JOIN events e ON e.account_id = d.event_account_id AND e.id = d.event_id,
          generate_series(1, 2) t,
          LATERAL (SELECT abs(hashtext(d.id || t)) % 1000 AS r) x`,
  );
  await client.query(`SET session_replication_role = DEFAULT`);
  for (const i of indexes) {
    log(`building ${i.indexname}`);
    await client.query(i.indexdef);
  }
  log('analyze');
  await client.query('ANALYZE');
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
  await seed(client);
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

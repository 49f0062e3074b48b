/**
 * A large delivery log seeded with generate_series, shared by bench/log-search.ts and
 * bench/retention.ts. Event i is account "big" for 4 of 5 events, else one of 100 other accounts;
 * its time walks evenly from `from` to `to`; each event has deliveries to two webhooks, each
 * delivery two tries; 90 % of tries succeed, the rest are 503 (5 %), 404 (0.5 %), timeouts (2 %),
 * refusals (2 %), TLS (0.5 %). Indexes are dropped while loading and built again after (as a
 * restore does). Works on either schema: with day partitions (deliveries.event_created exists)
 * the days' partitions are made first and rows carry their event's time and key.
 */
import type pg from 'pg';
import { log } from './lib.ts';

const TYPES = ['channel_create', 'channel_answer', 'channel_destroy', 'sms', 'doc_edited'];

/** Whether the database has day partitions (the schema since 20261206030000_partitions). */
export async function hasDayPartitions(client: pg.Client): Promise<boolean> {
  const { rowCount } = await client.query(
    `SELECT 1 FROM information_schema.columns
     WHERE table_name = 'deliveries' AND column_name = 'event_created'`,
  );
  return (rowCount ?? 0) > 0;
}

export async function seedLog(
  client: pg.Client,
  opts: { events: number; from: Date; to: Date },
): Promise<void> {
  const { events, from, to } = opts;
  const attempts = events * 4;
  const partitioned = await hasDayPartitions(client);
  if (partitioned) {
    await client.query(
      `SELECT create_day_partitions(d::date)
       FROM generate_series($1::timestamptz AT TIME ZONE 'UTC',
                            greatest($2::timestamptz, now()) AT TIME ZONE 'UTC' + interval '2 days',
                            interval '1 day') d`,
      [from, to],
    );
  }
  const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes
     WHERE tablename IN ('events', 'deliveries', 'attempts', 'event_keys') AND indexname NOT LIKE '%_pkey'`,
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
  log(`seeding ${events} events`);
  await client.query(
    `INSERT INTO events (account_id, id, type, payload, call_id, created, fanned_out_at)
     SELECT CASE WHEN i % 5 = 0 THEN 'other' || (i % 100 + 1) ELSE 'big' END, 'e' || i,
            (ARRAY['${TYPES.join("','")}'])[i % ${TYPES.length} + 1], '{}',
            CASE WHEN i % ${TYPES.length} < 3 THEN 'call-' || i END,
            $2::timestamptz + (i::float8 / $1) * ($3::timestamptz - $2::timestamptz), now()
     FROM generate_series(1, $1) i`,
    [events, from, to],
  );
  if (partitioned) {
    log('seeding event keys');
    await client.query(
      `INSERT INTO event_keys (account_id, id, created) SELECT account_id, id, created FROM events`,
    );
  }
  const day = partitioned ? ', event_created' : '';
  const eventDay = partitioned ? ', e.created' : '';
  log('seeding deliveries');
  await client.query(
    `INSERT INTO deliveries (id, event_account_id, event_id, webhook_id, account_id, status, tries, created, modified${day})
     SELECT 'd' || e.id || '-' || n, e.account_id, e.id, 'hook-' || e.account_id || '-' || n, e.account_id,
            CASE WHEN hashint4(n + substr(e.id, 2)::int * 2) % 10 = 0 THEN 'failed' ELSE 'delivered' END,
            2, e.created, e.created${eventDay}
     FROM events e, generate_series(0, 1) n`,
  );
  log(`seeding ${attempts} attempts`);
  await client.query(
    `INSERT INTO attempts (id, delivery_id, webhook_id, account_id, event_id, hook_event, uri, method,
       req_headers, req_body, resp_status_code, try, retries_left, result, client_error, duration_ms, created${day})
     SELECT 'a' || d.id || '-' || t, d.id, d.webhook_id, d.account_id, d.event_id, e.type,
            'http://127.0.0.1:9/', 'post', '{}', '{}',
            CASE WHEN r < 900 THEN 200 WHEN r < 950 THEN 503 WHEN r < 955 THEN 404 END,
            t, 1 - t, CASE WHEN r < 900 THEN 'success' ELSE 'failure' END,
            CASE WHEN r >= 955 AND r < 975 THEN 'timeout' WHEN r >= 975 AND r < 995 THEN 'connect_refused'
                 WHEN r >= 995 THEN 'tls' END,
            5, d.created + t * interval '1 second'${eventDay}
     FROM deliveries d JOIN events e ON e.account_id = d.event_account_id AND e.id = d.event_id,
          generate_series(1, 2) t,
          LATERAL (SELECT abs(hashtext(d.id || t)) % 1000 AS r) x`,
  );
  await client.query(`SET session_replication_role = DEFAULT`);
  for (const i of indexes) {
    log(`building ${i.indexname}`);
    // A partitioned table's index reads "ON ONLY <table>" (the parent alone, invalid until each
    // partition has its own): built on the table, it is built on every partition.
    await client.query(i.indexdef.replace(' ON ONLY ', ' ON '));
  }
  log('analyze');
  await client.query('ANALYZE');
}

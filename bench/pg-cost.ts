/**
 * Postgres CPU per hot-path statement, read from the server process's own clock
 * (/proc/<backend pid>/stat), so other load on the machine does not blur it. One connection runs
 * each statement of a single event's life — publish (candidates, insert), worker (lease, webhook
 * read, outcome) — many times, as one event per statement: the worst case, where no group commit
 * or batch shares the cost. Run: `tsx bench/pg-cost.ts` (needs the local Postgres; uses its own
 * database, `switchboard_pgcost` or PGCOST_DB, dropped and recreated). PGCOST_SQL runs after the
 * migrations, to price a schema change (e.g. `DROP INDEX …`) against the same steps. PGCOST_DAYS:
 * past days of partitions to make first (day-partitioned schema).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { newId } from '../src/domain/ids.ts';
import { addDays, dayOf } from '../src/domain/partition-days.ts';
import { openDatabase } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { stores } from '../src/store/stores.ts';

const ADMIN_URL = process.env.PGCOST_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const DB_NAME = process.env.PGCOST_DB ?? 'switchboard_pgcost';
const ROUNDS = Number(process.env.PGCOST_ROUNDS ?? 3000);
const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux.

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

function backendCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // Fields after "(comm) ": state is [0]; utime and stime are the 14th and 15th of the line.
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

async function main() {
  const url = await freshDatabase();
  await migrate(url);
  const db = openDatabase(url, 1, { asyncCommit: process.env.PGCOST_ASYNC === '1' });
  if (process.env.PGCOST_SQL) await db.pool.query(process.env.PGCOST_SQL);
  const s = stores(db);
  // PGCOST_DAYS: day partitions of that many past days besides today's and the next two (as a
  // database with 30 days of retention has), so statements that find a delivery by its id alone
  // pay for looking in each of them.
  const days = Number(process.env.PGCOST_DAYS ?? 0);
  if (days > 0 && 'partitions' in s) {
    const today = dayOf(new Date());
    await s.partitions.create(Array.from({ length: days }, (_, i) => addDays(today, -1 - i)));
  }
  // The stores run their hot statements on pools of their own: every backend of this database
  // is counted, those that appear during a step from their start.
  const backends = async (): Promise<Map<number, number>> => {
    const { rows } = await db.pool.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
    );
    return new Map(rows.map((r) => [r.pid, backendCpuMs(r.pid)]));
  };

  const accountId = newId();
  await db.pool.query(`INSERT INTO accounts (id, name, tree) VALUES ($1, 'bench', ARRAY[$1])`, [
    accountId,
  ]);
  // Other tenants' webhooks: a publish must not pay for them.
  await db.pool.query(
    `WITH other AS (INSERT INTO accounts (id, name, tree)
       SELECT 'other' || n, 'other', ARRAY['other' || n] FROM generate_series(1, 2000) n RETURNING id)
     INSERT INTO webhooks (id, account_id, name, uri, hook, event_types, secret)
     SELECT 'hook-' || id, id, 'hook', 'http://127.0.0.1:1/', 'sms', '{}', 'whsec_x' FROM other`,
  );
  await db.pool.query('ANALYZE');
  const webhookId = newId();
  await db.pool.query(
    `INSERT INTO webhooks (id, account_id, name, uri, hook, event_types, secret)
     VALUES ($1, $2, 'hook', 'http://127.0.0.1:1/', 'sms', '{}', 'whsec_x')`,
    [webhookId, accountId],
  );

  const results: { step: string; cpuUs: number; wallUs: number }[] = [];
  async function measure(step: string, run: (i: number) => Promise<unknown>) {
    const before = await backends();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ROUNDS; i++) await run(i);
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000 / ROUNDS;
    let cpuMs = 0;
    for (const [pid, ms] of await backends()) cpuMs += ms - (before.get(pid) ?? 0);
    results.push({ step, cpuUs: (cpuMs * 1000) / ROUNDS, wallUs });
  }

  const deliveryIds: string[] = [];
  await measure('publish: candidates', () => s.webhookTargets.candidates([accountId]));
  await measure('publish: insert event + delivery', async (i) => {
    const id = newId();
    deliveryIds.push(id);
    const eventId = `e${i}`;
    await s.events.insertWithDeliveries(
      [{ accountId, id: eventId, type: 'sms', payload: { call_id: eventId, from: '+15550100' } }],
      [{ id, eventAccountId: accountId, eventId, webhookId, accountId, trigger: 'auto' }],
    );
  });
  const eventCreated: Date[] = [];
  await measure('worker: lease', async (i) => {
    const leased = await s.deliveries.lease([deliveryIds[i]], 30_000);
    // The worker passes its event's time on with the outcome (the day it is stored in).
    eventCreated.push(leased.get(deliveryIds[i])!.event.created);
  });
  await measure('worker: webhook read', () => s.webhookTargets.forDelivery([webhookId]));
  await measure('worker: outcome', (i) =>
    s.outcomes.write([
      {
        delivery: {
          id: deliveryIds[i],
          status: 'delivered',
          tries: 1,
          nextAttemptAt: new Date(),
          lastError: null,
          eventCreated: eventCreated[i],
        },
        attempt: {
          id: newId(),
          deliveryId: deliveryIds[i],
          webhookId,
          accountId,
          eventId: `e${i}`,
          hookEvent: 'sms',
          uri: 'http://127.0.0.1:1/',
          method: 'POST',
          reqHeaders: { 'content-type': 'application/json', 'webhook-id': deliveryIds[i] },
          reqBody: '{"call_id":"x","from":"+15550100"}',
          respStatusCode: 200,
          respHeaders: { 'content-length': '2' },
          respBody: 'ok',
          try: 1,
          retriesLeft: 2,
          result: 'success',
          reason: null,
          clientError: null,
          durationMs: 3,
          created: new Date(),
        },
        succeededWebhookId: webhookId,
      },
    ]),
  );
  await db.close();

  const total = results.reduce((sum, r) => sum + r.cpuUs, 0);
  console.log(`Postgres backend CPU per statement, ${ROUNDS} rounds of one event each`);
  console.log('| step | backend CPU µs | wall µs |\n| --- | ---: | ---: |');
  for (const r of results) {
    console.log(`| ${r.step} | ${r.cpuUs.toFixed(0)} | ${r.wallUs.toFixed(0)} |`);
  }
  console.log(`| **one event, all steps** | **${total.toFixed(0)}** | |`);
}

await main();

import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startTestApp, createTenant, type TestApp } from '../support/app.ts';
import { stores } from '../../src/store/stores.ts';
import { createDatabase, dropDatabase, listMigrations, migrate } from '../../src/store/migrate.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { addDays, dayOf, partitionOf } from '../../src/domain/partition-days.ts';

/** Events, deliveries and attempts live in day partitions; the event-id dedup spans them all. */
describe('day partitions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const partitionsOf = async (table: string) =>
    (
      await t.db.pool.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = $1::regclass ORDER BY 1`,
        [table],
      )
    ).rows.map((r) => r.name);

  it('exist for today and the next two days in all three tables, beside a DEFAULT one', async () => {
    const today = dayOf(new Date());
    for (const table of ['events', 'deliveries', 'attempts'] as const) {
      const names = await partitionsOf(table);
      for (let i = 0; i <= 2; i++) expect(names).toContain(partitionOf(table, addDays(today, i)));
      expect(names).toContain(`${table}_default`);
    }
  });

  it('are made for a missing day, with the rows that waited for it in the DEFAULT partition', async () => {
    const { account } = await createTenant(t.db);
    const day = addDays(dayOf(new Date()), 9);
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload, created) VALUES ($1, 'ahead', 'sms', '{}', $2)`,
      [account.id, `${day}T08:00:00Z`],
    );
    const where = async () =>
      (
        await t.db.pool.query<{ p: string }>(
          `SELECT tableoid::regclass::text AS p FROM events WHERE account_id = $1`,
          [account.id],
        )
      ).rows.map((r) => r.p);
    expect(await where()).toEqual(['events_default']);
    expect(await stores(t.db).partitions.create([day])).toEqual([day]);
    expect(await where()).toEqual([partitionOf('events', day)]);
    expect(await stores(t.db).partitions.create([day])).toEqual([]);
  });

  it('publish puts an event, its deliveries and their attempts in the day the event was created', async () => {
    const { account } = await createTenant(t.db);
    await t.db.pool.query(
      `INSERT INTO webhooks (id, account_id, name, uri, hook, event_types, secret)
       VALUES ('w-placed', $1, 'h', 'http://127.0.0.1:9/', 'all', '{}', 'whsec_x')`,
      [account.id],
    );
    await stores(t.db).events.insertWithDeliveries(
      [{ accountId: account.id, id: 'placed', type: 'sms', payload: {} }],
      [
        {
          id: 'd-placed',
          eventAccountId: account.id,
          eventId: 'placed',
          webhookId: 'w-placed',
          accountId: account.id,
          trigger: 'auto',
        },
      ],
    );
    const { rows } = await t.db.pool.query<{ e: string; d: string; same: boolean }>(
      `SELECT e.tableoid::regclass::text AS e, d.tableoid::regclass::text AS d,
              d.event_created = e.created AS same
       FROM events e JOIN deliveries d ON d.event_account_id = e.account_id AND d.event_id = e.id
       WHERE e.account_id = $1`,
      [account.id],
    );
    const { rows: day } = await t.db.pool.query<{ day: string }>(
      `SELECT to_char(created AT TIME ZONE 'UTC', 'YYYYMMDD') AS day FROM events WHERE account_id = $1`,
      [account.id],
    );
    expect(rows).toEqual([
      { e: `events_p${day[0].day}`, d: `deliveries_p${day[0].day}`, same: true },
    ]);
  });

  it('a delivery of an event days old is leased, and its outcome and attempt stored in that day', async () => {
    const { account } = await createTenant(t.db);
    const past = addDays(dayOf(new Date()), -5);
    await stores(t.db).partitions.create([past]);
    const created = new Date(`${past}T10:00:00.000Z`);
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload, created, fanned_out_at)
       VALUES ($1, 'old-evt', 'sms', '{}', $2, $2)`,
      [account.id, created],
    );
    await t.db.pool.query(
      `INSERT INTO deliveries (id, event_account_id, event_id, account_id, event_created)
       SELECT 'old-' || n, $1, 'old-evt', $1, $2 FROM generate_series(1, 2) n`,
      [account.id, created],
    );
    const leased = await stores(t.db).deliveries.lease(['old-1', 'old-2', 'not-there'], 30_000);
    expect([...leased.keys()].sort()).toEqual(['old-1', 'old-2']);
    expect(leased.get('old-1')!.event.created).toEqual(created);

    const attempt = (deliveryId: string) => ({
      id: `att-${deliveryId}`,
      deliveryId,
      webhookId: null,
      accountId: account.id,
      eventId: 'old-evt',
      hookEvent: 'sms',
      uri: 'http://127.0.0.1:9/',
      method: 'POST',
      reqHeaders: {},
      reqBody: '{}',
      respStatusCode: 200,
      respHeaders: {},
      respBody: 'ok',
      try: 1,
      retriesLeft: 0,
      result: 'success' as const,
      reason: null,
      clientError: null,
      durationMs: 1,
      created: new Date(),
    });
    const ended = (id: string) => ({
      id,
      status: 'delivered' as const,
      tries: 1,
      nextAttemptAt: new Date(),
      lastError: null,
    });
    // A worker's outcome names its event's time; an invoke's does not: both land in the day.
    await stores(t.db).outcomes.write([
      { attempt: attempt('old-1'), delivery: { ...ended('old-1'), eventCreated: created } },
    ]);
    await stores(t.db).outcomes.write([{ attempt: attempt('old-2'), delivery: ended('old-2') }]);
    const { rows } = await t.db.pool.query(
      `SELECT d.id, d.status, a.tableoid::regclass::text AS attempts
       FROM deliveries d JOIN attempts a ON a.delivery_id = d.id
       WHERE d.event_account_id = $1 ORDER BY d.id`,
      [account.id],
    );
    expect(rows).toEqual([
      { id: 'old-1', status: 'delivered', attempts: partitionOf('attempts', past) },
      { id: 'old-2', status: 'delivered', attempts: partitionOf('attempts', past) },
    ]);
  });

  it('an id published by several requests at once is accepted once', async () => {
    const { account } = await createTenant(t.db);
    const events = stores(t.db).events;
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        events.insertWithDeliveries(
          [{ accountId: account.id, id: 'racing', type: `t${i}`, payload: {} }],
          [],
        ),
      ),
    );
    expect(results.map((r) => r.events.size).sort()).toEqual([0, 0, 0, 1]);
    const { rows } = await t.db.pool.query(`SELECT id FROM events WHERE account_id = $1`, [
      account.id,
    ]);
    expect(rows).toEqual([{ id: 'racing' }]);
  });

  it('an id published again on a later day is still accepted once', async () => {
    const { account } = await createTenant(t.db);
    const events = stores(t.db).events;
    const once = { accountId: account.id, id: 'same-id', type: 'sms', payload: {} };
    expect([...(await events.insertWithDeliveries([once], [])).events]).toHaveLength(1);
    // The first copy is moved 5 days back, into that day's partition: the id is now stored on
    // another day than today's, where the second publish would put it.
    const past = addDays(dayOf(new Date()), -5);
    await stores(t.db).partitions.create([past]);
    await t.db.pool.query(
      `UPDATE events SET created = created - interval '5 days' WHERE account_id = $1`,
      [account.id],
    );
    await t.db.pool.query(
      `UPDATE event_keys SET created = created - interval '5 days' WHERE account_id = $1`,
      [account.id],
    );
    const again = await events.insertWithDeliveries([{ ...once, type: 'other' }], []);
    expect([...again.events]).toEqual([]);
    const { rows } = await t.db.pool.query(
      `SELECT tableoid::regclass::text AS p, type FROM events WHERE account_id = $1`,
      [account.id],
    );
    expect(rows).toEqual([{ p: partitionOf('events', past), type: 'sms' }]);
  });
});

/**
 * A database of the version before partitioning, with rows, migrated to this one: every row is
 * kept, in its event's day, and the publish order carries on.
 */
describe('migration to day partitions', () => {
  const url = `${inject('databaseUrl')}_prepartition`;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-migrations-'));
    const all = await listMigrations();
    for (const m of all.filter((m) => m.name < '20261206030000')) {
      await cp(path.join(PROJECT_ROOT, 'prisma/migrations', m.name), path.join(dir, m.name), {
        recursive: true,
      });
    }
    await createDatabase(url);
  });
  afterAll(async () => {
    await dropDatabase(url);
    await rm(dir, { recursive: true, force: true });
  });

  it('moves the existing events, deliveries and attempts into their days', async () => {
    await migrate(url, dir);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`INSERT INTO accounts (id, name, tree) VALUES ('acc', 'acc', '{acc}')`);
      await client.query(
        `INSERT INTO events (account_id, id, type, payload, created, fanned_out_at) VALUES
           ('acc', 'e-old', 'sms', '{}', '2026-10-01T10:00:00Z', now()),
           ('acc', 'e-new', 'sms', '{}', now(), now())`,
      );
      await client.query(
        `INSERT INTO deliveries (id, event_account_id, event_id, account_id, status) VALUES
           ('d-old', 'acc', 'e-old', 'acc', 'delivered'), ('d-new', 'acc', 'e-new', 'acc', 'pending')`,
      );
      await client.query(
        `INSERT INTO attempts (id, delivery_id, account_id, event_id, hook_event, uri, method,
           req_headers, req_body, try, retries_left, result, duration_ms)
         VALUES ('a-old', 'd-old', 'acc', 'e-old', 'sms', 'http://x/', 'post', '{}', '', 1, 0, 'success', 1)`,
      );
      await client.query(
        `INSERT INTO replays (id, account_id, idempotency_key, filter) VALUES ('r', 'acc', 'k', '{}')`,
      );
      await client.query(
        `INSERT INTO replay_deliveries (replay_id, delivery_id) VALUES ('r', 'd-old')`,
      );

      // The partitioning migration is the first applied here (later ones follow it).
      expect((await migrate(url))[0]).toBe('20261206030000_partitions');

      const today = dayOf(new Date()).replaceAll('-', '');
      const rows = async (sql: string) => (await client.query(sql)).rows;
      expect(
        await rows(`SELECT tableoid::regclass::text AS p, id FROM events ORDER BY id`),
      ).toEqual([
        { p: `events_p${today}`, id: 'e-new' },
        { p: 'events_p20261001', id: 'e-old' },
      ]);
      expect(
        await rows(
          `SELECT tableoid::regclass::text AS p, id, seq::int FROM deliveries ORDER BY id`,
        ),
      ).toEqual([
        { p: `deliveries_p${today}`, id: 'd-new', seq: 2 },
        { p: 'deliveries_p20261001', id: 'd-old', seq: 1 },
      ]);
      expect(await rows(`SELECT tableoid::regclass::text AS p, id FROM attempts`)).toEqual([
        { p: 'attempts_p20261001', id: 'a-old' },
      ]);
      expect(await rows(`SELECT id FROM event_keys ORDER BY id`)).toEqual([
        { id: 'e-new' },
        { id: 'e-old' },
      ]);
      expect(await rows(`SELECT delivery_id FROM replay_deliveries`)).toEqual([
        { delivery_id: 'd-old' },
      ]);
      // The publish order carries on after the moved deliveries' numbers.
      expect(await rows(`SELECT nextval('deliveries_seq_seq')::int AS n`)).toEqual([{ n: 3 }]);
      // And the old tables are gone.
      expect(
        await rows(`SELECT relname FROM pg_class WHERE relname LIKE '%_unpartitioned'`),
      ).toEqual([]);
    } finally {
      await client.end();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, type TestApp } from '../support/app.ts';
import { stores } from '../../src/store/stores.ts';
import { purgeExpired } from '../../src/delivery/retention.ts';
import { addDays, dayOf, partitionOf } from '../../src/domain/partition-days.ts';

/**
 * Retention drops a day of events, with their deliveries and attempts, whole: its three
 * partitions go. A day that still owes work is kept whole; a recent day is never touched.
 */
describe('retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const NOW = new Date();
  /** Noon of the day `ageDays` before today, so the event's day is that day whatever the hour. */
  const noonDaysAgo = (ageDays: number) =>
    new Date(`${addDays(dayOf(NOW), -ageDays)}T12:00:00.000Z`);

  /** An event `ageDays` old, as publishing stores one, with a delivery in `status` and an attempt. */
  async function eventWithDelivery(accountId: string, id: string, ageDays: number, status: string) {
    const created = noonDaysAgo(ageDays);
    await t.db.pool.query(`INSERT INTO event_keys (account_id, id, created) VALUES ($1, $2, $3)`, [
      accountId,
      id,
      created,
    ]);
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload, created, fanned_out_at) VALUES ($1, $2, 'sms', '{}', $3, $3)`,
      [accountId, id, created],
    );
    await t.db.pool.query(
      `INSERT INTO deliveries (id, event_account_id, event_id, account_id, status, created, event_created)
       VALUES ($1, $2, $3, $2, $4, $5, $5)`,
      [`d-${id}`, accountId, id, status, created],
    );
    await t.db.pool.query(
      `INSERT INTO attempts (id, delivery_id, account_id, event_id, hook_event, uri, method, req_headers, req_body,
         try, retries_left, result, duration_ms, created, event_created)
       VALUES ($1, $2, $3, $4, 'sms', 'http://127.0.0.1/', 'POST', '{}', '{}', 1, 0, 'failure', 1, $5, $5)`,
      [`a-${id}`, `d-${id}`, accountId, id, created],
    );
  }

  const ids = async (table: string, accountId: string) =>
    (
      await t.db.pool.query<{ id: string }>(
        `SELECT id FROM ${table} WHERE ${table === 'deliveries' ? 'event_account_id' : 'account_id'} = $1 ORDER BY id`,
        [accountId],
      )
    ).rows.map((r) => r.id);

  const tableExists = async (name: string) =>
    (await t.db.pool.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [name]))
      .rows[0].r !== null;

  it('drops a day that has outlived retention whole, and keeps a day with a pending delivery and recent days', async () => {
    const { account } = await createTenant(t.db);
    await eventWithDelivery(account.id, 'old-delivered', 40, 'delivered');
    await eventWithDelivery(account.id, 'old-failed', 40, 'failed');
    await eventWithDelivery(account.id, 'older-failed', 31, 'failed');
    await eventWithDelivery(account.id, 'old-pending', 45, 'pending');
    await eventWithDelivery(account.id, 'old-beside-pending', 45, 'delivered');
    await eventWithDelivery(account.id, 'recent', 2, 'delivered');
    // These days had no partitions: their rows wait in the DEFAULT ones until the pass makes them.
    const day40 = dayOf(noonDaysAgo(40));
    const day45 = dayOf(noonDaysAgo(45));

    const pass = await purgeExpired(stores(t.db), 30, NOW);

    expect(pass.madeDays).toEqual(expect.arrayContaining([day45, day40]));
    expect(pass.droppedDays).toEqual(expect.arrayContaining([day40, dayOf(noonDaysAgo(31))]));
    expect(pass.droppedDays).not.toContain(day45);
    expect(pass.keptDays).toEqual([day45]);
    for (const table of ['events', 'deliveries', 'attempts'] as const) {
      expect(await tableExists(partitionOf(table, day40)), table).toBe(false);
      expect(await tableExists(partitionOf(table, day45)), table).toBe(true);
      expect(await tableExists(partitionOf(table, dayOf(noonDaysAgo(2)))), table).toBe(true);
    }
    expect(await ids('events', account.id)).toEqual([
      'old-beside-pending',
      'old-pending',
      'recent',
    ]);
    expect(await ids('deliveries', account.id)).toEqual([
      'd-old-beside-pending',
      'd-old-pending',
      'd-recent',
    ]);
    expect(await ids('attempts', account.id)).toEqual([
      'a-old-beside-pending',
      'a-old-pending',
      'a-recent',
    ]);
    // The dropped events' ids may be accepted again; the kept ones' not.
    expect(await ids('event_keys', account.id)).toEqual([
      'old-beside-pending',
      'old-pending',
      'recent',
    ]);
    const { rows: waiting } = await t.db.pool.query(
      `SELECT 1 FROM events_default UNION ALL SELECT 1 FROM deliveries_default UNION ALL SELECT 1 FROM attempts_default`,
    );
    expect(waiting).toEqual([]);

    // Once its last delivery has ended, the kept day goes too.
    await t.db.pool.query(`UPDATE deliveries SET status = 'delivered' WHERE id = 'd-old-pending'`);
    const later = await purgeExpired(stores(t.db), 30, NOW);
    expect(later.droppedDays).toEqual([day45]);
    expect(await tableExists(partitionOf('events', day45))).toBe(false);
    expect(await ids('events', account.id)).toEqual(['recent']);
    expect(await ids('event_keys', account.id)).toEqual(['recent']);
  });

  it('keeps a day whose event still owes its fan-out', async () => {
    const { account } = await createTenant(t.db);
    await eventWithDelivery(account.id, 'unfanned', 50, 'delivered');
    await t.db.pool.query(`UPDATE events SET fanned_out_at = NULL WHERE id = 'unfanned'`);
    const pass = await purgeExpired(stores(t.db), 30, NOW);
    expect(pass.keptDays).toContain(dayOf(noonDaysAgo(50)));
    expect(await ids('events', account.id)).toEqual(['unfanned']);
  });

  it('drops a day with its replay records', async () => {
    const { account } = await createTenant(t.db);
    await eventWithDelivery(account.id, 'replayed', 60, 'failed');
    await t.db.pool.query(
      `INSERT INTO replays (id, account_id, idempotency_key, filter) VALUES ('r-60', $1, 'k-60', '{}')`,
      [account.id],
    );
    await t.db.pool.query(
      `INSERT INTO replay_deliveries (replay_id, delivery_id) VALUES ('r-60', 'd-replayed')`,
    );
    const pass = await purgeExpired(stores(t.db), 30, NOW);
    expect(pass.droppedDays).toContain(dayOf(noonDaysAgo(60)));
    const { rows } = await t.db.pool.query(
      `SELECT delivery_id FROM replay_deliveries WHERE replay_id = 'r-60'`,
    );
    expect(rows).toEqual([]);
  });

  it('gives a day up for this pass when a long query holds the tables, and drops it the next', async () => {
    const { account } = await createTenant(t.db);
    await eventWithDelivery(account.id, 'held', 70, 'delivered');
    const day = dayOf(noonDaysAgo(70));
    await stores(t.db).partitions.create([day]);
    const reader = await t.db.pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM events');
      const started = Date.now();
      const pass = await purgeExpired(stores(t.db), 30, NOW);
      // It waited for the locks for a moment only, rather than queueing everything behind it.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(pass.busyDays).toContain(day);
      expect(await ids('events', account.id)).toEqual(['held']);
    } finally {
      await reader.query('COMMIT');
      reader.release();
    }
    const next = await purgeExpired(stores(t.db), 30, NOW);
    expect(next.droppedDays).toContain(day);
    expect(await ids('events', account.id)).toEqual([]);
  });

  it('keeps everything when retention is 0, and still makes the partitions ahead', async () => {
    const { account } = await createTenant(t.db);
    await eventWithDelivery(account.id, 'ancient', 4000, 'delivered');
    const pass = await purgeExpired(stores(t.db), 0, NOW);
    expect(pass.droppedDays).toEqual([]);
    expect(await ids('events', account.id)).toEqual(['ancient']);
    const days = await stores(t.db).partitions.days();
    for (let i = 0; i <= 2; i++) expect(days).toContain(addDays(dayOf(NOW), i));
  });
});

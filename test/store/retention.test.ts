import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, createTenant, type TestApp } from '../support/app.ts';
import { stores } from '../../src/store/stores.ts';
import { purgeExpired } from '../../src/delivery/retention.ts';

/** Retention: old ended events go with their deliveries and attempts; nothing pending is dropped. */
describe('retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function eventWithDelivery(accountId: string, id: string, ageDays: number, status: string) {
    const created = new Date(Date.now() - ageDays * 86_400_000);
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload, created, fanned_out_at) VALUES ($1, $2, 'sms', '{}', $3, $3)`,
      [accountId, id, created],
    );
    await t.db.pool.query(
      `INSERT INTO deliveries (id, event_account_id, event_id, account_id, status, created) VALUES ($1, $2, $3, $2, $4, $5)`,
      [`d-${id}`, accountId, id, status, created],
    );
    await t.db.pool.query(
      `INSERT INTO attempts (id, delivery_id, account_id, event_id, hook_event, uri, method, req_headers, req_body,
         try, retries_left, result, duration_ms, created)
       VALUES ($1, $2, $3, $4, 'sms', 'http://127.0.0.1/', 'POST', '{}', '{}', 1, 0, 'failure', 1, $5)`,
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

  it('deletes ended events older than the retention period with their deliveries and attempts, keeps the rest', async () => {
    const { account } = await createTenant(t.db);
    await eventWithDelivery(account.id, 'old-delivered', 40, 'delivered');
    await eventWithDelivery(account.id, 'old-failed', 31, 'failed');
    await eventWithDelivery(account.id, 'old-pending', 40, 'pending');
    await eventWithDelivery(account.id, 'recent', 2, 'delivered');

    expect(await purgeExpired(stores(t.db).retention, 30)).toBe(2);

    expect(await ids('events', account.id)).toEqual(['old-pending', 'recent']);
    expect(await ids('deliveries', account.id)).toEqual(['d-old-pending', 'd-recent']);
    expect(await ids('attempts', account.id)).toEqual(['a-old-pending', 'a-recent']);
  });

  it('keeps everything when retention is 0', async () => {
    const { account } = await createTenant(t.db);
    await eventWithDelivery(account.id, 'ancient', 4000, 'delivered');
    expect(await purgeExpired(stores(t.db).retention, 0)).toBe(0);
    expect(await ids('events', account.id)).toEqual(['ancient']);
  });
});

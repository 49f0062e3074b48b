import { addDays, partitionOf, startOf } from '../domain/partition-days.ts';
import { isLockNotAvailable } from './database-errors.ts';
import type { Database } from './db.ts';
import { inTransaction } from './transaction.ts';

/**
 * Retention's storage: a day of events, with their deliveries and attempts, is dropped whole —
 * its three partitions in one transaction — and then its event ids' keys (event_keys, the
 * event-id dedup) are deleted. A day that still owes work is kept whole: nothing accepted is
 * dropped undelivered (docs/operations.md, "Storage and retention").
 */

/** What became of one day: dropped, kept (it still owes work), or left for the next pass (busy). */
export type DayOutcome = 'dropped' | 'pending' | 'busy';

/**
 * How long dropping a day may wait for its locks. Dropping a partition takes an ACCESS EXCLUSIVE
 * lock on the three tables; while it waits for a long query to let go, publishing queues behind
 * it. Past this it gives up, and the next pass (or try) drops the day.
 */
const LOCK_TIMEOUT_MS = 500;

/** A day still owes work while a delivery is pending or an event's fan-out is (SQL on its partitions). */
const owesWork = (day: string) => `SELECT
    EXISTS (SELECT 1 FROM ${partitionOf('deliveries', day)} WHERE status = 'pending')
    OR EXISTS (SELECT 1 FROM ${partitionOf('events', day)} WHERE fanned_out_at IS NULL) AS owes`;

export function retentionStore({ pool }: Database) {
  return {
    /**
     * Drops one day's partitions of events, deliveries and attempts together, unless the day
     * still owes work. The replay records of its deliveries go first (replay_deliveries has no
     * foreign key to partitioned deliveries). The locks are taken in one order — events,
     * deliveries, attempts — and waited for at most LOCK_TIMEOUT_MS ('busy' past that); the
     * question "does the day owe work?" is asked again under them, so no delivery reopened in
     * between (recover, replay) is dropped.
     */
    async dropDay(day: string): Promise<DayOutcome> {
      const first = await pool.query<{ owes: boolean }>(owesWork(day));
      if (first.rows[0]?.owes) return 'pending';
      // Before the locks, not under them (it reads the day's deliveries). Only ended deliveries'
      // records: one a replay reopens meanwhile keeps its record, and its day.
      await pool.query(
        `DELETE FROM replay_deliveries rd
         WHERE EXISTS (SELECT 1 FROM ${partitionOf('deliveries', day)} d
                       WHERE d.id = rd.delivery_id AND d.status <> 'pending')`,
      );
      try {
        return await inTransaction(pool, async (client) => {
          await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
          await client.query(
            'LOCK TABLE ONLY events, deliveries, attempts IN ACCESS EXCLUSIVE MODE',
          );
          const { rows } = await client.query<{ owes: boolean }>(owesWork(day));
          if (rows[0]?.owes) return 'pending';
          await client.query(
            `DROP TABLE ${partitionOf('attempts', day)}, ${partitionOf('deliveries', day)}, ${partitionOf('events', day)}`,
          );
          return 'dropped';
        });
      } catch (error) {
        if (isLockNotAvailable(error)) return 'busy';
        throw error;
      }
    },

    /**
     * Deletes up to `limit` keys of `day`'s events, once that day has been dropped: a range of
     * the created index, nothing asked of the events. Returns how many went.
     */
    async deleteKeysOfDay(day: string, limit: number): Promise<number> {
      const { rowCount } = await pool.query(
        `DELETE FROM event_keys WHERE (account_id, id) IN (
           SELECT account_id, id FROM event_keys WHERE created >= $1 AND created < $2 LIMIT $3)`,
        [startOf(day), startOf(addDays(day, 1)), limit],
      );
      return rowCount ?? 0;
    },

    /**
     * Deletes up to `limit` keys of events created before `before` whose event is gone (its day
     * was dropped). A key whose event is still stored (a day kept for its pending work) stays.
     * Returns how many went.
     */
    async deleteKeysOfDroppedEvents(before: Date, limit: number): Promise<number> {
      const { rowCount } = await pool.query(
        `DELETE FROM event_keys WHERE (account_id, id) IN (
           SELECT k.account_id, k.id FROM event_keys k
           WHERE k.created < $1
             AND NOT EXISTS (SELECT 1 FROM events e
                             WHERE e.account_id = k.account_id AND e.id = k.id AND e.created = k.created)
           LIMIT $2)`,
        [before, limit],
      );
      return rowCount ?? 0;
    },
  };
}

export type RetentionStore = ReturnType<typeof retentionStore>;

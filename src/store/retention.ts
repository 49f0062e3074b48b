import type { Database } from './db.ts';

/**
 * Deletes events created before `cutoff` whose deliveries have all ended, oldest first, at most
 * `limit` per call; their deliveries and attempts go with them (ON DELETE CASCADE). An event with
 * a delivery still pending is kept whatever its age: nothing accepted is dropped undelivered.
 */
export function retentionStore({ pool }: Database) {
  return {
    async deleteExpiredEvents(cutoff: Date, limit: number): Promise<number> {
      const { rowCount } = await pool.query(
        `DELETE FROM events WHERE (account_id, id) IN (
       SELECT e.account_id, e.id FROM events e
       WHERE e.created < $1 AND e.fanned_out_at IS NOT NULL
         AND NOT EXISTS (
           SELECT 1 FROM deliveries d
           WHERE d.event_account_id = e.account_id AND d.event_id = e.id AND d.status = 'pending')
       ORDER BY e.created
       LIMIT $2
       -- Several workers run retention: each takes rows the others are not deleting.
       FOR UPDATE SKIP LOCKED)`,
        [cutoff, limit],
      );
      return rowCount ?? 0;
    },
  };
}

export type RetentionStore = ReturnType<typeof retentionStore>;

import type pg from 'pg';
import { dayOfPartition } from '../domain/partition-days.ts';
import { ADVISORY_LOCKS } from './advisory-locks.ts';
import { isLockNotAvailable } from './database-errors.ts';
import type { Database } from './db.ts';
import { inTransactionOn } from './transaction.ts';

/**
 * The day partitions of events, deliveries and attempts (prisma/migrations/…_partitions): which
 * days have them, and making a day's. The DDL is the SQL function create_day_partitions, shared
 * with the migration that introduced them.
 */

/**
 * How long making partitions may wait for a lock before giving up until the next pass. Attaching
 * a partition locks the DEFAULT partition while it checks it holds none of the day's rows; a
 * long read holding it must not leave reads of the table queued behind us for longer than this.
 */
const LOCK_TIMEOUT_MS = 1000;

/**
 * Makes the partitions of each of `days` that lacks them, in one transaction on `client` (a
 * pooled client or the migration's own), under an advisory lock so two makers never collide.
 * Returns the days made: none when a lock was not had in time (the next pass tries again, days
 * ahead of need; meanwhile a row of a day without partitions waits in the DEFAULT one).
 */
export async function createDayPartitions(
  client: pg.ClientBase,
  days: string[],
): Promise<string[]> {
  if (days.length === 0) return [];
  try {
    return await inTransactionOn(client, async () => {
      await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
      await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.partitions]);
      const made: string[] = [];
      for (const day of [...days].sort()) {
        const { rows } = await client.query<{ made: boolean }>(
          'SELECT create_day_partitions($1::date) AS made',
          [day],
        );
        if (rows[0]?.made) made.push(day);
      }
      return made;
    });
  } catch (error) {
    if (isLockNotAvailable(error)) return [];
    throw error;
  }
}

export function partitionStore({ pool }: Database) {
  return {
    /** The days that have partitions, oldest first. */
    async days(): Promise<string[]> {
      const { rows } = await pool.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'events'::regclass`,
      );
      return rows.flatMap((r) => dayOfPartition(r.name) ?? []).sort();
    },

    /**
     * The days of rows that wait in a DEFAULT partition (inserted while their day had no
     * partition). Normally none, and the DEFAULT partitions empty: this reads nothing then.
     */
    async daysInDefault(): Promise<string[]> {
      const { rows } = await pool.query<{ day: string }>(
        `SELECT to_char(d, 'YYYY-MM-DD') AS day FROM (
           SELECT (created AT TIME ZONE 'UTC')::date AS d FROM events_default
           UNION SELECT (event_created AT TIME ZONE 'UTC')::date FROM deliveries_default
           UNION SELECT (event_created AT TIME ZONE 'UTC')::date FROM attempts_default) days
         ORDER BY d`,
      );
      return rows.map((r) => r.day);
    },

    /** Makes the partitions of each of `days` that lacks them (moving in rows of the DEFAULT ones). */
    async create(days: string[]): Promise<string[]> {
      const client = await pool.connect();
      try {
        return await createDayPartitions(client, days);
      } finally {
        client.release();
      }
    },
  };
}

export type PartitionStore = ReturnType<typeof partitionStore>;

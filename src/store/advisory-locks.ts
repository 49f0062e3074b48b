import type pg from 'pg';

/**
 * Postgres advisory locks, each a number of its own so two kinds of work never wait for each
 * other: start-up work serialises the processes (API, workers) that start at the same moment.
 */
export const ADVISORY_LOCKS = {
  /** Applying migrations. */
  migrations: 72707369,
  /** Creating the root account and its key. */
  rootAccount: 72707370,
  /** Counting an account's webhooks until a new one is committed (the per-account limit); paired with the account. */
  webhooksOfAccount: 72707371,
  /** Making day partitions (partitions.ts): two makers of one day would collide on its name. */
  partitions: 72707372,
} as const;

/** Runs `work` while this connection holds `lock` (waiting for it), and lets it go afterwards. */
export async function holdingAdvisoryLock<T>(
  client: pg.ClientBase,
  lock: (typeof ADVISORY_LOCKS)[keyof typeof ADVISORY_LOCKS],
  work: () => Promise<T>,
): Promise<T> {
  await client.query('SELECT pg_advisory_lock($1)', [lock]);
  try {
    return await work();
  } finally {
    // A connection that broke has lost the lock already; the caller sees the work's own error.
    await client.query('SELECT pg_advisory_unlock($1)', [lock]).catch(() => {});
  }
}

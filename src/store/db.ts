import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { isDatabaseUnavailable } from './database-errors.ts';

/**
 * One pg pool per process, shared by Prisma (the management API) and the raw SQL of the delivery
 * hot path, where batched `unnest` writes are ~20× faster than Prisma's createMany.
 */
export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** Answers once Postgres does (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /**
   * Commit without waiting for the WAL flush. Only for a worker: what it writes (attempts,
   * delivery states, leases) a Postgres crash may lose the last fraction of a second of, which
   * at-least-once delivery repairs (the delivery is pending again and sent again). Publishing
   * keeps synchronous commits: an event answered 202 is on disk.
   */
  asyncCommit?: boolean;
}

export function openDatabase(
  databaseUrl: string,
  poolSize = 10,
  options: DatabaseOptions = {},
): Database {
  const settings = [
    // Prepared statements (preparedStatement below) save parsing, but Postgres's generic plan for
    // one is fixed after a few calls: on a new database that is while the tables are nearly
    // empty, so "scan the table" wins and then stays as they grow (seen: a fresh install doing
    // 2,000 full scans of deliveries a minute until autovacuum's first analyze). A plan made for
    // each call's values and the table's current size costs a few microseconds more here.
    '-c plan_cache_mode=force_custom_plan',
    ...(options.asyncCommit ? ['-c synchronous_commit=off'] : []),
  ];
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    options: settings.join(' '),
  });
  // An idle client's error (Postgres restarted) must not crash the process; the pool reconnects.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * A hot-path statement that Postgres parses once per connection instead of once per call (a named
 * prepared statement; the pool's connections live long); it is still planned for each call's
 * values (plan_cache_mode above). `name` must be unique per text.
 */
export function preparedStatement(name: string, text: string) {
  return (values: unknown[]): pg.QueryConfig => ({ name, text, values });
}

/**
 * Runs `write` again while the database is unavailable (a restart, a failover), for at most
 * `budgetMs`; any other error, or one past the budget, is thrown.
 */
export async function retryWhileUnavailable<T>(
  write: () => Promise<T>,
  budgetMs: number,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const waitMs = Math.min(100 * 2 ** attempt, 2_000);
      if (!isDatabaseUnavailable(error) || Date.now() - started + waitMs > budgetMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';

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
 * Postgres unreachable, restarting or shutting down (class 08 "connection exception", class 57P
 * "operator intervention", a connection cut mid-query, or no socket at all): the statement did not
 * take effect, and trying again shortly will work.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    message?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } };
  };
  const cause = e?.meta?.driverAdapterError?.cause;
  if (cause?.kind === 'DatabaseNotReachable') return true;
  const code = cause?.originalCode ?? e?.code;
  // Prisma says P1001 ("can't reach database server") / P1017 ("server closed the connection");
  // pg says only "Connection terminated…" when the server goes away in the middle of a query, and
  // "timeout exceeded when trying to connect" when its pool could not open a connection in time.
  // 53300: every connection slot is taken, for now.
  return (
    (typeof code === 'string' &&
      (/^08[0-9A-Z]{3}$/.test(code) ||
        /^57P0[1-3]$/.test(code) ||
        [
          '53300',
          'ECONNREFUSED',
          'ECONNRESET',
          'ETIMEDOUT',
          'EHOSTUNREACH',
          'ENETUNREACH',
          'EAI_AGAIN',
          'P1001',
          'P1017',
        ].includes(code))) ||
    (typeof e?.message === 'string' &&
      /^(Connection terminated|timeout exceeded when trying to connect)/.test(e.message))
  );
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

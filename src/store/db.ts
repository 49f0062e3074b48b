import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { isDatabaseUnavailable } from './database-errors.ts';

/**
 * A process's connections to Postgres: one pool shared by Prisma (the management API) and the raw
 * SQL of the delivery path, where batched `unnest` writes are ~20× faster than Prisma's
 * createMany; and a few connections of the hot path's own for its prepared statements
 * (preparedStatement below).
 */
export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** The hot path's connections: run the statements of preparedStatement here (HOT_PATH_SETTINGS). */
  hot: pg.Pool;
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

/**
 * How the hot path's connections plan. Its statements (preparedStatement) look rows up by key from
 * a small input (a batch's ids, a group's events), so their right plan never depends on the
 * tables' sizes: index lookups joined by nested loops. Planning them for each call's values costs
 * more than running them (the lease over a few day partitions: 0.7 ms to plan, 0.24 ms to run), so
 * each is planned once per connection (a generic plan). Left free, the planner makes that one plan
 * on a new, empty database from scans and hash joins, and keeps it as the tables grow (seen: a
 * lease and an outcome write at 8–9 ms a call after 20 s at 1,000 events/s, and, when every
 * statement was planned that way, 2,000 full scans of deliveries a minute on a fresh install
 * until autovacuum's first analyze). So on these connections scans and hash or merge joins are
 * off: the plan is the lookup, whatever the statistics say (BENCHMARKS.md: Postgres's CPU per
 * event a quarter to a third lower than with a plan per call).
 */
const HOT_PATH_SETTINGS = [
  '-c plan_cache_mode=force_generic_plan',
  '-c enable_seqscan=off',
  '-c enable_hashjoin=off',
  '-c enable_mergejoin=off',
];

/** The hot path's connections per process: a group commit, a lease and an outcome write at once. */
const HOT_POOL_SIZE = 3;

/**
 * Connections of the general pool kept open however long they idle (the rest close after 10 s):
 * with pg's default every connection closed after 10 idle seconds, and the first second of
 * traffic after a pause paid for new ones (a backend started, its caches and every prepared
 * statement made again) while events waited: 150–250 ms more for the first deliveries
 * (BENCHMARKS.md, 2026-12-07, late evening).
 */
const KEPT_IDLE = 4;

/**
 * Connections kept through pauses are probed by TCP keepalive: one that a NAT, a load balancer or
 * a crashed host dropped without a word is found dead (and replaced) instead of swallowing the
 * first query after the pause until the kernel gives up retransmitting.
 */
const KEEPALIVE = { keepAlive: true, keepAliveInitialDelayMillis: 10_000 };

export function openDatabase(
  databaseUrl: string,
  poolSize = 10,
  options: DatabaseOptions = {},
): Database {
  const commit = options.asyncCommit ? ['-c synchronous_commit=off'] : [];
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    min: Math.min(KEPT_IDLE, poolSize),
    ...KEEPALIVE,
    // Everything else (Prisma, searches, housekeeping) is planned for each call's values and the
    // tables' current sizes: those statements are many, varied, and not on the hot path.
    options: ['-c plan_cache_mode=force_custom_plan', ...commit].join(' '),
  });
  const hot = new pg.Pool({
    connectionString: databaseUrl,
    max: HOT_POOL_SIZE,
    // Never closed for idling: these hold the hot path's prepared statements and warm caches.
    idleTimeoutMillis: 0,
    ...KEEPALIVE,
    options: [...HOT_PATH_SETTINGS, ...commit].join(' '),
  });
  // An idle client's error (Postgres restarted) must not crash the process; the pool reconnects.
  pool.on('error', () => {});
  hot.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    hot,
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
      await hot.end();
    },
  };
}

/**
 * A hot-path statement that Postgres parses and plans once per connection instead of once per call
 * (a named prepared statement). Run it on the Database's `hot` pool (HOT_PATH_SETTINGS): a key
 * lookup from a small input. Run on the other pool (inside a caller's transaction), it is planned
 * for each call instead. `name` must be unique per text.
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

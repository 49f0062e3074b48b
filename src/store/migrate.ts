import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from '../paths.ts';
import { isDuplicateDatabase, isUniqueViolation } from './database-errors.ts';
import { ADVISORY_LOCKS, holdingAdvisoryLock } from './advisory-locks.ts';
import { createDayPartitions } from './partitions.ts';
import { daysAhead } from '../domain/partition-days.ts';

/**
 * Applies prisma/migrations/<name>/migration.sql in order and records each one in
 * `_prisma_migrations` exactly as `prisma migrate deploy` does (checksum = SHA-256 hex of the
 * file), so this step and Prisma's CLI agree on what has been applied. We need our own because
 * Prisma's schema engine is a binary it downloads, which these machines cannot reach.
 */
const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma/migrations');

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export async function listMigrations(
  dir = MIGRATIONS_DIR,
): Promise<{ name: string; sql: string }[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({
      name,
      sql: await readFile(path.join(dir, name, 'migration.sql'), 'utf8'),
    })),
  );
}

export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await holdingAdvisoryLock(client, ADVISORY_LOCKS.migrations, async () => {
      await client.query(CREATE_TABLE);
      const { rows } = await client.query<{ migration_name: string; checksum: string }>(
        'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
      for (const { name, sql } of await listMigrations(dir)) {
        const checksum = createHash('sha256').update(sql).digest('hex');
        const recorded = done.get(name);
        if (recorded !== undefined) {
          if (recorded !== checksum)
            throw new Error(`migration ${name} was modified after it was applied`);
          continue;
        }
        const id = randomUUID();
        await client.query('BEGIN');
        try {
          await client.query(
            'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
            [id, checksum, name],
          );
          await client.query(sql);
          await client.query(
            'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
            [id],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${name} failed: ${(err as Error).message}`);
        }
        applied.push(name);
      }
      // Today's partitions and the next days', at every start as well as by housekeeping, once
      // the migration that made partitioning exists (a migrations directory of a test may not).
      const { rows: partitioned } = await client.query(
        `SELECT 1 FROM pg_proc WHERE proname = 'create_day_partitions'`,
      );
      if (partitioned.length > 0) await createDayPartitions(client, daysAhead(new Date()));
    });
  } finally {
    await client.end();
  }
  return applied;
}

/**
 * Runs `work` on a connection to the server's `postgres` database, given the name of the database
 * the URL points at (a database cannot be created or dropped from inside itself).
 */
async function onServer<T>(
  databaseUrl: string,
  work: (client: pg.Client, name: string, quoted: string) => Promise<T>,
): Promise<T> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client, name, `"${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

/** Creates the database named in the URL if it does not exist. */
export function createDatabase(databaseUrl: string): Promise<boolean> {
  return onServer(databaseUrl, async (client, name, quoted) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoted}`);
    } catch (error) {
      // Another process starting at the same moment created it first: that is what we wanted.
      if (isDuplicateDatabase(error) || isUniqueViolation(error)) return false;
      throw error;
    }
    return true;
  });
}

export function dropDatabase(databaseUrl: string): Promise<void> {
  return onServer(databaseUrl, async (client, _name, quoted) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
  });
}

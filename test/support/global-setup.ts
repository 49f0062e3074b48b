import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createDatabase, migrate } from '../../src/store/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    runId: string;
  }
}

/**
 * One fresh database per test run, migrated by the same code `npm run db:migrate` uses. It is a
 * template: each test app works in a copy of it (test/support/database.ts) with its own Redis
 * prefix. Nothing may connect to the template itself, or copying it fails.
 */
export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const base = new URL(
    process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  );
  base.pathname = `/switchboard_test_${runId}`;
  const databaseUrl = base.toString();
  await createDatabase(databaseUrl);
  await migrate(databaseUrl);
  project.provide('databaseUrl', databaseUrl);
  project.provide('runId', runId);
  return async () => {
    if (process.env.KEEP_TEST_DATABASE !== 'true') {
      await dropRunDatabases(base, `switchboard_test_${runId}`);
    }
    await deleteRunKeys(`sbtest:${runId}:`);
    // BullMQ's keys: its prefix is the app's, hash-tagged (src/intake/intake-queue.ts).
    await deleteRunKeys(`{sbtest:${runId}:`);
  };
}

/** Drops the template and every copy made of it during the run. */
async function dropRunDatabases(base: URL, prefix: string): Promise<void> {
  const url = new URL(base);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY length(datname) DESC',
      [prefix],
    );
    for (const { datname } of rows)
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Deletes the run's Redis keys (every test app's prefix starts with sbtest:<run>:). */
async function deleteRunKeys(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

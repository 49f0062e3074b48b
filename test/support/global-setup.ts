import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { createDatabase, migrate } from '../../src/store/migrate.ts';
import { discoverRedisUrl, redisConnection } from '../../src/redis.ts';
import { startRedisCluster, type RedisCluster } from './redis-cluster.ts';
import { deleteKeys } from './redis-keys.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    runId: string;
    /** The Redis this project's tests use: one server, or a `redis+cluster://` URL. */
    redisUrl: string;
  }
}

/**
 * One fresh database per test run and project, migrated by the same code `npm run db:migrate`
 * uses. It is a template: each test app works in a copy of it (test/support/database.ts) with its
 * own Redis prefix. Nothing may connect to the template itself, or copying it fails.
 *
 * The `cluster` project first starts a Redis Cluster of its own (test/support/redis-cluster.ts) —
 * or uses TEST_REDIS_CLUSTER_URL if set — and its tests get that as their Redis; every other
 * project uses REDIS_URL (default: the Redis on 127.0.0.1:6379).
 */
export default async function setup(project: TestProject) {
  const onCluster = project.name === 'cluster';
  // Projects run side by side in one process: the last letter keeps their databases apart (and
  // neither run id is a prefix of the other, so one project's teardown never drops the other's).
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}${onCluster ? 'c' : 's'}`;
  let cluster: RedisCluster | undefined;
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (onCluster) {
    // Given as redis+cluster://, or as redis:// of one of its nodes.
    if (process.env.TEST_REDIS_CLUSTER_URL)
      redisUrl = await discoverRedisUrl(process.env.TEST_REDIS_CLUSTER_URL);
    else {
      cluster = await startRedisCluster(3);
      redisUrl = cluster.url;
    }
  }
  const base = new URL(
    process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  );
  base.pathname = `/switchboard_test_${runId}`;
  const databaseUrl = base.toString();
  const teardown = async () => {
    try {
      if (process.env.KEEP_TEST_DATABASE !== 'true') {
        await dropRunDatabases(base, `switchboard_test_${runId}`);
      }
      // A cluster started for this run goes as a whole; on a shared Redis only the run's keys.
      if (!cluster) await deleteRunKeys(redisUrl, runId);
    } finally {
      await cluster?.stop();
    }
  };
  try {
    await createDatabase(databaseUrl);
    await migrate(databaseUrl);
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide('databaseUrl', databaseUrl);
  project.provide('runId', runId);
  project.provide('redisUrl', redisUrl);
  return teardown;
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

/**
 * Deletes the run's Redis keys: every test app's prefix holds sbtest:<run>: (possibly inside a
 * hash tag, `{sbtest:<run>:…}`), on every master of a cluster.
 */
async function deleteRunKeys(redisUrl: string, runId: string): Promise<void> {
  const redis = redisConnection(redisUrl, false);
  try {
    await deleteKeys(redis, `*sbtest:${runId}:*`);
  } finally {
    redis.disconnect();
  }
}

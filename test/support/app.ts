import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import type { RedisClient } from '../../src/redis.ts';
import { redisConnection } from '../../src/redis.ts';
import { createScheduler, type Scheduler } from '../../src/delivery/scheduler/scheduler.ts';
import { fanOutStoredEvents } from '../../src/delivery/fanout.ts';
import { stores } from '../../src/store/stores.ts';
import { ALL_SCOPES } from '../../src/domain/scopes.ts';
import { scopedAccount } from '../../src/store/scoped.ts';
import { copyOfTemplate } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  db: Database;
  redis: RedisClient;
  /** The scheduler over this app's Redis prefix, to look into lines or push by hand. */
  scheduler: Scheduler;
  close(): Promise<void>;
}

/**
 * Settings for a test: the run's migrated template database (startTestApp copies it), a Redis
 * prefix of its own, loopback receivers allowed, and quick retries so retry tests take milliseconds.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    SWITCHBOARD_REDIS_PREFIX: `sbtest:${inject('runId')}:${randomBytes(4).toString('hex')}`,
    SWITCHBOARD_ALLOWED_TARGETS: '127.0.0.1/32,::1/128,localhost',
    SWITCHBOARD_RETRY_SCHEDULE_MS: '50,100,150,200',
    SWITCHBOARD_RETRY_JITTER: '0',
    SWITCHBOARD_ATTEMPT_TIMEOUT_MS: '2000',
    SWITCHBOARD_RECONCILE_INTERVAL_MS: '200',
    SWITCHBOARD_RECONCILE_GRACE_MS: '1000',
    LOG_LEVEL: 'silent',
    // Tests start hundreds of workers; the warm-up's own test runs it.
    SWITCHBOARD_WORKER_WARM_UP_DELIVERIES: '0',
    ...overrides,
  });
}

/**
 * Every app gets a database of its own, copied from the run's migrated template: reconcilers and
 * workers of test files running side by side must not see (and deliver) each other's rows.
 */
export async function startTestApp(
  base: Config = testConfig(),
  logger: false | object = false,
): Promise<TestApp> {
  const config = { ...base, databaseUrl: await copyOfTemplate(base.databaseUrl) };
  const db = openDatabase(config.databaseUrl, 5);
  const redis = redisConnection(config.redisUrl, false);
  const app = await buildApp({ config, db, redis, logger });
  await app.ready();
  return {
    app,
    config,
    db,
    redis,
    scheduler: createScheduler(redis, config.redisPrefix, config.delivery),
    async close() {
      await app.close();
      redis.disconnect();
      await db.close();
    },
  };
}

/**
 * A top-level account of its own, so tests in one file do not see each other's hooks. Its key
 * holds every scope, as the platform's root key does (tests publish with it).
 */
export async function createTenant(db: Database, name = 'tenant') {
  const store = stores(db);
  const account = await store.accounts.createRoot(name);
  const { key } = await store.apiKeys.create(scopedAccount(account), {
    name: 'test',
    scopes: ALL_SCOPES,
  });
  return { account, key };
}

/** app.inject with Crossbar's auth header and a JSON body. */
export function api(app: FastifyInstance, key?: string) {
  const call =
    (method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE') => (url: string, data?: unknown) =>
      app.inject({
        method,
        url,
        headers: key ? { 'x-auth-token': key } : {},
        ...(data === undefined ? {} : { payload: { data } }),
      });
  return {
    get: call('GET'),
    put: call('PUT'),
    post: call('POST'),
    patch: call('PATCH'),
    delete: call('DELETE'),
  };
}

/**
 * Fans out events inserted by hand (without their deliveries), as the reconciler would, and puts
 * the deliveries in line; no worker needs to run. Returns the delivery ids.
 */
export async function fanOutStored(
  t: TestApp,
  accountId: string,
  eventIds: string[],
): Promise<string[]> {
  return fanOutStoredEvents(
    stores(t.db),
    async (deliveries) => {
      await t.scheduler.push(deliveries);
    },
    eventIds.map((eventId) => ({ accountId, eventId })),
  );
}

/** An auth token for `key`, from Kazoo's PUT /v2/api_auth. */
export async function authTokenFor(app: FastifyInstance, key: string): Promise<string> {
  const res = await api(app).put('/v2/api_auth', { api_key: key });
  if (res.statusCode !== 201) throw new Error(`api_auth: ${res.statusCode} ${res.body}`);
  return res.json().auth_token as string;
}

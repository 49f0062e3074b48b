import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { redisConnection, type RedisClient } from '../../src/redis.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess } from '../support/envelope.ts';

/**
 * A cold API process, or one whose remembered key has just expired, meets many requests with the
 * same key at once: they share one lookup of that key in Postgres instead of sending one each.
 */
describe('requests with one key arriving together look it up once', () => {
  let t: TestApp;
  let app: FastifyInstance;
  let db: Database;
  let redis: RedisClient;
  let keyLookups = 0;

  beforeAll(async () => {
    t = await startTestApp();
    const real = openDatabase(t.config.databaseUrl, 3);
    // The key's lookup is one raw query over api_keys; count those this app sends.
    const prisma = new Proxy(real.prisma, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (prop === '$queryRaw' && typeof value === 'function') {
          return (strings: TemplateStringsArray, ...values: unknown[]) => {
            if (strings.join('?').includes('FROM api_keys k')) keyLookups++;
            return (value as (...args: unknown[]) => unknown).call(target, strings, ...values);
          };
        }
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    db = { ...real, prisma };
    redis = redisConnection(t.config.redisUrl, false);
    app = await buildApp({ config: t.config, db, redis, logger: false });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    redis.disconnect();
    await db.close();
    await t.close();
  });

  it('50 requests at once with a key the process has not seen: one lookup, all answered', async () => {
    const tenant = await createTenant(t.db, 'crowd');
    const client = api(app, tenant.key);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => client.get(`/v2/accounts/${tenant.account.id}`)),
    );
    for (const res of answers) expectSuccess(res, 200);
    expect(keyLookups).toBe(1);
  });

  it('a crowd with an unknown key shares one lookup too, and every request is refused', async () => {
    keyLookups = 0;
    const stranger = api(app, 'sk_not_a_key_of_anyone_0123456789abcdef');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => stranger.get('/v2/accounts/any')),
    );
    for (const res of answers) expectError(res, 401);
    expect(keyLookups).toBe(1);
  });
});

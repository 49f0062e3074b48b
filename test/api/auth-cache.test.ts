import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import type { RedisClient } from '../../src/redis.ts';
import type { Redis } from 'ioredis';
import { masters, redisConnection } from '../../src/redis.ts';
import { hashToken } from '../../src/domain/ids.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { api, authTokenFor, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess } from '../support/envelope.ts';

/**
 * Keys are remembered by each API process, and a revoke still takes effect at once in every one:
 * two app instances on one database and one Redis, as two API processes would be.
 */
let one: TestApp;
let two: { app: FastifyInstance; db: Database; redis: RedisClient };
let tenant: { id: string; key: string };

beforeAll(async () => {
  one = await startTestApp();
  const db = openDatabase(one.config.databaseUrl, 3);
  const redis = redisConnection(one.config.redisUrl, false);
  const app = await buildApp({ config: one.config, db, redis, logger: false });
  await app.ready();
  two = { app, db, redis };
  const created = await createTenant(one.db, 'cached');
  tenant = { id: created.account.id, key: created.key };
});
afterAll(async () => {
  await two.app.close();
  two.redis.disconnect();
  await two.db.close();
  await one.close();
});

async function newKey() {
  const res = await api(one.app, tenant.key).put(`/v2/accounts/${tenant.id}/api_keys`, {});
  return expectSuccess(res, 201) as { id: string; api_key: string };
}

describe('the auth cache', () => {
  it('remembers a key: a second request does not need its row', async () => {
    const { id, api_key } = await newKey();
    expectSuccess(await api(two.app, api_key).get(`/v2/accounts/${tenant.id}`));
    // Removed behind the API's back (no invalidation): the remembered key still works.
    await one.db.prisma.apiKey.delete({ where: { id } });
    expectSuccess(await api(two.app, api_key).get(`/v2/accounts/${tenant.id}`));
  });

  it('a key revoked in one API process is refused by another on its next request', async () => {
    const { id, api_key } = await newKey();
    expectSuccess(await api(two.app, api_key).get(`/v2/accounts/${tenant.id}`));
    expectSuccess(await api(one.app, api_key).get(`/v2/accounts/${tenant.id}`));
    expectSuccess(
      await api(one.app, tenant.key).delete(`/v2/accounts/${tenant.id}/api_keys/${id}`),
    );
    expectError(await api(two.app, api_key).get(`/v2/accounts/${tenant.id}`), 401);
    expectError(await api(one.app, api_key).get(`/v2/accounts/${tenant.id}`), 401);
  });

  it("a deleted sub-account's keys are refused everywhere at once", async () => {
    const child = expectSuccess(
      await api(one.app, tenant.key).put(`/v2/accounts/${tenant.id}`, { name: 'short-lived' }),
      201,
    ).id as string;
    const key = expectSuccess(
      await api(one.app, tenant.key).put(`/v2/accounts/${child}/api_keys`, {}),
      201,
    ).api_key as string;
    expectSuccess(await api(two.app, key).get(`/v2/accounts/${child}`));
    expectSuccess(await api(one.app, tenant.key).delete(`/v2/accounts/${child}`));
    expectError(await api(two.app, key).get(`/v2/accounts/${child}`), 401);
  });

  it('a rename shows at once in the other process', async () => {
    expectSuccess(await api(two.app, tenant.key).get(`/v2/accounts/${tenant.id}`));
    expectSuccess(
      await api(one.app, tenant.key).patch(`/v2/accounts/${tenant.id}`, { name: 'renamed' }),
    );
    expect(
      expectSuccess(await api(two.app, tenant.key).get(`/v2/accounts/${tenant.id}`)).name,
    ).toBe('renamed');
  });

  it('a token is never remembered past its expiry', async () => {
    const token = await authTokenFor(one.app, tenant.key);
    await one.db.prisma.authToken.update({
      where: { hash: hashToken(token) },
      data: { expiresAt: new Date(Date.now() + 300) },
    });
    expectSuccess(await api(two.app, token).get(`/v2/accounts/${tenant.id}`));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expectError(await api(two.app, token).get(`/v2/accounts/${tenant.id}`), 401);
  });

  it('forgets everything when it stops hearing announcements, and remembers again once it does', async () => {
    const { id, api_key } = await newKey();
    expectSuccess(await api(two.app, api_key).get(`/v2/accounts/${tenant.id}`));
    // Both apps' listeners drop (as when Redis restarts); meanwhile the key goes without an
    // announcement, which neither could have heard.
    // On a cluster each listener is connected to some master: look on every one.
    const listeners: { node: Redis; id: string }[] = [];
    for (const node of masters(one.redis)) {
      const clients = (await node.client('LIST')) as string;
      for (const line of clients.split('\n'))
        if (line.includes(`name=switchboard-auth-listener:${one.config.redisPrefix} `))
          listeners.push({ node, id: /(?:^| )id=(\d+)/.exec(line)![1] });
    }
    expect(listeners.length).toBe(2);
    await one.db.prisma.apiKey.delete({ where: { id } });
    for (const listener of listeners) await listener.node.client('KILL', 'ID', listener.id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expectError(await api(two.app, api_key).get(`/v2/accounts/${tenant.id}`), 401);

    // Listening again (ioredis reconnects): a key is remembered again.
    const again = await newKey();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expectSuccess(await api(two.app, again.api_key).get(`/v2/accounts/${tenant.id}`));
    await one.db.prisma.apiKey.delete({ where: { id: again.id } });
    expectSuccess(await api(two.app, again.api_key).get(`/v2/accounts/${tenant.id}`));
  });
});

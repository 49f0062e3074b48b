import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { ensureRootAccount } from './bootstrap.ts';
import { loadConfigOrExit, type Config } from './config.ts';
import { announceAccessChange } from './http/auth-cache.ts';
import { CLUSTER_FOUND, discoverRedisUrl, redisConnection } from './redis.ts';
import { openDatabase } from './store/db.ts';
import { warmUp } from './http/warm-up.ts';

export interface StartOptions {
  /** Awaited just before the API listens (npm start: until its worker has started). */
  beforeListen?: (app: FastifyInstance) => Promise<void>;
}

/** The API process: bootstrap the root account, listen, and shut down gracefully. */
export async function startApi(given: Config, options: StartOptions = {}) {
  const config = { ...given, redisUrl: await discoverRedisUrl(given.redisUrl) };
  const db = openDatabase(config.databaseUrl);
  const redis = redisConnection(config.redisUrl, false);
  const app = await buildApp({ config, db, redis });
  if (config.redisUrl !== given.redisUrl) app.log.info(CLUSTER_FOUND);
  const { root, generatedKey, retired } = await ensureRootAccount(db, config.rootKey, () =>
    announceAccessChange(redis, config.redisPrefix),
  );
  if (retired > 0) {
    app.log.warn({ retired }, 'SWITCHBOARD_ROOT_KEY changed: the previous root key is retired');
  }
  if (generatedKey) {
    // Printed once, on the first start without SWITCHBOARD_ROOT_KEY; only its hash is stored.
    console.log(`\nRoot account ${root.id}\nRoot API key (shown once, keep it): ${generatedKey}\n`);
  } else {
    app.log.info({ root: root.id }, 'root account ready');
  }
  await warmUp(app, config.warmUpRequests);
  await options.beforeListen?.(app);
  await app.listen({ port: config.port, host: config.host });
  return {
    app,
    async close() {
      await app.close();
      redis.disconnect();
      await db.close();
    },
  };
}

/**
 * Runs `close`, then exits, on SIGINT or SIGTERM, and, in a process started with an IPC channel
 * (a worker under `npm start`, the bench's processes), when that channel closes: its parent has
 * gone, and a worker left behind would deliver on with nobody to stop it.
 */
export function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const shutDown = () => {
    if (closing) return;
    closing = true;
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, shutDown);
  if (process.channel) process.on('disconnect', shutDown);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const api = await startApi(loadConfigOrExit());
  onShutdown(api.close);
}

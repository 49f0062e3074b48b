import { listenerConnection, type RedisClient } from '../redis.ts';
import { hashToken } from '../domain/ids.ts';
import type { Account } from '../store/accounts.ts';
import type { Credential } from '../store/api-keys.ts';
import type { Stores } from '../store/stores.ts';
import { loadingCache } from '../loading-cache.ts';
import { within } from '../time-limit.ts';

/**
 * Keys, tokens and accounts as the auth guard reads them, remembered in this process so that an
 * authenticated request costs neither a Postgres nor a Redis round trip.
 *
 * Revocation must still take effect at once in every API process. Whatever can take access away
 * (a key revoked, an account renamed or deleted, the root key retired) is announced on a Redis
 * channel before the change is answered, and every API process listens: an announcement makes it
 * forget everything it remembered. The change is answered only after the announcement has gone
 * out and had a few milliseconds to arrive, and each request lets the event loop take in what has
 * arrived before it trusts a remembered entry, so a client that hears its change is done finds it
 * done in every process. While a process is
 * not listening (Redis away, reconnecting), it remembers nothing and asks Postgres every time —
 * slower, never wrong. An entry also lives at most `ttlMs`, and a token's never past its expiry;
 * one in steady use is loaded again shortly before, and a miss that many requests share is one
 * load (loading-cache.ts), so neither a cold start nor an expiry sends a crowd to Postgres.
 */
export interface AuthCache {
  credential(token: string): Promise<Credential | null>;
  account(id: string): Promise<Account | null>;
  /** After a change that can take access away: every API process forgets before its next request. */
  invalidate(): Promise<void>;
  /** Resolves once the process listens for announcements (or after a short wait without Redis). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface AuthCacheOptions {
  redisUrl: string;
  redisPrefix: string;
  /** The process's Redis connection, for announcing (listening needs a connection of its own). */
  redis: RedisClient;
  stores: Stores;
  ttlMs?: number;
  maxEntries?: number;
}

const REDIS_TIMEOUT_MS = 250;
/** How long a change's answer waits after its announcement (see invalidate). */
const ANNOUNCE_SETTLE_MS = 20;

function changesChannel(redisPrefix: string): string {
  return `${redisPrefix}:auth:changed`;
}

/**
 * Tells every API process sharing this Redis prefix to forget what it remembered (also usable
 * where no cache is at hand, e.g. at start-up after retiring a root key).
 */
export async function announceAccessChange(redis: RedisClient, redisPrefix: string): Promise<void> {
  await within(
    REDIS_TIMEOUT_MS * 4,
    redis.publish(changesChannel(redisPrefix), 'changed'),
    'auth invalidation',
  );
}

/** One turn of the event loop: what has arrived on any socket (an announcement) is taken in. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function authCache(options: AuthCacheOptions): AuthCache {
  const { stores, ttlMs = 10_000, maxEntries = 10_000 } = options;
  const channel = changesChannel(options.redisPrefix);
  /** True only while subscribed: announcements can reach this process. */
  let listening = false;
  // A value loaded across a forgetting may predate the change: the cache keeps none of those.
  const entries = loadingCache({ ttlMs, maxEntries, keep: () => listening });
  const forget = () => entries.clear();

  // A connection of its own: a subscribed connection can do nothing else.
  const subscriber = listenerConnection(options.redisUrl, {
    enableOfflineQueue: false,
    autoResubscribe: false,
    connectionName: `switchboard-auth-listener:${options.redisPrefix}`,
  });
  subscriber.on('message', forget);
  // Whatever was announced while not listening is unknown: forget, and trust nothing until
  // subscribed again.
  subscriber.on('close', () => {
    listening = false;
    forget();
  });
  let subscribed: Promise<void> = Promise.resolve();
  const subscribe = () => {
    subscribed = subscriber.subscribe(channel).then(
      () => {
        forget();
        listening = true;
      },
      () => {},
    );
  };
  subscriber.on('ready', subscribe);

  async function remembered<T>(
    key: string,
    load: () => Promise<T | null>,
    expiresAt?: (value: T) => Date | null,
  ): Promise<T | null> {
    await nextTurn();
    if (!listening) return load();
    return entries.get(key, load, expiresAt);
  }

  return {
    credential(token) {
      const hash = hashToken(token);
      return remembered(
        `credential:${hash}`,
        () => stores.apiKeys.findCredential(hash),
        (c) => c.expiresAt,
      );
    },
    account(id) {
      return remembered(`account:${id}`, () => stores.accounts.find(id));
    },
    async invalidate() {
      forget();
      // Without Redis the other processes are not remembering anything either (see above).
      const announced = await announceAccessChange(options.redis, options.redisPrefix).then(
        () => true,
        () => false,
      );
      // Redis answers the announcer in the same pass in which it writes to the listeners; a few
      // milliseconds more let every listener take it in before the change is answered.
      if (announced) await new Promise((resolve) => setTimeout(resolve, ANNOUNCE_SETTLE_MS));
    },
    async ready() {
      const deadline = Date.now() + 1_000;
      while (!listening && Date.now() < deadline) {
        await Promise.race([subscribed, new Promise((r) => setTimeout(r, 20))]);
      }
    },
    async close() {
      subscriber.disconnect();
    },
  };
}

import { Redis } from 'ioredis';
import { hashToken } from '../domain/ids.ts';
import type { Account } from '../store/accounts.ts';
import type { Credential } from '../store/api-keys.ts';
import type { Stores } from '../store/stores.ts';
import { within } from '../time-limit.ts';

/**
 * Keys, tokens and accounts as the auth guard reads them, remembered in this process so that an
 * authenticated request does not cost a Postgres round trip.
 *
 * Revocation must still take effect at once in every API process. A generation counter held in
 * Redis says when anything that can take access away has changed (a key revoked, an account
 * renamed or deleted, the root key retired): each request reads it — one small Redis GET — and a
 * process that sees a new value forgets everything it remembered. An entry also lives at most
 * `ttlMs` (a safety net), and a token's never past its expiry. Without Redis nothing is
 * remembered: every request asks Postgres, which is slower but never wrong.
 */
export interface AuthCache {
  credential(token: string): Promise<Credential | null>;
  account(id: string): Promise<Account | null>;
  /** After a change that can take access away: every API process forgets before its next request. */
  invalidate(): Promise<void>;
  close(): Promise<void>;
}

export interface AuthCacheOptions {
  redisUrl: string;
  redisPrefix: string;
  stores: Stores;
  ttlMs?: number;
  maxEntries?: number;
}

const REDIS_TIMEOUT_MS = 250;

function generationKey(redisPrefix: string): string {
  return `${redisPrefix}:auth:generation`;
}

/**
 * Tells every API process sharing this Redis prefix to forget what it remembered (also usable
 * where no cache is at hand, e.g. at start-up after retiring a root key).
 */
export async function announceAccessChange(redis: Redis, redisPrefix: string): Promise<void> {
  await within(REDIS_TIMEOUT_MS * 4, redis.incr(generationKey(redisPrefix)), 'auth invalidation');
}

export function authCache(options: AuthCacheOptions): AuthCache {
  const { stores, ttlMs = 10_000, maxEntries = 10_000 } = options;
  // No offline queue: while Redis is away a GET fails at once and the guard asks Postgres.
  const redis = new Redis(options.redisUrl, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
  });
  redis.on('error', () => {});
  const entries = new Map<string, { value: unknown; until: number }>();
  let seen: string | null = null;

  /** The cluster's generation, or undefined when Redis cannot say (then nothing is cached). */
  async function currentGeneration(): Promise<string | null | undefined> {
    try {
      return await within(
        REDIS_TIMEOUT_MS,
        redis.get(generationKey(options.redisPrefix)),
        'auth generation',
      );
    } catch {
      return undefined;
    }
  }

  async function remembered<T>(
    key: string,
    load: () => Promise<T | null>,
    expiresAt: (value: T) => Date | null = () => null,
  ): Promise<T | null> {
    const generation = await currentGeneration();
    if (generation === undefined) return load();
    if (generation !== seen) {
      entries.clear();
      seen = generation;
    }
    const hit = entries.get(key);
    if (hit && hit.until > Date.now()) return hit.value as T;
    const value = await load();
    // A newer generation seen while loading means this value may be from before the change.
    if (value !== null && seen === generation) {
      const expiry = expiresAt(value)?.getTime() ?? Infinity;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { value, until: Math.min(Date.now() + ttlMs, expiry) });
    }
    return value;
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
      entries.clear();
      // Without Redis the other processes are not caching either (see above).
      await announceAccessChange(redis, options.redisPrefix).catch(() => {});
    },
    async close() {
      redis.disconnect();
    },
  };
}

/**
 * Values loaded on demand and remembered for a while, for the lookups that every request or job
 * makes (an API key's credential, an account's existence). Three rules keep a busy process from
 * stalling on them:
 *
 * - **One load at a time per key.** Requests that miss while a load is under way wait for that
 *   load instead of each asking the database: at a cold start a few hundred requests arrive in
 *   the same millisecond with the same key.
 * - **Refresh ahead.** A value used in the last part of its life (`refreshAhead`, a fraction of
 *   `ttlMs`) is loaded again in the background while it is still served, so a key in steady use
 *   never expires in front of a request.
 * - **A hard limit.** No value is served more than `ttlMs` after its load began, nor past its
 *   own expiry (`expiresAt`). A load that fails or finds nothing (`null`) is not remembered, and
 *   a refresh that finds nothing forgets the value.
 *
 * `clear()` forgets everything, loads under way included: a value whose load began before a clear
 * is neither kept nor handed to a request that asked after it.
 */
export interface LoadingCache {
  get<T>(
    key: string,
    load: () => Promise<T | null>,
    expiresAt?: (value: T) => Date | null,
  ): Promise<T | null>;
  clear(): void;
}

export interface LoadingCacheOptions {
  ttlMs: number;
  maxEntries: number;
  /** The last fraction of a value's life in which a use loads it again in the background. */
  refreshAhead?: number;
  /** Whether a value just loaded may be kept (e.g. only while invalidations can arrive). */
  keep?: () => boolean;
  now?: () => number;
}

interface Entry {
  value: unknown;
  /** Served until then, never after. */
  until: number;
  /** Used after then, it is loaded again in the background. */
  refreshAt: number;
}

export function loadingCache(options: LoadingCacheOptions): LoadingCache {
  const { ttlMs, maxEntries, refreshAhead = 0.25, keep = () => true, now = Date.now } = options;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<unknown>>();
  /** Counts clears: a load that began before one is not kept. */
  let epoch = 0;

  function remember(key: string, value: unknown, began: number, expiry: Date | null): void {
    if (value === null) {
      entries.delete(key);
      return;
    }
    if (!keep()) return;
    // Oldest out first: a Map keeps insertion order, and a value loaded again is re-inserted.
    entries.delete(key);
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
    entries.set(key, {
      value,
      until: Math.min(began + ttlMs, expiry?.getTime() ?? Infinity),
      refreshAt: began + ttlMs * (1 - refreshAhead),
    });
  }

  function loadOnce<T>(
    key: string,
    load: () => Promise<T | null>,
    expiresAt: (value: T) => Date | null,
  ): Promise<T | null> {
    const underWay = loading.get(key);
    if (underWay) return underWay as Promise<T | null>;
    const started = epoch;
    const began = now();
    const loaded = load().then((value) => {
      if (epoch === started) {
        remember(key, value, began, value === null ? null : expiresAt(value));
      }
      return value;
    });
    const settled = () => {
      if (loading.get(key) === loaded) loading.delete(key);
    };
    loaded.then(settled, settled);
    loading.set(key, loaded);
    return loaded;
  }

  return {
    async get<T>(
      key: string,
      load: () => Promise<T | null>,
      expiresAt: (value: T) => Date | null = () => null,
    ): Promise<T | null> {
      const hit = entries.get(key);
      const at = now();
      if (hit && hit.until > at) {
        // Still good: served as it is; near its end, loaded again for the next requests. A
        // failed refresh leaves it to its hard limit (the request after that loads and sees why).
        if (at >= hit.refreshAt) loadOnce(key, load, expiresAt).catch(() => {});
        return hit.value as T;
      }
      return loadOnce(key, load, expiresAt);
    },
    clear() {
      entries.clear();
      loading.clear();
      epoch++;
    },
  };
}

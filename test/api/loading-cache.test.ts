import { describe, expect, it } from 'vitest';
import { loadingCache } from '../../src/loading-cache.ts';

/** A load the test finishes by hand, counting how often it was started. */
function manualLoads<T>() {
  const pending: { resolve: (v: T | null) => void; reject: (e: Error) => void }[] = [];
  const load = () =>
    new Promise<T | null>((resolve, reject) => {
      pending.push({ resolve, reject });
    });
  return { load, pending, started: () => pending.length };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('loadingCache: what every request looks up, without sending a crowd to the database', () => {
  it('misses that arrive together share one load, and all get its value', async () => {
    const cache = loadingCache({ ttlMs: 10_000, maxEntries: 10 });
    const loads = manualLoads<string>();
    const gets = Array.from({ length: 200 }, () => cache.get('key', loads.load));
    expect(loads.started()).toBe(1);
    loads.pending[0].resolve('credential');
    expect(await Promise.all(gets)).toEqual(Array(200).fill('credential'));
    expect(await cache.get('key', loads.load)).toBe('credential');
    expect(loads.started()).toBe(1);
  });

  it('different keys load separately', async () => {
    const cache = loadingCache({ ttlMs: 10_000, maxEntries: 10 });
    const loads = manualLoads<string>();
    const a = cache.get('a', loads.load);
    const b = cache.get('b', loads.load);
    expect(loads.started()).toBe(2);
    loads.pending[0].resolve('A');
    loads.pending[1].resolve('B');
    expect([await a, await b]).toEqual(['A', 'B']);
  });

  it('a value in the last quarter of its life is served and loaded again in the background', async () => {
    let now = 0;
    const cache = loadingCache({ ttlMs: 1_000, maxEntries: 10, now: () => now });
    const loads = manualLoads<string>();
    const first = cache.get('key', loads.load);
    loads.pending[0].resolve('v1');
    expect(await first).toBe('v1');

    now = 700; // not yet near its end
    expect(await cache.get('key', loads.load)).toBe('v1');
    expect(loads.started()).toBe(1);

    now = 800; // near its end: served, and one refresh starts however many ask
    expect(await cache.get('key', loads.load)).toBe('v1');
    expect(await cache.get('key', loads.load)).toBe('v1');
    expect(loads.started()).toBe(2);
    loads.pending[1].resolve('v2');
    await turn();

    now = 1_500; // past the first load's life, within the refresh's (began at 800)
    expect(await cache.get('key', loads.load)).toBe('v2');
    expect(loads.started()).toBe(2);
  });

  it('never serves a value past its life: a key not used in time is loaded while the request waits', async () => {
    let now = 0;
    const cache = loadingCache({ ttlMs: 1_000, maxEntries: 10, now: () => now });
    const loads = manualLoads<string>();
    const first = cache.get('key', loads.load);
    loads.pending[0].resolve('old');
    await first;

    now = 1_000;
    const second = cache.get('key', loads.load);
    expect(loads.started()).toBe(2);
    loads.pending[1].resolve('new');
    expect(await second).toBe('new');
  });

  it("a value's own expiry comes before the cache's life", async () => {
    let now = 0;
    const cache = loadingCache({ ttlMs: 10_000, maxEntries: 10, now: () => now });
    const loads = manualLoads<{ expires: Date }>();
    const first = cache.get('token', loads.load, (v) => v.expires);
    loads.pending[0].resolve({ expires: new Date(500) });
    await first;
    now = 499;
    await cache.get('token', loads.load, (v) => v.expires);
    expect(loads.started()).toBe(1);
    now = 500;
    void cache.get('token', loads.load, (v) => v.expires);
    expect(loads.started()).toBe(2);
  });

  it('nothing found is not remembered; a refresh that finds nothing forgets the value', async () => {
    let now = 0;
    const cache = loadingCache({ ttlMs: 1_000, maxEntries: 10, now: () => now });
    const loads = manualLoads<string>();
    const missing = cache.get('gone', loads.load);
    loads.pending[0].resolve(null);
    expect(await missing).toBeNull();
    void cache.get('gone', loads.load);
    expect(loads.started()).toBe(2);
    loads.pending[1].resolve('there');
    await turn();

    now = 900; // refresh finds the key deleted
    expect(await cache.get('gone', loads.load)).toBe('there');
    loads.pending[2].resolve(null);
    await turn();
    void cache.get('gone', loads.load);
    expect(loads.started()).toBe(4);
  });

  it('a failed load is not remembered, and reaches every request that shared it', async () => {
    const cache = loadingCache({ ttlMs: 1_000, maxEntries: 10 });
    const loads = manualLoads<string>();
    const a = cache.get('key', loads.load);
    const b = cache.get('key', loads.load);
    loads.pending[0].reject(new Error('database away'));
    await expect(a).rejects.toThrow('database away');
    await expect(b).rejects.toThrow('database away');
    void cache.get('key', loads.load).catch(() => {});
    expect(loads.started()).toBe(2);
  });

  it('a failed refresh keeps the value until its life ends', async () => {
    let now = 0;
    const cache = loadingCache({ ttlMs: 1_000, maxEntries: 10, now: () => now });
    const loads = manualLoads<string>();
    const first = cache.get('key', loads.load);
    loads.pending[0].resolve('v1');
    await first;
    now = 900;
    expect(await cache.get('key', loads.load)).toBe('v1');
    loads.pending[1].reject(new Error('database away'));
    await turn();
    expect(await cache.get('key', loads.load)).toBe('v1');
  });

  it('clear() forgets values and loads under way: a request after it never gets an older load', async () => {
    const cache = loadingCache({ ttlMs: 10_000, maxEntries: 10 });
    const loads = manualLoads<string>();
    const before = cache.get('key', loads.load);
    cache.clear();
    const after = cache.get('key', loads.load);
    expect(loads.started()).toBe(2);
    loads.pending[0].resolve('before the change');
    loads.pending[1].resolve('after the change');
    expect(await before).toBe('before the change');
    expect(await after).toBe('after the change');
    // The load that began before the clear is not kept either.
    expect(await cache.get('key', loads.load)).toBe('after the change');
    expect(loads.started()).toBe(2);
  });

  it('a load that ends after a clear is not kept', async () => {
    const cache = loadingCache({ ttlMs: 10_000, maxEntries: 10 });
    const loads = manualLoads<string>();
    const before = cache.get('key', loads.load);
    cache.clear();
    loads.pending[0].resolve('stale');
    await before;
    void cache.get('key', loads.load);
    expect(loads.started()).toBe(2);
  });

  it('keeps nothing while keep() says no, and still answers', async () => {
    let keeping = false;
    const cache = loadingCache({ ttlMs: 10_000, maxEntries: 10, keep: () => keeping });
    const loads = manualLoads<string>();
    const first = cache.get('key', loads.load);
    loads.pending[0].resolve('v');
    expect(await first).toBe('v');
    void cache.get('key', loads.load);
    expect(loads.started()).toBe(2);
    keeping = true;
    loads.pending[1].resolve('v');
    await turn();
    expect(await cache.get('key', loads.load)).toBe('v');
    expect(loads.started()).toBe(2);
  });

  it('holds at most maxEntries, the oldest going first', async () => {
    const cache = loadingCache({ ttlMs: 10_000, maxEntries: 2 });
    let loaded = 0;
    const load = (v: string) => async () => {
      loaded++;
      return v;
    };
    await cache.get('a', load('A'));
    await cache.get('b', load('B'));
    await cache.get('c', load('C'));
    expect(loaded).toBe(3);
    await cache.get('c', load('C'));
    await cache.get('b', load('B'));
    expect(loaded).toBe(3);
    await cache.get('a', load('A'));
    expect(loaded).toBe(4);
  });
});

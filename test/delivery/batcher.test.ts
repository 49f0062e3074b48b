import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../src/delivery/batcher.ts';

/** Group commit: items submitted together share one run; a bad item fails alone. */
describe('createBatcher', () => {
  it('runs items that arrive together as one batch and answers each with its own result', async () => {
    const runs: number[][] = [];
    const batcher = createBatcher(
      async (items: number[]) => {
        runs.push(items);
        return items.map((n) => n * 10);
      },
      { maxSize: 100, maxConcurrent: 2 },
    );
    const results = await Promise.all([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('splits at maxSize', async () => {
    const runs: number[][] = [];
    const batcher = createBatcher(
      async (items: number[]) => {
        runs.push(items);
        return items;
      },
      { maxSize: 2, maxConcurrent: 2 },
    );
    await Promise.all([1, 2, 3, 4].map((n) => batcher.submit(n)));
    expect(runs).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('when a batch fails, retries each item alone so only the bad one fails', async () => {
    const runs: number[][] = [];
    const batcher = createBatcher(
      async (items: number[]) => {
        runs.push(items);
        if (items.includes(13)) throw new Error('unlucky');
        return items;
      },
      { maxSize: 100, maxConcurrent: 2 },
    );
    const outcomes = await Promise.allSettled([1, 13, 2].map((n) => batcher.submit(n)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(runs).toEqual([[1, 13, 2], [1], [13], [2]]);
  });

  it('while maxConcurrent batches run, new items wait and then go together', async () => {
    const runs: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = createBatcher(
      async (items: number[]) => {
        runs.push(items);
        if (items[0] === 1) await gate;
        return items;
      },
      { maxSize: 100, maxConcurrent: 1 },
    );
    const first = batcher.submit(1);
    await new Promise((r) => setImmediate(r));
    const later = [2, 3, 4].map((n) => batcher.submit(n));
    await new Promise((r) => setTimeout(r, 10));
    expect(runs).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(runs).toEqual([[1], [2, 3, 4]]);
  });

  it('drain waits for what is queued and in flight', async () => {
    let finished = 0;
    const batcher = createBatcher(
      async (items: number[]) => {
        await new Promise((r) => setTimeout(r, 20));
        finished += items.length;
        return items;
      },
      { maxSize: 100, maxConcurrent: 1 },
    );
    void batcher.submit(1);
    void batcher.submit(2);
    await batcher.drain();
    expect(finished).toBe(2);
  });

  describe('minIntervalMs', () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    function recording(interval: number) {
      const starts: { at: number; items: number[] }[] = [];
      const batcher = createBatcher(
        async (items: number[]) => {
          starts.push({ at: performance.now(), items });
          return items;
        },
        { maxSize: 100, maxConcurrent: 1, minIntervalMs: interval },
      );
      return { starts, batcher };
    }

    it('the first item after a quiet spell starts at once; the next waits out the interval', async () => {
      // Ten minutes: had the first item waited for the interval, the test would time out.
      const { starts, batcher } = recording(600_000);
      await batcher.submit(1);
      const second = batcher.submit(2);
      await new Promise((r) => setImmediate(r));
      expect(starts.map((s) => s.items)).toEqual([[1]]);
      await batcher.drain();
      expect(await second).toBe(2);
      expect(starts.map((s) => s.items)).toEqual([[1], [2]]);
    });

    it('items arriving within the interval after a batch started wait and go together', async () => {
      const { starts, batcher } = recording(150);
      const first = batcher.submit(1);
      await first;
      const later: Promise<number>[] = [];
      for (const n of [2, 3, 4]) {
        await sleep(10);
        later.push(batcher.submit(n));
      }
      expect(await Promise.all(later)).toEqual([2, 3, 4]);
      // Without the interval each would have gone alone, right after the one before.
      expect(starts.map((s) => s.items)).toEqual([[1], [2, 3, 4]]);
      expect(starts[1].at - starts[0].at).toBeGreaterThanOrEqual(140);
    });

    it('drain does not wait for the interval', async () => {
      // Ten minutes: a drain that waited for it would outlast the test's timeout.
      const { starts, batcher } = recording(600_000);
      await batcher.submit(1);
      const second = batcher.submit(2);
      await batcher.drain();
      expect(await second).toBe(2);
      expect(starts.map((s) => s.items)).toEqual([[1], [2]]);
    });
  });
});

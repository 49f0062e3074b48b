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
      { maxSize: 100, maxWaitMs: 5 },
    );
    const results = await Promise.all([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('flushes at maxSize without waiting', async () => {
    const runs: number[][] = [];
    const batcher = createBatcher(
      async (items: number[]) => {
        runs.push(items);
        return items;
      },
      { maxSize: 2, maxWaitMs: 60_000 },
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
      { maxSize: 100, maxWaitMs: 5 },
    );
    const outcomes = await Promise.allSettled([1, 13, 2].map((n) => batcher.submit(n)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(runs).toEqual([[1, 13, 2], [1], [13], [2]]);
  });

  it('drain waits for what is queued and in flight', async () => {
    let finished = 0;
    const batcher = createBatcher(
      async (items: number[]) => {
        await new Promise((r) => setTimeout(r, 20));
        finished += items.length;
        return items;
      },
      { maxSize: 100, maxWaitMs: 60_000 },
    );
    void batcher.submit(1);
    void batcher.submit(2);
    await batcher.drain();
    expect(finished).toBe(2);
  });
});

/**
 * Group commit: callers hand in one item each and await its result; items are handled by one call
 * of `run` per batch. A batch starts at once (items submitted in the same tick share it) while
 * fewer than `maxConcurrent` batches are running; otherwise items wait, and go together as soon
 * as a running batch ends. At low load nothing waits for a timer; under load batches grow by
 * themselves. On the hot path this turns a thousand single-row reads or writes into a handful of
 * set-based statements without giving up "the call returns only after its row is stored".
 *
 * `minIntervalMs` spaces the starts of batches: after one starts, the next waits until the
 * interval has passed, gathering what arrives meanwhile. Without it a busy batcher runs its
 * statements back to back, so the database's work grows with how fast it answers rather than with
 * the load; with it a batcher costs at most 1000 / minIntervalMs statements a second, whatever the
 * rate, for at most that much added wait. An item arriving after a quiet spell still starts at once.
 */
export interface BatcherOptions {
  /** Most items in one batch. */
  maxSize: number;
  /** Most batches running at once (keep it below the connection pool's size). */
  maxConcurrent: number;
  /** Least time between the starts of two batches (default 0: none). */
  minIntervalMs?: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export function createBatcher<I, O>(run: (items: I[]) => Promise<O[]>, options: BatcherOptions) {
  let pending: Pending<I, O>[] = [];
  let scheduled = false;
  let running = 0;
  const inFlight = new Set<Promise<void>>();

  /** One bad item must not fail the others that shared its batch: retry each alone. */
  async function runBatch(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      await Promise.all(
        batch.map((p) =>
          run([p.item]).then(
            ([result]) => p.resolve(result),
            (alone: unknown) => p.reject(alone),
          ),
        ),
      );
    }
  }

  const interval = options.minIntervalMs ?? 0;
  let lastStart = -Infinity;
  let draining = false;

  /** How long until the next batch may start (none while draining). */
  const untilNext = () => (draining ? 0 : lastStart + interval - performance.now());

  function schedule(delayMs: number): void {
    if (scheduled) return;
    scheduled = true;
    if (delayMs > 0) setTimeout(flush, delayMs);
    else setImmediate(flush);
  }

  function flush(): void {
    scheduled = false;
    while (pending.length > 0 && running < options.maxConcurrent) {
      const wait = untilNext();
      if (wait > 0) {
        schedule(wait);
        return;
      }
      lastStart = performance.now();
      const batch = pending.slice(0, options.maxSize);
      pending = pending.slice(batch.length);
      running++;
      const done = runBatch(batch).finally(() => {
        running--;
        inFlight.delete(done);
        flush();
      });
      inFlight.add(done);
    }
  }

  return {
    submit(item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (running < options.maxConcurrent) {
          schedule(untilNext());
        }
      });
    },
    /** Waits for everything queued and in flight, without spacing what is left (shutdown). */
    async drain(): Promise<void> {
      draining = true;
      flush();
      while (inFlight.size > 0 || pending.length > 0) {
        await Promise.allSettled([...inFlight]);
        flush();
      }
      draining = false;
    },
  };
}

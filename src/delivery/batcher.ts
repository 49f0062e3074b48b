/**
 * Group commit: callers hand in one item each and await its result; items that arrive within
 * `maxWaitMs` of each other (or until `maxSize`) are handled by one call of `run`. On the hot path
 * this turns a thousand single-row reads or writes into a handful of set-based statements without
 * giving up "the job completes only after its row is stored".
 */
export interface BatcherOptions {
  maxSize: number;
  maxWaitMs: number;
}

export function createBatcher<I, O>(run: (items: I[]) => Promise<O[]>, options: BatcherOptions) {
  let pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    const done = run(batch.map((p) => p.item)).then(
      (results) => batch.forEach((p, i) => p.resolve(results[i])),
      // One bad item must not fail the others that happened to share its batch: retry each
      // alone, so only the culprit fails (and its job is retried or reconciled on its own).
      (error: unknown) =>
        batch.length === 1
          ? batch[0].reject(error)
          : Promise.all(
              batch.map((p) =>
                run([p.item]).then(
                  ([result]) => p.resolve(result),
                  (alone: unknown) => p.reject(alone),
                ),
              ),
            ).then(() => undefined),
    );
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  }

  return {
    submit(item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (pending.length >= options.maxSize) flush();
        else timer ??= setTimeout(flush, options.maxWaitMs);
      });
    },
    /** Runs what is queued now and waits for every batch still running. */
    async drain(): Promise<void> {
      flush();
      await Promise.allSettled([...inFlight]);
    },
  };
}

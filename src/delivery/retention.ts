import type { RetentionStore } from '../store/retention.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 1000;
/** How often a retention pass runs (once per cluster: src/housekeeping/). */
export const RETENTION_INTERVAL_MS = 10 * 60 * 1000;
/** A pass keeps deleting while there is more, for at most this long; the next pass goes on. */
const PASS_BUDGET_MS = 60_000;

/** One retention pass: deletes ended events older than `retentionDays`. Returns how many. */
export async function purgeExpired(
  store: RetentionStore,
  retentionDays: number,
  now = new Date(),
): Promise<number> {
  if (retentionDays <= 0) return 0;
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const deadline = Date.now() + PASS_BUDGET_MS;
  let total = 0;
  for (;;) {
    const deleted = await store.deleteExpiredEvents(cutoff, BATCH);
    total += deleted;
    if (deleted < BATCH || Date.now() > deadline) return total;
  }
}

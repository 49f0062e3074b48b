import type { FastifyBaseLogger } from 'fastify';
import { runEvery, type Periodic } from '../periodic.ts';
import type { RetentionStore } from '../store/retention.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 1000;
const INTERVAL_MS = 10 * 60 * 1000;
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

/** Keeps the events, deliveries and attempts tables from growing forever. */
export function startRetention(
  store: RetentionStore,
  retentionDays: number,
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
): Periodic {
  return runEvery(
    'retention',
    INTERVAL_MS,
    async () => {
      const deleted = await purgeExpired(store, retentionDays);
      if (deleted > 0) log.info({ deleted, retentionDays }, 'deleted expired events');
    },
    log,
  );
}

import { daysAhead, expiredDays, retentionCutoff } from '../domain/partition-days.ts';
import type { PartitionStore } from '../store/partitions.ts';
import type { RetentionStore } from '../store/retention.ts';

/** How often a retention pass runs (once per cluster: src/housekeeping/). */
export const RETENTION_INTERVAL_MS = 10 * 60 * 1000;
/** A pass keeps going while there is more, for at most this long; the next pass goes on. */
const PASS_BUDGET_MS = 60_000;
/** Event keys deleted per statement: short statements, no long lock on event_keys rows. */
const KEY_BATCH = 10_000;

export interface RetentionStores {
  retention: RetentionStore;
  partitions: PartitionStore;
}

/** What one pass did. Days are 'YYYY-MM-DD' (UTC). */
export interface RetentionPass {
  /** Days whose partitions this pass made (ahead, or for rows that waited in a DEFAULT one). */
  madeDays: string[];
  /** Days dropped whole: their events, deliveries and attempts. */
  droppedDays: string[];
  /** Expired days kept because a delivery is still pending (or a fan-out owed): a later pass drops them. */
  keptDays: string[];
  /** Expired days whose locks were not had in time: the next pass tries again. */
  busyDays: string[];
  /** Keys of dropped events deleted from the event-id dedup. */
  keysDeleted: number;
}

/**
 * One retention pass. First the partitions of today and the next days are made (and of any day
 * whose rows wait in a DEFAULT partition), so publishing never waits on them. Then every day that
 * has wholly outlived `retentionDays` is dropped whole, oldest first, unless it still owes work:
 * such a day is kept whole until its last delivery ends. Last, the dropped events' keys go from
 * the event-id dedup, so an id can be accepted again once its event is gone — as before.
 */
export async function purgeExpired(
  stores: RetentionStores,
  retentionDays: number,
  now = new Date(),
): Promise<RetentionPass> {
  const { retention, partitions } = stores;
  const deadline = Date.now() + PASS_BUDGET_MS;
  const waiting = await partitions.daysInDefault();
  const madeDays = await partitions.create([...new Set([...daysAhead(now), ...waiting])]);
  const pass: RetentionPass = {
    madeDays,
    droppedDays: [],
    keptDays: [],
    busyDays: [],
    keysDeleted: 0,
  };
  if (retentionDays <= 0) return pass;
  for (const day of expiredDays(await partitions.days(), now, retentionDays)) {
    if (Date.now() > deadline) break;
    const outcome = await retention.dropDay(day);
    if (outcome === 'dropped') pass.droppedDays.push(day);
    else if (outcome === 'pending') pass.keptDays.push(day);
    else pass.busyDays.push(day);
  }
  // The dropped days' keys by their time range; then any key whose event is gone, which only a
  // pass that stopped between a drop and its keys leaves (each of those keys is looked up).
  for (const day of pass.droppedDays) {
    while (Date.now() <= deadline) {
      const deleted = await retention.deleteKeysOfDay(day, KEY_BATCH);
      pass.keysDeleted += deleted;
      if (deleted < KEY_BATCH) break;
    }
  }
  const cutoff = retentionCutoff(now, retentionDays);
  while (Date.now() <= deadline) {
    const deleted = await retention.deleteKeysOfDroppedEvents(cutoff, KEY_BATCH);
    pass.keysDeleted += deleted;
    if (deleted < KEY_BATCH) break;
  }
  return pass;
}

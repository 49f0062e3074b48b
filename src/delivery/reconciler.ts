import type { RedisClient } from '../redis.ts';
import type { PendingCursor } from '../store/deliveries.ts';
import type { Stores } from '../store/stores.ts';
import { fanOutStoredEvents, pendingToPush, type PushDeliveries } from './fanout.ts';
import type { Scheduler } from './scheduler/scheduler.ts';

const PAGE = 1_000;
/**
 * Pages walked per pass: a pass stays short, and the walk goes on from there next time. A backlog
 * that is only waiting its turn is walked too (its deliveries are pending and due), so this also
 * bounds what the walk costs while one drains: 7,000 rows per pass, every 5 s by default.
 */
const PAGES_PER_PASS = 7;

/**
 * Postgres is the source of truth; Redis only holds the lines deliveries wait in. The reconciler
 * puts back what Redis lost — a push that failed after the commit, a Redis restart, the claim of a
 * worker that died — by walking pending deliveries older than the grace period, or left by a run
 * whose lease lapsed, and pushing those that are neither waiting nor in flight. It also fans out
 * events that still owe it. The walk resumes where it stopped, so a webhook with a huge backlog
 * cannot keep it from the others.
 */
export function createReconciler(
  stores: Stores,
  scheduler: Scheduler,
  push: PushDeliveries,
  graceMs: number,
  walk: WalkCursor = cursorInMemory(),
) {
  async function reconcileOnce(): Promise<{ events: number; deliveries: number }> {
    const cutoff = new Date(Date.now() - graceMs);
    const owed = await stores.events.awaitingFanout(cutoff, PAGE);
    await fanOutStoredEvents(stores, push, owed);
    let requeued = 0;
    let cursor = await walk.read();
    for (let page = 0; page < PAGES_PER_PASS; page++) {
      const rows = await stores.deliveries.pendingPage(cutoff, cursor, PAGE);
      const last = rows.at(-1);
      cursor =
        rows.length === PAGE && last
          ? { nextAttemptAt: last.nextAttemptAt, id: last.id }
          : undefined;
      // Saved page by page: a pass cut short (its worker died) is continued, not restarted.
      await walk.write(cursor);
      await stores.deliveries.skipOrphans(
        rows.filter((r) => r.webhookId === null).map((r) => r.id),
      );
      const lost = await pendingToPush(stores, rows);
      requeued += await scheduler.push(lost, { onlyIfAbsent: true });
      if (!cursor) break;
    }
    return { events: owed.length, deliveries: requeued };
  }

  return { reconcileOnce };
}

/**
 * Where the reconciler's walk stands between passes. Passes run on whichever worker takes the
 * housekeeping job (src/housekeeping/), so the cursor lives in Redis, where the next one finds it.
 */
export interface WalkCursor {
  read(): Promise<PendingCursor | undefined>;
  write(cursor: PendingCursor | undefined): Promise<void>;
}

/** For a reconciler called on its own (tests): the walk is this object's. */
export function cursorInMemory(): WalkCursor {
  let saved: PendingCursor | undefined;
  return {
    read: async () => saved,
    write: async (cursor) => {
      saved = cursor;
    },
  };
}

/**
 * The walk kept in Redis under `key`. Losing it (a Redis restart) only starts the walk again
 * from the beginning; an unreadable value is treated the same way.
 */
export function cursorInRedis(redis: RedisClient, key: string): WalkCursor {
  return {
    async read() {
      const text = await redis.get(key);
      if (!text) return undefined;
      try {
        const { nextAttemptAt, id } = JSON.parse(text) as { nextAttemptAt: string; id: string };
        const at = new Date(nextAttemptAt);
        return typeof id === 'string' && !Number.isNaN(at.getTime())
          ? { nextAttemptAt: at, id }
          : undefined;
      } catch {
        return undefined;
      }
    },
    async write(cursor) {
      if (!cursor) await redis.del(key);
      else
        await redis.set(
          key,
          JSON.stringify({ nextAttemptAt: cursor.nextAttemptAt.toISOString(), id: cursor.id }),
        );
    },
  };
}

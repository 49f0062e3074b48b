import type { FastifyBaseLogger } from 'fastify';
import type { PendingCursor } from '../store/deliveries.ts';
import type { Stores } from '../store/stores.ts';
import { runEvery, type Periodic } from '../periodic.ts';
import { fanOutStoredEvents, withLimits, type PushDeliveries } from './fanout.ts';
import type { Scheduler } from './scheduler/scheduler.ts';

const PAGE = 1_000;
/** Pages walked per pass: a pass stays short, and the walk goes on from there next time. */
const PAGES_PER_PASS = 20;

/**
 * Postgres is the source of truth; Redis only holds the lines deliveries wait in. The reconciler
 * puts back what Redis lost — a push that failed after the commit, a Redis restart, the claim of a
 * worker that died — by walking pending deliveries older than the grace period and pushing those
 * that are neither waiting nor in flight. It also fans out events that still owe it. The walk
 * resumes where it stopped, so a webhook with a huge backlog cannot keep it from the others.
 */
export function createReconciler(
  stores: Stores,
  scheduler: Scheduler,
  push: PushDeliveries,
  graceMs: number,
) {
  let cursor: PendingCursor | undefined;

  async function reconcileOnce(): Promise<{ events: number; deliveries: number }> {
    const cutoff = new Date(Date.now() - graceMs);
    const owed = await stores.events.awaitingFanout(cutoff, PAGE);
    await fanOutStoredEvents(stores, push, owed);
    let requeued = 0;
    for (let page = 0; page < PAGES_PER_PASS; page++) {
      const rows = await stores.deliveries.pendingPage(cutoff, cursor, PAGE);
      const last = rows.at(-1);
      cursor =
        rows.length === PAGE && last
          ? { nextAttemptAt: last.nextAttemptAt, id: last.id }
          : undefined;
      await stores.deliveries.skipOrphans(
        rows.filter((r) => r.webhookId === null).map((r) => r.id),
      );
      const lost = await withLimits(
        stores,
        rows.flatMap((r) =>
          r.webhookId
            ? [{ id: r.id, webhookId: r.webhookId, dueAt: r.nextAttemptAt.getTime() }]
            : [],
        ),
      );
      requeued += await scheduler.push(lost, { onlyIfAbsent: true });
      if (!cursor) break;
    }
    return { events: owed.length, deliveries: requeued };
  }

  return { reconcileOnce };
}

export function startReconciler(
  reconciler: ReturnType<typeof createReconciler>,
  intervalMs: number,
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
): Periodic {
  return runEvery(
    'reconciler',
    intervalMs,
    async () => {
      const found = await reconciler.reconcileOnce();
      if (found.events || found.deliveries)
        log.info(found, 'reconciler put lost work back in line');
    },
    log,
  );
}

import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import { eventsAwaitingFanout } from '../store/events.ts';
import { deliveriesOverdue } from '../store/deliveries.ts';
import { enqueueDelivery, enqueueFanout } from './fanout.ts';
import type { Queues } from './queues.ts';
import { runEvery, type Periodic } from '../periodic.ts';

const BATCH = 1000;

/**
 * Postgres is the source of truth; Redis only holds what is in flight. This re-enqueues what the
 * queue lost — an enqueue that failed after the 202, a Redis restart, a job that died — by looking
 * for events not fanned out and pending deliveries overdue by more than the grace period. Job ids
 * are the event and delivery ids, so re-adding a job that still exists does nothing.
 */
export async function reconcileOnce(pool: pg.Pool, queues: Queues, graceMs: number) {
  const cutoff = new Date(Date.now() - graceMs);
  const events = await eventsAwaitingFanout(pool, cutoff, BATCH);
  await enqueueFanout(queues, events);
  const deliveries = await deliveriesOverdue(pool, cutoff, BATCH);
  await enqueueDelivery(queues, deliveries);
  return { events: events.length, deliveries: deliveries.length };
}

export function startReconciler(
  pool: pg.Pool,
  queues: Queues,
  settings: { reconcileIntervalMs: number; reconcileGraceMs: number },
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
): Periodic {
  return runEvery(
    'reconciler',
    settings.reconcileIntervalMs,
    async () => {
      const found = await reconcileOnce(pool, queues, settings.reconcileGraceMs);
      if (found.events || found.deliveries) log.info(found, 'reconciler re-enqueued lost work');
    },
    log,
  );
}

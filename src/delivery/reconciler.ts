import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import { eventsAwaitingFanout } from '../store/events.ts';
import { deliveriesOverdue } from '../store/deliveries.ts';
import { enqueueDeliveries, enqueueFanout } from './fanout.ts';
import type { Queues } from './queues.ts';

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
  await enqueueDeliveries(queues, deliveries);
  return { events: events.length, deliveries: deliveries.length };
}

export function startReconciler(
  pool: pg.Pool,
  queues: Queues,
  settings: { reconcileIntervalMs: number; reconcileGraceMs: number },
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
) {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = reconcileOnce(pool, queues, settings.reconcileGraceMs)
      .then((found) => {
        if (found.events || found.deliveries) log.info(found, 'reconciler re-enqueued lost work');
      })
      .catch((err: Error) => log.warn({ err: err.message }, 'reconciler pass failed; will retry'))
      .finally(() => {
        running = undefined;
      });
  }, settings.reconcileIntervalMs);
  timer.unref();
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}

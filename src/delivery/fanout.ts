import type pg from 'pg';
import { newId } from '../domain/ids.ts';
import { webhookReceives } from '../domain/matching.ts';
import { claimEventsForFanout } from '../store/events.ts';
import { candidateWebhooks, insertDeliveries, type NewDelivery } from '../store/deliveries.ts';
import { within } from '../time-limit.ts';
import type { Queues } from './queues.ts';

/** An enqueue that Redis does not confirm by then is left to the reconciler. */
const ENQUEUE_TIMEOUT_MS = 2_000;

/**
 * Turns stored events into one delivery per webhook each reaches (its account's hooks, and its
 * ancestors' hooks that include sub-accounts), in the same transaction that marks the events as
 * fanned out — so a repeated fan-out job creates nothing twice — then enqueues the deliveries.
 * Works on a batch: four statements for any number of events. Returns the delivery ids per event.
 */
export async function fanOutEvents(
  pool: pg.Pool,
  queues: Queues,
  keys: { accountId: string; eventId: string }[],
): Promise<string[][]> {
  const client = await pool.connect();
  let deliveries: NewDelivery[] = [];
  try {
    await client.query('BEGIN');
    const events = await claimEventsForFanout(client, keys);
    if (events.length > 0) {
      const candidates = await candidateWebhooks(client, [
        ...new Set(events.map((e) => e.accountId)),
      ]);
      deliveries = events.flatMap((event) =>
        candidates
          .filter((w) => w.eventAccountId === event.accountId && webhookReceives(event, w, w.tree))
          .map((w) => ({
            id: newId(),
            eventAccountId: event.accountId,
            eventId: event.id,
            webhookId: w.id,
            accountId: w.accountId,
            trigger: 'auto' as const,
          })),
      );
      await insertDeliveries(client, deliveries);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  await enqueueDeliveries(
    queues,
    deliveries.map((d) => d.id),
  );
  return keys.map((k) =>
    deliveries
      .filter((d) => d.eventAccountId === k.accountId && d.eventId === k.eventId)
      .map((d) => d.id),
  );
}

/** One event's fan-out (the batch of one). */
export async function fanOutEvent(
  pool: pg.Pool,
  queues: Queues,
  accountId: string,
  eventId: string,
) {
  const [ids] = await fanOutEvents(pool, queues, [{ accountId, eventId }]);
  return ids;
}

/** The job id is the delivery id: adding one that is already queued is a no-op in BullMQ. */
export async function enqueueDeliveries(queues: Queues, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await within(
    ENQUEUE_TIMEOUT_MS,
    queues.deliveries.addBulk(
      ids.map((id) => ({ name: 'deliver', data: { deliveryId: id }, opts: { jobId: id } })),
    ),
    'enqueue deliveries',
  );
}

/** Fan-out jobs are keyed by account and event, so the reconciler can re-add them safely. */
export async function enqueueFanout(
  queues: Queues,
  events: { accountId: string; eventId: string }[],
): Promise<void> {
  if (events.length === 0) return;
  await within(
    ENQUEUE_TIMEOUT_MS,
    queues.fanout.addBulk(
      events.map((e) => ({
        name: 'fanout',
        data: e,
        opts: { jobId: `${e.accountId}-${e.eventId}` },
      })),
    ),
    'enqueue fan-out',
  );
}

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

/** Deliveries per batch job of first tries. */
const DELIVERIES_PER_JOB = 100;

/** New deliveries: one job per 100 (fan-out, redeliver, recover). */
export async function enqueueDeliveries(queues: Queues, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await within(
    ENQUEUE_TIMEOUT_MS,
    queues.deliveryBatches.addBulk(
      chunks(ids, DELIVERIES_PER_JOB).map((deliveryIds) => ({
        name: 'deliver-batch',
        data: { deliveryIds },
        opts: { jobId: `batch-${deliveryIds[0]}` },
      })),
    ),
    'enqueue deliveries',
  );
}

/**
 * One job per delivery, its id the delivery id (the reconciler's re-enqueue, a retry): adding one
 * that is already queued — a retry waiting for its time — is a no-op in BullMQ.
 */
export async function enqueueDelivery(queues: Queues, ids: string[], delayMs = 0): Promise<void> {
  if (ids.length === 0) return;
  await within(
    ENQUEUE_TIMEOUT_MS,
    queues.deliveries.addBulk(
      ids.map((id) => ({
        name: 'deliver',
        data: { deliveryId: id },
        opts: { jobId: id, delay: delayMs },
      })),
    ),
    'enqueue deliveries',
  );
}

/** Events per fan-out job: one publish request's batch (≤ 1000) makes a few jobs, not one each. */
const EVENTS_PER_FANOUT_JOB = 100;

/**
 * Enqueues fan-out for stored events, grouped by account into jobs of up to 100 events. A job id
 * is the account and its first event, so the reconciler re-adding a job still queued does
 * nothing; a fan-out that runs twice anyway creates nothing twice (the claim in fanOutEvents).
 */
export async function enqueueFanout(
  queues: Queues,
  events: { accountId: string; eventId: string }[],
): Promise<void> {
  if (events.length === 0) return;
  const byAccount = new Map<string, string[]>();
  for (const e of events)
    byAccount.set(e.accountId, [...(byAccount.get(e.accountId) ?? []), e.eventId]);
  const jobs = [...byAccount].flatMap(([accountId, ids]) =>
    chunks(ids, EVENTS_PER_FANOUT_JOB).map((eventIds) => ({
      name: 'fanout',
      data: { accountId, eventIds },
      opts: { jobId: `${accountId}-${eventIds[0]}` },
    })),
  );
  await within(ENQUEUE_TIMEOUT_MS, queues.fanout.addBulk(jobs), 'enqueue fan-out');
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

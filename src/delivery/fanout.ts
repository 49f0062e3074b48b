import type pg from 'pg';
import { eventKey, type NewEvent } from '../store/events.ts';
import type { NewDelivery, PendingRow } from '../store/deliveries.ts';
import type { Stores } from '../store/stores.ts';
import type { WebhookLimits } from '../store/webhook-targets.ts';
import { within } from '../time-limit.ts';
import { planDeliveries as plan, type Planned } from './planner.ts';
import type { Pushed, Scheduler } from './scheduler/scheduler.ts';

/**
 * Fan-out: one delivery per webhook an event reaches (its account's hooks, and its ancestors'
 * hooks that include sub-accounts), stored with the event or in the transaction that marks it
 * fanned out, then put in line with the scheduler.
 */

/** Puts stored deliveries in line. Never throws: what Redis does not take, the reconciler puts back. */
export type PushDeliveries = (deliveries: Pushed[]) => Promise<void>;

/** A push that Redis does not confirm by then is left to the reconciler. */
const PUSH_TIMEOUT_MS = 2_000;

export function pushOrLeave(
  scheduler: Scheduler,
  log: { warn(obj: object, msg: string): void },
  options: { onlyIfAbsent?: boolean } = {},
): PushDeliveries {
  return async (deliveries) => {
    if (deliveries.length === 0) return;
    await within(PUSH_TIMEOUT_MS, scheduler.push(deliveries, options), 'push deliveries').catch(
      (err: Error) =>
        log.warn(
          { err: err.message, deliveries: deliveries.length },
          'deliveries not put in line; the reconciler will do it',
        ),
    );
  };
}

/** The deliveries of `events` a publish creates: one per candidate webhook that receives each. */
async function planDeliveries(
  stores: Stores,
  events: NewEvent[],
  on?: pg.PoolClient,
): Promise<Planned[]> {
  if (events.length === 0) return [];
  const candidates = await stores.webhookTargets.candidates(
    [...new Set(events.map((e) => e.accountId))],
    on,
  );
  return plan(events, candidates, 'publish', 'auto');
}

/** What the scheduler needs of a stored delivery (`seqs`: the stored seqs of those ordered by call). */
export function toPushed(
  delivery: NewDelivery,
  limits: WebhookLimits,
  seqs: Map<string, string>,
): Pushed {
  const seq = seqs.get(delivery.id);
  return {
    id: delivery.id,
    webhookId: delivery.webhookId,
    accountId: delivery.accountId,
    maxInFlight: limits.maxInFlight,
    rateLimit: limits.rateLimit,
    ...(delivery.callKey && seq !== undefined ? { call: { key: delivery.callKey, seq } } : {}),
  };
}

/**
 * Stored deliveries of known webhooks, with each webhook's limits read once, as the scheduler
 * takes them (redeliver, recover, the reconciler). Deliveries of a webhook that is gone are left
 * out.
 */
export async function withLimits(
  stores: Stores,
  deliveries: { id: string; webhookId: string; dueAt?: number; call?: Pushed['call'] }[],
): Promise<Pushed[]> {
  const limits = await stores.webhookTargets.limits([
    ...new Set(deliveries.map((d) => d.webhookId)),
  ]);
  return deliveries.flatMap((d) => {
    const webhook = limits.get(d.webhookId);
    return webhook
      ? [
          {
            ...d,
            accountId: webhook.accountId,
            maxInFlight: webhook.maxInFlight,
            rateLimit: webhook.rateLimit,
          },
        ]
      : [];
  });
}

/**
 * Pending deliveries read back from Postgres, as the scheduler takes them (the reconciler, the
 * put-back of a repeated event). Those of a webhook that is gone are left out.
 */
export function pendingToPush(stores: Stores, rows: PendingRow[]): Promise<Pushed[]> {
  return withLimits(
    stores,
    rows.flatMap((r) =>
      r.webhookId
        ? [
            {
              id: r.id,
              webhookId: r.webhookId,
              dueAt: r.nextAttemptAt.getTime(),
              ...(r.callKey ? { call: { key: r.callKey, seq: r.seq } } : {}),
            },
          ]
        : [],
    ),
  );
}

/**
 * An event published again (a publish retried after an error, an intake job taken up again after
 * its worker died) may be one whose first run stored it and died before putting its deliveries
 * in line. Those still pending, due and unleased are pushed back, as the reconciler pushes (only
 * what is neither waiting nor in flight), so they go out now instead of after the reconciler's
 * grace. `putBack` must push that way.
 */
export async function putBackRepeated(
  stores: Stores,
  putBack: PushDeliveries,
  keys: { accountId: string; eventId: string }[],
): Promise<void> {
  if (keys.length === 0) return;
  await putBack(await pendingToPush(stores, await stores.deliveries.pendingOfEvents(keys)));
}

/**
 * Publishing: stores new events with their deliveries in one statement, then puts the
 * deliveries in line. Returns the keys (eventKey) of the events that were new. `events` must not
 * repeat a key.
 */
export async function storeEvents(
  stores: Stores,
  push: PushDeliveries,
  events: NewEvent[],
): Promise<Set<string>> {
  const planned = await planDeliveries(stores, events);
  const stored = await stores.events.insertWithDeliveries(
    events,
    planned.map((p) => p.delivery),
  );
  await push(
    planned
      .filter((p) => stored.events.has(eventKey(p.delivery.eventAccountId, p.delivery.eventId)))
      .map((p) => toPushed(p.delivery, p.limits, stored.seqs)),
  );
  return stored.events;
}

/**
 * Fans out events stored without their deliveries (a webhook_disabled notification, events of an
 * older version): claimed in one transaction, so a second run creates nothing twice.
 */
export async function fanOutStoredEvents(
  stores: Stores,
  push: PushDeliveries,
  keys: { accountId: string; eventId: string }[],
): Promise<string[]> {
  if (keys.length === 0) return [];
  const planned = await stores.inTransaction(async (client) => {
    const events = await stores.events.claimForFanout(client, keys);
    const plan = await planDeliveries(stores, events, client);
    const seqs = await stores.deliveries.insert(
      plan.map((p) => p.delivery),
      client,
    );
    return plan.map((p) => toPushed(p.delivery, p.limits, seqs));
  });
  await push(planned);
  return planned.map((p) => p.id);
}

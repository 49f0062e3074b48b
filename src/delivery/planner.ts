import { reachedBy, type DeliveryPath } from '../domain/call-control.ts';
import { effectiveOrdering, orderedCallKey } from '../domain/call-order.ts';
import { newId } from '../domain/ids.ts';
import { webhookReceives, type MatchableEvent } from '../domain/matching.ts';
import type { NewDelivery } from '../store/deliveries.ts';
import type { WebhookForMatching, WebhookLimits } from '../store/webhook-targets.ts';

/** A webhook an event of `eventAccountId` may reach, with that account's tree (store/webhook-targets.ts). */
export type Candidate = WebhookForMatching & { eventAccountId: string; tree: string[] };

/** A delivery to store, with its webhook's limits for the scheduler. */
export interface Planned {
  delivery: NewDelivery;
  limits: WebhookLimits;
}

/**
 * Delivery planning, in one place: one delivery per candidate webhook that `path` reaches
 * (publish reaches ordinary hooks, invoke only call-control hooks) and that receives the event
 * (its account or an ancestor's with include_subaccounts, type, modifiers, dialect), narrowed by
 * `only` when the caller names which webhooks may be sent to (redeliver). A published event's
 * delivery to a webhook that orders by call carries the call's key.
 */
export function planDeliveries(
  events: (MatchableEvent & { id: string })[],
  candidates: Candidate[],
  path: DeliveryPath,
  trigger: NewDelivery['trigger'],
  only: (webhook: Candidate) => boolean = () => true,
): Planned[] {
  return events.flatMap((event) =>
    candidates
      .filter(
        (w) =>
          w.eventAccountId === event.accountId &&
          reachedBy(path, w) &&
          webhookReceives(event, w, w.tree) &&
          only(w),
      )
      .map((w) => ({
        delivery: {
          id: newId(),
          eventAccountId: event.accountId,
          eventId: event.id,
          webhookId: w.id,
          accountId: w.accountId,
          trigger,
          // Published events are ordered per call where the webhook asks; a redelivery is not.
          callKey:
            trigger === 'auto'
              ? orderedCallKey(event, effectiveOrdering(w.ordering, w.accountOrdering))
              : null,
        },
        limits: { maxInFlight: w.maxInFlight, rateLimit: w.rateLimit },
      })),
  );
}

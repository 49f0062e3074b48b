import { NotFound } from '../domain/errors.ts';
import type { QueueState } from '../delivery/scheduler/queue-state.ts';
import type { Account } from '../store/accounts.ts';
import type { NewEvent } from '../store/events.ts';
import type { ScopedAccount } from '../store/scoped.ts';
import type { ServiceDeps } from './deps.ts';

/** Events: publishing them, and reading one with where each of its deliveries stands. */
export function eventService({ stores, scheduler, ingest }: ServiceDeps) {
  return {
    /**
     * Stores the events (the first of each id in the request) with their deliveries, group-committed
     * with other requests, and puts the deliveries in line. Resolves once they are in Postgres.
     */
    async publish(events: NewEvent[]) {
      const seen = new Set<string>();
      const unique = events.filter((e) => !seen.has(e.id) && Boolean(seen.add(e.id)));
      const inserted = await ingest.publish(unique);
      const ids = unique.map((e) => e.id);
      return { ids, accepted: inserted.size, duplicates: ids.filter((id) => !inserted.has(id)) };
    },

    /** The event, the deliveries `caller` may see, and where each pending one stands in line. */
    async read(account: ScopedAccount, eventId: string, caller: Pick<Account, 'id'>) {
      const event = await stores.events.find(account.id, eventId);
      if (!event) throw new NotFound('event');
      const deliveries = await stores.deliveries.ofEvent(event, caller.id);
      const pending = deliveries.flatMap((d) =>
        d.status === 'pending' && d.webhookId
          ? [{ id: d.id, webhookId: d.webhookId, accountId: d.accountId }]
          : [],
      );
      // Without Redis the states are just unknown.
      const states = await scheduler
        .queueStates(pending)
        .catch(() => new Map<string, QueueState>());
      return { event, deliveries, states };
    },
  };
}

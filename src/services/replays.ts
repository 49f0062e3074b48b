import { Conflict, InvalidInput, NotFound } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { managesOnPath } from '../domain/tenancy.ts';
import { withLimits } from '../delivery/fanout.ts';
import { planDeliveries } from '../delivery/planner.ts';
import type { Account } from '../store/accounts.ts';
import { RECOVER_LIMIT, type NewDelivery } from '../store/deliveries.ts';
import type { ReplayFilter } from '../domain/log-filter.ts';
import type { ReplayRow } from '../store/replays.ts';
import type { ScopedAccount } from '../store/scoped.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * Sending again what was sent: one event (redeliver) or a webhook's failed deliveries (recover).
 * Each answers once its deliveries are stored; if Redis does not take them then, the reconciler
 * puts them in line.
 */
export function replayService({ stores, push }: ServiceDeps) {
  /** Puts stored deliveries of one or more webhooks in line, with each webhook's limits. */
  async function sendAgain(deliveries: { id: string; webhookId: string }[]): Promise<void> {
    await push(await withLimits(stores, deliveries));
  }

  return {
    /**
     * A new delivery of the event to each webhook `caller` manages that it was delivered to, or
     * to the one webhook named — which must be one the event reaches (its account's, or an
     * ancestor's with include_subaccounts, matching type and filters) and `caller` manages:
     * anything else is not found, so an event is never sent where it would not go.
     */
    async redeliver(
      account: ScopedAccount,
      eventId: string,
      caller: Pick<Account, 'id'>,
      webhookId?: string,
    ): Promise<NewDelivery[]> {
      const event = await stores.events.find(account.id, eventId);
      if (!event) throw new NotFound('event');
      let deliveries: NewDelivery[];
      if (webhookId) {
        const candidates = await stores.webhookTargets.candidates([event.accountId]);
        const matchable = { ...event, payload: event.payload as Record<string, unknown> };
        deliveries = planDeliveries(
          [matchable],
          candidates,
          'publish',
          'manual',
          (w) => w.id === webhookId && managesOnPath(w.tree, caller.id, w.accountId),
        ).map((p) => p.delivery);
        if (deliveries.length === 0) throw new NotFound('webhook');
      } else {
        const webhooks = await stores.webhooks.deliveredTo(event, caller.id);
        deliveries = webhooks.map((w) => ({
          id: newId(),
          eventAccountId: event.accountId,
          eventId: event.id,
          webhookId: w.id,
          accountId: w.accountId,
          trigger: 'manual' as const,
        }));
      }
      await stores.deliveries.insert(deliveries);
      await sendAgain(deliveries);
      return deliveries;
    },

    /**
     * A bulk replay: every failed delivery of the account (and its descendants' with
     * includeSubaccounts) matching `filter` goes again once, in the background (bulk-replay.ts).
     * The same idempotency key answers the replay it made before. Named webhooks must be the
     * account's (or, with includeSubaccounts, a descendant's): any other is not found.
     */
    async startBulk(
      account: ScopedAccount,
      idempotencyKey: string,
      filter: ReplayFilter,
    ): Promise<{ replay: ReplayRow; created: boolean }> {
      if (filter.webhookIds) {
        const known = await stores.webhooks.managedIds(
          account,
          filter.webhookIds,
          filter.includeSubaccounts,
        );
        if (filter.webhookIds.some((id) => !known.has(id))) throw new NotFound('webhook');
      }
      return stores.replays.create(account, { id: newId(), idempotencyKey, filter });
    },

    async readBulk(account: ScopedAccount, replayId: string): Promise<ReplayRow> {
      const replay = await stores.replays.find(account, replayId);
      if (!replay) throw new NotFound('replay');
      return replay;
    },

    /** Stops the replay from queueing more; what it already queued is delivered. */
    async cancelBulk(account: ScopedAccount, replayId: string): Promise<ReplayRow> {
      const replay = await stores.replays.cancel(account, replayId);
      if (!replay) throw new NotFound('replay');
      return replay;
    },

    /**
     * A webhook's failed deliveries between `since` and `until` go again, keeping their ids; at
     * most RECOVER_LIMIT a call (`more`: the same call again picks up the rest).
     */
    async recover(account: ScopedAccount, webhookId: string, since: Date, until: Date) {
      const webhook = await stores.webhooks.find(account, webhookId);
      if (!webhook) throw new NotFound('webhook');
      if (!webhook.enabled)
        throw new Conflict('webhook is disabled: enable it before recovering its deliveries');
      // Its failed invokes were answered (as failures) to their callers; sending them now
      // would reach a receiver whose answer nobody reads.
      if (webhook.callControl)
        throw new Conflict('a call-control webhook is reached only by invoke: nothing to recover');
      if (since > until)
        throw InvalidInput.of(
          'since',
          'maximum',
          'since must not be after until',
          until.toISOString(),
        );
      const ids = await stores.deliveries.reopenFailed(webhook.id, since, until);
      await sendAgain(ids.map((id) => ({ id, webhookId: webhook.id })));
      return { ids, more: ids.length === RECOVER_LIMIT };
    },
  };
}

import { NotFound } from '../domain/errors.ts';
import type { EventState, LogFilter, NewestFirstCursor } from '../domain/log-filter.ts';
import type { Account } from '../store/accounts.ts';
import type { ScopedAccount } from '../store/scoped.ts';
import type { ServiceDeps } from './deps.ts';

export interface LogPage {
  filter: LogFilter;
  after?: NewestFirstCursor;
  /** Rows to read: a page and one more, to learn whether a next page exists. */
  take: number;
}

/** What an integrator debugs with: the attempts log and the events list, searched by filters. */
export function deliveryLogService({ stores }: ServiceDeps) {
  return {
    /** The account's attempts, or one webhook's (which must be the account's), newest first. */
    async attempts(account: ScopedAccount, page: LogPage, webhookId?: string) {
      if (webhookId !== undefined && !(await stores.webhooks.find(account, webhookId))) {
        throw new NotFound('webhook');
      }
      return stores.attempts.list({ accountId: account.id, webhookId, ...page });
    },

    /**
     * The account's events newest first, each with the deliveries `caller` may see counted by
     * status (an ancestor's include_subaccounts hook stays hidden from a sub-account's key).
     */
    events(
      account: ScopedAccount,
      caller: Pick<Account, 'id'>,
      page: LogPage & { state?: EventState },
    ) {
      return stores.events.list({ accountId: account.id, callerId: caller.id, ...page });
    },
  };
}

import { boundedExtra, extraOf, mergeExtra, splitDocument } from '../domain/kazoo-document.ts';
import { Conflict, Forbidden, InvalidInput } from '../domain/errors.ts';
import { manages } from '../domain/tenancy.ts';
import type { Account } from '../store/accounts.ts';
import type { Ordering } from '../domain/call-order.ts';
import type { ScopedAccount } from '../store/scoped.ts';
import type { ServiceDeps } from './deps.ts';

/** Fields only the server writes: echoed back in a write (Kazoo's UI posts its GET), ignored. */
export const ACCOUNT_READ_ONLY = new Set(['id', 'parent_id', 'tree', 'created', 'modified']);
const KNOWN_FIELDS = new Set(['name', 'webhook_defaults']);

/** Limits the account's webhooks inherit when they set none (null removes one). */
export interface WebhookDefaults {
  rate_limit?: number | null;
  max_in_flight?: number | null;
  ordering?: Ordering | null;
}

/** An account document as a client sends it: our fields, and any properties that are not ours. */
export interface AccountInput extends Record<string, unknown> {
  name?: string;
  webhook_defaults?: WebhookDefaults;
}

/** The store's columns for a webhook_defaults document (absent keys unchanged). */
function defaultsColumns(defaults: WebhookDefaults = {}) {
  return {
    ...(defaults.rate_limit !== undefined ? { webhookRateLimit: defaults.rate_limit } : {}),
    ...(defaults.max_in_flight !== undefined ? { webhookMaxInFlight: defaults.max_in_flight } : {}),
    ...(defaults.ordering !== undefined ? { webhookOrdering: defaults.ordering } : {}),
  };
}

/** Accounts: the tree, its documents, and the defaults their webhooks inherit. */
export function accountService({ config, stores, scheduler, log, accessChanged }: ServiceDeps) {
  /** The document's properties that are not ours, kept within their size bound. */
  function extraOfInput(input: AccountInput): Record<string, unknown> {
    const { extra } = splitDocument(input, KNOWN_FIELDS, ACCOUNT_READ_ONLY);
    return bounded(extra);
  }

  const bounded = (extra: Record<string, unknown>) =>
    boundedExtra(extra, config.limits.maxExtraPropertiesBytes);

  /** New defaults reach the scheduler at once for every webhook of the account that inherits them. */
  async function applyDefaults(account: ScopedAccount): Promise<void> {
    const webhooks = await stores.webhookTargets.limitsOfAccount(account.id);
    await Promise.all(
      webhooks.map((w) =>
        scheduler
          .configure(w.id, w.accountId, w.maxInFlight, w.rateLimit)
          .catch((err: Error) =>
            log.warn(
              { err: err.message, webhook: w.id },
              'scheduler not told of new account defaults; the next delivery catches up',
            ),
          ),
      ),
    );
  }

  return {
    createChild(parent: ScopedAccount, input: AccountInput & { name: string }): Promise<Account> {
      return stores.accounts.createChild(parent, input.name, config.limits.maxAccountDepth, {
        ...defaultsColumns(input.webhook_defaults),
        extra: extraOfInput(input),
      });
    },

    /**
     * POST replaces the document (its name is required, its other properties are replaced);
     * PATCH changes what it names (null removes a property).
     */
    async update(
      account: ScopedAccount,
      input: AccountInput,
      mode: 'replace' | 'merge',
    ): Promise<Account> {
      const { name, webhook_defaults } = input;
      const given = extraOfInput(input);
      const replace = mode === 'replace';
      const nothing = webhook_defaults === undefined && Object.keys(given).length === 0;
      if (name === undefined && (replace || nothing))
        throw InvalidInput.of('name', 'required', 'Field is required but missing');
      const extra = replace ? given : bounded(mergeExtra(extraOf(account.extra), given));
      const updated = await stores.accounts.update(account, {
        ...(name !== undefined ? { name } : {}),
        ...defaultsColumns(webhook_defaults),
        extra,
      });
      // Remembered accounts (the auth cache) must show the change at once, everywhere.
      await accessChanged();
      if (webhook_defaults) await applyDefaults(account);
      return updated;
    },

    /** A leaf account goes with its keys and webhooks; one with sub-accounts is refused. */
    async delete(account: ScopedAccount, caller: Pick<Account, 'id'>): Promise<void> {
      if (account.id === caller.id) {
        throw new Forbidden('an account cannot delete itself; its parent can');
      }
      // A sub-account created meanwhile makes the delete fail on the foreign key: also a 409.
      if (
        (await stores.accounts.hasChildren(account)) ||
        !(await stores.accounts.delete(account))
      ) {
        throw new Conflict('account has sub-accounts: delete them first');
      }
      // Its keys went with it: no API process may keep accepting them.
      await accessChanged();
    },

    listBelow(
      account: ScopedAccount,
      depth: 'children' | 'descendants',
      pageSize: number,
      afterId?: string,
    ) {
      return stores.accounts.listBelow(account, depth, pageSize, afterId);
    },

    /** The ancestors `caller` may see, root-most first: never an account above its own. */
    async visibleAncestors(account: ScopedAccount, caller: Pick<Account, 'id'>) {
      const ancestors = await stores.accounts.ancestors(account);
      return ancestors.filter((a) => manages(caller, a));
    },
  };
}

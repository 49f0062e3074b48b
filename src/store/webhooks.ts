import { Prisma, type Webhook as WebhookRow } from '../generated/prisma/client.ts';
import type { Database } from './db.ts';
import type { Ordering } from '../domain/call-order.ts';
import { newId } from '../domain/ids.ts';
import { generateSecret, rotateSecret, type PreviousSecret } from '../domain/signing.ts';
import type { WebhookDocument } from '../domain/webhook-document.ts';
import { LimitReached } from '../domain/errors.ts';
import { managedBy } from './tenancy.ts';
import type { ScopedAccount } from './scoped.ts';
import type pg from 'pg';

export type { WebhookRow };

/** Webhooks: rows in Postgres, documents (Kazoo's field names) in the API. */
export function webhookStore({ prisma, pool }: Database) {
  return {
    /**
     * Creates a webhook unless the account already has `maxPerAccount` (LimitReached). The account
     * row is locked meanwhile, so concurrent creates cannot both slip under the limit.
     */
    create(
      { id: accountId }: ScopedAccount,
      doc: WebhookDocument,
      maxPerAccount = Infinity,
      extra: Record<string, unknown> = {},
    ): Promise<WebhookRow> {
      return prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM accounts WHERE id = ${accountId} FOR UPDATE`;
        if ((await tx.webhook.count({ where: { accountId } })) >= maxPerAccount) {
          throw new LimitReached(
            'webhooks_per_account',
            maxPerAccount,
            `limit reached: an account may have at most ${maxPerAccount} webhooks`,
          );
        }
        return tx.webhook.create({
          data: {
            id: newId(),
            accountId,
            secret: generateSecret(),
            ...rowFields(doc),
            extra: extra as Prisma.InputJsonObject,
          },
        });
      });
    },

    find(account: ScopedAccount, id: string): Promise<WebhookRow | null> {
      return prisma.webhook.findFirst({ where: { id, accountId: account.id } });
    },

    list(account: ScopedAccount, take: number, afterId?: string): Promise<WebhookRow[]> {
      return prisma.webhook.findMany({
        where: { accountId: account.id, ...(afterId ? { id: { gt: afterId } } : {}) },
        orderBy: { id: 'asc' },
        take,
      });
    },

    /**
     * Stores a whole document. Turning a hook on by hand clears the system's disable reason and
     * its failure history; turning it off by hand makes it a manual disable (bulk re-enable leaves
     * it alone).
     */
    replace(
      account: ScopedAccount,
      current: WebhookRow,
      doc: WebhookDocument,
      extra: Record<string, unknown>,
    ): Promise<WebhookRow> {
      const enabledChanged = doc.enabled !== current.enabled;
      return prisma.webhook.update({
        where: { id: current.id, accountId: account.id },
        data: {
          ...rowFields(doc),
          extra: extra as Prisma.InputJsonObject,
          ...(enabledChanged || doc.enabled ? { disableReason: null } : {}),
          ...(enabledChanged && doc.enabled ? { recentFailures: [] } : {}),
        },
      });
    },

    /** The webhooks `managerId` manages that an event was delivered to (redeliver). */
    deliveredTo(
      event: { accountId: string; id: string },
      managerId: string,
    ): Promise<WebhookRow[]> {
      return prisma.webhook.findMany({
        where: {
          account: managedBy(managerId),
          // A call-control webhook's answer would go unread (domain/call-control.ts).
          callControl: false,
          deliveries: { some: { eventAccountId: event.accountId, eventId: event.id } },
        },
      });
    },

    /** Deletes a webhook of `account` (in the caller's transaction when given `client`). */
    async delete(
      account: ScopedAccount,
      id: string,
      client: pg.Pool | pg.PoolClient = pool,
    ): Promise<boolean> {
      const { rowCount } = await client.query(
        'DELETE FROM webhooks WHERE id = $1 AND account_id = $2',
        [id, account.id],
      );
      return (rowCount ?? 0) > 0;
    },

    rotateSecret(
      account: ScopedAccount,
      row: WebhookRow,
      graceMs: number,
      newSecret?: string,
    ): Promise<WebhookRow> {
      const next = rotateSecret(
        row.secret,
        row.previousSecrets as unknown as PreviousSecret[],
        new Date(),
        graceMs,
        newSecret,
      );
      return prisma.webhook.update({
        where: { id: row.id, accountId: account.id },
        data: { secret: next.secret, previousSecrets: next.previousSecrets as object[] },
      });
    },

    /**
     * Kazoo's bulk re-enable: only hooks the system disabled (they carry a disable_reason) come
     * back, with their failure history cleared. `scope` is one account or it and its descendants.
     */
    async reenable(account: ScopedAccount, scope: 'account' | 'descendants'): Promise<number> {
      const accountId = account.id;
      const { count } = await prisma.webhook.updateMany({
        where: {
          enabled: false,
          disableReason: { not: null },
          ...(scope === 'account' ? { accountId } : { account: managedBy(accountId) }),
        },
        data: { enabled: true, disableReason: null, recentFailures: [] },
      });
      return count;
    },
  };
}

export type WebhookStore = ReturnType<typeof webhookStore>;

function rowFields(doc: WebhookDocument) {
  return {
    name: doc.name,
    uri: doc.uri,
    httpVerb: doc.http_verb,
    format: doc.format,
    dialect: doc.dialect ?? null,
    hook: doc.hook ?? null,
    eventTypes: doc.event_types ?? [],
    retries: doc.retries,
    customData: (doc.custom_data as Prisma.InputJsonObject | undefined) ?? Prisma.DbNull,
    modifiers: (doc.modifiers as Prisma.InputJsonObject | undefined) ?? Prisma.DbNull,
    customRequestHeaders: doc.custom_request_headers ?? Prisma.DbNull,
    includeSubaccounts: doc.include_subaccounts,
    includeInternalLegs: doc.include_internal_legs,
    enabled: doc.enabled,
    callControl: doc.call_control ?? false,
    rateLimit: doc.rate_limit ?? null,
    maxInFlight: doc.max_in_flight ?? null,
    ordering: doc.ordering ?? null,
  };
}

/** The document a row stands for (no secret). */
export function documentOf(row: WebhookRow): WebhookDocument {
  const doc: WebhookDocument = {
    name: row.name,
    uri: row.uri,
    http_verb: row.httpVerb as WebhookDocument['http_verb'],
    format: row.format as WebhookDocument['format'],
    retries: row.retries,
    include_subaccounts: row.includeSubaccounts,
    include_internal_legs: row.includeInternalLegs,
    enabled: row.enabled,
  };
  if (row.dialect !== null) doc.dialect = row.dialect;
  if (row.hook !== null) doc.hook = row.hook;
  if (row.eventTypes.length > 0) doc.event_types = row.eventTypes;
  if (row.customData !== null) doc.custom_data = row.customData as Record<string, unknown>;
  if (row.modifiers !== null) doc.modifiers = row.modifiers as Record<string, unknown>;
  if (row.customRequestHeaders !== null)
    doc.custom_request_headers = row.customRequestHeaders as Record<string, string>;
  if (row.rateLimit !== null) doc.rate_limit = row.rateLimit;
  if (row.maxInFlight !== null) doc.max_in_flight = row.maxInFlight;
  if (row.ordering !== null) doc.ordering = row.ordering as Ordering;
  // Only when set: the documents of hooks that are not call-control read as they always did.
  if (row.callControl) doc.call_control = true;
  return doc;
}

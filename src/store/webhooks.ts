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
import { inTransaction } from './transaction.ts';
import { ADVISORY_LOCKS } from './advisory-locks.ts';

export type { WebhookRow };

/** Webhooks: rows in Postgres, documents (Kazoo's field names) in the API. */
export function webhookStore({ prisma, pool }: Database) {
  return {
    /**
     * Creates a webhook unless the account already has `maxPerAccount` (LimitReached). A lock per
     * account is held from the count to the commit of the new row, so concurrent creates cannot
     * both slip under the limit. All of it runs on one connection: a create waiting for the lock
     * must not hold a connection that the lock's holder needs.
     */
    async create(
      { id: accountId }: ScopedAccount,
      doc: WebhookDocument,
      maxPerAccount = Infinity,
      extra: Record<string, unknown> = {},
    ): Promise<WebhookRow> {
      const id = newId();
      const fields = { ...rowFields(doc), id, accountId, secret: generateSecret(), extra };
      const columns = Object.keys(fields) as (keyof typeof fields)[];
      await inTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
          ADVISORY_LOCKS.webhooksOfAccount,
          accountId,
        ]);
        const { rows } = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM webhooks WHERE account_id = $1',
          [accountId],
        );
        if (rows[0].n >= maxPerAccount) {
          throw new LimitReached(
            'webhooks_per_account',
            maxPerAccount,
            `limit reached: an account may have at most ${maxPerAccount} webhooks`,
          );
        }
        await client.query(
          `INSERT INTO webhooks (${columns.map((c) => `"${WEBHOOK_COLUMNS[c]}"`).join(', ')})
           VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
          columns.map((c) => sqlValue(fields[c])),
        );
      });
      return prisma.webhook.findUniqueOrThrow({ where: { id } });
    },

    find(account: ScopedAccount, id: string): Promise<WebhookRow | null> {
      return prisma.webhook.findFirst({ where: { id, accountId: account.id } });
    },

    /** Which of `ids` are webhooks of the account (or of its descendants too): their ids. */
    async managedIds(
      account: ScopedAccount,
      ids: string[],
      withDescendants: boolean,
    ): Promise<Set<string>> {
      const found = await prisma.webhook.findMany({
        where: {
          id: { in: ids },
          ...(withDescendants ? { account: managedBy(account.id) } : { accountId: account.id }),
        },
        select: { id: true },
      });
      return new Set(found.map((w) => w.id));
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

/** The column of each field a create writes (a field added to rowFields must be named here). */
const WEBHOOK_COLUMNS: Record<
  keyof ReturnType<typeof rowFields> | 'id' | 'accountId' | 'secret' | 'extra',
  string
> = {
  id: 'id',
  accountId: 'account_id',
  secret: 'secret',
  extra: 'extra',
  name: 'name',
  uri: 'uri',
  httpVerb: 'http_verb',
  format: 'format',
  dialect: 'dialect',
  hook: 'hook',
  eventTypes: 'event_types',
  retries: 'retries',
  customData: 'custom_data',
  modifiers: 'modifiers',
  customRequestHeaders: 'custom_request_headers',
  includeSubaccounts: 'include_subaccounts',
  includeInternalLegs: 'include_internal_legs',
  enabled: 'enabled',
  callControl: 'call_control',
  rateLimit: 'rate_limit',
  maxInFlight: 'max_in_flight',
  ordering: 'ordering',
};

/** A field as the pg driver takes it: JSON documents as text, Prisma's database null as NULL. */
function sqlValue(value: unknown): unknown {
  if (value === Prisma.DbNull) return null;
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return JSON.stringify(value);
  return value;
}

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

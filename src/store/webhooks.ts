import {
  Prisma,
  type PrismaClient,
  type Webhook as WebhookRow,
} from '../generated/prisma/client.ts';
import { newId } from '../domain/ids.ts';
import { generateSecret, rotateSecret, type PreviousSecret } from '../domain/signing.ts';
import type { WebhookDocument } from '../domain/webhook-document.ts';

export type { WebhookRow };

/** Webhooks: rows in Postgres, documents (Kazoo's field names) in the API. */
export function webhookRepository(prisma: PrismaClient) {
  return {
    create(accountId: string, doc: WebhookDocument): Promise<WebhookRow> {
      return prisma.webhook.create({
        data: { id: newId(), accountId, secret: generateSecret(), ...rowFields(doc) },
      });
    },

    find(accountId: string, id: string): Promise<WebhookRow | null> {
      return prisma.webhook.findFirst({ where: { id, accountId } });
    },

    list(accountId: string, take: number, afterId?: string): Promise<WebhookRow[]> {
      return prisma.webhook.findMany({
        where: { accountId, ...(afterId ? { id: { gt: afterId } } : {}) },
        orderBy: { id: 'asc' },
        take,
      });
    },

    /**
     * Stores a whole document. Turning a hook on by hand clears the system's disable reason and
     * its failure history; turning it off by hand makes it a manual disable (bulk re-enable leaves
     * it alone).
     */
    replace(current: WebhookRow, doc: WebhookDocument): Promise<WebhookRow> {
      const enabledChanged = doc.enabled !== current.enabled;
      return prisma.webhook.update({
        where: { id: current.id },
        data: {
          ...rowFields(doc),
          ...(enabledChanged || doc.enabled ? { disableReason: null } : {}),
          ...(enabledChanged && doc.enabled ? { recentFailures: [] } : {}),
        },
      });
    },

    async delete(accountId: string, id: string): Promise<boolean> {
      const { count } = await prisma.webhook.deleteMany({ where: { id, accountId } });
      return count > 0;
    },

    rotateSecret(row: WebhookRow, graceMs: number, newSecret?: string): Promise<WebhookRow> {
      const next = rotateSecret(
        row.secret,
        row.previousSecrets as unknown as PreviousSecret[],
        new Date(),
        graceMs,
        newSecret,
      );
      return prisma.webhook.update({
        where: { id: row.id },
        data: { secret: next.secret, previousSecrets: next.previousSecrets as object[] },
      });
    },

    /**
     * Kazoo's bulk re-enable: only hooks the system disabled (they carry a disable_reason) come
     * back, with their failure history cleared. `scope` is one account or it and its descendants.
     */
    async reenable(accountId: string, scope: 'account' | 'descendants'): Promise<number> {
      const { count } = await prisma.webhook.updateMany({
        where: {
          enabled: false,
          disableReason: { not: null },
          ...(scope === 'account' ? { accountId } : { account: { tree: { has: accountId } } }),
        },
        data: { enabled: true, disableReason: null, recentFailures: [] },
      });
      return count;
    },
  };
}

export type WebhookRepository = ReturnType<typeof webhookRepository>;

function rowFields(doc: WebhookDocument) {
  return {
    name: doc.name,
    uri: doc.uri,
    httpVerb: doc.http_verb,
    format: doc.format,
    hook: doc.hook ?? null,
    eventTypes: doc.event_types ?? [],
    retries: doc.retries,
    customData: doc.custom_data ?? Prisma.DbNull,
    modifiers: (doc.modifiers as Prisma.InputJsonObject | undefined) ?? Prisma.DbNull,
    includeSubaccounts: doc.include_subaccounts,
    includeInternalLegs: doc.include_internal_legs,
    enabled: doc.enabled,
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
  if (row.hook !== null) doc.hook = row.hook;
  if (row.eventTypes.length > 0) doc.event_types = row.eventTypes;
  if (row.customData !== null) doc.custom_data = row.customData as Record<string, string>;
  if (row.modifiers !== null) doc.modifiers = row.modifiers as Record<string, unknown>;
  return doc;
}

export function webhookView(row: WebhookRow) {
  return {
    id: row.id,
    ...documentOf(row),
    ...(row.disableReason ? { disable_reason: row.disableReason } : {}),
    created: row.created.toISOString(),
    modified: row.modified.toISOString(),
  };
}

/** Kazoo's list summary. */
export function webhookSummary(row: WebhookRow) {
  const doc = documentOf(row);
  return {
    id: row.id,
    name: doc.name,
    uri: doc.uri,
    ...(doc.hook !== undefined ? { hook: doc.hook } : {}),
    ...(doc.event_types !== undefined ? { event_types: doc.event_types } : {}),
    enabled: doc.enabled,
    ...(row.disableReason ? { disable_reason: row.disableReason } : {}),
  };
}

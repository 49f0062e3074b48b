import {
  activeSecrets,
  DEFAULT_ROTATION_GRACE_MS,
  type PreviousSecret,
} from '../domain/signing.ts';
import { unmaskPassword } from '../domain/uri.ts';
import {
  checkDocument,
  checkDocumentLimits,
  documentFromInput,
  mergePatch,
  WEBHOOK_READ_ONLY,
  type WebhookDocument,
} from '../domain/webhook-document.ts';
import { boundedExtra, extraOf, mergeExtra, splitDocument } from '../domain/kazoo-document.ts';
import { InvalidInput, NotFound } from '../domain/errors.ts';
import { checkUrlTarget } from '../delivery/ssrf.ts';
import type { CircuitView } from '../delivery/scheduler/queue-state.ts';
import { webhookFields } from '../schemas/webhook.ts';
import { documentOf, type WebhookRow } from '../store/webhooks.ts';
import type { ScopedAccount } from '../store/scoped.ts';
import type { ServiceDeps } from './deps.ts';

const KNOWN_FIELDS = new Set(Object.keys(webhookFields));
const READ_ONLY = new Set(WEBHOOK_READ_ONLY);
const CLOSED: CircuitView = { state: 'closed', failures: 0 };

/** A webhook as a client sends it: Kazoo's document, with any properties that are not ours. */
export type WebhookInput = Record<string, unknown>;

/**
 * Webhooks, use case by use case: each loads its webhook under the scoped account, checks the
 * document, writes it, and brings the scheduler's view of the webhook in line (logged when Redis
 * does not answer: the reconciler and the next delivery repair it).
 */
export function webhookService({ config, stores, scheduler, log }: ServiceDeps) {
  const allow = config.allowList;

  /**
   * Schema rules, then the rules the schema cannot say, the configured sizes, then the SSRF
   * guard on literal IPs. A uri echoed back with its masked password keeps the stored one.
   */
  function validDocument(candidate: Record<string, unknown>, stored?: WebhookRow): WebhookDocument {
    if (stored && typeof candidate.uri === 'string') {
      candidate.uri = unmaskPassword(candidate.uri, stored.uri);
    }
    const details = checkDocument(candidate);
    if (details) throw new InvalidInput(details);
    const doc = candidate as unknown as WebhookDocument;
    const tooLarge = checkDocumentLimits(doc, config.limits);
    if (tooLarge) throw new InvalidInput(tooLarge);
    const target = checkUrlTarget(new URL(doc.uri), allow);
    if (!target.ok) throw InvalidInput.of('uri', 'blocked_target', target.reason);
    return doc;
  }

  /** The document's properties that are not ours, kept within their size bound. */
  const validExtra = (extra: Record<string, unknown>) =>
    boundedExtra(extra, config.limits.maxExtraPropertiesBytes);

  async function load(account: ScopedAccount, webhookId: string): Promise<WebhookRow> {
    const row = await stores.webhooks.find(account, webhookId);
    if (!row) throw new NotFound('webhook');
    return row;
  }

  /** The scheduler's part of a change; a failure is logged, never the caller's error. */
  async function inScheduler(what: string, row: WebhookRow, work: () => Promise<void>) {
    await work().catch((err: Error) =>
      log.warn(
        { err: err.message, webhook: row.id },
        `scheduler not told of ${what}; the next delivery or the reconciler catches up`,
      ),
    );
  }

  /**
   * After a write: a webhook turned off has its pending deliveries skipped and its line dropped;
   * one still on gets its (possibly new) limits in the scheduler at once.
   */
  async function applyToDeliveries(row: WebhookRow): Promise<void> {
    if (!row.enabled) {
      await stores.deliveries.skipPending(row.id, 'webhook disabled');
      await inScheduler('a disabled webhook', row, () =>
        scheduler.forget([{ webhookId: row.id, accountId: row.accountId }]),
      );
      return;
    }
    const limits = (await stores.webhookTargets.limits([row.id])).get(row.id);
    if (limits) {
      await inScheduler('new limits', row, () =>
        scheduler.configure(row.id, row.accountId, limits.maxInFlight, limits.rateLimit),
      );
    }
  }

  /** Its circuit as the scheduler sees it now (closed when Redis cannot say). */
  async function circuitOf(row: WebhookRow): Promise<CircuitView> {
    const circuits = await scheduler
      .circuits([{ webhookId: row.id, accountId: row.accountId }])
      .catch(() => new Map<string, CircuitView>());
    return circuits.get(row.id) ?? CLOSED;
  }

  /**
   * POST ('replace'): the whole document replaced, its other properties too. PATCH ('merge'): what
   * the input names is merged in; null removes it.
   */
  async function update(
    account: ScopedAccount,
    webhookId: string,
    input: WebhookInput,
    mode: 'replace' | 'merge',
  ) {
    const current = await load(account, webhookId);
    const { known, extra } = splitDocument(input, KNOWN_FIELDS, READ_ONLY);
    const candidate =
      mode === 'replace'
        ? (documentFromInput(known) as unknown as Record<string, unknown>)
        : mergePatch(documentOf(current), known);
    const extras = mode === 'replace' ? extra : mergeExtra(extraOf(current.extra), extra);
    const doc = validDocument(candidate, current);
    const row = await stores.webhooks.replace(account, current, doc, validExtra(extras));
    await applyToDeliveries(row);
    return { row, circuit: await circuitOf(row) };
  }

  return {
    list(account: ScopedAccount, pageSize: number, afterId?: string) {
      return stores.webhooks.list(account, pageSize, afterId);
    },

    async create(account: ScopedAccount, input: WebhookInput) {
      const { known, extra } = splitDocument(input, KNOWN_FIELDS, READ_ONLY);
      const doc = validDocument(documentFromInput(known) as unknown as Record<string, unknown>);
      const row = await stores.webhooks.create(
        account,
        doc,
        config.limits.maxWebhooksPerAccount,
        validExtra(extra),
      );
      return { row, circuit: CLOSED };
    },

    async read(account: ScopedAccount, webhookId: string) {
      const row = await load(account, webhookId);
      return { row, circuit: await circuitOf(row) };
    },

    update,

    /** Deleted with its pending deliveries ended, in one transaction; then its line goes. */
    async delete(account: ScopedAccount, webhookId: string): Promise<WebhookRow> {
      const row = await load(account, webhookId);
      const deleted = await stores.inTransaction(async (client) => {
        await stores.deliveries.skipPending(row.id, 'webhook deleted', client);
        return stores.webhooks.delete(account, row.id, client);
      });
      if (!deleted) throw new NotFound('webhook');
      await inScheduler('a deleted webhook', row, () =>
        scheduler.forget([{ webhookId: row.id, accountId: row.accountId }]),
      );
      return row;
    },

    async secrets(account: ScopedAccount, webhookId: string) {
      return secretsOf(await load(account, webhookId));
    },

    /** A new secret (given or generated); the old one keeps signing for the grace period. */
    async rotateSecret(
      account: ScopedAccount,
      webhookId: string,
      rotation: { secret?: string; graceSeconds?: number },
    ) {
      const row = await load(account, webhookId);
      const graceMs =
        rotation.graceSeconds !== undefined
          ? rotation.graceSeconds * 1000
          : DEFAULT_ROTATION_GRACE_MS;
      return secretsOf(await stores.webhooks.rotateSecret(account, row, graceMs, rotation.secret));
    },

    /** Kazoo's bulk re-enable, of the account or of its whole subtree; how many came back. */
    reenable(account: ScopedAccount, scope: 'account' | 'descendants'): Promise<number> {
      return stores.webhooks.reenable(account, scope);
    },
  };
}

/** The secret, and every secret that signs now (the current one and those in their grace). */
function secretsOf(row: WebhookRow) {
  return {
    secret: row.secret,
    active: activeSecrets(
      row.secret,
      row.previousSecrets as unknown as PreviousSecret[],
      new Date(),
    ),
  };
}

export type WebhookService = ReturnType<typeof webhookService>;

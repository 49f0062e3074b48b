import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RouteContext } from '../app.ts';
import {
  activeSecrets,
  DEFAULT_ROTATION_GRACE_MS,
  type PreviousSecret,
} from '../domain/signing.ts';
import { unmaskPassword } from '../domain/uri.ts';
import { spellDialect } from '../domain/dialects/checks.ts';
import {
  checkDocument,
  checkDocumentLimits,
  documentFromInput,
  mergePatch,
  WEBHOOK_READ_ONLY,
  type WebhookDocument,
} from '../domain/webhook-document.ts';
import { checkExtraSize, extraOf, mergeExtra, splitDocument } from '../domain/kazoo-document.ts';
import { coerceDocumentBody } from '../http/kazoo-documents.ts';
import { checkUrlTarget } from '../delivery/ssrf.ts';
import { envelope } from '../http/envelope.ts';
import { fieldError, notFound, validationError } from '../http/errors.ts';
import { ListQuery, pageSizeOf, decodeCursor, pageOf } from '../http/pagination.ts';
import {
  AccountParams,
  AnswerOf,
  DataBody,
  IdParam,
  SECURITY,
  responsesOf,
} from '../schemas/common.ts';
import {
  ReenableBody,
  SecretRotateBody,
  WebhookInput,
  WebhookPatch,
  webhookFields,
} from '../schemas/webhook.ts';
import { documentOf, webhookSummary, webhookView, type WebhookRow } from '../store/webhooks.ts';
import { circuitAt, type CircuitView } from '../delivery/scheduler/queue-state.ts';

export const WebhookParams = Type.Object({ ...AccountParams.properties, webhookId: IdParam });

const tags = ['webhooks'];

/** Routes that answer one webhook: serialised through the Webhook component. */
const oneWebhook = responsesOf(AnswerOf('Webhook'));

const KNOWN_FIELDS = new Set(Object.keys(webhookFields));
const READ_ONLY = new Set(WEBHOOK_READ_ONLY);
/**
 * Before the schema runs: Kazoo's type slips ("2", "true") in known fields are fixed, and the
 * dialect's other spellings (`profile`, `format: "jambonz"`) become `dialect`.
 */
const coerceKazooSlips = coerceDocumentBody(webhookFields);
async function coerceWebhookBody(request: FastifyRequest): Promise<void> {
  await coerceKazooSlips(request);
  const body = request.body as { data?: unknown } | null | undefined;
  const data = body?.data;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    body!.data = spellDialect(data as Record<string, unknown>);
  }
}

export function webhookRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  const { stores } = ctx;
  const allow = ctx.config.allowList;

  /**
   * Schema rules, then the rules the schema cannot say, the configured sizes, then the SSRF
   * guard on literal IPs. A uri echoed back with its masked password keeps the stored one.
   */
  function validDocument(candidate: Record<string, unknown>, stored?: WebhookRow): WebhookDocument {
    if (stored && typeof candidate.uri === 'string') {
      candidate.uri = unmaskPassword(candidate.uri, stored.uri);
    }
    const details = checkDocument(candidate);
    if (details) throw validationError(details);
    const doc = candidate as unknown as WebhookDocument;
    const tooLarge = checkDocumentLimits(doc, ctx.config.limits);
    if (tooLarge) throw validationError(tooLarge);
    const target = checkUrlTarget(new URL(doc.uri), allow);
    if (!target.ok) throw fieldError('uri', 'blocked_target', target.reason);
    return doc;
  }

  /** The document's properties that are not ours, kept within their size bound. */
  function validExtra(extra: Record<string, unknown>): Record<string, unknown> {
    const tooLarge = checkExtraSize(extra, ctx.config.limits.maxExtraPropertiesBytes);
    if (tooLarge) throw validationError(tooLarge);
    return extra;
  }

  const closed: CircuitView = { state: 'closed', failures: 0 };

  /** The webhook with its circuit, as the scheduler sees it now (closed when Redis cannot say). */
  async function viewWithCircuit(row: WebhookRow) {
    const circuits = await ctx.scheduler
      .circuits([{ webhookId: row.id, accountId: row.accountId }])
      .catch(() => new Map());
    const circuit = circuitAt(circuits.get(row.id) ?? closed, Date.now());
    return {
      ...webhookView(row),
      circuit: {
        state: circuit.state,
        ...(circuit.until !== undefined && circuit.state === 'open'
          ? { until: new Date(circuit.until).toISOString() }
          : {}),
        failures: circuit.failures,
      },
    };
  }

  /**
   * After a write: a webhook turned off has its pending deliveries skipped and its line dropped;
   * one still on gets its (possibly new) limits in the scheduler at once.
   */
  async function applyToDeliveries(row: WebhookRow): Promise<void> {
    if (!row.enabled) {
      await stores.deliveries.skipPending(row.id, 'webhook disabled');
      await ctx.scheduler.forget([{ webhookId: row.id, accountId: row.accountId }]).catch(() => {});
      return;
    }
    const limits = (await stores.webhookTargets.limits([row.id])).get(row.id);
    if (limits)
      await ctx.scheduler
        .configure(row.id, row.accountId, limits.maxInFlight, limits.rateLimit)
        .catch(() => {});
  }

  async function load(accountId: string, webhookId: string): Promise<WebhookRow> {
    const row = await stores.webhooks.find(accountId, webhookId);
    if (!row) throw notFound('webhook');
    return row;
  }

  return async (app) => {
    app.get(
      '/accounts/:accountId/webhooks',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          querystring: ListQuery,
          summary: 'List webhooks (summaries)',
        },
      },
      async (request) => {
        const pageSize = pageSizeOf(request.query, ctx.config.limits);
        const [afterId] = (decodeCursor(request.query.start_key, 1) ?? []) as string[];
        const rows = await stores.webhooks.list(request.account.id, pageSize + 1, afterId);
        const { items, paging } = pageOf(rows, pageSize, request.query.start_key, (w) => [w.id]);
        return envelope(request, items.map(webhookSummary), paging);
      },
    );

    app.route({
      method: ['PUT', 'POST'],
      url: '/accounts/:accountId/webhooks',
      schema: {
        tags,
        security: SECURITY,
        params: AccountParams,
        body: DataBody(WebhookInput),
        summary: 'Create a webhook; the answer carries its signing secret',
        response: oneWebhook,
      },
      preValidation: coerceWebhookBody,
      handler: async (request, reply) => {
        const { known, extra } = splitDocument(request.body.data, KNOWN_FIELDS, READ_ONLY);
        const doc = validDocument(documentFromInput(known) as unknown as Record<string, unknown>);
        const row = await stores.webhooks.create(
          request.account.id,
          doc,
          ctx.config.limits.maxWebhooksPerAccount,
          validExtra(extra),
        );
        return reply
          .code(201)
          .send(envelope(request, { ...webhookView(row), circuit: closed, secret: row.secret }));
      },
    });

    for (const scope of ['account', 'descendants'] as const) {
      app.patch(
        scope === 'account'
          ? '/accounts/:accountId/webhooks'
          : '/accounts/:accountId/descendants/webhooks',
        {
          schema: {
            tags,
            security: SECURITY,
            params: AccountParams,
            body: ReenableBody,
            summary:
              scope === 'account'
                ? 'Re-enable every webhook of the account that the system disabled'
                : 'Re-enable every system-disabled webhook of the account and all its descendants',
          },
        },
        async (request) =>
          envelope(request, {
            reenabled: await stores.webhooks.reenable(request.account.id, scope),
          }),
      );
    }

    app.get(
      '/accounts/:accountId/webhooks/:webhookId',
      {
        schema: {
          tags,
          security: SECURITY,
          params: WebhookParams,
          summary: 'Read a webhook',
          response: oneWebhook,
        },
      },
      async (request) =>
        envelope(
          request,
          await viewWithCircuit(await load(request.account.id, request.params.webhookId)),
        ),
    );

    app.post(
      '/accounts/:accountId/webhooks/:webhookId',
      {
        schema: {
          tags,
          security: SECURITY,
          params: WebhookParams,
          body: DataBody(WebhookInput),
          summary: 'Replace a webhook',
          response: oneWebhook,
        },
        preValidation: coerceWebhookBody,
      },
      async (request) => {
        const current = await load(request.account.id, request.params.webhookId);
        const { known, extra } = splitDocument(request.body.data, KNOWN_FIELDS, READ_ONLY);
        const doc = validDocument(
          documentFromInput(known) as unknown as Record<string, unknown>,
          current,
        );
        const row = await stores.webhooks.replace(current, doc, validExtra(extra));
        await applyToDeliveries(row);
        return envelope(request, await viewWithCircuit(row));
      },
    );

    app.patch(
      '/accounts/:accountId/webhooks/:webhookId',
      {
        schema: {
          tags,
          security: SECURITY,
          params: WebhookParams,
          body: DataBody(WebhookPatch),
          summary: 'Merge fields into a webhook; null removes a field',
          response: oneWebhook,
        },
        preValidation: coerceWebhookBody,
      },
      async (request) => {
        const current = await load(request.account.id, request.params.webhookId);
        const { known, extra } = splitDocument(
          request.body.data as Record<string, unknown>,
          KNOWN_FIELDS,
          READ_ONLY,
        );
        const doc = validDocument(mergePatch(documentOf(current), known), current);
        const row = await stores.webhooks.replace(
          current,
          doc,
          validExtra(mergeExtra(extraOf(current.extra), extra)),
        );
        await applyToDeliveries(row);
        return envelope(request, await viewWithCircuit(row));
      },
    );

    app.delete(
      '/accounts/:accountId/webhooks/:webhookId',
      {
        schema: {
          tags,
          security: SECURITY,
          params: WebhookParams,
          summary: 'Delete a webhook',
          response: oneWebhook,
        },
      },
      async (request) => {
        const row = await load(request.account.id, request.params.webhookId);
        // Its pending deliveries end now, not when a worker next finds the webhook gone.
        await stores.deliveries.skipPending(row.id, 'webhook deleted');
        await stores.webhooks.delete(request.account.id, row.id);
        await ctx.scheduler
          .forget([{ webhookId: row.id, accountId: row.accountId }])
          .catch(() => {});
        return envelope(request, webhookView(row));
      },
    );

    const secretView = (row: WebhookRow) => ({
      secret: row.secret,
      active_secrets: activeSecrets(
        row.secret,
        row.previousSecrets as unknown as PreviousSecret[],
        new Date(),
      ),
    });

    app.get(
      '/accounts/:accountId/webhooks/:webhookId/secret',
      {
        schema: {
          tags,
          security: SECURITY,
          params: WebhookParams,
          summary: 'Read the signing secret',
        },
      },
      async (request) =>
        envelope(request, secretView(await load(request.account.id, request.params.webhookId))),
    );

    app.put(
      '/accounts/:accountId/webhooks/:webhookId/secret',
      {
        schema: {
          tags,
          security: SECURITY,
          params: WebhookParams,
          body: SecretRotateBody,
          summary:
            'Rotate the signing secret; the old one keeps signing during its grace period (default 24 h)',
        },
        // No body at all is an empty one: rotate with a generated secret and the default grace.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => {
        const row = await load(request.account.id, request.params.webhookId);
        const data = request.body?.data ?? {};
        const graceMs =
          data.grace_period_seconds !== undefined
            ? data.grace_period_seconds * 1000
            : DEFAULT_ROTATION_GRACE_MS;
        return envelope(
          request,
          secretView(await stores.webhooks.rotateSecret(row, graceMs, data.secret)),
        );
      },
    );
  };
}

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import { activeSecrets, type PreviousSecret } from '../domain/signing.ts';
import {
  checkDocument,
  documentFromInput,
  mergePatch,
  type WebhookDocument,
} from '../domain/webhook-document.ts';
import { checkUrlTarget, parseAllowList } from '../delivery/ssrf.ts';
import { envelope } from '../http/envelope.ts';
import { fieldError, notFound, validationError } from '../http/errors.ts';
import { ListQuery, pageSizeOf, decodeCursor, pageOf } from '../http/pagination.ts';
import { AccountParams, DataBody, SECURITY } from '../schemas/common.ts';
import { ReenableBody, SecretRotateBody, WebhookInput, WebhookPatch } from '../schemas/webhook.ts';
import { documentOf, webhookSummary, webhookView, type WebhookRow } from '../store/webhooks.ts';

export const WebhookParams = Type.Object({
  accountId: Type.String({ maxLength: 64 }),
  webhookId: Type.String({ maxLength: 64 }),
});

const DEFAULT_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

const tags = ['webhooks'];

export function webhookRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  const { repos } = ctx;
  const allow = parseAllowList(ctx.config.allowedTargets);

  /** Schema rules, then the rules the schema cannot say, then the SSRF guard on literal IPs. */
  function validDocument(candidate: Record<string, unknown>): WebhookDocument {
    const details = checkDocument(candidate);
    if (details) throw validationError(details);
    const target = checkUrlTarget(new URL(candidate.uri as string), allow);
    if (!target.ok) throw fieldError('uri', 'blocked_target', target.reason);
    return candidate as unknown as WebhookDocument;
  }

  async function load(accountId: string, webhookId: string): Promise<WebhookRow> {
    const row = await repos.webhooks.find(accountId, webhookId);
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
        const pageSize = pageSizeOf(request.query);
        const [afterId] = (decodeCursor(request.query.start_key, 1) ?? []) as string[];
        const rows = await repos.webhooks.list(request.account.id, pageSize + 1, afterId);
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
      },
      handler: async (request, reply) => {
        const doc = validDocument(
          documentFromInput(request.body.data) as unknown as Record<string, unknown>,
        );
        const row = await repos.webhooks.create(request.account.id, doc);
        return reply.code(201).send(envelope(request, { ...webhookView(row), secret: row.secret }));
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
            reenabled: await repos.webhooks.reenable(request.account.id, scope),
          }),
      );
    }

    app.get(
      '/accounts/:accountId/webhooks/:webhookId',
      {
        schema: { tags, security: SECURITY, params: WebhookParams, summary: 'Read a webhook' },
      },
      async (request) =>
        envelope(request, webhookView(await load(request.account.id, request.params.webhookId))),
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
        },
      },
      async (request) => {
        const current = await load(request.account.id, request.params.webhookId);
        const doc = validDocument(
          documentFromInput(request.body.data) as unknown as Record<string, unknown>,
        );
        return envelope(request, webhookView(await repos.webhooks.replace(current, doc)));
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
        },
      },
      async (request) => {
        const current = await load(request.account.id, request.params.webhookId);
        const doc = validDocument(
          mergePatch(documentOf(current), request.body.data as Record<string, unknown>),
        );
        return envelope(request, webhookView(await repos.webhooks.replace(current, doc)));
      },
    );

    app.delete(
      '/accounts/:accountId/webhooks/:webhookId',
      {
        schema: { tags, security: SECURITY, params: WebhookParams, summary: 'Delete a webhook' },
      },
      async (request) => {
        const row = await load(request.account.id, request.params.webhookId);
        await repos.webhooks.delete(request.account.id, row.id);
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
            : DEFAULT_SECRET_GRACE_MS;
        return envelope(
          request,
          secretView(await repos.webhooks.rotateSecret(row, graceMs, data.secret)),
        );
      },
    );
  };
}

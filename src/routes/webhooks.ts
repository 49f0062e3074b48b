import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RouteContext } from '../app.ts';
import { spellDialect } from '../domain/dialects/checks.ts';
import { coerceDocumentBody } from '../http/kazoo-documents.ts';
import { envelope } from '../http/envelope.ts';
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
import type { WebhookRow } from '../store/webhooks.ts';
import { RecoverBody } from '../schemas/event.ts';
import { webhookSummary, webhookView } from './views/webhook.ts';
import { circuitAt, type CircuitView } from '../delivery/scheduler/queue-state.ts';

export const WebhookParams = Type.Object({ ...AccountParams.properties, webhookId: IdParam });

const tags = ['webhooks'];

/** Routes that answer one webhook: serialised through the Webhook component. */
const oneWebhook = responsesOf(AnswerOf('Webhook'));

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

/** A webhook with its circuit, as the API shows it (an open circuit past its time: half open). */
function withCircuit({ row, circuit }: { row: WebhookRow; circuit: CircuitView }) {
  const shown = circuitAt(circuit, Date.now());
  return {
    ...webhookView(row),
    circuit: {
      state: shown.state,
      ...(shown.until !== undefined && shown.state === 'open'
        ? { until: new Date(shown.until).toISOString() }
        : {}),
      failures: shown.failures,
    },
  };
}

/** The signing secrets as the API shows them. */
function secretView({ secret, active }: { secret: string; active: string[] }) {
  return { secret, active_secrets: active };
}

export function webhookRoutes({ config, services }: RouteContext): FastifyPluginAsyncTypebox {
  const webhooks = services.webhooks;
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
        const pageSize = pageSizeOf(request.query, config.limits);
        const [afterId] = (decodeCursor(request.query.start_key, 1) ?? []) as string[];
        const rows = await webhooks.list(request.account, pageSize + 1, afterId);
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
        const created = await webhooks.create(request.account, request.body.data);
        return reply
          .code(201)
          .send(envelope(request, { ...withCircuit(created), secret: created.row.secret }));
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
          envelope(request, { reenabled: await webhooks.reenable(request.account, scope) }),
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
          withCircuit(await webhooks.read(request.account, request.params.webhookId)),
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
        const replaced = await webhooks.update(
          request.account,
          request.params.webhookId,
          request.body.data,
          'replace',
        );
        return envelope(request, withCircuit(replaced));
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
        const patched = await webhooks.update(
          request.account,
          request.params.webhookId,
          request.body.data as Record<string, unknown>,
          'merge',
        );
        return envelope(request, withCircuit(patched));
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
        // Its pending deliveries end now, not when a worker next finds the webhook gone.
        const row = await webhooks.delete(request.account, request.params.webhookId);
        return envelope(request, webhookView(row));
      },
    );

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
        envelope(
          request,
          secretView(await webhooks.secrets(request.account, request.params.webhookId)),
        ),
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
        const data = request.body?.data ?? {};
        const rotated = await webhooks.rotateSecret(request.account, request.params.webhookId, {
          secret: data.secret,
          graceSeconds: data.grace_period_seconds,
        });
        return envelope(request, secretView(rotated));
      },
    );
    app.post(
      '/accounts/:accountId/webhooks/:webhookId/recover',
      {
        schema: {
          tags,
          security: SECURITY,
          params: WebhookParams,
          body: RecoverBody,
          summary: 'Deliver again every failed delivery of the webhook since a time',
        },
      },
      async (request, reply) => {
        const { since, until } = request.body.data;
        const { ids, more } = await services.replays.recover(
          request.account,
          request.params.webhookId,
          new Date(since),
          until ? new Date(until) : new Date(),
        );
        return reply.code(202).send(
          envelope(request, {
            recovered: ids.length,
            delivery_ids: ids,
            // At the limit there may be more: the same call again picks them up.
            ...(more ? { more: true } : {}),
          }),
        );
      },
    );
  };
}

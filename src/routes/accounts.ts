import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import { visibleAncestors } from '../domain/tenancy.ts';
import type { Account } from '../store/accounts.ts';
import { envelope } from '../http/envelope.ts';
import { ListQuery, pageSizeOf, decodeCursor, pageOf } from '../http/pagination.ts';
import {
  AccountParams,
  DataBody,
  Nullable,
  SECURITY,
  StringEnum,
  AnswerOf,
  responsesOf,
} from '../schemas/common.ts';
import { extraOf } from '../domain/kazoo-document.ts';
import { ORDERINGS } from '../domain/call-order.ts';
import { ACCOUNT_READ_ONLY } from '../services/accounts.ts';

/**
 * Limits the account's webhooks inherit when they set none of their own (null removes one):
 * deliveries per second and deliveries in flight, per webhook, cluster-wide.
 */
const WebhookDefaults = Type.Object(
  {
    rate_limit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100_000 }))),
    max_in_flight: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000 }))),
    ordering: Type.Optional(Nullable(StringEnum(ORDERINGS))),
  },
  { additionalProperties: false },
);
const name = Type.String({ minLength: 1, maxLength: 128 });

const readOnly = Object.fromEntries(
  [...ACCOUNT_READ_ONLY].map((k) => [k, Type.Optional(Type.Unknown())]),
);
/**
 * Any other property (Kazoo's realm, timezone, ui_flags…) is kept as sent and returned, within
 * SWITCHBOARD_MAX_EXTRA_PROPERTIES_BYTES (domain/kazoo-document.ts).
 */
const AccountInput = DataBody(
  Type.Object(
    { name, webhook_defaults: Type.Optional(WebhookDefaults), ...readOnly },
    { additionalProperties: true },
  ),
);
const AccountUpdate = DataBody(
  Type.Object(
    { name: Type.Optional(name), webhook_defaults: Type.Optional(WebhookDefaults), ...readOnly },
    { additionalProperties: true },
  ),
);

/**
 * Kazoo's account view: `tree` lists the ancestors, root first — but only those the caller
 * manages, so a key never learns the ids above its own account (nor its parent_id).
 */
export function accountView(account: Account, caller: Pick<Account, 'id'>) {
  const tree = visibleAncestors(account, caller);
  return {
    // Properties that are not ours first: our fields always win.
    ...extraOf(account.extra),
    id: account.id,
    name: account.name,
    ...(account.parentId && tree.includes(account.parentId) ? { parent_id: account.parentId } : {}),
    tree,
    ...(account.webhookRateLimit !== null ||
    account.webhookMaxInFlight !== null ||
    account.webhookOrdering !== null
      ? {
          webhook_defaults: {
            ...(account.webhookRateLimit !== null ? { rate_limit: account.webhookRateLimit } : {}),
            ...(account.webhookMaxInFlight !== null
              ? { max_in_flight: account.webhookMaxInFlight }
              : {}),
            ...(account.webhookOrdering !== null ? { ordering: account.webhookOrdering } : {}),
          },
        }
      : {}),
    created: account.created.toISOString(),
    modified: account.modified.toISOString(),
  };
}

const tags = ['accounts'];

/** Routes that answer one account: serialised through the Account component. */
const oneAccount = responsesOf(AnswerOf('Account'));

export function accountRoutes({ config, services }: RouteContext): FastifyPluginAsyncTypebox {
  const accounts = services.accounts;
  return async (app) => {
    for (const url of ['/accounts/:accountId', '/accounts/:accountId/children']) {
      app.route({
        method: url.endsWith('children') ? 'POST' : 'PUT',
        url,
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          body: AccountInput,
          summary: 'Create a sub-account',
          response: oneAccount,
        },
        handler: async (request, reply) => {
          const child = await accounts.createChild(request.account, request.body.data);
          return reply.code(201).send(envelope(request, accountView(child, request.caller)));
        },
      });
    }

    app.get(
      '/accounts/:accountId',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          summary: 'Read an account',
          response: oneAccount,
        },
      },
      async (request) => envelope(request, accountView(request.account, request.caller)),
    );

    app.route({
      method: ['PATCH', 'POST'],
      url: '/accounts/:accountId',
      schema: {
        tags,
        security: SECURITY,
        params: AccountParams,
        body: AccountUpdate,
        summary: 'Rename an account, or set the defaults its webhooks inherit',
        response: oneAccount,
      },
      handler: async (request) => {
        // POST replaces the document; PATCH merges what it names.
        const updated = await accounts.update(
          request.account,
          request.body.data,
          request.method === 'POST' ? 'replace' : 'merge',
        );
        return envelope(request, accountView(updated, request.caller));
      },
    });

    app.delete(
      '/accounts/:accountId',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          summary: 'Delete a sub-account with its keys and webhooks; refused while it has children',
        },
      },
      async (request) => {
        await accounts.delete(request.account, request.caller);
        return envelope(request, accountView(request.account, request.caller));
      },
    );

    for (const depth of ['children', 'descendants'] as const) {
      app.get(
        `/accounts/:accountId/${depth}`,
        {
          schema: {
            tags,
            security: SECURITY,
            params: AccountParams,
            querystring: ListQuery,
            summary: `List ${depth}`,
          },
        },
        async (request) => {
          const pageSize = pageSizeOf(request.query, config.limits);
          const [afterId] = (decodeCursor(request.query.start_key, 1) ?? []) as string[];
          const rows = await accounts.listBelow(request.account, depth, pageSize + 1, afterId);
          const { items, paging } = pageOf(rows, pageSize, request.query.start_key, (a) => [a.id]);
          return envelope(
            request,
            items.map((a) => accountView(a, request.caller)),
            paging,
          );
        },
      );
    }

    app.get(
      '/accounts/:accountId/parents',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          summary: 'List ancestors the caller may see, root first',
        },
      },
      async (request) => {
        // A key never learns about accounts above its own: the list starts at the caller's account.
        const visible = await accounts.visibleAncestors(request.account, request.caller);
        return envelope(
          request,
          visible.map((a) => ({ id: a.id, name: a.name })),
        );
      },
    );
  };
}

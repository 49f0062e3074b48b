import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import { manages, visibleAncestors } from '../domain/tenancy.ts';
import type { Account } from '../store/accounts.ts';
import { envelope } from '../http/envelope.ts';
import { conflict, fieldError, forbidden, validationError } from '../http/errors.ts';
import { ListQuery, pageSizeOf, decodeCursor, pageOf } from '../http/pagination.ts';
import {
  AccountParams,
  DataBody,
  Nullable,
  SECURITY,
  AnswerOf,
  responsesOf,
} from '../schemas/common.ts';
import { checkExtraSize, extraOf, mergeExtra, splitDocument } from '../domain/kazoo-document.ts';

/**
 * Limits the account's webhooks inherit when they set none of their own (null removes one):
 * deliveries per second and deliveries in flight, per webhook, cluster-wide.
 */
const WebhookDefaults = Type.Object(
  {
    rate_limit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100_000 }))),
    max_in_flight: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000 }))),
  },
  { additionalProperties: false },
);
const name = Type.String({ minLength: 1, maxLength: 128 });

/** Fields only the server writes: echoed back in a write (Kazoo's UI posts its GET), ignored. */
const READ_ONLY = new Set(['id', 'parent_id', 'tree', 'created', 'modified']);
const KNOWN_FIELDS = new Set(['name', 'webhook_defaults']);
const readOnly = Object.fromEntries([...READ_ONLY].map((k) => [k, Type.Optional(Type.Unknown())]));
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

/** The store's columns for a webhook_defaults document (absent keys unchanged). */
function defaultsColumns(
  defaults: { rate_limit?: number | null; max_in_flight?: number | null } = {},
) {
  return {
    ...(defaults.rate_limit !== undefined ? { webhookRateLimit: defaults.rate_limit } : {}),
    ...(defaults.max_in_flight !== undefined ? { webhookMaxInFlight: defaults.max_in_flight } : {}),
  };
}

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
    ...(account.webhookRateLimit !== null || account.webhookMaxInFlight !== null
      ? {
          webhook_defaults: {
            ...(account.webhookRateLimit !== null ? { rate_limit: account.webhookRateLimit } : {}),
            ...(account.webhookMaxInFlight !== null
              ? { max_in_flight: account.webhookMaxInFlight }
              : {}),
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

function hasKeys(o: object): boolean {
  return Object.keys(o).length > 0;
}

export function accountRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  const { stores } = ctx;

  /** New defaults reach the scheduler at once for every webhook of the account that inherits them. */
  async function applyDefaults(accountId: string): Promise<void> {
    const webhooks = await stores.webhookTargets.limitsOfAccount(accountId);
    await Promise.all(
      webhooks.map((w) =>
        ctx.scheduler.configure(w.id, w.accountId, w.maxInFlight, w.rateLimit).catch(() => {}),
      ),
    );
  }

  /** The document's properties that are not ours, kept within their size bound. */
  function extraOfBody(data: Record<string, unknown>): Record<string, unknown> {
    const { extra } = splitDocument(data, KNOWN_FIELDS, READ_ONLY);
    const tooLarge = checkExtraSize(extra, ctx.config.limits.maxExtraPropertiesBytes);
    if (tooLarge) throw validationError(tooLarge);
    return extra;
  }

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
          const child = await stores.accounts.createChild(
            request.account,
            request.body.data.name,
            ctx.config.limits.maxAccountDepth,
            {
              ...defaultsColumns(request.body.data.webhook_defaults),
              extra: extraOfBody(request.body.data),
            },
          );
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
        const { name, webhook_defaults } = request.body.data;
        const given = extraOfBody(request.body.data);
        // POST replaces the document (its name is required, its other properties are replaced);
        // PATCH changes what it names (null removes a property).
        const replace = request.method === 'POST';
        if (name === undefined && (replace || (webhook_defaults === undefined && !hasKeys(given))))
          throw fieldError('name', 'required', 'Field is required but missing');
        const extra = replace ? given : mergeExtra(extraOf(request.account.extra), given);
        const tooLarge = checkExtraSize(extra, ctx.config.limits.maxExtraPropertiesBytes);
        if (tooLarge) throw validationError(tooLarge);
        const updated = await stores.accounts.update(request.account.id, {
          ...(name !== undefined ? { name } : {}),
          ...defaultsColumns(webhook_defaults),
          extra,
        });
        // Remembered accounts (the auth cache) must show the change at once, everywhere.
        await ctx.auth.invalidate();
        if (webhook_defaults) await applyDefaults(request.account.id);
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
        if (request.account.id === request.caller.id) {
          throw forbidden('an account cannot delete itself; its parent can');
        }
        // A sub-account created meanwhile makes the delete fail on the foreign key: also a 409.
        if (
          (await stores.accounts.hasChildren(request.account.id)) ||
          !(await stores.accounts.delete(request.account.id))
        ) {
          throw conflict('account has sub-accounts: delete them first');
        }
        // Its keys went with it: no API process may keep accepting them.
        await ctx.auth.invalidate();
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
          const pageSize = pageSizeOf(request.query, ctx.config.limits);
          const [afterId] = (decodeCursor(request.query.start_key, 1) ?? []) as string[];
          const rows = await stores.accounts.listBelow(
            request.account,
            depth,
            pageSize + 1,
            afterId,
          );
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
        const ancestors = await stores.accounts.ancestors(request.account);
        const visible = ancestors.filter((a) => manages(request.caller, a));
        return envelope(
          request,
          visible.map((a) => ({ id: a.id, name: a.name })),
        );
      },
    );
  };
}

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import type { Account } from '../store/accounts.ts';
import { envelope } from '../http/envelope.ts';
import { conflict, forbidden } from '../http/errors.ts';
import { ListQuery, pageSizeOf, decodeCursor, pageOf } from '../http/pagination.ts';
import { AccountParams, DataBody, SECURITY } from '../schemas/common.ts';

const AccountInput = DataBody(
  Type.Object(
    { name: Type.String({ minLength: 1, maxLength: 128 }) },
    { additionalProperties: false },
  ),
);

/**
 * Kazoo's account view: `tree` lists the ancestors, root first — but only those the caller
 * manages, so a key never learns the ids above its own account (nor its parent_id).
 */
export function accountView(account: Account, caller: Pick<Account, 'id'>) {
  const ancestors = account.tree.slice(0, -1);
  const from = ancestors.indexOf(caller.id);
  const tree = from === -1 ? [] : ancestors.slice(from);
  return {
    id: account.id,
    name: account.name,
    ...(account.parentId && tree.includes(account.parentId) ? { parent_id: account.parentId } : {}),
    tree,
    created: account.created.toISOString(),
    modified: account.modified.toISOString(),
  };
}

const tags = ['accounts'];

export function accountRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  const { repos } = ctx;
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
        },
        handler: async (request, reply) => {
          const child = await repos.accounts.createChild(request.account, request.body.data.name);
          return reply.code(201).send(envelope(request, accountView(child, request.caller)));
        },
      });
    }

    app.get(
      '/accounts/:accountId',
      {
        schema: { tags, security: SECURITY, params: AccountParams, summary: 'Read an account' },
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
        body: AccountInput,
        summary: 'Rename an account',
      },
      handler: async (request) =>
        envelope(
          request,
          accountView(
            await repos.accounts.rename(request.account.id, request.body.data.name),
            request.caller,
          ),
        ),
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
          (await repos.accounts.hasChildren(request.account.id)) ||
          !(await repos.accounts.delete(request.account.id))
        ) {
          throw conflict('account has sub-accounts: delete them first');
        }
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
          const pageSize = pageSizeOf(request.query);
          const [afterId] = (decodeCursor(request.query.start_key, 1) ?? []) as string[];
          const rows = await repos.accounts.listBelow(
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
        const ancestors = await repos.accounts.ancestors(request.account);
        const visible = ancestors.filter((a) => a.tree.includes(request.caller.id));
        return envelope(
          request,
          visible.map((a) => ({ id: a.id, name: a.name })),
        );
      },
    );
  };
}

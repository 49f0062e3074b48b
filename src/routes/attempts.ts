import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RouteContext } from '../app.ts';
import { parseStorableDate } from '../domain/dates.ts';
import { parseTimeFilter } from '../domain/kazoo-time.ts';
import { envelope } from '../http/envelope.ts';
import { fieldError, notFound } from '../http/errors.ts';
import { ListQuery, decodeCursor, pageOf, pageSizeOf } from '../http/pagination.ts';
import { StringEnum, AccountParams, SECURITY } from '../schemas/common.ts';
import { attemptView } from './views/attempt.ts';
import { AttemptPage } from '../schemas/attempt.ts';
import { WebhookParams } from './webhooks.ts';

const AttemptQuery = Type.Object({
  ...ListQuery.properties,
  created_from: Type.Optional(
    Type.String({ maxLength: 40, description: 'ISO 8601, Unix or Gregorian seconds' }),
  ),
  created_to: Type.Optional(
    Type.String({ maxLength: 40, description: 'ISO 8601, Unix or Gregorian seconds' }),
  ),
  result: Type.Optional(StringEnum(['success', 'failure'] as const)),
});
type AttemptQuery = {
  page_size?: number;
  paginate?: boolean;
  start_key?: string;
  created_from?: string;
  created_to?: string;
  result?: 'success' | 'failure';
};

const tags = ['attempts'];

const response = {
  '2xx': AttemptPage,
  '4xx': { $ref: 'ErrorEnvelope#' },
  '5xx': { $ref: 'ErrorEnvelope#' },
};

function timeFilter(query: AttemptQuery, field: 'created_from' | 'created_to'): Date | undefined {
  const raw = query[field];
  if (raw === undefined) return undefined;
  const date = parseTimeFilter(raw);
  if (!date) throw fieldError(field, 'format', 'expected ISO 8601 or seconds', 'date-time');
  return date;
}

/** Kazoo's attempts log: newest first, cursor pages, filters by time and result. */
export function attemptRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  async function page(request: FastifyRequest, query: AttemptQuery, webhookId?: string) {
    const pageSize = pageSizeOf(query, ctx.config.limits);
    const cursor = decodeCursor(query.start_key, 2) as [string, string] | undefined;
    const created = cursor ? parseStorableDate(cursor[0]) : undefined;
    if (cursor && !created) throw fieldError('start_key', 'format', 'invalid start_key');
    const after = cursor && created ? { created, id: cursor[1] } : undefined;
    const rows = await ctx.stores.attempts.list({
      accountId: request.account.id,
      webhookId,
      createdFrom: timeFilter(query, 'created_from'),
      createdTo: timeFilter(query, 'created_to'),
      result: query.result,
      after,
      take: pageSize + 1,
    });
    const { items, paging } = pageOf(rows, pageSize, query.start_key, (a) => [
      a.created.toISOString(),
      a.id,
    ]);
    return envelope(request, items.map(attemptView), paging);
  }

  return async (app) => {
    app.get(
      '/accounts/:accountId/webhooks/attempts',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          querystring: AttemptQuery,
          response,
          summary: "Attempts of the account's webhooks, newest first",
        },
      },
      async (request) => page(request, request.query),
    );
    app.get(
      '/accounts/:accountId/webhooks/:webhookId/attempts',
      {
        schema: {
          tags,
          security: SECURITY,
          params: WebhookParams,
          querystring: AttemptQuery,
          response,
          summary: 'Attempts of one webhook, newest first',
        },
      },
      async (request) => {
        const webhook = await ctx.stores.webhooks.find(request.account, request.params.webhookId);
        if (!webhook) throw notFound('webhook');
        return page(request, request.query, webhook.id);
      },
    );
  };
}

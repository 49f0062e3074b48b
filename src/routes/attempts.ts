import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RouteContext } from '../app.ts';
import { envelope } from '../http/envelope.ts';
import {
  logFilterOf,
  newestFirstCursorOf,
  newestFirstKey,
  type LogFilterInput,
} from '../http/log-filters.ts';
import { ListQuery, pageOf, pageSizeOf } from '../http/pagination.ts';
import { AccountParams, SECURITY } from '../schemas/common.ts';
import { AttemptFilter } from '../schemas/log-filter.ts';
import { attemptView } from './views/attempt.ts';
import { AttemptPage } from '../schemas/attempt.ts';
import { WebhookParams } from './webhooks.ts';

const AttemptQuery = Type.Object({ ...ListQuery.properties, ...AttemptFilter });
type AttemptQuery = LogFilterInput & { page_size?: number; start_key?: string; paginate?: boolean };

const tags = ['attempts'];

const response = {
  '2xx': AttemptPage,
  '4xx': { $ref: 'ErrorEnvelope#' },
  '5xx': { $ref: 'ErrorEnvelope#' },
};

/**
 * Kazoo's attempts log: newest first, cursor pages, searched by time, result, status code, error
 * code, event type, event id and call id (docs/api-conventions.md, "Attempts").
 */
export function attemptRoutes({ config, services }: RouteContext): FastifyPluginAsyncTypebox {
  async function page(request: FastifyRequest, query: AttemptQuery, webhookId?: string) {
    const pageSize = pageSizeOf(query, config.limits);
    const rows = await services.deliveryLog.attempts(
      request.account,
      {
        filter: logFilterOf(query),
        after: newestFirstCursorOf(query.start_key),
        take: pageSize + 1,
      },
      webhookId,
    );
    const { items, paging } = pageOf(rows, pageSize, query.start_key, newestFirstKey);
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
      async (request) => page(request, request.query, request.params.webhookId),
    );
  };
}

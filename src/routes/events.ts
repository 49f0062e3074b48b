import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { ErrorObject } from 'ajv';
import type { RouteContext } from '../app.ts';
import { newId } from '../domain/ids.ts';
import { storableEvent } from '../schemas/event-input.ts';
import { envelope } from '../http/envelope.ts';
import { validatorCompiler } from '../http/validation.ts';
import { compileBodyValidator } from '../schemas/validator.ts';
import { AccountParams, SECURITY, AnswerOf, responsesOf } from '../schemas/common.ts';
import { EventPage, EventParams, PublishBody, RedeliverQuery } from '../schemas/event.ts';
import { EventFilter, EventStateFilter, TimeRangeFilter } from '../schemas/log-filter.ts';
import { logFilterOf, newestFirstCursorOf, newestFirstKey } from '../http/log-filters.ts';
import { PageQuery, pageOf, pageSizeOf } from '../http/pagination.ts';
import type { ListedEvent } from '../store/events.ts';

const tags = ['events'];

const EventListQuery = Type.Object({
  ...PageQuery.properties,
  ...TimeRangeFilter,
  type: EventFilter.event_type,
  call_id: EventFilter.call_id,
  ...EventStateFilter,
});

/** An event of the list as the API shows it. */
function eventSummary(e: ListedEvent) {
  const state =
    e.failed > 0 ? 'failed' : e.pending > 0 ? 'pending' : e.delivered > 0 ? 'delivered' : 'none';
  return {
    id: e.id,
    type: e.type,
    account_id: e.accountId,
    ...(e.callId !== null ? { call_id: e.callId } : {}),
    created: e.created.toISOString(),
    fanned_out: e.fannedOutAt !== null,
    state,
    deliveries: {
      pending: e.pending,
      delivered: e.delivered,
      failed: e.failed,
      skipped: e.skipped,
    },
  };
}

/** Accepts {"data": {...}} as well as {"data": [...]}: one event is checked as a list of one. */
const checkPublish = compileBodyValidator(PublishBody);
const publishValidator: FastifySchemaCompiler<unknown> = (route) => {
  if (route.httpPart !== 'body') return validatorCompiler(route as never);
  const validate = (body: unknown) => {
    const data = (body as { data?: unknown } | null)?.data;
    const single = data !== null && typeof data === 'object' && !Array.isArray(data);
    const normalised = single ? { ...(body as object), data: [data] } : body;
    if (checkPublish(normalised)) return { value: normalised };
    validate.errors = (checkPublish.errors ?? []).map((e: ErrorObject) =>
      single ? { ...e, instancePath: e.instancePath.replace(/^\/data\/0(?=\/|$)/, '/data') } : e,
    );
    return false;
  };
  validate.errors = [] as ErrorObject[];
  return validate as never;
};

export function eventRoutes({ config, services }: RouteContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/accounts/:accountId/events',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          body: PublishBody,
          summary: 'Publish one event or up to 1000; 202 once they are stored',
        },
        // Publishing is the platform's privilege: only keys granted `publish` (docs/security.md).
        config: { scope: 'publish' },
        validatorCompiler: publishValidator as never,
      },
      async (request, reply) => {
        const events = request.body.data.map((input, index) =>
          storableEvent(
            request.account.id,
            input,
            newId,
            config.maxPayloadBytes,
            request.body.data.length === 1 ? 'payload' : `${index}.payload`,
          ),
        );
        // Stored with their deliveries (and put in line) before the answer.
        const { ids, accepted, duplicates } = await services.events.publish(events);
        return reply.code(202).send(envelope(request, { ids, accepted, duplicates }));
      },
    );

    app.get(
      '/accounts/:accountId/events',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          querystring: EventListQuery,
          response: responsesOf(EventPage),
          summary: "The account's events, newest first, by type, time, call and delivery state",
        },
      },
      async (request) => {
        const { query } = request;
        const pageSize = pageSizeOf(query, config.limits);
        const rows = await services.deliveryLog.events(request.account, request.caller, {
          filter: logFilterOf(query),
          state: query.state,
          after: newestFirstCursorOf(query.start_key),
          take: pageSize + 1,
        });
        const { items, paging } = pageOf(rows, pageSize, query.start_key, newestFirstKey);
        return envelope(request, items.map(eventSummary), paging);
      },
    );

    app.get(
      '/accounts/:accountId/events/:eventId',
      {
        schema: {
          tags,
          security: SECURITY,
          params: EventParams,
          summary: 'An event and the state of each of its deliveries',
          response: responsesOf(AnswerOf('Event')),
        },
      },
      async (request) => {
        const { event, deliveries, states } = await services.events.read(
          request.account,
          request.params.eventId,
          request.caller,
        );
        return envelope(request, {
          id: event.id,
          type: event.type,
          account_id: event.accountId,
          payload: event.payload,
          created: event.created.toISOString(),
          fanned_out: event.fannedOutAt !== null,
          deliveries: deliveries.map((d) => ({
            id: d.id,
            webhook_id: d.webhookId,
            status: d.status,
            trigger: d.trigger,
            tries: d.tries,
            ...(d.lastError ? { last_error: d.lastError } : {}),
            ...(d.status === 'pending'
              ? {
                  next_attempt_at: d.nextAttemptAt.toISOString(),
                  queue_state: states.get(d.id) ?? 'unknown',
                }
              : {}),
            created: d.created.toISOString(),
            modified: d.modified.toISOString(),
          })),
        });
      },
    );

    app.post(
      '/accounts/:accountId/events/:eventId/redeliver',
      {
        schema: {
          tags,
          security: SECURITY,
          params: EventParams,
          querystring: RedeliverQuery,
          summary: 'Send an event again to the webhooks it was delivered to (or to one webhook)',
        },
      },
      async (request, reply) => {
        const deliveries = await services.replays.redeliver(
          request.account,
          request.params.eventId,
          request.caller,
          request.query.webhook_id,
        );
        return reply.code(202).send(
          envelope(request, {
            deliveries: deliveries.map((d) => ({ id: d.id, webhook_id: d.webhookId })),
          }),
        );
      },
    );
  };
}

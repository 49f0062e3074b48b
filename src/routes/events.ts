import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { ErrorObject } from 'ajv';
import type { RouteContext } from '../app.ts';
import { newId } from '../domain/ids.ts';
import { webhookReceives } from '../domain/matching.ts';
import { unstorable } from '../domain/json-text.ts';
import { enqueueDeliveries, enqueueFanout } from '../delivery/fanout.ts';
import { envelope } from '../http/envelope.ts';
import { ApiError, conflict, fieldError, notFound } from '../http/errors.ts';
import { compileBodyValidator, validatorCompiler } from '../http/validation.ts';
import { AccountParams, SECURITY } from '../schemas/common.ts';
import { EventParams, PublishBody, RecoverBody, RedeliverQuery } from '../schemas/event.ts';
import { findEvent, insertEvents, type NewEvent } from '../store/events.ts';
import {
  RECOVER_LIMIT,
  candidateWebhooks,
  deliveriesOfEvent,
  insertDeliveries,
  manualDeliveries,
  reopenFailedDeliveries,
} from '../store/deliveries.ts';
import { WebhookParams } from './webhooks.ts';

const tags = ['events'];

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

/**
 * Enqueues work already committed to Postgres. If Redis does not take it, the request still
 * succeeds: the reconciler enqueues what is owed.
 */
async function afterCommit(
  request: FastifyRequest,
  what: string,
  enqueue: Promise<void>,
): Promise<void> {
  await enqueue.catch((err: Error) =>
    request.log.warn({ err: err.message }, `${what} not enqueued; the reconciler will do it`),
  );
}

export function eventRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  const { db, queues, config } = ctx;
  /**
   * The one webhook a redeliver ?webhook_id= may name: an enabled webhook this event reaches (its
   * account's, or an ancestor's with include_subaccounts, matching type and filters) that the
   * caller manages. Anything else is a 404: an event is never sent where it would not go.
   */
  async function redeliveryTarget(
    event: { accountId: string; id: string; type: string; payload: unknown },
    webhookId: string,
    callerId: string,
  ) {
    const candidates = await candidateWebhooks(db.pool, [event.accountId]);
    const matchable = { ...event, payload: event.payload as Record<string, unknown> };
    const target = candidates.find(
      (w) =>
        w.id === webhookId &&
        webhookReceives(matchable, w, w.tree) &&
        w.tree.indexOf(callerId) !== -1 &&
        w.tree.indexOf(callerId) <= w.tree.indexOf(w.accountId),
    );
    if (!target) throw notFound('webhook');
    return [target];
  }

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
        validatorCompiler: publishValidator as never,
      },
      async (request, reply) => {
        const events: NewEvent[] = [];
        const seen = new Set<string>();
        request.body.data.forEach((input, index) => {
          const json = JSON.stringify(input.payload);
          const bytes = Buffer.byteLength(json);
          const field = request.body.data.length === 1 ? 'payload' : `${index}.payload`;
          if (bytes > config.maxPayloadBytes) {
            throw new ApiError(413, 'payload too large', {
              [field]: {
                maxLength: { message: `payload is ${bytes} bytes`, target: config.maxPayloadBytes },
              },
            });
          }
          // Say what Postgres's jsonb would refuse instead of failing on insert.
          const refused = unstorable(json);
          if (refused) throw fieldError(field, 'format', `payload may not contain a ${refused}`);
          const id = input.id ?? newId();
          if (seen.has(id)) return;
          seen.add(id);
          events.push({ id, type: input.type, payload: input.payload });
        });
        const accountId = request.account.id;
        const inserted = await insertEvents(db.pool, accountId, events);
        // The events are committed; if Redis is down now, the reconciler fans them out later.
        await afterCommit(
          request,
          'fan-out',
          enqueueFanout(
            queues,
            [...inserted].map((eventId) => ({ accountId, eventId })),
          ),
        );
        const ids = events.map((e) => e.id);
        return reply.code(202).send(
          envelope(request, {
            ids,
            accepted: inserted.size,
            duplicates: ids.filter((id) => !inserted.has(id)),
          }),
        );
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
        },
      },
      async (request) => {
        const event = await findEvent(db.prisma, request.account.id, request.params.eventId);
        if (!event) throw notFound('event');
        const deliveries = await deliveriesOfEvent(db.pool, event, request.caller.id);
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
            ...(d.status === 'pending' ? { next_attempt_at: d.nextAttemptAt.toISOString() } : {}),
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
        const event = await findEvent(db.prisma, request.account.id, request.params.eventId);
        if (!event) throw notFound('event');
        const webhookId = request.query.webhook_id;
        const webhooks = webhookId
          ? await redeliveryTarget(event, webhookId, request.caller.id)
          : await db.prisma.webhook.findMany({
              where: {
                account: { tree: { has: request.caller.id } },
                deliveries: { some: { eventAccountId: event.accountId, eventId: event.id } },
              },
            });
        const deliveries = manualDeliveries(event, webhooks);
        await insertDeliveries(db.pool, deliveries);
        await afterCommit(
          request,
          'redelivery',
          enqueueDeliveries(
            queues,
            deliveries.map((d) => d.id),
          ),
        );
        return reply.code(202).send(
          envelope(request, {
            deliveries: deliveries.map((d) => ({ id: d.id, webhook_id: d.webhookId })),
          }),
        );
      },
    );

    app.post(
      '/accounts/:accountId/webhooks/:webhookId/recover',
      {
        schema: {
          tags: ['webhooks'],
          security: SECURITY,
          params: WebhookParams,
          body: RecoverBody,
          summary: 'Deliver again every failed delivery of the webhook since a time',
        },
      },
      async (request, reply) => {
        const webhook = await ctx.repos.webhooks.find(request.account.id, request.params.webhookId);
        if (!webhook) throw notFound('webhook');
        if (!webhook.enabled)
          throw conflict('webhook is disabled: enable it before recovering its deliveries');
        const since = new Date(request.body.data.since);
        const until = request.body.data.until ? new Date(request.body.data.until) : new Date();
        if (since > until)
          throw fieldError(
            'since',
            'maximum',
            'since must not be after until',
            until.toISOString(),
          );
        const ids = await reopenFailedDeliveries(db.pool, webhook.id, since, until);
        await afterCommit(request, 'recovery', enqueueDeliveries(queues, ids));
        return reply.code(202).send(
          envelope(request, {
            recovered: ids.length,
            delivery_ids: ids,
            // At the limit there may be more: the same call again picks them up.
            ...(ids.length === RECOVER_LIMIT ? { more: true } : {}),
          }),
        );
      },
    );
  };
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { ErrorObject } from 'ajv';
import type { RouteContext } from '../app.ts';
import { newId } from '../domain/ids.ts';
import { reachedBy } from '../domain/call-control.ts';
import { webhookReceives } from '../domain/matching.ts';
import { managesOnPath } from '../domain/tenancy.ts';
import { storableEvent } from '../http/event-input.ts';
import { pushOrLeave, withLimits } from '../delivery/fanout.ts';
import { envelope } from '../http/envelope.ts';
import { conflict, fieldError, notFound } from '../http/errors.ts';
import { compileBodyValidator, validatorCompiler } from '../http/validation.ts';
import { AccountParams, SECURITY, AnswerOf, responsesOf } from '../schemas/common.ts';
import { EventParams, PublishBody, RecoverBody, RedeliverQuery } from '../schemas/event.ts';
import type { NewEvent } from '../store/events.ts';
import { RECOVER_LIMIT, type NewDelivery } from '../store/deliveries.ts';
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

export function eventRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  const { config, scheduler, stores } = ctx;
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
    const candidates = await stores.webhookTargets.candidates([event.accountId]);
    const matchable = { ...event, payload: event.payload as Record<string, unknown> };
    const target = candidates.find(
      (w) =>
        w.id === webhookId &&
        reachedBy('publish', w) &&
        webhookReceives(matchable, w, w.tree) &&
        managesOnPath(w.tree, callerId, w.accountId),
    );
    if (!target) throw notFound('webhook');
    return [target];
  }

  return async (app) => {
    // Redeliver and recover answer once their deliveries are stored; if Redis does not take them
    // then, the reconciler puts them in line.
    const push = pushOrLeave(scheduler, app.log);
    /** Puts stored deliveries of one or more webhooks in line, with each webhook's limits. */
    async function sendAgain(deliveries: { id: string; webhookId: string }[]): Promise<void> {
      await push(await withLimits(stores, deliveries));
    }

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
        const events: NewEvent[] = [];
        const seen = new Set<string>();
        request.body.data.forEach((input, index) => {
          const field = request.body.data.length === 1 ? 'payload' : `${index}.payload`;
          const event = storableEvent(
            request.account.id,
            input,
            newId,
            config.maxPayloadBytes,
            field,
          );
          if (seen.has(event.id)) return;
          seen.add(event.id);
          events.push(event);
        });
        // Stored with their deliveries (and put in line) before the answer.
        const inserted = await ctx.ingest.publish(events);
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
          response: responsesOf(AnswerOf('Event')),
        },
      },
      async (request) => {
        const event = await stores.events.find(request.account.id, request.params.eventId);
        if (!event) throw notFound('event');
        const deliveries = await stores.deliveries.ofEvent(event, request.caller.id);
        const pending = deliveries.flatMap((d) =>
          d.status === 'pending' && d.webhookId
            ? [{ id: d.id, webhookId: d.webhookId, accountId: d.accountId }]
            : [],
        );
        // Where each pending delivery stands in line; without Redis the states are just unknown.
        const states = await scheduler.queueStates(pending).catch(() => new Map<string, string>());
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
        const event = await stores.events.find(request.account.id, request.params.eventId);
        if (!event) throw notFound('event');
        const webhookId = request.query.webhook_id;
        const webhooks = webhookId
          ? await redeliveryTarget(event, webhookId, request.caller.id)
          : await stores.webhooks.deliveredTo(event, request.caller.id);
        const deliveries: NewDelivery[] = webhooks.map((w) => ({
          id: newId(),
          eventAccountId: event.accountId,
          eventId: event.id,
          webhookId: w.id,
          accountId: w.accountId,
          trigger: 'manual',
        }));
        await stores.deliveries.insert(deliveries);
        await sendAgain(deliveries);
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
        const webhook = await ctx.stores.webhooks.find(request.account, request.params.webhookId);
        if (!webhook) throw notFound('webhook');
        if (!webhook.enabled)
          throw conflict('webhook is disabled: enable it before recovering its deliveries');
        // Its failed invokes were answered (as failures) to their callers; sending them now
        // would reach a receiver whose answer nobody reads.
        if (webhook.callControl)
          throw conflict('a call-control webhook is reached only by invoke: nothing to recover');
        const since = new Date(request.body.data.since);
        const until = request.body.data.until ? new Date(request.body.data.until) : new Date();
        if (since > until)
          throw fieldError(
            'since',
            'maximum',
            'since must not be after until',
            until.toISOString(),
          );
        const ids = await stores.deliveries.reopenFailed(webhook.id, since, until);
        await sendAgain(ids.map((id) => ({ id, webhookId: webhook.id })));
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

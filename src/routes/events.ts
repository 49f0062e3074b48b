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
import { EventParams, PublishBody, RedeliverQuery } from '../schemas/event.ts';

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

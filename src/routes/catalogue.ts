import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import {
  DIALECT_LISTING,
  EVENT_TYPE_LISTING,
  INSTALLABLE_HOOKS,
  sampleFor,
  sampleInDialect,
  samples,
} from '../domain/catalogue/render.ts';
import { DIALECT_NAMES, typesCarriedBy } from '../domain/dialects/registry.ts';
import { envelope } from '../http/envelope.ts';
import { StringEnum } from '../schemas/common.ts';
import { fieldError, notFound } from '../http/errors.ts';

const tags = ['webhooks catalogue'];

/** Kazoo's GET /v2/webhooks and /v2/webhooks/samples: public, no auth. */
export function catalogueRoutes(_ctx: RouteContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/webhooks',
      {
        schema: {
          tags,
          summary:
            "Kazoo's installable hooks, each once, with their modifiers (a webhook's `hook`; `all` is also accepted)",
        },
      },
      async (request) => envelope(request, INSTALLABLE_HOOKS),
    );
    app.get(
      '/webhooks/event_types',
      {
        schema: {
          tags,
          summary: "The event types a webhook may list in `event_types` (VoIPBIN's, and Kazoo's)",
        },
      },
      async (request) => envelope(request, EVENT_TYPE_LISTING),
    );
    app.get(
      '/webhooks/dialects',
      {
        schema: {
          tags,
          summary:
            'The dialects a webhook may name: verbs and formats each is sent with, and the event types it carries',
        },
      },
      async (request) => envelope(request, DIALECT_LISTING),
    );
    app.get(
      '/webhooks/samples',
      { schema: { tags, summary: 'A sample payload per hook' } },
      async (request) => envelope(request, samples()),
    );
    app.get(
      '/webhooks/samples/:sampleId',
      {
        schema: {
          tags,
          params: Type.Object({ sampleId: Type.String({ maxLength: 64 }) }),
          querystring: Type.Object({
            dialect: Type.Optional(
              StringEnum(DIALECT_NAMES, {
                description:
                  "the body as a subscriber of this dialect receives it (default: the hook's or event type's own)",
              }),
            ),
          }),
          summary: 'The sample payload of one hook or event type, optionally in a dialect',
        },
      },
      async (request) => {
        const { sampleId } = request.params;
        const { dialect } = request.query;
        const sample = dialect ? sampleInDialect(sampleId, dialect) : sampleFor(sampleId);
        if (!sample) throw notFound('sample');
        if (sample === 'not_carried') {
          throw fieldError(
            'dialect',
            'not_allowed',
            `${dialect} receivers are not sent ${sampleId} events`,
            typesCarriedBy(dialect!),
          );
        }
        return envelope(request, sample);
      },
    );
  };
}

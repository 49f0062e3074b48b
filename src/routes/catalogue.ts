import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import {
  INSTALLABLE_HOOKS,
  SUBSCRIBABLE_EVENT_TYPES,
  sampleFor,
  samples,
} from '../domain/catalogue.ts';
import { envelope } from '../http/envelope.ts';
import { notFound } from '../http/errors.ts';

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
      async (request) => envelope(request, SUBSCRIBABLE_EVENT_TYPES),
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
          summary: 'The sample payload of one hook',
        },
      },
      async (request) => {
        const sample = sampleFor(request.params.sampleId);
        if (!sample) throw notFound('sample');
        return envelope(request, sample);
      },
    );
  };
}

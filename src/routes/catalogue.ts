import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import { HOOKS, sampleFor, samples } from '../domain/catalogue.ts';
import { envelope } from '../http/envelope.ts';
import { notFound } from '../http/errors.ts';

const tags = ['webhooks catalogue'];

/** Kazoo's GET /v2/webhooks and /v2/webhooks/samples: public, no auth. */
export function catalogueRoutes(_ctx: RouteContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/webhooks',
      { schema: { tags, summary: 'Hook types and event types that can be subscribed' } },
      async (request) => envelope(request, HOOKS),
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

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import { envelope } from '../http/envelope.ts';
import { unauthorized } from '../http/errors.ts';
import { DataBody } from '../schemas/common.ts';

const ApiAuthBody = DataBody(
  Type.Object(
    { api_key: Type.String({ minLength: 1, maxLength: 256 }) },
    { additionalProperties: false },
  ),
);

/** Kazoo's PUT /v2/api_auth: learn which account a key belongs to and get a token for it. */
export function apiAuthRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.put(
      '/api_auth',
      {
        schema: {
          tags: ['auth'],
          body: ApiAuthBody,
          summary: 'Exchange an API key for an auth token',
        },
      },
      async (request, reply) => {
        const issued = await ctx.services.keys.issueToken(request.body.data.api_key);
        if (!issued) throw unauthorized();
        return reply.code(201).send({
          auth_token: issued.token,
          ...envelope(request, {
            account_id: issued.account.id,
            account_name: issued.account.name,
            expires: issued.expiresAt.toISOString(),
          }),
        });
      },
    );
  };
}

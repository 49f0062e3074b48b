import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import type { ApiKey } from '../store/api-keys.ts';
import { envelope } from '../http/envelope.ts';
import { notFound } from '../http/errors.ts';
import { AccountParams, SECURITY } from '../schemas/common.ts';

/** The body is optional (Kazoo's `PUT …/api_key` takes none); a name helps tell keys apart. */
const KeyInput = Type.Object(
  {
    data: Type.Optional(
      Type.Object(
        { name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const KeyParams = Type.Object({ accountId: Type.String(), keyId: Type.String({ maxLength: 64 }) });

function keyView(key: ApiKey) {
  return {
    id: key.id,
    ...(key.name ? { name: key.name } : {}),
    prefix: key.prefix,
    account_id: key.accountId,
    created: key.created.toISOString(),
  };
}

const tags = ['api keys'];

export function apiKeyRoutes(ctx: RouteContext): FastifyPluginAsyncTypebox {
  const { repos } = ctx;
  return async (app) => {
    app.put(
      '/accounts/:accountId/api_keys',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          body: KeyInput,
          summary: 'Create an API key (shown once)',
        },
        // No body at all is an empty one (the schema alone would refuse `undefined` as "not an object").
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request, reply) => {
        const { row, key } = await repos.apiKeys.create(
          request.account.id,
          request.body.data?.name,
        );
        return reply.code(201).send(envelope(request, { ...keyView(row), api_key: key }));
      },
    );

    app.get(
      '/accounts/:accountId/api_keys',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          summary: 'List API keys (no secrets)',
        },
      },
      async (request) =>
        envelope(request, (await repos.apiKeys.list(request.account.id)).map(keyView)),
    );

    app.delete(
      '/accounts/:accountId/api_keys/:keyId',
      {
        schema: { tags, security: SECURITY, params: KeyParams, summary: 'Revoke an API key' },
      },
      async (request) => {
        if (!(await repos.apiKeys.revoke(request.account.id, request.params.keyId)))
          throw notFound('api key');
        return envelope(request, { id: request.params.keyId, revoked: true });
      },
    );
  };
}

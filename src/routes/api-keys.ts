import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteContext } from '../app.ts';
import { DEFAULT_KEY_SCOPES, SCOPES } from '../domain/scopes.ts';
import type { ApiKey } from '../store/api-keys.ts';
import { envelope } from '../http/envelope.ts';
import { AccountParams, IdParam, SECURITY, StringEnum } from '../schemas/common.ts';

/** The body is optional (Kazoo's `PUT …/api_key` takes none); a name helps tell keys apart. */
const KeyInput = Type.Object(
  {
    data: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          scopes: Type.Optional(
            Type.Array(StringEnum(SCOPES), {
              minItems: 1,
              uniqueItems: true,
              description: `what the key may do; default ${JSON.stringify(DEFAULT_KEY_SCOPES)}, never more than the creating key has`,
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const KeyParams = Type.Object({ ...AccountParams.properties, keyId: IdParam });

function keyView(key: ApiKey) {
  return {
    id: key.id,
    ...(key.name ? { name: key.name } : {}),
    prefix: key.prefix,
    scopes: key.scopes,
    account_id: key.accountId,
    created: key.created.toISOString(),
  };
}

const tags = ['api keys'];

export function apiKeyRoutes({ services }: RouteContext): FastifyPluginAsyncTypebox {
  const keys = services.keys;
  return async (app) => {
    app.put(
      '/accounts/:accountId/api_keys',
      {
        schema: {
          tags,
          security: SECURITY,
          params: AccountParams,
          body: KeyInput,
          summary: 'Create an API key (shown once) with scopes the creating key has',
        },
        // No body at all is an empty one (the schema alone would refuse `undefined` as "not an object").
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request, reply) => {
        const { row, key } = await keys.create(
          request.account,
          request.credential,
          request.body.data ?? {},
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
      async (request) => envelope(request, (await keys.list(request.account)).map(keyView)),
    );

    app.delete(
      '/accounts/:accountId/api_keys/:keyId',
      {
        schema: { tags, security: SECURITY, params: KeyParams, summary: 'Revoke an API key' },
      },
      async (request) => {
        await keys.revoke(request.account, request.params.keyId);
        return envelope(request, { id: request.params.keyId, revoked: true });
      },
    );
  };
}

import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RouteContext } from '../app.ts';
import { CONSOLE_MODES, CONSOLE_TTL_SECONDS } from '../domain/console-link.ts';
import { loadConsoleAssets, sendConsoleAsset } from '../http/console-assets.ts';
import { envelope } from '../http/envelope.ts';
import { ApiError, notFound } from '../http/errors.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { AccountParams, DataBody, SECURITY, StringEnum } from '../schemas/common.ts';

const ConsoleTokenBody = DataBody(
  Type.Object(
    {
      mode: StringEnum(CONSOLE_MODES, {
        description: '`read`: every page, no change; `manage`: changes too',
      }),
      ttl_seconds: Type.Optional(
        Type.Integer({
          minimum: CONSOLE_TTL_SECONDS.min,
          maximum: CONSOLE_TTL_SECONDS.max,
          description: `how long the link works, seconds (default ${CONSOLE_TTL_SECONDS.default})`,
        }),
      ),
    },
    { additionalProperties: false },
  ),
);

/** Where the console is reached: the configured public URL, or the minting request's origin. */
function consoleBase(request: FastifyRequest, publicUrl: string | undefined): string {
  return `${publicUrl ?? `${request.protocol}://${request.host}`}/console/`;
}

/** PUT /v2/accounts/{A}/console_tokens: a short-lived console link for A and its subtree. */
export function consoleTokenRoutes({ config, services }: RouteContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.put(
      '/accounts/:accountId/console_tokens',
      {
        schema: {
          tags: ['console'],
          security: SECURITY,
          params: AccountParams,
          body: ConsoleTokenBody,
          summary:
            'Mint a console link for the account: read-only or manage, valid minutes, never above the account',
        },
        // Even a read-only link is a credential: minting one is a managing act.
        config: { scope: 'manage' },
      },
      async (request, reply) => {
        const { mode, ttl_seconds = CONSOLE_TTL_SECONDS.default } = request.body.data;
        const link = await services.consoleLinks.mint(request.account, request.credential, {
          mode,
          ttlSeconds: ttl_seconds,
        });
        // The token travels in the fragment: browsers never send it to a server or a Referer.
        const fragment = new URLSearchParams({
          token: link.token,
          account: request.account.id,
          mode,
        });
        return reply.code(201).send(
          envelope(request, {
            url: `${consoleBase(request, config.console.publicUrl)}#${fragment}`,
            token: link.token,
            account_id: request.account.id,
            mode,
            scopes: link.scopes,
            expires: link.expiresAt.toISOString(),
          }),
        );
      },
    );
  };
}

/** The console's files at /console/ (built into dist/console by `npm run build`). */
export function consolePageRoutes({ config }: RouteContext): FastifyPluginAsyncTypebox {
  const assets = loadConsoleAssets(path.join(PROJECT_ROOT, 'dist', 'console'));
  const { frameAncestors } = config.console;
  return async (app) => {
    const hide = { hide: true };
    app.get('/console', { schema: hide }, async (_request, reply) =>
      reply.redirect('/console/', 301),
    );
    app.get<{ Params: { '*': string } }>('/console/*', { schema: hide }, async (request, reply) => {
      const asset = assets.get(request.params['*'] || 'index.html');
      if (asset) return sendConsoleAsset(reply, asset, frameAncestors);
      if (assets.size === 0) {
        throw new ApiError(503, 'the console is not built: run npm run build');
      }
      throw notFound('file');
    });
  };
}

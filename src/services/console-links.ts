import { scopesOfMode, type ConsoleMode } from '../domain/console-link.ts';
import { Forbidden } from '../domain/errors.ts';
import { canGrant } from '../domain/scopes.ts';
import type { Credential } from '../store/api-keys.ts';
import type { ScopedAccount } from '../store/scoped.ts';
import type { ServiceDeps } from './deps.ts';

/** Console links: tokens minted with a key for an account it manages (docs/console.md). */
export function consoleLinkService({ stores }: ServiceDeps) {
  return {
    async mint(
      account: ScopedAccount,
      by: Credential,
      request: { mode: ConsoleMode; ttlSeconds: number },
    ) {
      // A link that could mint links would never expire: links are made with keys.
      if (by.kind === 'token') {
        throw new Forbidden('an auth token cannot mint console links: use an API key');
      }
      const scopes = scopesOfMode(request.mode);
      if (!canGrant(by.scopes, scopes)) {
        throw new Forbidden('a key can only grant scopes it has', {
          scopes: { held: by.scopes, requested: scopes },
        });
      }
      const issued = await stores.apiKeys.issueConsoleToken(
        account,
        by.keyId,
        scopes,
        request.ttlSeconds * 1000,
      );
      return { ...issued, scopes };
    },
  };
}

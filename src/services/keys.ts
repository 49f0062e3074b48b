import { canGrant, DEFAULT_KEY_SCOPES, type Scope } from '../domain/scopes.ts';
import { Forbidden, NotFound } from '../domain/errors.ts';
import type { Credential } from '../store/api-keys.ts';
import type { ScopedAccount } from '../store/scoped.ts';
import type { ServiceDeps } from './deps.ts';

/** API keys: made by keys (never by tokens), with at most the scopes of the key that makes them. */
export function keyService({ stores, accessChanged }: ServiceDeps) {
  return {
    async create(
      account: ScopedAccount,
      by: Credential,
      request: { name?: string; scopes?: Scope[] },
    ) {
      // A token lives an hour; a key it made would outlive it. Keys are made with keys.
      if (by.kind === 'token') {
        throw new Forbidden('an auth token cannot create API keys: use an API key');
      }
      const scopes = request.scopes ?? DEFAULT_KEY_SCOPES;
      if (!canGrant(by.scopes, scopes)) {
        throw new Forbidden('a key can only grant scopes it has', {
          scopes: { held: by.scopes, requested: scopes },
        });
      }
      return stores.apiKeys.create(account, { name: request.name, scopes });
    },

    list(account: ScopedAccount) {
      return stores.apiKeys.list(account);
    },

    /** Revoked here and, at once, in every API process. */
    async revoke(account: ScopedAccount, keyId: string): Promise<void> {
      if (!(await stores.apiKeys.revoke(account, keyId))) throw new NotFound('api key');
      await accessChanged();
    },

    /** Kazoo's api_auth: the key's account and a token for it; null for an unknown key. */
    issueToken(apiKey: string) {
      return stores.apiKeys.issueToken(apiKey);
    },
  };
}

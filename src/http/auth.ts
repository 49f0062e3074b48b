import type { FastifyRequest } from 'fastify';
import { isId } from '../domain/ids.ts';
import { grants, requiredScope, type Scope } from '../domain/scopes.ts';
import { manages } from '../domain/tenancy.ts';
import type { Account } from '../store/accounts.ts';
import type { Credential } from '../store/api-keys.ts';
import { scopedAccount, type ScopedAccount } from '../store/scoped.ts';
import type { AuthCache } from './auth-cache.ts';
import { ApiError, forbidden, unauthorized } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The account the API key (or auth token) authenticates as. */
    caller: Account;
    /** The key or token itself: its scopes, and whether it is a token. */
    credential: Credential;
    /** The account named in the path: the caller's own or one of its descendants. */
    account: ScopedAccount;
  }
  interface FastifyContextConfig {
    /** The scope a route needs, when not the default (read for GET, manage for the rest). */
    scope?: Scope;
  }
}

/** Kazoo's X-Auth-Token, or the usual Authorization: Bearer. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-auth-token'];
  if (typeof header === 'string' && header !== '') return header;
  return bearerToken(request.headers.authorization);
}

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization ? /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
}

/**
 * onRequest hook of every /v2/accounts/{accountId}/… route: 401 without a valid key; 403 when the
 * key lacks the route's scope, or when the account is not the caller's or a descendant — whether
 * or not it exists (an id that cannot exist is not even looked up), so ids are not probed.
 * It runs before the body is read or validated: a stranger learns nothing from a 400.
 */
export function accountGuard(cache: AuthCache) {
  return async function requireAccount(request: FastifyRequest): Promise<void> {
    const token = tokenOf(request);
    const credential = token ? await cache.credential(token) : null;
    if (!credential) throw unauthorized();
    request.credential = credential;
    request.caller = credential.account;
    const scope = requiredScope(request.method, request.routeOptions.config?.scope);
    if (!grants(credential.scopes, scope)) {
      throw new ApiError(403, `this key lacks the "${scope}" scope`, { scope });
    }
    const { accountId } = request.params as { accountId?: string };
    if (accountId === undefined || accountId === credential.account.id) {
      request.account = scopedAccount(credential.account);
      return;
    }
    const target = isId(accountId) ? await cache.account(accountId) : null;
    if (!target || !manages(credential.account, target)) throw forbidden();
    request.account = scopedAccount(target);
  };
}

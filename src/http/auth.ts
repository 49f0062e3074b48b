import type { FastifyRequest } from 'fastify';
import type { Account } from '../store/accounts.ts';
import type { Repositories } from '../store/repositories.ts';
import { forbidden, unauthorized } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The account the API key (or auth token) authenticates as. */
    caller: Account;
    /** The account named in the path: the caller's own or one of its descendants. */
    account: Account;
  }
}

/** Kazoo's X-Auth-Token, or the usual Authorization: Bearer. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-auth-token'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = request.headers.authorization;
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  return match?.[1];
}

/** May `caller` act on `target`? Only on itself and its descendants, never ancestors or siblings. */
export function canManage(caller: Pick<Account, 'id'>, target: Pick<Account, 'tree'>): boolean {
  return target.tree.includes(caller.id);
}

/**
 * onRequest hook of every /v2/accounts/{accountId}/… route: 401 without a valid key; 403 when the
 * account is not the caller's or a descendant — whether or not it exists, so ids are not probed.
 * It runs before the body is read or validated: a stranger learns nothing from a 400.
 */
export function accountGuard(repos: Repositories) {
  return async function requireAccount(request: FastifyRequest): Promise<void> {
    const token = tokenOf(request);
    const caller = token ? await repos.apiKeys.authenticate(token) : null;
    if (!caller) throw unauthorized();
    request.caller = caller;
    const { accountId } = request.params as { accountId?: string };
    if (accountId === undefined || accountId === caller.id) {
      request.account = caller;
      return;
    }
    const target = await repos.accounts.find(accountId);
    if (!target || !canManage(caller, target)) throw forbidden();
    request.account = target;
  };
}

import type { Account } from './accounts.ts';

declare const checked: unique symbol;

/**
 * An account whose access has been checked: the caller manages it (http/auth.ts), or the process
 * acts for the platform itself (set-up, the BullMQ intake). Stores take one for every read or
 * write of rows that belong to an account, and always filter by it, so a row can only be reached
 * through the tenant it belongs to — never by its id alone.
 */
export type ScopedAccount = Account & { readonly [checked]: true };

/** Marks `account` as checked. Only the auth guard and the platform's own processes call this. */
export function scopedAccount(account: Account): ScopedAccount {
  return account as ScopedAccount;
}

/**
 * What an API key may do, in the spirit of Svix's key roles. Publishing events is the platform's
 * act (as in Kazoo and VoIPBIN, where only the platform produces events), so it is a scope of its
 * own that a tenant's key does not get unless the platform grants it.
 *
 * - `read`: every GET under the key's accounts (secrets included — as Svix, reading a secret is
 *   reading the endpoint).
 * - `manage`: create, change and delete sub-accounts, keys, webhooks and secrets; re-enable,
 *   redeliver, recover. Includes `read`.
 * - `publish`: POST events.
 */
export const SCOPES = ['read', 'manage', 'publish'] as const;
export type Scope = (typeof SCOPES)[number];

/** The root key's: everything. */
export const ALL_SCOPES: Scope[] = [...SCOPES];

/** A new key's scopes when the request names none: a tenant's key, which does not publish. */
export const DEFAULT_KEY_SCOPES: Scope[] = ['read', 'manage'];

const IMPLIED: Record<Scope, Scope[]> = { read: [], manage: ['read'], publish: [] };

/** Does a key holding `held` have `wanted`, directly or through a scope that includes it? */
export function grants(held: readonly string[], wanted: Scope): boolean {
  return held.some((scope) => scope === wanted || IMPLIED[scope as Scope]?.includes(wanted));
}

/** A key can give only what it has: every requested scope must be granted by `held`. */
export function canGrant(held: readonly string[], requested: readonly Scope[]): boolean {
  return requested.every((scope) => grants(held, scope));
}

/** The scope a route needs unless it says otherwise: reading for GET, managing for the rest. */
export function requiredScope(method: string, declared?: Scope): Scope {
  if (declared) return declared;
  return method === 'GET' || method === 'HEAD' ? 'read' : 'manage';
}

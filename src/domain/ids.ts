import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Kazoo-style ids: 32 lowercase hex characters. */
export function newId(): string {
  return randomUUID().replaceAll('-', '');
}

/** An API key or auth token: shown once, stored only as its SHA-256. */
export function newSecretToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Kazoo-style ids as newId makes them: what an id in a path must look like before any lookup. */
export function isId(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}

/**
 * The few leading characters of a key that are stored and listed to tell keys apart: at most 8,
 * and at most a quarter of the key, so a prefix never gives away more than a sliver of a secret.
 */
export function keyPrefix(key: string): string {
  return key.slice(0, Math.min(8, Math.floor(key.length / 4)));
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Kazoo-style ids: 32 lowercase hex characters. */
export function newId(): string {
  return randomUUID().replaceAll('-', '');
}

/** An API key or auth token: shown once, stored only as its SHA-256. */
export function newSecretToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

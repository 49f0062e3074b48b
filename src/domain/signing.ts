import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { InvalidInput } from './errors.ts';

/**
 * Webhook signing (docs/dialects.md): Standard Webhooks (https://www.standardwebhooks.com, what the
 * `standardwebhooks` and `svix` verifiers check) keyed with the secret's base64-decoded bytes, as
 * that spec says; VoIPBIN's `X-VoIPBIN-Signature` and jambonz's `Jambonz-Signature` keyed with the
 * secret string exactly as the user is shown it (`whsec_…`, UTF-8), as those platforms' receivers
 * key their HMAC with the secret they were given.
 */

const SECRET_PREFIX = 'whsec_';
/** Standard Webhooks asks for 24–64 random bytes; we generate 24 (as Svix does). */
const SECRET_BYTES = 24;
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
/** Svix keeps at most 10 old keys alive during rotation. */
export const MAX_PREVIOUS_SECRETS = 10;
export const DEFAULT_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

export interface PreviousSecret {
  secret: string;
  /** ISO 8601: until when deliveries are also signed with this key. */
  expires: string;
}

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The HMAC key: the base64-decoded part after `whsec_` (the prefix is optional, as in the spec). */
export function secretKeyBytes(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

const KEY_CACHE_LIMIT = 10_000;
const keyCache = new Map<string, KeyObject>();

/**
 * The secret as a ready HMAC key. Every attempt signs two or three times with the same few
 * secrets, so decoding and importing each once saves work on the hot path.
 */
function hmacKey(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (!key) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    key = createSecretKey(secretKeyBytes(secret));
    keyCache.set(secret, key);
  }
  return key;
}

/** A user-supplied secret must look like ours: `whsec_` + canonical base64 of 24–64 bytes. */
export function isValidSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const encoded = secret.slice(SECRET_PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  return (
    key.toString('base64') === encoded &&
    key.length >= MIN_SECRET_BYTES &&
    key.length <= MAX_SECRET_BYTES
  );
}

/** `v1,<base64 HMAC-SHA256 of "{msgId}.{timestamp}.{content}">` */
export function standardSignature(
  secret: string,
  msgId: string,
  timestampSec: number,
  content: string,
): string {
  const mac = createHmac('sha256', hmacKey(secret))
    .update(`${msgId}.${timestampSec}.${content}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The `webhook-signature` header: one signature per active secret, space-separated. Content that
 * is not JSON (a form body, a GET query) is signed a second time as a JSON string, so the official
 * verifiers' default call — which JSON-parses what it verified — accepts
 * `verify(JSON.stringify(content), headers)` and hands the content back; `verify(content, headers,
 * {jsonParse: false})` matches the first signature.
 */
export function signatureHeader(
  secrets: string[],
  msgId: string,
  timestampSec: number,
  content: string,
  contentIsJson = true,
): string {
  const contents = contentIsJson ? [content] : [content, JSON.stringify(content)];
  return secrets
    .flatMap((secret) =>
      contents.map((signed) => standardSignature(secret, msgId, timestampSec, signed)),
    )
    .join(' ');
}

/** HMAC-SHA256 keyed with the secret string itself (UTF-8), as VoIPBIN's and jambonz's receivers key it. */
function hmacWithSecretString(secret: string, content: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(content, 'utf8').digest('hex');
}

/** VoIPBIN's `X-VoIPBIN-Signature: sha256=<hex HMAC-SHA256 of the body>`, keyed with the secret as shown. */
export function voipbinSignature(secret: string, content: string): string {
  return `sha256=${hmacWithSecretString(secret, content)}`;
}

/**
 * One `X-VoIPBIN-Signature` value per active secret, the current one first. They travel as repeated
 * header lines: a receiver that reads the header's first value (Flask's and Go's `Header.get`)
 * checks the current secret's signature; Node joins repeated lines with ", ", so a receiver there
 * splits on commas and accepts any match.
 */
export function voipbinSignatures(secrets: string[], content: string): string[] {
  return secrets.map((secret) => voipbinSignature(secret, content));
}

/**
 * jambonz's `Jambonz-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one v1 per
 * active secret (its verifier accepts any v1 that matches).
 */
export function jambonzSignature(secrets: string[], timestampSec: number, content: string): string {
  const macs = secrets.map(
    (secret) => `v1=${hmacWithSecretString(secret, `${timestampSec}.${content}`)}`,
  );
  return [`t=${timestampSec}`, ...macs].join(',');
}

/** The keys to sign with now: the current one first, then the old ones still in their grace period. */
export function activeSecrets(current: string, previous: PreviousSecret[], now: Date): string[] {
  const live = unexpired(previous, now).map((entry) => entry.secret);
  return [...new Set([current, ...live])];
}

/**
 * Replace the current secret, keeping the old one valid for `graceMs` so receivers can switch
 * over (Standard Webhooks rotation). Newest old key first; expired ones dropped; at most 10.
 * A `newSecret` given by the caller must pass isValidSecret (else InvalidInput on `secret`).
 */
export function rotateSecret(
  current: string,
  previous: PreviousSecret[],
  now: Date,
  graceMs: number = DEFAULT_ROTATION_GRACE_MS,
  newSecret: string = generateSecret(),
): { secret: string; previousSecrets: PreviousSecret[] } {
  if (!isValidSecret(newSecret)) {
    throw InvalidInput.of(
      'secret',
      'format',
      'secret must be "whsec_" followed by canonical base64 of 24 to 64 bytes',
    );
  }
  const retired: PreviousSecret = {
    secret: current,
    expires: new Date(now.getTime() + graceMs).toISOString(),
  };
  const previousSecrets = unexpired([retired, ...previous], now)
    .filter((entry) => entry.secret !== newSecret)
    .slice(0, MAX_PREVIOUS_SECRETS);
  return { secret: newSecret, previousSecrets };
}

function unexpired(previous: PreviousSecret[], now: Date): PreviousSecret[] {
  return previous.filter((entry) => Date.parse(entry.expires) > now.getTime());
}

const REDACTED = '[redacted]';
/** Credentials, not signatures: a signature proves one body and is useless for anything else. */
const SENSITIVE_HEADER =
  /^(authorization|proxy-authorization)$|cookie|token|secret|api[-_]?key|password/i;

/** Headers as they may be stored in the attempts log, with credentials blanked out. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      SENSITIVE_HEADER.test(name) ? REDACTED : value,
    ]),
  );
}

import type { Limits } from '../config.ts';
import type { FieldProblem, FieldProblems } from './errors.ts';
import { checkDialect } from './dialects/checks.ts';
import type { Ordering } from './call-order.ts';

/** A webhook as the API speaks it (Kazoo's field names). */
export interface WebhookDocument {
  name: string;
  uri: string;
  http_verb: 'get' | 'post' | 'put';
  format: 'json' | 'form-data';
  /** Absent: kazoo for `hook` webhooks, voipbin for `event_types` ones (docs/dialects.md). */
  dialect?: string;
  hook?: string;
  event_types?: string[];
  retries: number;
  custom_data?: Record<string, unknown>;
  custom_request_headers?: Record<string, string>;
  modifiers?: Record<string, unknown>;
  include_subaccounts: boolean;
  include_internal_legs: boolean;
  enabled: boolean;
  /** Reached only by invoke (docs/call-control.md); absent means false. */
  call_control?: boolean;
  rate_limit?: number;
  max_in_flight?: number;
  /** Absent: the account's default, else "none" (docs/delivery-scheduling.md). */
  ordering?: Ordering;
}

export const WEBHOOK_DEFAULTS = {
  http_verb: 'post',
  format: 'json',
  retries: 2,
  include_subaccounts: false,
  include_internal_legs: true,
  enabled: true,
} as const;

/** Fields only the server writes: echoed back in a write, they are ignored. */
export const WEBHOOK_READ_ONLY: readonly string[] = [
  'id',
  'disable_reason',
  'created',
  'modified',
  'secret',
  'circuit',
];
const READ_ONLY = WEBHOOK_READ_ONLY;

/** A create or replace body, with defaults applied and read-only echoes dropped. */
export function documentFromInput(input: Record<string, unknown>): WebhookDocument {
  const doc: Record<string, unknown> = { ...WEBHOOK_DEFAULTS };
  for (const [key, value] of Object.entries(input)) {
    if (!READ_ONLY.includes(key) && value !== undefined) doc[key] = value;
  }
  return doc as unknown as WebhookDocument;
}

/** PATCH: fields present replace, null removes (back to the default, if the field has one). */
export function mergePatch(
  current: WebhookDocument,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (READ_ONLY.includes(key)) continue;
    if (value === null) {
      delete merged[key];
      if (key in WEBHOOK_DEFAULTS)
        merged[key] = WEBHOOK_DEFAULTS[key as keyof typeof WEBHOOK_DEFAULTS];
    } else if (value !== undefined) {
      merged[key] = value;
    }
  }
  return merged;
}

/**
 * Rules the JSON schema cannot say: name and uri present, uri absolute http(s), and exactly one
 * of `hook` (Kazoo) or `event_types` (VoIPBIN).
 */
export function checkDocument(doc: Record<string, unknown>): FieldProblems | undefined {
  const details: FieldProblems = {};
  for (const field of ['name', 'uri']) {
    if (doc[field] === undefined)
      details[field] = { required: { message: 'Field is required but missing' } };
  }
  if (typeof doc.uri === 'string' && !isHttpUrl(doc.uri)) {
    details.uri = { format: { message: 'must be an absolute http or https URL', target: 'uri' } };
  }
  const hasHook = doc.hook !== undefined;
  const hasTypes = doc.event_types !== undefined;
  if (!hasHook && !hasTypes) {
    details.hook = { required: { message: 'one of hook or event_types is required' } };
  } else if (hasHook && hasTypes) {
    details.event_types = {
      not_allowed: { message: 'give either hook or event_types, not both', target: 'hook' },
    };
  }
  if (Object.keys(details).length === 0) Object.assign(details, checkDialect(doc));
  const headers = doc.custom_request_headers;
  if (headers && typeof headers === 'object') {
    for (const name of Object.keys(headers)) {
      const refused = refusedHeaderName(name);
      if (refused) details[`custom_request_headers.${name}`] = refused;
    }
  }
  return Object.keys(details).length > 0 ? details : undefined;
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

/**
 * Headers a webhook may not set: ours (the signatures, the identity of the hook), what the HTTP
 * client owns (framing, host) and hop-by-hop headers.
 */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-voipbin-signature',
  'jambonz-signature',
  'x-hook-id',
  'x-account-id',
]);

function refusedHeaderName(name: string): FieldProblem | undefined {
  if (!HEADER_NAME.test(name))
    return { format: { message: 'not an HTTP header name', target: 'header name' } };
  if (RESERVED_HEADERS.has(name.toLowerCase()))
    return { not_allowed: { message: `${name} is set by Switchboard and cannot be overridden` } };
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * The sizes one tenant may ask the shared workers to carry with every delivery (settings,
 * docs/limits.md): the uri's length, and custom_data and modifiers in bytes of JSON.
 */
export function checkDocumentLimits(
  doc: WebhookDocument,
  limits: Pick<Limits, 'maxUriLength' | 'maxCustomDataBytes' | 'maxModifiersBytes'>,
): FieldProblems | undefined {
  const details: FieldProblems = {};
  if (doc.uri.length > limits.maxUriLength) {
    details.uri = {
      maxLength: {
        message: `String must not be more than ${limits.maxUriLength} characters`,
        target: limits.maxUriLength,
      },
    };
  }
  const sized: Array<['custom_data' | 'modifiers', number]> = [
    ['custom_data', limits.maxCustomDataBytes],
    ['modifiers', limits.maxModifiersBytes],
  ];
  for (const [field, max] of sized) {
    const bytes = doc[field] === undefined ? 0 : Buffer.byteLength(JSON.stringify(doc[field]));
    if (bytes > max) {
      details[field] = { maxSize: { message: `${field} is ${bytes} bytes of JSON`, target: max } };
    }
  }
  return Object.keys(details).length > 0 ? details : undefined;
}

import type { ValidationDetails } from '../http/errors.ts';

/** A webhook as the API speaks it (Kazoo's field names). */
export interface WebhookDocument {
  name: string;
  uri: string;
  http_verb: 'get' | 'post' | 'put';
  format: 'json' | 'form-data';
  hook?: string;
  event_types?: string[];
  retries: number;
  custom_data?: Record<string, string>;
  modifiers?: Record<string, unknown>;
  include_subaccounts: boolean;
  include_internal_legs: boolean;
  enabled: boolean;
}

export const WEBHOOK_DEFAULTS = {
  http_verb: 'post',
  format: 'json',
  retries: 2,
  include_subaccounts: false,
  include_internal_legs: true,
  enabled: true,
} as const;

const READ_ONLY = ['id', 'disable_reason', 'created', 'modified', 'secret'];

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
export function checkDocument(doc: Record<string, unknown>): ValidationDetails | undefined {
  const details: ValidationDetails = {};
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
  return Object.keys(details).length > 0 ? details : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

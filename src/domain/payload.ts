import { ALL_HOOK, hookOf, kazooFields, twinOf } from './catalogue.ts';
import { customDataFilterKeys } from './matching.ts';
import { gregorianSeconds } from './kazoo-time.ts';

export interface ShapeInput {
  event: {
    id: string;
    type: string;
    accountId: string;
    payload: Record<string, unknown>;
    created: Date;
  };
  webhook: {
    hook: string | null;
    eventTypes: string[];
    customData: Record<string, unknown> | null;
  };
}

export interface EncodedRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  body: string;
  contentType: string | undefined;
  /** What the signatures cover: the body, or for GET the query string appended to the uri. */
  signedContent: string;
}

/** The body a subscriber receives, in its own platform's shape (docs/delivery.md). */
export function shapePayload({ event, webhook }: ShapeInput): Record<string, unknown> {
  return webhook.hook !== null
    ? kazooPayload(event, webhook.hook, webhook.customData)
    : voipbinEnvelope(event, webhook.eventTypes, webhook.customData);
}

/** Kazoo: flat event fields + hook_event, account_id, timestamp, then custom_data on top. */
function kazooPayload(
  event: ShapeInput['event'],
  hook: string,
  customData: Record<string, unknown> | null,
): Record<string, unknown> {
  const fields = {
    ...kazooFields(event.type, event.payload),
    // The hook name as this subscriber knows it: a call_created reaches channel_create hooks.
    hook_event: hook === ALL_HOOK ? (hookOf(event.type) ?? event.type) : hook,
    account_id: event.accountId,
    timestamp: event.payload.timestamp ?? gregorianSeconds(event.created),
  };
  // The object and notifications hooks' filter keys are not payload (Kazoo strips them too).
  return withCustomData(fields, customData, customDataFilterKeys(hook));
}

/** Fields that say which event this is: custom_data adds to them, never replaces them. */
function identifiesEvent(key: string): boolean {
  return (
    key === 'hook_event' ||
    key === 'type' ||
    key === 'action' ||
    key === 'event_name' ||
    key === 'id' ||
    key.endsWith('_id')
  );
}

/**
 * custom_data merged over the event's fields (it wins, as in Kazoo), except over the fields that
 * identify the event (hook_event, type, action, event_name, id, account_id, call_id…): a receiver
 * must always be able to tell which event it got. `skip` names filter keys that are not payload.
 */
export function withCustomData(
  fields: Record<string, unknown>,
  customData: Record<string, unknown> | null,
  skip: readonly string[] = [],
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...fields };
  for (const [key, value] of Object.entries(customData ?? {})) {
    if (skip.includes(key)) continue;
    if (Object.hasOwn(fields, key) && identifiesEvent(key)) continue;
    merged[key] = value;
  }
  return merged;
}

/** VoIPBIN: `{type, data}`, with the type named as the subscriber listed it (twins renamed). */
function voipbinEnvelope(
  event: ShapeInput['event'],
  eventTypes: string[],
  customData: Record<string, unknown> | null,
): Record<string, unknown> {
  const twin = twinOf(event.type);
  const type =
    !eventTypes.includes(event.type) && twin !== undefined && eventTypes.includes(twin)
      ? twin
      : event.type;
  return { type, data: withCustomData(event.payload, customData) };
}

/** Turn a shaped payload into the HTTP request a webhook asked for (verb and format). */
export function encodeRequest(
  shaped: Record<string, unknown>,
  webhook: { uri: string; httpVerb: 'get' | 'post' | 'put'; format: 'json' | 'form-data' },
): EncodedRequest {
  if (webhook.httpVerb === 'get') {
    // Kazoo sends GET hooks' payload as the query string, whatever the format.
    const query = toQueryString(shaped);
    return {
      method: 'GET',
      url: appendQuery(webhook.uri, query),
      body: '',
      contentType: undefined,
      signedContent: query,
    };
  }
  const method = webhook.httpVerb === 'put' ? 'PUT' : 'POST';
  const [body, contentType] =
    webhook.format === 'form-data'
      ? [toQueryString(shaped), 'application/x-www-form-urlencoded']
      : [JSON.stringify(shaped), 'application/json'];
  return { method, url: webhook.uri, body, contentType, signedContent: body };
}

/** Add `query` to a uri, after any query it already has and before any #fragment. */
function appendQuery(uri: string, query: string): string {
  if (query === '') return uri;
  const hashAt = uri.indexOf('#');
  const base = hashAt === -1 ? uri : uri.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : uri.slice(hashAt);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query}${fragment}`;
}

/**
 * PHP / Kazoo style query string: `k=v`, `k[sub]=v`, `k[]=v`. Array elements that are themselves
 * objects or arrays get an index (`k[0][sub]=v`) so a parser keeps each element's fields
 * together. null → `k=`; undefined and empty objects/arrays are left out (as PHP's
 * http_build_query does). Names and values are encoded with encodeURIComponent; brackets stay.
 */
export function toQueryString(obj: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    appendPairs(pairs, encodeURIComponent(key), value);
  }
  return pairs.join('&');
}

function appendPairs(pairs: string[], name: string, value: unknown): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const isContainer = item !== null && typeof item === 'object';
      appendPairs(pairs, `${name}[${isContainer ? index : ''}]`, item);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      appendPairs(pairs, `${name}[${encodeURIComponent(key)}]`, item);
    }
  } else {
    pairs.push(`${name}=${value === null ? '' : encodeURIComponent(String(value))}`);
  }
}

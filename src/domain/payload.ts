import { dialectFor } from './dialects/registry.ts';
import { readCallEvent } from './dialects/read-call.ts';
import type { ShapeInput, Subscriber } from './dialects/dialect.ts';

export type { ShapeInput } from './dialects/dialect.ts';

export interface EncodedRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  body: string;
  contentType: string | undefined;
  /**
   * What the signatures cover: the body, or for GET the whole query string of the URL as it is
   * sent (the uri's own query included), so a receiver verifies exactly what it received.
   */
  signedContent: string;
}

/** The body a subscriber receives, in its own dialect's shape (docs/dialects.md). */
export function shapePayload({ event, webhook }: ShapeInput): Record<string, unknown> {
  return dialectFor(webhook).shape({ event, webhook, call: readCallEvent(event) });
}

/**
 * The event's name as this subscriber knows it: the name it listed in event_types (a twin's, if
 * that is the one it listed), Kazoo's hook_event for Kazoo subscribers, VoIPBIN's name in a
 * VoIPBIN envelope.
 */
export function eventNameFor(type: string, webhook: Subscriber): string {
  return dialectFor(webhook).eventName(type, webhook);
}

/** Turn a shaped payload into the HTTP request a webhook asked for (verb and format). */
export function encodeRequest(
  shaped: Record<string, unknown>,
  webhook: { uri: string; httpVerb: 'get' | 'post' | 'put'; format: 'json' | 'form-data' },
): EncodedRequest {
  if (webhook.httpVerb === 'get') {
    // Kazoo sends GET hooks' payload as the query string, whatever the format.
    const url = appendQuery(webhook.uri, toQueryString(shaped));
    return { method: 'GET', url, body: '', contentType: undefined, signedContent: sentQuery(url) };
  }
  const method = webhook.httpVerb === 'put' ? 'PUT' : 'POST';
  const [body, contentType] =
    webhook.format === 'form-data'
      ? [toQueryString(shaped), 'application/x-www-form-urlencoded']
      : [JSON.stringify(shaped), 'application/json'];
  return { method, url: webhook.uri, body, contentType, signedContent: body };
}

/**
 * The query string exactly as the HTTP client puts it on the request line: the URL parser's
 * normal form (what undici sends), without the leading `?` and without any #fragment.
 */
export function sentQuery(url: string): string {
  return new URL(url).search.slice(1);
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
  // Nothing JSON can carry is a function, symbol or bigint: such a value is left out, as undefined is.
  if (
    value === undefined ||
    typeof value === 'function' ||
    typeof value === 'symbol' ||
    typeof value === 'bigint'
  )
    return;
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

import { callPhaseOf } from './catalogue/event-types.ts';
import { ALL_HOOK, kazooFields } from './catalogue/hooks.ts';
import { hookOf, kazooNameOf, twinOf, voipbinNameOf } from './catalogue/names.ts';
import { customDataFilterKeys } from './matching.ts';
import { gregorianSeconds } from './kazoo-time.ts';
import { lookup, type CallPhase, type ReadCall } from './call-model.ts';
import { dialectOf, type Dialect } from './dialects/dialect.ts';
import { readCall, sourceShapeOf, type SourceShape } from './dialects/read-call.ts';
import { writeKazooCall } from './dialects/kazoo-call.ts';
import { writeVoipbinCall } from './dialects/voipbin-call.ts';
import { writeJambonzCall } from './dialects/jambonz-call.ts';
import { writeStandardCall } from './dialects/standard-call.ts';
import { writeJaxlRequest } from './dialects/jaxl-call.ts';

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
    /** The dialect the webhook names; null or absent: the default for hook / event_types. */
    dialect?: string | null;
  };
}

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

type Event = ShapeInput['event'];
type Subscriber = ShapeInput['webhook'];

/** The body a subscriber receives, in its own dialect's shape (docs/dialects.md). */
export function shapePayload({ event, webhook }: ShapeInput): Record<string, unknown> {
  const dialect = dialectOf(webhook);
  switch (dialect) {
    case 'kazoo':
      return kazooPayload(event, webhook);
    case 'voipbin':
      return voipbinEnvelope(event, webhook);
    case 'standard':
      return standardEnvelope(event, webhook);
    case 'jambonz':
      return jambonzPayload(event, webhook);
    case 'jaxl':
      return jaxlRequest(event, webhook);
  }
}

/**
 * The event's name as this subscriber knows it: the name it listed in event_types (a twin's, if
 * that is the one it listed), Kazoo's hook_event for Kazoo subscribers, VoIPBIN's name in a
 * VoIPBIN envelope.
 */
export function eventNameFor(type: string, webhook: Subscriber): string {
  const dialect = dialectOf(webhook);
  if (dialect === 'kazoo') {
    if (webhook.hook === null) return hookOf(type) ?? type;
    return webhook.hook === ALL_HOOK ? (hookOf(type) ?? type) : webhook.hook;
  }
  if (webhook.hook === null) {
    const twin = twinOf(type);
    return !webhook.eventTypes.includes(type) &&
      twin !== undefined &&
      webhook.eventTypes.includes(twin)
      ? twin
      : type;
  }
  return dialect === 'voipbin' ? voipbinNameOf(type) : kazooNameOf(type);
}

/** The platform whose vocabulary an event type belongs to, when its payload does not tell. */
function platformOfType(type: string): SourceShape {
  return hookOf(type) === type ? 'kazoo' : 'voipbin';
}

interface CallEvent extends ReadCall {
  phase: CallPhase;
  shape: SourceShape;
}

/** The time a phase stamps on the call. */
const PHASE_MOMENT: Partial<
  Record<CallPhase, 'createdAt' | 'ringingAt' | 'answeredAt' | 'endedAt'>
> = {
  created: 'createdAt',
  ringing: 'ringingAt',
  progressing: 'answeredAt',
  answered: 'answeredAt',
  hungup: 'endedAt',
};

/** A call event read into the call model; undefined for events that are not about a call. */
function callEventOf(event: Event): CallEvent | undefined {
  const phase = callPhaseOf(event.type);
  if (phase === undefined) return undefined;
  const shape = sourceShapeOf(event.payload, platformOfType(event.type));
  const read = readCall(event.payload, shape, phase);
  // The call's tenant is the event's account when the payload does not name one, and the moment
  // of the phase is the event's time when the payload has none (as Kazoo's timestamp is).
  const at = event.created.toISOString();
  const moment = lookup(PHASE_MOMENT, phase);
  const call = {
    ...read.call,
    accountId: read.call.accountId ?? event.accountId,
    updatedAt: read.call.updatedAt ?? at,
    ...(moment ? { [moment]: read.call[moment] ?? at } : {}),
  };
  return { ...read, call, phase, shape };
}

/**
 * A call event written in `dialect`'s schema, its unmapped fields kept around it; undefined when
 * the event is not a call event or was published in that very shape (sent as published).
 */
function translated(
  event: Event,
  dialect: Dialect,
  write: (call: CallEvent) => Record<string, unknown>,
): Record<string, unknown> | undefined {
  const callEvent = callEventOf(event);
  if (!callEvent || callEvent.shape === dialect) return undefined;
  return { ...callEvent.extras, ...write(callEvent) };
}

/** Kazoo: flat event fields + hook_event, account_id, timestamp, then custom_data on top. */
function kazooPayload(event: Event, webhook: Subscriber): Record<string, unknown> {
  const call = translated(event, 'kazoo', ({ call, phase }) =>
    writeKazooCall(call, phase === 'hungup'),
  );
  const fields = {
    ...(call ?? kazooFields(event.type, event.payload)),
    // The hook name as this subscriber knows it: a call_created reaches channel_create hooks.
    hook_event: eventNameFor(event.type, webhook),
    account_id: event.accountId,
    timestamp: (call ?? event.payload).timestamp ?? gregorianSeconds(event.created),
  };
  // The object and notifications hooks' filter keys are not payload (Kazoo strips them too).
  return withCustomData(fields, webhook.customData, customDataFilterKeys(webhook.hook));
}

/** Fields that say which event this is: custom_data adds to them, never replaces them. */
function identifiesEvent(key: string): boolean {
  return (
    key === 'hook_event' ||
    key === 'type' ||
    key === 'action' ||
    key === 'event_name' ||
    key === 'id' ||
    key.endsWith('_id') ||
    key.endsWith('_sid')
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
    // A data property even for a `__proto__` key, never the object's prototype.
    Object.defineProperty(merged, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged;
}

/** VoIPBIN: `{type, data}`, a call as VoIPBIN's call resource, named as the subscriber knows it. */
function voipbinEnvelope(event: Event, webhook: Subscriber): Record<string, unknown> {
  const call = translated(event, 'voipbin', ({ call, phase }) => writeVoipbinCall(call, phase));
  return {
    type: eventNameFor(event.type, webhook),
    data: withCustomData(call ?? event.payload, webhook.customData),
  };
}

/**
 * Standard Webhooks' envelope `{type, timestamp, data}` (timestamp: when the event was accepted,
 * ISO 8601). A call is written in Switchboard's own call schema whatever shape it was published in.
 */
function standardEnvelope(event: Event, webhook: Subscriber): Record<string, unknown> {
  const callEvent = callEventOf(event);
  const data = callEvent
    ? { ...callEvent.extras, ...writeStandardCall(callEvent.call) }
    : event.payload;
  return {
    type: eventNameFor(event.type, webhook),
    timestamp: event.created.toISOString(),
    data: withCustomData(data, webhook.customData),
  };
}

/** jambonz: the flat call-status payload (call_sid, call_status, sip_status…), custom_data on top. */
function jambonzPayload(event: Event, webhook: Subscriber): Record<string, unknown> {
  const call = translated(event, 'jambonz', ({ call }) => writeJambonzCall(call));
  return withCustomData(call ?? event.payload, webhook.customData);
}

/**
 * Jaxl: `{pk, event, state, option, data}`. custom_data.pk is the Jaxl flow id the receiver
 * expects; the rest of custom_data and the payload's unmapped fields go in state.metadata.
 */
function jaxlRequest(event: Event, webhook: Subscriber): Record<string, unknown> {
  const callEvent = callEventOf(event);
  const { pk, ...customData } = webhook.customData ?? {};
  const extras = callEvent?.extras ?? event.payload;
  return writeJaxlRequest(callEvent?.call ?? {}, callEvent?.phase ?? 'created', {
    pk,
    metadata: { ...extras, ...customData },
  });
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

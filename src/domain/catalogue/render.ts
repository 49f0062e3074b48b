import { EVENT_TYPES, eventTypeEntry, type EventTypeEntry } from './event-types.ts';
import { KAZOO_HOOKS, ALL_HOOK, isHookId, kazooFields, type ModifierSpec } from './hooks.ts';
import {
  DIALECT_NAMES,
  DIALECTS,
  dialectsCarrying,
  typesCarriedBy,
  type DialectName,
} from '../dialects/registry.ts';
import { shapePayload } from '../payload.ts';

/**
 * What the catalogue routes answer (GET /v2/webhooks, …/event_types, …/dialects, …/samples), made
 * from the tables of event-types.ts, hooks.ts, samples.ts and the dialects.
 */

/** One row of the catalogue: a Kazoo hook, or an event type only `event_types` can name. */
export interface SubscribableListing {
  id: string;
  name: string;
  description: string;
  kind: 'hook' | 'event_type';
  modifiers?: Record<string, ModifierSpec>;
  hook?: string;
  twin?: string;
}

/** An event type as the catalogue lists it. */
function eventTypeListing({ type, description, hook, twin }: EventTypeEntry): SubscribableListing {
  return {
    id: type,
    name: type,
    description,
    kind: 'event_type',
    ...(hook ? { hook } : {}),
    ...(twin ? { twin } : {}),
  };
}

/**
 * Everything a webhook can subscribe to, each id once: the Kazoo hooks (kind "hook", `all`
 * included) and then each event type that is not also a hook id (kind "event_type": the VoIPBIN
 * types and doc_created/doc_edited/doc_deleted). The samples are listed in this order.
 */
export const SUBSCRIBABLE_LISTING: readonly SubscribableListing[] = [
  ...KAZOO_HOOKS.map(({ id, name, description, modifiers }): SubscribableListing => ({
    id,
    name,
    description,
    kind: 'hook',
    ...(modifiers ? { modifiers } : {}),
  })),
  ...EVENT_TYPES.filter((entry) => !isHookId(entry.type)).map(eventTypeListing),
];

/** A hook as Kazoo's `GET /v2/webhooks` lists it: id, name, description, modifiers. */
export interface InstallableHook {
  id: string;
  name: string;
  description: string;
  modifiers?: Record<string, ModifierSpec>;
}

/**
 * What Kazoo's `GET /v2/webhooks` answers and its UI offers as hooks: the installable hooks, each
 * once — not `all`, which the UI appends itself, and not the event types, which only
 * `event_types` can name (`GET /v2/webhooks/event_types`).
 */
export const INSTALLABLE_HOOKS: readonly InstallableHook[] = KAZOO_HOOKS.filter(
  (hook) => hook.id !== ALL_HOOK,
).map(({ id, name, description, modifiers }) => ({
  id,
  name,
  description,
  ...(modifiers ? { modifiers } : {}),
}));

/**
 * `GET /v2/webhooks/event_types`: the event types a webhook may list in `event_types`, each with
 * the dialects that can carry it.
 */
export const EVENT_TYPE_LISTING = EVENT_TYPES.map((entry) => ({
  ...eventTypeListing(entry),
  dialects: dialectsCarrying(entry.type),
}));

/** `GET /v2/webhooks/dialects`: each dialect's verbs, formats and the event types it carries. */
export const DIALECT_LISTING = DIALECT_NAMES.map((name) => ({
  id: name,
  description: DIALECTS[name].description,
  http_verbs: DIALECTS[name].verbs,
  formats: DIALECTS[name].formats,
  event_types: typesCarriedBy(name),
}));

// ---- Samples for GET /v2/webhooks/samples[/{id}] ----

/**
 * The body a subscriber of `id` receives (before custom_data): the Kazoo flat payload for a hook
 * or a Kazoo event type, the VoIPBIN envelope for a VoIPBIN type. Undefined for unknown ids and
 * for `all`, which has no payload of its own.
 */
export function sampleFor(id: string): Record<string, unknown> | undefined {
  const entry = sampleEntry(id);
  if (!entry) return undefined;
  if (entry.hook) return { ...kazooFields(entry.type, entry.sample), hook_event: entry.hook };
  return { type: entry.type, data: { ...entry.sample } };
}

/** The event behind the sample of a hook or an event type: its type and payload as published. */
export function sampleEvent(
  id: string,
): { type: string; payload: Record<string, unknown> } | undefined {
  const entry = sampleEntry(id);
  return entry ? { type: entry.type, payload: { ...entry.sample } } : undefined;
}

/** A hook's sample is its first event type's; an event type's is its own. */
function sampleEntry(id: string): EventTypeEntry | undefined {
  return isHookId(id) ? EVENT_TYPES.find((candidate) => candidate.hook === id) : eventTypeEntry(id);
}

/** One sample per entry of SUBSCRIBABLE_LISTING (except `all`). */
export function samples(): Array<{ id: string; sample: Record<string, unknown> }> {
  return SUBSCRIBABLE_LISTING.flatMap(({ id }) => {
    const sample = sampleFor(id);
    return sample ? [{ id, sample }] : [];
  });
}

/** The account and time every sample in a dialect shows, so it reads the same on every call. */
const SAMPLE_ACCOUNT = '4a6d9f1e8c2b4c7d9e0f1a2b3c4d5e6f';
const SAMPLE_TIME = new Date('2026-01-01T12:00:00.000Z');

/**
 * The body a `dialect` subscriber of a hook or event type receives for its sample event, shaped
 * by the same code as every delivery (before custom_data). `undefined` for an unknown id;
 * `'not_carried'` when that dialect's receivers are never sent such events.
 */
export function sampleInDialect(
  id: string,
  dialect: DialectName,
): Record<string, unknown> | 'not_carried' | undefined {
  const event = sampleEvent(id);
  if (!event) return undefined;
  if (!DIALECTS[dialect].carries(event.type)) return 'not_carried';
  // Subscribed as the id says: to a Kazoo hook, or to an event type by name.
  const hook = isHookId(id) ? id : null;
  return shapePayload({
    event: { ...event, id: 'sample-event', accountId: SAMPLE_ACCOUNT, created: SAMPLE_TIME },
    // custom_data holds only what the dialect requires of every webhook (Jaxl's pk).
    webhook: { hook, eventTypes: hook ? [] : [id], customData: requiredExamples(dialect), dialect },
  });
}

function requiredExamples(dialect: DialectName): Record<string, unknown> | null {
  const required = Object.entries(DIALECTS[dialect].customDataRules);
  return required.length > 0
    ? Object.fromEntries(required.map(([key, need]) => [key, need.example]))
    : null;
}

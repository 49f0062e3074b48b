import type { CallEvent, ShapeContext, Subscriber } from './dialect.ts';
import { twinOf } from '../catalogue/names.ts';

/** Building blocks the dialects' shape and eventName share. */

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

/**
 * A call event written in dialect `name`'s schema, its unmapped fields kept around it; undefined
 * when the event is not a call event or was published in that very shape (sent as published).
 */
export function translatedCall(
  { call }: ShapeContext,
  name: string,
  write: (call: CallEvent) => Record<string, unknown>,
): Record<string, unknown> | undefined {
  if (!call || call.shape === name) return undefined;
  return { ...call.extras, ...write(call) };
}

/**
 * The name of an event for a subscriber of a dialect other than Kazoo: the name it listed in
 * event_types (a twin's, if that is the one it listed), else — subscribed by hook — the dialect's
 * platform name (`nameForHook`).
 */
export function listedName(
  type: string,
  webhook: Subscriber,
  nameForHook: (type: string) => string,
): string {
  if (webhook.hook !== null) return nameForHook(type);
  const twin = twinOf(type);
  return !webhook.eventTypes.includes(type) &&
    twin !== undefined &&
    webhook.eventTypes.includes(twin)
    ? twin
    : type;
}

import { manages } from './tenancy.ts';
import { ALL_HOOK, OBJECT_FILTER_KEYS, hookEntry, kazooFields } from './catalogue/hooks.ts';
import { hookOf, twinOf } from './catalogue/names.ts';
import { dialectCarries, dialectOf } from './dialects/registry.ts';

export interface MatchableEvent {
  type: string;
  accountId: string;
  payload: Record<string, unknown>;
}

export interface MatchableWebhook {
  accountId: string;
  hook: string | null;
  eventTypes: string[];
  modifiers: Record<string, unknown> | null;
  customData: Record<string, unknown> | null;
  includeSubaccounts: boolean;
  /** Kazoo's include_internal_legs; absent means true. */
  includeInternalLegs?: boolean;
  enabled: boolean;
  /** The dialect it names (absent or null: the default for hook / event_types). */
  dialect?: string | null;
}

/**
 * Does `webhook` receive `event`? `eventAccountTree` is the ancestry path of the event's account,
 * root first, the event's account last.
 */
export function webhookReceives(
  event: MatchableEvent,
  webhook: MatchableWebhook,
  eventAccountTree: string[],
): boolean {
  return (
    webhook.enabled &&
    inScope(event.accountId, webhook, eventAccountTree) &&
    subscribesTo(event.type, webhook) &&
    dialectCarries(dialectOf(webhook), event.type) &&
    legIncluded(event, webhook) &&
    passesFilters(event, webhook)
  );
}

/**
 * Kazoo's include_internal_legs: a hook that sets it false does not hear about internal legs
 * (device-to-device calls inside the account), which the producer marks `is_internal_leg: true`.
 */
function legIncluded(event: MatchableEvent, webhook: MatchableWebhook): boolean {
  if (webhook.includeInternalLegs !== false) return true;
  const internal = Object.hasOwn(event.payload, 'is_internal_leg')
    ? event.payload.is_internal_leg
    : undefined;
  return internal !== true && internal !== 'true';
}

/** Kazoo's fan-out: the event's own account, plus ancestors that opted into subaccount events. */
function inScope(eventAccountId: string, webhook: MatchableWebhook, tree: string[]): boolean {
  if (webhook.accountId === eventAccountId) return true;
  return webhook.includeSubaccounts && manages({ id: webhook.accountId }, { tree });
}

/** Twins reach each other both ways: a channel_create hook gets call_created and vice versa. */
function subscribesTo(type: string, webhook: MatchableWebhook): boolean {
  if (webhook.hook !== null) {
    return webhook.hook === ALL_HOOK || hookOf(type) === webhook.hook;
  }
  const twin = twinOf(type);
  return (
    webhook.eventTypes.includes(type) || (twin !== undefined && webhook.eventTypes.includes(twin))
  );
}

function passesFilters(event: MatchableEvent, webhook: MatchableWebhook): boolean {
  const fields = kazooFields(event.type, event.payload);
  // Which hook's modifier rules apply: the webhook's own, or for `all` / event_types the event's.
  const hook =
    webhook.hook !== null && webhook.hook !== ALL_HOOK ? webhook.hook : hookOf(event.type);
  // Own keys only: a modifier named "toString" must not find Object.prototype's.
  const renames = (hook ? hookEntry(hook)?.modifierFields : undefined) ?? {};
  const fieldFor = (key: string) => (Object.hasOwn(renames, key) ? renames[key] : key);

  for (const [key, wanted] of Object.entries(webhook.modifiers ?? {})) {
    // null (a PATCH removal) and [] (nothing ticked in a UI) put no restriction on the field.
    if (wanted === null || wanted === undefined || (Array.isArray(wanted) && wanted.length === 0)) {
      continue;
    }
    if (!valueMatches(fieldValue(fields, fieldFor(key)), wanted)) return false;
  }
  // Kazoo's object hook reads `type` and `action` from custom_data as filters (webhooks_object).
  if (webhook.hook === 'object' && webhook.customData) {
    for (const key of OBJECT_FILTER_KEYS) {
      const wanted = ownValue(webhook.customData, key);
      if (wanted !== undefined && !valueMatches(fields[key], wanted)) return false;
    }
  }
  // Kazoo's notifications hook (webhooks_notifications:match_action_type) keeps a notification
  // whose name equals custom_data.type, or any when it is "all" — monster-ui stores its "type"
  // select there. Unlike Kazoo, custom_data without a type (or an empty one) filters nothing.
  if (webhook.hook === 'notifications' && webhook.customData) {
    const wanted = ownValue(webhook.customData, 'type');
    const unset = wanted === undefined || wanted === null || wanted === '';
    const all = wanted === 'all' || (Array.isArray(wanted) && wanted.includes('all'));
    if (!unset && !all && !valueMatches(fields.event_name, wanted)) return false;
  }
  return true;
}

/** A top-level field, or a dotted path into nested objects (`custom_channel_vars.owner_id`). */
function fieldValue(fields: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(fields, key) || !key.includes('.')) return ownValue(fields, key);
  let current: unknown = fields;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = ownValue(current as Record<string, unknown>, part);
  }
  return current;
}

function ownValue(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A list means "one of", a scalar "equals"; both compared as strings (form-data loses types). */
function valueMatches(actual: unknown, wanted: unknown): boolean {
  if (actual === undefined || actual === null) return false;
  const allowed = (Array.isArray(wanted) ? wanted : [wanted]).map(asComparable);
  const present = Array.isArray(actual) ? actual.map(asComparable) : [asComparable(actual)];
  return present.some((value) => allowed.includes(value));
}

function asComparable(value: unknown): string {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
}

import { EVENT_TYPE_NAMES } from './event-types.ts';
import { hookOf } from './names.ts';

/**
 * Kazoo's hooks (docs/events.md): what a webhook can name in `hook`, each with its modifiers, and
 * the event types each covers (those whose hookOf is the hook).
 */

/** A modifier as Kazoo's `GET /v2/webhooks` describes it: a list the subscriber picks from. */
export interface ModifierSpec {
  type: 'array';
  description: string;
  items: string[];
}

export interface KazooHookEntry {
  id: string;
  name: string;
  description: string;
  modifiers?: Record<string, ModifierSpec>;
  /**
   * Which field of the event's Kazoo flat view a modifier key reads, when it is not the key
   * itself (Kazoo's `notifications` hook filters `type` against the notification's event_name).
   */
  modifierFields?: Record<string, string>;
}

/** Kazoo's pseudo-hook: a webhook with `hook: "all"` receives every event of its scope. */
export const ALL_HOOK = 'all';

const OBJECT_TYPES = [
  'account',
  'call_recording',
  'callflow',
  'device',
  'fax',
  'faxbox',
  'mailbox_message',
  'media',
  'user',
  'vmbox',
];
const OBJECT_ACTIONS = ['doc_created', 'doc_edited', 'doc_deleted'];
const NOTIFICATION_TYPES = [
  'deregister',
  'fax_inbound_error_to_email',
  'fax_inbound_to_email',
  'fax_outbound_error_to_email',
  'fax_outbound_to_email',
  'first_occurrence',
  'low_balance',
  'missed_call',
  'new_account',
  'new_user',
  'password_recovery',
  'port_cancel',
  'port_request',
  'port_scheduled',
  'ported',
  'register',
  'system_alert',
  'topup',
  'transaction',
  'voicemail_full',
  'voicemail_new',
  'voicemail_saved',
  'webhook_disabled',
];

/** Kazoo's hooks, as a webhook's `hook` names them: the one table of them, `all` last. */
export const KAZOO_HOOKS: readonly KazooHookEntry[] = [
  { id: 'channel_create', name: 'channel_create', description: 'Events when new calls start' },
  {
    id: 'channel_answer',
    name: 'channel_answer',
    description: 'Events for when the channel is answered by the endpoint',
  },
  {
    id: 'channel_bridge',
    name: 'channel_bridge',
    description: 'Events for when the channel is bridged to another channel',
  },
  { id: 'channel_destroy', name: 'channel_destroy', description: 'Events when calls end' },
  {
    id: 'object',
    name: 'object',
    description: 'Receive notifications when objects in Kazoo are changed',
    modifiers: {
      type: { type: 'array', description: 'A list of object types to handle', items: OBJECT_TYPES },
      action: {
        type: 'array',
        description: 'A list of object actions to handle',
        items: OBJECT_ACTIONS,
      },
    },
  },
  {
    id: 'parking',
    name: 'parking',
    description: 'Events when calls are parked, retrieved or abandoned in a parking slot',
  },
  { id: 'sms', name: 'sms', description: 'Events when text messages are sent or received' },
  {
    id: 'notifications',
    name: 'notifications',
    description: 'Receive notifications (the events behind the email notifications)',
    modifiers: {
      type: {
        type: 'array',
        description: 'A list of notification types to handle',
        items: NOTIFICATION_TYPES,
      },
    },
    modifierFields: { type: 'event_name' },
  },
  { id: ALL_HOOK, name: ALL_HOOK, description: 'Every event, whatever its hook or type' },
];

/** Kazoo's object hook treats these custom_data keys as filters, not as extra payload. */
export const OBJECT_FILTER_KEYS = ['type', 'action'] as const;
/** Kazoo's notifications hook treats custom_data.type as a filter on the notification's name. */
export const NOTIFICATION_FILTER_KEYS = ['type'] as const;

/** The custom_data keys that are filters for `hook`, and so never payload. */
export function customDataFilterKeys(hook: string | null): readonly string[] {
  if (hook === 'object') return OBJECT_FILTER_KEYS;
  if (hook === 'notifications') return NOTIFICATION_FILTER_KEYS;
  return [];
}

const hooksById = new Map(KAZOO_HOOKS.map((hook) => [hook.id, hook]));

/** Every value the webhook field `hook` accepts, `all` included. */
export const HOOK_IDS: readonly string[] = KAZOO_HOOKS.map((hook) => hook.id);

/** A value the webhook field `hook` accepts (the pseudo-hook `all` included). */
export function isHookId(hook: string): boolean {
  return hooksById.has(hook);
}

export function hookEntry(hook: string): KazooHookEntry | undefined {
  return hooksById.get(hook);
}

/** The event types a hook covers (an event of such a type reaches its subscribers); none for `all`. */
export function eventTypesOfHook(hook: string): string[] {
  return EVENT_TYPE_NAMES.filter((type) => hookOf(type) === hook);
}

/**
 * The event as Kazoo's flat payload sees it: the payload, plus `action` (the event type) for
 * `object` events — Kazoo's object hook names the doc_* event `action` and the doc type `type`.
 */
export function kazooFields(
  type: string,
  payload: Record<string, unknown>,
): Record<string, unknown> {
  return hookOf(type) === 'object' ? { ...payload, action: type } : { ...payload };
}

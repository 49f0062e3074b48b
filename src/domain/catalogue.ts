import type { CallPhase } from './call-model.ts';

/**
 * The event catalogue (docs/events.md): every Kazoo hook a webhook can name in `hook`, and every event
 * type a producer can publish (and a webhook can list in `event_types`). It is data: adding a
 * type is one entry in EVENT_TYPE_TABLE (plus a hook in HOOK_TABLE if it is a new Kazoo hook).
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

export interface EventTypeEntry {
  type: string;
  /** The Kazoo hook this type belongs to, if any. */
  hook?: string;
  /** The same happening under the other platform's name (channel_create ≈ call_created). */
  twin?: string;
  /** For call events: where in its life the call is (what dialects translate; docs/dialects.md). */
  call?: CallPhase;
  description: string;
  /** A realistic producer payload. */
  sample: Record<string, unknown>;
}

/** One row of `GET /v2/webhooks`: a Kazoo hook, or an event type only `event_types` can name. */
export interface SubscribableListing {
  id: string;
  name: string;
  description: string;
  kind: 'hook' | 'event_type';
  modifiers?: Record<string, ModifierSpec>;
  hook?: string;
  twin?: string;
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

const HOOK_TABLE: KazooHookEntry[] = [
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

// ---- Samples. Ids and values are made up but shaped like real Kazoo / VoIPBIN payloads. ----

const SAMPLE_ACCOUNT_ID = '5a2d994fbae69b1d6b01eb9f0e7dfe62';
const SAMPLE_CUSTOMER_ID = '5e4a0680-804e-11ec-8477-2fea5968d85b';
/** Kazoo timestamps are gregorian seconds (unix seconds + 62167219200). */
const SAMPLE_GREGORIAN = 63_897_840_000;
/** VoIPBIN marks "not happened yet" with this far-future time. */
const VOIPBIN_NEVER = '9999-01-01 00:00:00.000000';
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const CHANNEL_BASE = {
  account_id: SAMPLE_ACCOUNT_ID,
  authorizing_id: '7f2b66a620cf9523d349cc5de8f21f37',
  authorizing_type: 'device',
  call_direction: 'inbound',
  call_forwarded: false,
  call_id: 'NDlkNGI3OTZlMDgzNWQxNGYxNTA3NjQ4NDZjNDFkOTc',
  callee_id_name: 'Sales',
  callee_id_number: '+15557654321',
  caller_id_name: 'Alice',
  caller_id_number: '+15551234567',
  custom_channel_vars: {},
  emergency_resource_used: false,
  from: '+15551234567@sip.example.com',
  inception: 'offnet',
  is_internal_leg: false,
  local_resource_used: false,
  other_leg_call_id: 'af1e1e12f1bcf519a96f2235ab8eeec4',
  owner_id: 'd860229e722bf8f738737365b0b1e333',
  request: '+15557654321@sip.example.com',
  reseller_id: SAMPLE_ACCOUNT_ID,
  timestamp: SAMPLE_GREGORIAN,
  to: '+15557654321@sip.example.com',
};

const DOC_BASE = {
  id: 'c4c0ad092e57bc1d28e69bbd20dad932',
  account_id: SAMPLE_ACCOUNT_ID,
  type: 'user',
};

const voipbinAddress = (target: string, name = '') => ({
  type: 'tel',
  target,
  target_name: name,
  name: '',
  detail: '',
});

const CALL = {
  id: '9a4b8e2c-7c1f-11ee-9d43-0f6b3a4c6f01',
  customer_id: SAMPLE_CUSTOMER_ID,
  flow_id: 'e1a3e6c8-7c1f-11ee-8f2a-4b7d1c9e2a10',
  activeflow_id: 'f25c7a4e-7c1f-11ee-a5d1-1f3e8b6a7c22',
  type: 'flow',
  master_call_id: NIL_UUID,
  chained_call_ids: [],
  recording_id: NIL_UUID,
  recording_ids: [],
  source: voipbinAddress('+15551234567', 'Alice'),
  destination: voipbinAddress('+15557654321'),
  status: 'dialing',
  direction: 'incoming',
  hangup_by: '',
  hangup_reason: '',
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_progressing: VOIPBIN_NEVER,
  tm_ringing: VOIPBIN_NEVER,
  tm_hangup: VOIPBIN_NEVER,
};
const CALL_RINGING = {
  ...CALL,
  status: 'ringing',
  tm_update: '2026-11-23 10:00:01.000000',
  tm_ringing: '2026-11-23 10:00:01.000000',
};
const CALL_ANSWERED = {
  ...CALL_RINGING,
  status: 'progressing',
  tm_update: '2026-11-23 10:00:05.000000',
  tm_progressing: '2026-11-23 10:00:05.000000',
};
const CALL_HUNGUP = {
  ...CALL_ANSWERED,
  status: 'hangup',
  hangup_by: 'remote',
  hangup_reason: 'normal',
  tm_update: '2026-11-23 10:02:05.000000',
  tm_hangup: '2026-11-23 10:02:05.000000',
};

const MESSAGE = {
  id: 'b1c2d3e4-7c20-11ee-8c11-2b4f6d8a0c01',
  customer_id: SAMPLE_CUSTOMER_ID,
  type: 'sms',
  source: voipbinAddress('+15551234567'),
  targets: [
    {
      destination: voipbinAddress('+15557654321'),
      status: 'queued',
      parts: 1,
      tm_update: '2026-11-23 10:00:00.000000',
    },
  ],
  text: 'Your appointment is confirmed for tomorrow at 9:00.',
  direction: 'outbound',
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_delete: VOIPBIN_NEVER,
};

const RECORDING = {
  id: 'c3d4e5f6-7c20-11ee-9e22-3c5a7e9b1d02',
  customer_id: SAMPLE_CUSTOMER_ID,
  reference_type: 'call',
  reference_id: CALL.id,
  status: 'recording',
  format: 'wav',
  filenames: ['call_9a4b8e2c_2026-11-23T10:00:05.wav'],
  tm_start: '2026-11-23 10:00:05.000000',
  tm_end: VOIPBIN_NEVER,
  tm_create: '2026-11-23 10:00:05.000000',
  tm_update: '2026-11-23 10:00:05.000000',
  tm_delete: VOIPBIN_NEVER,
};

const TRANSCRIBE = {
  id: 'd5e6f7a8-7c20-11ee-a033-4d6b8f0c2e03',
  customer_id: SAMPLE_CUSTOMER_ID,
  reference_type: 'call',
  reference_id: CALL.id,
  status: 'progressing',
  language: 'en-US',
  direction: 'both',
  tm_create: '2026-11-23 10:00:05.000000',
  tm_update: '2026-11-23 10:00:05.000000',
  tm_delete: VOIPBIN_NEVER,
};

const TRANSCRIPT = {
  id: 'e7f8a9b0-7c20-11ee-b144-5e7c9a1d3f04',
  customer_id: SAMPLE_CUSTOMER_ID,
  transcribe_id: TRANSCRIBE.id,
  direction: 'in',
  message: 'Hi, I would like to move my appointment.',
  tm_transcript: '0001-01-01 00:00:08.991840',
  tm_create: '2026-11-23 10:00:14.000000',
};

const QUEUE = {
  id: 'f9a0b1c2-7c20-11ee-8255-6f8dab2e4a05',
  customer_id: SAMPLE_CUSTOMER_ID,
  name: 'Support',
  detail: 'First-line support queue',
  routing_method: 'random',
  tag_ids: ['a1b2c3d4-7c21-11ee-9366-7a9ebc3f5b06'],
  wait_timeout: 300000,
  service_timeout: 1800000,
  wait_queuecall_ids: [],
  service_queuecall_ids: [],
  total_incoming_count: 0,
  total_serviced_count: 0,
  total_abandoned_count: 0,
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_delete: VOIPBIN_NEVER,
};

const QUEUECALL = {
  id: 'b2c3d4e5-7c21-11ee-a477-8bafcd4a6c07',
  customer_id: SAMPLE_CUSTOMER_ID,
  queue_id: QUEUE.id,
  reference_type: 'call',
  reference_id: CALL.id,
  source: voipbinAddress('+15551234567', 'Alice'),
  status: 'waiting',
  service_agent_id: NIL_UUID,
  tag_ids: QUEUE.tag_ids,
  timeout_wait: 300000,
  timeout_service: 1800000,
  tm_create: '2026-11-23 10:00:05.000000',
  tm_service: VOIPBIN_NEVER,
  tm_update: '2026-11-23 10:00:05.000000',
  tm_delete: VOIPBIN_NEVER,
};

const CONFERENCE = {
  id: 'c4d5e6f7-7c21-11ee-b588-9cb0de5b7d08',
  customer_id: SAMPLE_CUSTOMER_ID,
  type: 'conference',
  status: 'progressing',
  name: 'Weekly sync',
  detail: 'Team call',
  call_ids: [],
  recording_id: NIL_UUID,
  recording_ids: [],
  timeout: 0,
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_delete: VOIPBIN_NEVER,
};

const CONFBRIDGE = {
  id: 'd6e7f8a9-7c21-11ee-8699-adc1ef6c8e09',
  customer_id: SAMPLE_CUSTOMER_ID,
  type: 'connect',
  call_ids: [CALL.id],
  recording_id: NIL_UUID,
  recording_ids: [],
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_delete: VOIPBIN_NEVER,
};

const ACTIVEFLOW = {
  id: CALL.activeflow_id,
  customer_id: SAMPLE_CUSTOMER_ID,
  flow_id: CALL.flow_id,
  status: 'running',
  reference_type: 'call',
  reference_id: CALL.id,
  current_action: { id: 'a8b9c0d1-7c22-11ee-97aa-bed2f07d9f10', type: 'answer' },
  tm_create: '2026-11-23 10:00:00.000000',
  tm_update: '2026-11-23 10:00:00.000000',
  tm_delete: VOIPBIN_NEVER,
};

const EVENT_TYPE_TABLE: EventTypeEntry[] = [
  // Kazoo
  {
    type: 'channel_create',
    call: 'created',
    hook: 'channel_create',
    twin: 'call_created',
    description: 'A new call leg (channel) has started',
    sample: CHANNEL_BASE,
  },
  {
    type: 'channel_answer',
    call: 'answered',
    hook: 'channel_answer',
    twin: 'call_answered',
    description: 'A channel was answered by the endpoint',
    sample: CHANNEL_BASE,
  },
  {
    type: 'channel_bridge',
    hook: 'channel_bridge',
    description: 'A channel was bridged to another channel',
    sample: CHANNEL_BASE,
  },
  {
    type: 'channel_destroy',
    call: 'hungup',
    hook: 'channel_destroy',
    twin: 'call_hungup',
    description: 'A channel has finished',
    sample: {
      ...CHANNEL_BASE,
      billing_seconds: 120,
      duration_seconds: 125,
      hangup_cause: 'NORMAL_CLEARING',
      hangup_code: 'sip:200',
      ringing_seconds: 5,
    },
  },
  {
    type: 'doc_created',
    hook: 'object',
    description: 'A document (user, device, callflow…) was created',
    sample: DOC_BASE,
  },
  {
    type: 'doc_edited',
    hook: 'object',
    description: 'A document (user, device, callflow…) was changed',
    sample: DOC_BASE,
  },
  {
    type: 'doc_deleted',
    hook: 'object',
    description: 'A document (user, device, callflow…) was deleted',
    sample: DOC_BASE,
  },
  {
    type: 'parking',
    hook: 'parking',
    description: 'A call was parked, retrieved from or abandoned in a parking slot',
    sample: {
      account_id: SAMPLE_ACCOUNT_ID,
      call_id: 'OWU4NzEwOTgyZWNiMjM0MzI0NjRkZDc4MWVmMjEyOWI',
      callee_id_name: 'Front desk',
      callee_id_number: '1001',
      caller_id_name: 'Alice',
      caller_id_number: '+15551234567',
      event_name: 'PARK_PARKED',
      parking_slot: 1,
      timestamp: SAMPLE_GREGORIAN,
    },
  },
  {
    type: 'sms',
    hook: 'sms',
    description: 'A text message was sent or received',
    sample: {
      account_id: SAMPLE_ACCOUNT_ID,
      message_id: 'e2a6b9c1f0d34c7a8b5e6f7a8b9c0d1e',
      call_id: 'ZjQ2YjE5ZDk3YTQ0NzJjMmE1ZTZjYjQwNjk3YmRkNzM',
      from: '+15551234567@sip.example.com',
      to: '+15557654321@sip.example.com',
      caller_id_number: '+15551234567',
      callee_id_number: '+15557654321',
      call_direction: 'inbound',
      body: 'Running 5 minutes late',
      owner_id: 'd860229e722bf8f738737365b0b1e333',
      timestamp: SAMPLE_GREGORIAN,
    },
  },
  {
    type: 'notifications',
    hook: 'notifications',
    description: 'A notification (new voicemail, missed call, fax received…) was raised',
    sample: {
      account_id: SAMPLE_ACCOUNT_ID,
      app_name: 'callflow',
      app_version: '4.3.0',
      event_category: 'notification',
      event_name: 'voicemail_new',
      caller_id_name: 'Alice',
      caller_id_number: '+15551234567',
      from_realm: 'sip.example.com',
      from_user: '+15551234567',
      to_realm: 'sip.example.com',
      to_user: '1001',
      voicemail_box: '0e4c2f1a9b8d7e6f5a4b3c2d1e0f9a8b',
      voicemail_id: '201611-5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d',
      voicemail_length: 14000,
      voicemail_timestamp: SAMPLE_GREGORIAN,
    },
  },
  // VoIPBIN
  {
    type: 'call_created',
    call: 'created',
    twin: 'channel_create',
    description: 'A call was created',
    sample: CALL,
  },
  {
    type: 'call_ringing',
    call: 'ringing',
    description: 'The call destination is ringing',
    sample: CALL_RINGING,
  },
  {
    type: 'call_progressing',
    call: 'progressing',
    description: 'The call is progressing (media is flowing)',
    sample: CALL_ANSWERED,
  },
  {
    type: 'call_answered',
    call: 'answered',
    twin: 'channel_answer',
    description: 'The call was answered',
    sample: CALL_ANSWERED,
  },
  {
    type: 'call_updated',
    call: 'updated',
    description: 'The call was updated',
    sample: CALL_ANSWERED,
  },
  {
    type: 'call_hungup',
    call: 'hungup',
    twin: 'channel_destroy',
    description: 'The call has ended',
    sample: CALL_HUNGUP,
  },
  { type: 'message_created', description: 'A message was created', sample: MESSAGE },
  {
    type: 'message_updated',
    description: 'A message was updated (e.g. delivery status)',
    sample: {
      ...MESSAGE,
      targets: [{ ...MESSAGE.targets[0], status: 'sent' }],
      tm_update: '2026-11-23 10:00:02.000000',
    },
  },
  {
    type: 'message_deleted',
    description: 'A message was deleted',
    sample: { ...MESSAGE, tm_delete: '2026-11-23 11:00:00.000000' },
  },
  { type: 'recording_created', description: 'A recording has started', sample: RECORDING },
  {
    type: 'recording_updated',
    description: 'A recording was updated (e.g. it ended)',
    sample: { ...RECORDING, status: 'ended', tm_end: '2026-11-23 10:02:05.000000' },
  },
  {
    type: 'recording_deleted',
    description: 'A recording was deleted',
    sample: { ...RECORDING, status: 'ended', tm_delete: '2026-11-23 11:00:00.000000' },
  },
  { type: 'transcribe_created', description: 'A transcription has started', sample: TRANSCRIBE },
  {
    type: 'transcribe_updated',
    description: 'A transcription was updated',
    sample: { ...TRANSCRIBE, status: 'done' },
  },
  {
    type: 'transcribe_deleted',
    description: 'A transcription was deleted',
    sample: { ...TRANSCRIBE, status: 'done', tm_delete: '2026-11-23 11:00:00.000000' },
  },
  {
    type: 'transcript_created',
    description: 'A transcript segment is available',
    sample: TRANSCRIPT,
  },
  { type: 'queue_created', description: 'A queue was created', sample: QUEUE },
  {
    type: 'queue_updated',
    description: 'A queue was updated',
    sample: { ...QUEUE, total_incoming_count: 1, wait_queuecall_ids: [QUEUECALL.id] },
  },
  { type: 'queuecall_created', description: 'A call entered a queue', sample: QUEUECALL },
  {
    type: 'queuecall_kicking',
    description: 'A queued call is being removed from the queue',
    sample: { ...QUEUECALL, status: 'kicking' },
  },
  {
    type: 'queuecall_serviced',
    description: 'A queued call was connected to an agent',
    sample: {
      ...QUEUECALL,
      status: 'service',
      service_agent_id: 'e8f9a0b1-7c22-11ee-88bb-cfe3018eaf11',
      tm_service: '2026-11-23 10:01:00.000000',
    },
  },
  { type: 'conference_created', description: 'A conference was created', sample: CONFERENCE },
  {
    type: 'conference_updated',
    description: 'A conference was updated (e.g. a participant joined)',
    sample: { ...CONFERENCE, call_ids: [CALL.id] },
  },
  {
    type: 'confbridge_created',
    description: 'A conference bridge was created',
    sample: CONFBRIDGE,
  },
  {
    type: 'confbridge_updated',
    description: 'A conference bridge was updated',
    sample: { ...CONFBRIDGE, call_ids: [] },
  },
  { type: 'activeflow_created', description: 'A flow started running', sample: ACTIVEFLOW },
  {
    type: 'activeflow_updated',
    description: 'A running flow moved to another action',
    sample: {
      ...ACTIVEFLOW,
      current_action: { id: 'b9c0d1e2-7c22-11ee-a9cc-d0f4128fb012', type: 'talk' },
    },
  },
  {
    type: 'activeflow_deleted',
    description: 'A flow stopped running',
    sample: { ...ACTIVEFLOW, status: 'ended', tm_delete: '2026-11-23 10:02:05.000000' },
  },
];

// ---- Lookups ----

const hooksById = new Map(HOOK_TABLE.map((hook) => [hook.id, hook]));
const typesByName = new Map(EVENT_TYPE_TABLE.map((entry) => [entry.type, entry]));

/** Every publishable event type, Kazoo's first, then VoIPBIN's. */
export const EVENT_TYPES: readonly EventTypeEntry[] = EVENT_TYPE_TABLE;

/**
 * Everything subscribable, for `GET /v2/webhooks`: the Kazoo hooks (kind "hook", `all`
 * included) and then each event type that is not also a hook id (kind "event_type": the
 * VoIPBIN types and doc_created/doc_edited/doc_deleted), so ids stay unique.
 */

/** An event type as the catalogue lists it. */
function eventTypeListing({
  type,
  description,
  hook,
  twin,
}: (typeof EVENT_TYPE_TABLE)[number]): SubscribableListing {
  return {
    id: type,
    name: type,
    description,
    kind: 'event_type',
    ...(hook ? { hook } : {}),
    ...(twin ? { twin } : {}),
  };
}

export const HOOKS: readonly SubscribableListing[] = [
  ...HOOK_TABLE.map(({ id, name, description, modifiers }): SubscribableListing => ({
    id,
    name,
    description,
    kind: 'hook',
    ...(modifiers ? { modifiers } : {}),
  })),
  ...EVENT_TYPE_TABLE.filter((entry) => !hooksById.has(entry.type)).map(eventTypeListing),
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
export const INSTALLABLE_HOOKS: readonly InstallableHook[] = HOOK_TABLE.filter(
  (hook) => hook.id !== ALL_HOOK,
).map(({ id, name, description, modifiers }) => ({
  id,
  name,
  description,
  ...(modifiers ? { modifiers } : {}),
}));

/** The event types a webhook may list in `event_types`, for `GET /v2/webhooks/event_types`. */
export const SUBSCRIBABLE_EVENT_TYPES: readonly SubscribableListing[] =
  EVENT_TYPE_TABLE.map(eventTypeListing);

export function isEventType(type: string): boolean {
  return typesByName.has(type);
}

/** A value the webhook field `hook` accepts (the pseudo-hook `all` included). */
export function isHookId(hook: string): boolean {
  return hooksById.has(hook);
}

export function hookEntry(hook: string): KazooHookEntry | undefined {
  return hooksById.get(hook);
}

/** What the webhook field `event_types` accepts: every publishable type. */
export function subscribableEventTypes(): string[] {
  return EVENT_TYPE_TABLE.map((entry) => entry.type);
}

/** Where in its life a call event's call is; undefined for events that are not call events. */
export function callPhaseOf(type: string): CallPhase | undefined {
  return typesByName.get(type)?.call;
}

/** Kazoo's name for an event: its own if it is a Kazoo type, else its Kazoo twin's (call_created → channel_create). */
export function kazooNameOf(type: string): string {
  const entry = typesByName.get(type);
  if (!entry || entry.hook || !entry.twin) return type;
  return typesByName.get(entry.twin)?.hook ? entry.twin : type;
}

/** VoIPBIN's name for an event: a Kazoo type's VoIPBIN twin (channel_destroy → call_hungup), else its own. */
export function voipbinNameOf(type: string): string {
  const entry = typesByName.get(type);
  return entry?.hook && entry.twin ? entry.twin : type;
}

export function twinOf(type: string): string | undefined {
  return typesByName.get(type)?.twin;
}

/** The Kazoo hook an event reaches, through its twin if it has none itself (call_created → channel_create). */
export function hookOf(type: string): string | undefined {
  const entry = typesByName.get(type);
  if (!entry) return undefined;
  return entry.hook ?? (entry.twin ? typesByName.get(entry.twin)?.hook : undefined);
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

function sampleEntry(id: string) {
  return hooksById.has(id)
    ? EVENT_TYPE_TABLE.find((candidate) => candidate.hook === id)
    : typesByName.get(id);
}

/** One sample per entry of HOOKS (except `all`). */
export function samples(): Array<{ id: string; sample: Record<string, unknown> }> {
  return HOOKS.flatMap(({ id }) => {
    const sample = sampleFor(id);
    return sample ? [{ id, sample }] : [];
  });
}

import type { CallPhase } from '../call-model.ts';
import { SAMPLE_PAYLOADS, type SampledEventType } from './samples.ts';

/**
 * The event types (docs/events.md): every type a producer can publish and a webhook can list in
 * `event_types`. It is data: adding a type is one row here and its sample payload in samples.ts
 * (plus a hook in hooks.ts if it is a new Kazoo hook).
 */

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

/** A row of the table: an entry without its sample, which samples.ts holds under the type's name. */
type EventTypeRow = Omit<EventTypeEntry, 'type' | 'sample'> & { type: SampledEventType };

const EVENT_TYPE_ROWS: EventTypeRow[] = [
  // Kazoo
  {
    type: 'channel_create',
    call: 'created',
    hook: 'channel_create',
    twin: 'call_created',
    description: 'A new call leg (channel) has started',
  },
  {
    type: 'channel_answer',
    call: 'answered',
    hook: 'channel_answer',
    twin: 'call_answered',
    description: 'A channel was answered by the endpoint',
  },
  {
    type: 'channel_bridge',
    hook: 'channel_bridge',
    description: 'A channel was bridged to another channel',
  },
  {
    type: 'channel_destroy',
    call: 'hungup',
    hook: 'channel_destroy',
    twin: 'call_hungup',
    description: 'A channel has finished',
  },
  {
    type: 'doc_created',
    hook: 'object',
    description: 'A document (user, device, callflow…) was created',
  },
  {
    type: 'doc_edited',
    hook: 'object',
    description: 'A document (user, device, callflow…) was changed',
  },
  {
    type: 'doc_deleted',
    hook: 'object',
    description: 'A document (user, device, callflow…) was deleted',
  },
  {
    type: 'parking',
    hook: 'parking',
    description: 'A call was parked, retrieved from or abandoned in a parking slot',
  },
  {
    type: 'sms',
    hook: 'sms',
    description: 'A text message was sent or received',
  },
  {
    type: 'notifications',
    hook: 'notifications',
    description: 'A notification (new voicemail, missed call, fax received…) was raised',
  },
  // VoIPBIN
  {
    type: 'call_created',
    call: 'created',
    twin: 'channel_create',
    description: 'A call was created',
  },
  {
    type: 'call_ringing',
    call: 'ringing',
    description: 'The call destination is ringing',
  },
  {
    type: 'call_progressing',
    call: 'progressing',
    description: 'The call is progressing (media is flowing)',
  },
  {
    type: 'call_answered',
    call: 'answered',
    twin: 'channel_answer',
    description: 'The call was answered',
  },
  {
    type: 'call_updated',
    call: 'updated',
    description: 'The call was updated',
  },
  {
    type: 'call_hungup',
    call: 'hungup',
    twin: 'channel_destroy',
    description: 'The call has ended',
  },
  { type: 'message_created', description: 'A message was created' },
  { type: 'message_updated', description: 'A message was updated (e.g. delivery status)' },
  { type: 'message_deleted', description: 'A message was deleted' },
  { type: 'recording_created', description: 'A recording has started' },
  { type: 'recording_updated', description: 'A recording was updated (e.g. it ended)' },
  { type: 'recording_deleted', description: 'A recording was deleted' },
  { type: 'transcribe_created', description: 'A transcription has started' },
  { type: 'transcribe_updated', description: 'A transcription was updated' },
  { type: 'transcribe_deleted', description: 'A transcription was deleted' },
  { type: 'transcript_created', description: 'A transcript segment is available' },
  { type: 'queue_created', description: 'A queue was created' },
  { type: 'queue_updated', description: 'A queue was updated' },
  { type: 'queuecall_created', description: 'A call entered a queue' },
  { type: 'queuecall_kicking', description: 'A queued call is being removed from the queue' },
  { type: 'queuecall_serviced', description: 'A queued call was connected to an agent' },
  { type: 'conference_created', description: 'A conference was created' },
  {
    type: 'conference_updated',
    description: 'A conference was updated (e.g. a participant joined)',
  },
  { type: 'confbridge_created', description: 'A conference bridge was created' },
  { type: 'confbridge_updated', description: 'A conference bridge was updated' },
  { type: 'activeflow_created', description: 'A flow started running' },
  { type: 'activeflow_updated', description: 'A running flow moved to another action' },
  { type: 'activeflow_deleted', description: 'A flow stopped running' },
];

/** Every publishable event type, Kazoo's first, then VoIPBIN's: the one table of them. */
export const EVENT_TYPES: readonly EventTypeEntry[] = EVENT_TYPE_ROWS.map((row) => ({
  ...row,
  sample: SAMPLE_PAYLOADS[row.type],
}));

/** The names of EVENT_TYPES, in its order: what `type` of an event and `event_types` accept. */
export const EVENT_TYPE_NAMES: readonly string[] = EVENT_TYPES.map((entry) => entry.type);

const typesByName = new Map(EVENT_TYPES.map((entry) => [entry.type, entry]));

/** The catalogue's entry of an event type; undefined for a name it does not know. */
export function eventTypeEntry(type: string): EventTypeEntry | undefined {
  return typesByName.get(type);
}

export function isEventType(type: string): boolean {
  return typesByName.has(type);
}

/** Where in its life a call event's call is; undefined for events that are not call events. */
export function callPhaseOf(type: string): CallPhase | undefined {
  return typesByName.get(type)?.call;
}

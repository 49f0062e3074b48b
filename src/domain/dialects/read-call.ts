import { inPhase, lookup, type CallPhase } from '../call-model.ts';
import { callPhaseOf } from '../catalogue/event-types.ts';
import { hookOf } from '../catalogue/names.ts';
import type { CallEvent, CallSourceDialect, ShapedEvent } from './dialect.ts';
import { CALL_SOURCES, DIALECTS } from './registry.ts';

/**
 * The platform whose shape a call payload is in, by the fields only that platform uses
 * (CALL_SOURCES' order); undefined when the payload says nothing.
 */
function recognisedSource(payload: Record<string, unknown>): CallSourceDialect | undefined {
  return CALL_SOURCES.find((dialect) => dialect.callSource.recognises(payload));
}

/** The name of the platform whose shape a call payload is in, else `fallback`. */
export function sourceShapeOf(payload: Record<string, unknown>, fallback: string): string {
  return recognisedSource(payload)?.name ?? fallback;
}

/** The platform whose vocabulary an event type belongs to, when its payload does not tell. */
function platformOfType(type: string): CallSourceDialect {
  return hookOf(type) === type ? DIALECTS.kazoo : DIALECTS.voipbin;
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
export function readCallEvent(event: ShapedEvent): CallEvent | undefined {
  const phase = callPhaseOf(event.type);
  if (phase === undefined) return undefined;
  // The event type's platform decides when the payload does not tell.
  const source = recognisedSource(event.payload) ?? platformOfType(event.type);
  const read = source.callSource.read(event.payload, phase);
  // The status comes from the event's phase; the call's tenant is the event's account when the
  // payload does not name one, and the moment of the phase is the event's time when the payload
  // has none (as Kazoo's timestamp is).
  const inItsPhase = inPhase(read.call, phase);
  const at = event.created.toISOString();
  const moment = lookup(PHASE_MOMENT, phase);
  const call = {
    ...inItsPhase,
    accountId: inItsPhase.accountId ?? event.accountId,
    updatedAt: inItsPhase.updatedAt ?? at,
    ...(moment ? { [moment]: inItsPhase[moment] ?? at } : {}),
  };
  return { call, extras: read.extras, phase, shape: source.name };
}

/** The longest call id kept for search and ordering; a longer value is no call id any platform sends. */
export const MAX_CALL_ID_LENGTH = 256;

/**
 * The id of the call an event is about, as its platform names it (Kazoo's `call_id`, VoIPBIN's
 * `id` of a call resource, jambonz's `call_sid`), whatever name the event was published under:
 * twins (channel_create ≈ call_created) read the same call. Undefined for events that are not
 * about a call (the catalogue gives their type no call phase), for call events without an id, and
 * for ids longer than MAX_CALL_ID_LENGTH.
 */
export function callIdOf(event: { type: string; payload: Record<string, unknown> }) {
  const phase = callPhaseOf(event.type);
  if (phase === undefined) return undefined;
  const source = recognisedSource(event.payload) ?? platformOfType(event.type);
  const id = source.callSource.read(event.payload, phase).call.callId;
  return id === undefined || id === '' || id.length > MAX_CALL_ID_LENGTH ? undefined : id;
}

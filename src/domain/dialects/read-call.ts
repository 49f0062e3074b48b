import type { CallPhase, ReadCall } from '../call-model.ts';
import { inPhase } from '../call-model.ts';
import { isJambonzCall, readJambonzCall } from './jambonz-call.ts';
import { isKazooCall, readKazooCall } from './kazoo-call.ts';
import { isVoipbinCall, readVoipbinCall } from './voipbin-call.ts';

/** The platforms whose call payloads a producer may publish. */
export type SourceShape = 'kazoo' | 'voipbin' | 'jambonz';

/**
 * Which platform's shape a call payload is in, by the fields only that platform uses: jambonz's
 * call_sid, VoIPBIN's source/destination objects, Kazoo's call_id with caller/callee fields.
 * `fallback` (from the event type's platform) decides when the payload says nothing.
 */
export function sourceShapeOf(
  payload: Record<string, unknown>,
  fallback: SourceShape,
): SourceShape {
  if (isJambonzCall(payload)) return 'jambonz';
  if (isVoipbinCall(payload)) return 'voipbin';
  if (isKazooCall(payload)) return 'kazoo';
  return fallback;
}

/** A published call payload read into the model, with its status filled from the event's phase. */
export function readCall(
  payload: Record<string, unknown>,
  shape: SourceShape,
  phase: CallPhase,
): ReadCall {
  const read =
    shape === 'jambonz'
      ? readJambonzCall(payload)
      : shape === 'voipbin'
        ? readVoipbinCall(payload)
        : readKazooCall(payload, phase === 'hungup');
  return { call: inPhase(read.call, phase), extras: read.extras };
}

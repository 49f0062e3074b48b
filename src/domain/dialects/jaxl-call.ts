import { lookup, type CallPhase, type CanonicalCall } from '../call-model.ts';

/**
 * Jaxl's HTTP webhook request (jaxl-python's SPECIFICATION.md): `{pk, event, state, option, data}`.
 * Jaxl's spec sends every key and says "unknown" with null, so this writer does too.
 *
 * event: 1 (setup) when a call starts or is answered — the moment it enters the receiver's flow —
 * and 3 (teardown) when it ends. 2 (IVR option) needs the caller's DTMF, which no catalogued
 * event carries, so it is never sent.
 */
export const JAXL_EVENT: Partial<Record<CallPhase, 1 | 2 | 3>> = {
  created: 1,
  answered: 1,
  hungup: 3,
};

/** Jaxl numbers directions: 1 is the incoming call of its examples; 2 is outgoing. */
const JAXL_DIRECTION = { inbound: 1, outbound: 2 } as const;

/** Jaxl's ids are integers: a numeric id is sent as a number, any other as the string it is. */
function jaxlId(id: string | undefined): string | number | null {
  if (id === undefined) return null;
  return /^[1-9]\d{0,14}$/.test(id) ? Number(id) : id;
}

export interface JaxlContext {
  /** The Jaxl flow (IVR) id the receiver expects, from the webhook's custom_data.pk. */
  pk: unknown;
  /** custom_data (without pk) and the payload's unmapped fields. */
  metadata: Record<string, unknown>;
}

export function writeJaxlRequest(
  call: CanonicalCall,
  phase: CallPhase,
  context: JaxlContext,
): Record<string, unknown> {
  return {
    pk: context.pk ?? null,
    event: lookup(JAXL_EVENT, phase) ?? 1,
    state: {
      call_id: jaxlId(call.callId),
      from_number: call.from ?? null,
      to_number: call.to ?? null,
      direction: lookup(JAXL_DIRECTION, call.direction) ?? null,
      org: null,
      metadata: Object.keys(context.metadata).length > 0 ? context.metadata : null,
      greeting_message: null,
    },
    option: null,
    data: null,
  };
}

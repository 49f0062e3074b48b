import { createHash } from 'node:crypto';
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

/**
 * Jaxl's call ids are integers (jaxl-python's request model refuses anything else). An id that is
 * a decimal integer within Number.MAX_SAFE_INTEGER is sent as that number; any other id as a
 * stable 52-bit integer, the first 13 hex digits of the id's SHA-256, the id itself then going
 * to `state.metadata.call_id`.
 */
export function jaxlCallId(id: string): { callId: number; hashed: boolean } {
  if (/^(0|[1-9]\d*)$/.test(id) && Number(id) <= Number.MAX_SAFE_INTEGER) {
    return { callId: Number(id), hashed: false };
  }
  const hex = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 13);
  return { callId: Number.parseInt(hex, 16), hashed: true };
}

/**
 * The flow id sent when a webhook's custom_data has no pk: 1, the id Jaxl's own examples use.
 * It never changes, so a receiver can rely on it; custom_data.pk overrides it.
 */
export const JAXL_DEFAULT_PK = 1;

/** custom_data.pk as Jaxl's integer flow id: an integer, or a string of one; else undefined. */
export function jaxlPk(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
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
  const id = call.callId === undefined ? undefined : jaxlCallId(call.callId);
  const metadata = id?.hashed ? { ...context.metadata, call_id: call.callId } : context.metadata;
  return {
    // Always an integer on a delivery: a jaxl webhook cannot be saved without one (checkDialect).
    pk: jaxlPk(context.pk) ?? null,
    event: lookup(JAXL_EVENT, phase) ?? 1,
    state: {
      call_id: id?.callId ?? null,
      from_number: call.from ?? null,
      to_number: call.to ?? null,
      direction: lookup(JAXL_DIRECTION, call.direction) ?? null,
      org: null,
      metadata: Object.keys(metadata).length > 0 ? metadata : null,
      greeting_message: null,
    },
    option: null,
    data: null,
  };
}

import {
  defined,
  isoFromMs,
  lookup,
  statusInPhase,
  wasAnswered,
  text,
  without,
  type CallPhase,
  type CallStatus,
  type CanonicalCall,
  type EndReason,
  type ReadCall,
} from '../call-model.ts';

/**
 * VoIPBIN's call resource (its developer docs' "Struct Call") ⇄ the call model. Current VoIPBIN
 * sends times as RFC 3339 strings and omits a time that has not happened yet (`tm_ringing` etc.
 * are `omitempty` pointers); older payloads used UTC `YYYY-MM-DD HH:MM:SS.ffffff` and
 * `9999-01-01 00:00:00.000000` for "not yet". Both are read; only RFC 3339 is written. The nil
 * UUID means "none".
 */

/** The "not yet" marker of older VoIPBIN payloads: read as absent, never written. */
export const VOIPBIN_NOT_YET = '9999-01-01 00:00:00.000000';
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const REASON_FROM_VOIPBIN: Record<string, EndReason> = {
  normal: 'normal',
  failed: 'failed',
  busy: 'busy',
  cancel: 'cancel',
  timeout: 'timeout',
  noanswer: 'no-answer',
  // VoIPBIN's own dialing timeout, and an answering machine hung up on by AMD.
  dialout: 'no-answer',
  amd: 'normal',
};
const REASON_TO_VOIPBIN: Record<EndReason, string> = {
  normal: 'normal',
  busy: 'busy',
  'no-answer': 'noanswer',
  cancel: 'cancel',
  rejected: 'failed',
  failed: 'failed',
  timeout: 'timeout',
};
/**
 * VoIPBIN's call statuses whose jambonz status does not depend on the rest of the call. The
 * others are decided by `statusFromVoipbin`: `hangup` as any hung-up call (completed if answered,
 * else from its reason), `terminating` in progress only once the call was answered.
 */
const STATUS_FROM_VOIPBIN: Record<string, CallStatus> = {
  dialing: 'trying',
  ringing: 'ringing',
  progressing: 'in-progress',
  canceling: 'no-answer',
};
const STATUS_IN_PHASE: Record<CallPhase, string | undefined> = {
  created: 'dialing',
  ringing: 'ringing',
  progressing: 'progressing',
  answered: 'progressing',
  updated: undefined,
  hungup: 'hangup',
};
const STATUS_TO_VOIPBIN: Partial<Record<CallStatus, string>> = {
  trying: 'dialing',
  ringing: 'ringing',
  'early-media': 'ringing',
  'in-progress': 'progressing',
  completed: 'hangup',
  failed: 'hangup',
  busy: 'hangup',
  'no-answer': 'hangup',
};

const CONSUMED = [
  'id',
  'customer_id',
  'master_call_id',
  'source',
  'destination',
  'status',
  'direction',
  'hangup_by',
  'hangup_reason',
  'tm_create',
  'tm_update',
  'tm_ringing',
  'tm_progressing',
  'tm_hangup',
] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Does this payload look like a VoIPBIN call resource? */
export function isVoipbinCall(payload: Record<string, unknown>): boolean {
  return (
    typeof payload.id === 'string' &&
    (isObject(payload.source) || isObject(payload.destination) || 'tm_create' in payload)
  );
}

/**
 * A VoIPBIN time as ISO 8601 UTC: RFC 3339 (`2026-11-23T10:00:00.123456Z`, any offset) or the
 * older `2026-11-23 10:00:00.123456`; the year-9999 "not yet" marker and anything else is absent.
 */
function isoFromVoipbin(value: unknown): string | undefined {
  const match =
    typeof value === 'string'
      ? /^(\d{4}-\d{2}-\d{2})[ Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/.exec(value)
      : null;
  if (!match || match[1].startsWith('9999')) return undefined;
  const zone = match[4] === undefined || /^z$/i.test(match[4]) ? 'Z' : match[4];
  const ms = Date.parse(`${match[1]}T${match[2]}${(match[3] ?? '').slice(0, 4)}${zone}`);
  return Number.isNaN(ms) ? undefined : isoFromMs(ms);
}

/** An ISO time as VoIPBIN writes it (RFC 3339, UTC); undefined when unknown or out of range. */
function voipbinFromIso(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : isoFromMs(ms);
}

export function readVoipbinCall(payload: Record<string, unknown>): ReadCall {
  const source = isObject(payload.source) ? payload.source : {};
  const destination = isObject(payload.destination) ? payload.destination : {};
  const direction = text(payload.direction);
  const hangupBy = text(payload.hangup_by);
  const reason = text(payload.hangup_reason);
  const master = text(payload.master_call_id);
  const status = text(payload.status);
  const call = defined<CanonicalCall>({
    callId: text(payload.id),
    parentCallId: master === NIL_UUID ? undefined : master,
    accountId: text(payload.customer_id),
    from: text(source.target),
    callerName: text(source.target_name),
    to: text(destination.target),
    calleeName: text(destination.target_name),
    direction:
      direction === 'incoming' ? 'inbound' : direction === 'outgoing' ? 'outbound' : undefined,

    endReason: lookup(REASON_FROM_VOIPBIN, reason),
    hangupBy: hangupBy === 'local' || hangupBy === 'remote' ? hangupBy : undefined,
    createdAt: isoFromVoipbin(payload.tm_create),
    updatedAt: isoFromVoipbin(payload.tm_update),
    ringingAt: isoFromVoipbin(payload.tm_ringing),
    answeredAt: isoFromVoipbin(payload.tm_progressing),
    endedAt: isoFromVoipbin(payload.tm_hangup),
  });
  const callStatus = statusFromVoipbin(status, call);
  return {
    call: callStatus === undefined ? call : { ...call, status: callStatus },
    extras: without(payload, CONSUMED),
  };
}

function statusFromVoipbin(
  status: string | undefined,
  call: CanonicalCall,
): CallStatus | undefined {
  switch (status) {
    case 'hangup':
      return statusInPhase('hungup', call);
    case 'terminating':
      return wasAnswered(call) ? 'in-progress' : undefined;
    default:
      return lookup(STATUS_FROM_VOIPBIN, status);
  }
}

function address(target: string | undefined, name: string | undefined) {
  return target === undefined ? undefined : defined({ type: 'tel', target, target_name: name });
}

/**
 * The call as VoIPBIN's call resource. Times are RFC 3339; a time that has not happened yet, or
 * that nobody knows, is left out (as VoIPBIN itself omits it).
 */
export function writeVoipbinCall(call: CanonicalCall, phase: CallPhase): Record<string, unknown> {
  return defined({
    id: call.callId,
    customer_id: call.accountId,
    master_call_id: call.parentCallId,
    source: address(call.from, call.callerName),
    destination: address(call.to, call.calleeName),
    status: lookup(STATUS_IN_PHASE, phase) ?? lookup(STATUS_TO_VOIPBIN, call.status),
    direction:
      call.direction === 'inbound'
        ? 'incoming'
        : call.direction === 'outbound'
          ? 'outgoing'
          : undefined,
    hangup_by: phase === 'hungup' ? call.hangupBy : undefined,
    hangup_reason: phase === 'hungup' ? lookup(REASON_TO_VOIPBIN, call.endReason) : undefined,
    tm_create: voipbinFromIso(call.createdAt),
    tm_update: voipbinFromIso(call.updatedAt ?? call.endedAt),
    tm_ringing: voipbinFromIso(call.ringingAt),
    tm_progressing: voipbinFromIso(call.answeredAt),
    tm_hangup: voipbinFromIso(call.endedAt),
  });
}

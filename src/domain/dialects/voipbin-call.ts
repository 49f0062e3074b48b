import {
  defined,
  text,
  without,
  type CallPhase,
  type CallStatus,
  type CanonicalCall,
  type EndReason,
  type ReadCall,
} from '../call-model.ts';

/**
 * VoIPBIN's call resource (its developer docs' "Struct Call") ⇄ the call model. Times are UTC
 * `YYYY-MM-DD HH:MM:SS.ffffff`; `9999-01-01 00:00:00.000000` means "has not happened yet", and the
 * nil UUID means "none".
 */

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
const STATUS_FROM_VOIPBIN: Record<string, CallStatus> = {
  dialing: 'trying',
  ringing: 'ringing',
  progressing: 'in-progress',
  terminating: 'in-progress',
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

function isoFromVoipbin(value: unknown): string | undefined {
  const match =
    typeof value === 'string'
      ? /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?Z?$/.exec(value)
      : null;
  if (!match || value === VOIPBIN_NOT_YET || match[1].startsWith('9999')) return undefined;
  const ms = Date.parse(`${match[1]}T${match[2]}${(match[3] ?? '').slice(0, 4)}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function voipbinFromIso(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 23)}000`;
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
    status: status !== undefined ? STATUS_FROM_VOIPBIN[status] : undefined,
    endReason: reason !== undefined ? REASON_FROM_VOIPBIN[reason] : undefined,
    hangupBy: hangupBy === 'local' || hangupBy === 'remote' ? hangupBy : undefined,
    createdAt: isoFromVoipbin(payload.tm_create),
    updatedAt: isoFromVoipbin(payload.tm_update),
    ringingAt: isoFromVoipbin(payload.tm_ringing),
    answeredAt: isoFromVoipbin(payload.tm_progressing),
    endedAt: isoFromVoipbin(payload.tm_hangup),
  });
  return { call, extras: without(payload, CONSUMED) };
}

function address(target: string | undefined, name: string | undefined) {
  return target === undefined ? undefined : defined({ type: 'tel', target, target_name: name });
}

/**
 * The call as VoIPBIN's call resource. Times a phase says have not happened yet get VoIPBIN's
 * "not yet" marker; times nobody knows are left out.
 */
export function writeVoipbinCall(call: CanonicalCall, phase: CallPhase): Record<string, unknown> {
  // The marker only where the phase proves the moment has not come; for call_updated nobody knows.
  const notYetIn = (phases: CallPhase[]) => (phases.includes(phase) ? VOIPBIN_NOT_YET : undefined);
  return defined({
    id: call.callId,
    customer_id: call.accountId,
    master_call_id: call.parentCallId,
    source: address(call.from, call.callerName),
    destination: address(call.to, call.calleeName),
    status: STATUS_IN_PHASE[phase] ?? (call.status ? STATUS_TO_VOIPBIN[call.status] : undefined),
    direction:
      call.direction === 'inbound'
        ? 'incoming'
        : call.direction === 'outbound'
          ? 'outgoing'
          : undefined,
    hangup_by: phase === 'hungup' ? call.hangupBy : undefined,
    hangup_reason:
      phase === 'hungup' && call.endReason ? REASON_TO_VOIPBIN[call.endReason] : undefined,
    tm_create: voipbinFromIso(call.createdAt),
    tm_update: voipbinFromIso(call.updatedAt ?? call.endedAt),
    tm_ringing: voipbinFromIso(call.ringingAt) ?? notYetIn(['created']),
    tm_progressing: voipbinFromIso(call.answeredAt) ?? notYetIn(['created', 'ringing']),
    tm_hangup:
      voipbinFromIso(call.endedAt) ?? notYetIn(['created', 'ringing', 'progressing', 'answered']),
  });
}

import { GREGORIAN_UNIX_OFFSET } from '../kazoo-time.ts';
import {
  defined,
  integer,
  isoFromMs,
  lookup,
  shiftIso,
  text,
  without,
  type CanonicalCall,
  type EndReason,
  type ReadCall,
} from '../call-model.ts';

/**
 * Kazoo's channel events (channel_create / channel_answer / channel_destroy) ⇄ the call model.
 * Field names follow Kazoo's webhooks documentation; `timestamp` is Gregorian seconds.
 */

/** FreeSWITCH's Q.850 cause names, as Kazoo reports them in hangup_cause. */
const CAUSE_TO_REASON: Record<string, EndReason> = {
  NORMAL_CLEARING: 'normal',
  USER_BUSY: 'busy',
  NO_ANSWER: 'no-answer',
  NO_USER_RESPONSE: 'no-answer',
  ORIGINATOR_CANCEL: 'cancel',
  CALL_REJECTED: 'rejected',
  ALLOTTED_TIMEOUT: 'timeout',
};
const REASON_TO_CAUSE: Partial<Record<EndReason, string>> = {
  normal: 'NORMAL_CLEARING',
  busy: 'USER_BUSY',
  'no-answer': 'NO_ANSWER',
  cancel: 'ORIGINATOR_CANCEL',
  rejected: 'CALL_REJECTED',
  timeout: 'ALLOTTED_TIMEOUT',
};

const CONSUMED = [
  'call_id',
  'other_leg_call_id',
  'account_id',
  'call_direction',
  'caller_id_number',
  'caller_id_name',
  'callee_id_number',
  'callee_id_name',
  'hangup_cause',
  'hangup_code',
  'duration_seconds',
  'billing_seconds',
  'ringing_seconds',
  'timestamp',
] as const;

/** Does this payload look like a Kazoo channel event? */
export function isKazooCall(payload: Record<string, unknown>): boolean {
  return (
    typeof payload.call_id === 'string' &&
    ('call_direction' in payload || 'caller_id_number' in payload || 'callee_id_number' in payload)
  );
}

function isoFromGregorian(value: unknown): string | undefined {
  const seconds = integer(value);
  if (seconds === undefined || seconds < GREGORIAN_UNIX_OFFSET) return undefined;
  return isoFromMs((seconds - GREGORIAN_UNIX_OFFSET) * 1000);
}

function gregorianFromIso(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000) + GREGORIAN_UNIX_OFFSET;
}

/** `sip:486` → 486 */
function sipCode(value: unknown): number | undefined {
  const match = typeof value === 'string' ? /^sip:(\d{3})$/.exec(value) : null;
  return match ? Number(match[1]) : undefined;
}

export function readKazooCall(payload: Record<string, unknown>, hungup: boolean): ReadCall {
  const direction = text(payload.call_direction);
  const cause = text(payload.hangup_cause);
  const at = isoFromGregorian(payload.timestamp);
  const duration = integer(payload.duration_seconds);
  const billing = integer(payload.billing_seconds);
  const call = defined<CanonicalCall>({
    callId: text(payload.call_id),
    sipCallId: text(payload.call_id),
    parentCallId: text(payload.other_leg_call_id),
    accountId: text(payload.account_id),
    from: text(payload.caller_id_number),
    to: text(payload.callee_id_number),
    callerName: text(payload.caller_id_name),
    calleeName: text(payload.callee_id_name),
    direction: direction === 'inbound' || direction === 'outbound' ? direction : undefined,
    sipStatus: sipCode(payload.hangup_code),
    hangupCause: cause,
    endReason: cause !== undefined ? (lookup(CAUSE_TO_REASON, cause) ?? 'failed') : undefined,
    durationSeconds: duration,
    billingSeconds: billing,
    // A channel_destroy's timestamp is when it ended; its durations say when it began and was answered.
    updatedAt: at,
    endedAt: hungup ? at : undefined,
    createdAt: hungup ? shiftIso(at, duration === undefined ? undefined : -duration) : undefined,
    answeredAt: hungup && billing !== undefined && billing > 0 ? shiftIso(at, -billing) : undefined,
  });
  return { call, extras: without(payload, CONSUMED) };
}

/** The call as a Kazoo flat payload's channel fields (hook_event, account_id, timestamp come from the shaper). */
export function writeKazooCall(call: CanonicalCall, hungup: boolean): Record<string, unknown> {
  const ringing =
    call.ringingAt && call.answeredAt
      ? Math.round((Date.parse(call.answeredAt) - Date.parse(call.ringingAt)) / 1000)
      : undefined;
  return defined({
    call_id: call.callId,
    other_leg_call_id: call.parentCallId,
    call_direction: call.direction,
    caller_id_number: call.from,
    caller_id_name: call.callerName,
    callee_id_number: call.to,
    callee_id_name: call.calleeName,
    ...(hungup
      ? {
          hangup_cause: call.hangupCause ?? lookup(REASON_TO_CAUSE, call.endReason),
          hangup_code: call.sipStatus !== undefined ? `sip:${call.sipStatus}` : undefined,
          duration_seconds: call.durationSeconds ?? secondsBetween(call.createdAt, call.endedAt),
          billing_seconds: call.billingSeconds ?? secondsBetween(call.answeredAt, call.endedAt),
          ringing_seconds: ringing,
        }
      : {}),
    timestamp: gregorianFromIso(call.endedAt ?? call.updatedAt ?? call.createdAt),
  });
}

function secondsBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isNaN(ms) ? undefined : Math.max(0, Math.round(ms / 1000));
}

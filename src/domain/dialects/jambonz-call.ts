import {
  CALL_STATUSES,
  defined,
  integer,
  lookup,
  sipReasonPhrase,
  sipStatusOf,
  text,
  without,
  type CallStatus,
  type CanonicalCall,
  type EndReason,
  type ReadCall,
} from '../call-model.ts';

/**
 * jambonz's call-status webhook (its docs' "call status" and "new call" hooks) ⇄ the call model.
 * jambonz names a call leg by `call_sid` (its own UUID) and `call_id` (the SIP Call-ID).
 */

const CONSUMED = [
  'call_sid',
  'call_id',
  'parent_call_sid',
  'account_sid',
  'application_sid',
  'direction',
  'from',
  'to',
  'caller_name',
  'call_status',
  'sip_status',
  'sip_reason',
  'duration',
] as const;

const REASON_FROM_STATUS: Partial<Record<CallStatus, EndReason>> = {
  busy: 'busy',
  'no-answer': 'no-answer',
  failed: 'failed',
  completed: 'normal',
};

/** Does this payload look like a jambonz call-status payload? */
export function isJambonzCall(payload: Record<string, unknown>): boolean {
  return typeof payload.call_sid === 'string';
}

export function readJambonzCall(payload: Record<string, unknown>): ReadCall {
  const direction = text(payload.direction);
  const status = text(payload.call_status);
  const callStatus = CALL_STATUSES.find((known) => known === status);
  const call = defined<CanonicalCall>({
    callId: text(payload.call_sid),
    sipCallId: text(payload.call_id),
    parentCallId: text(payload.parent_call_sid),
    accountId: text(payload.account_sid),
    applicationId: text(payload.application_sid),
    direction: direction === 'inbound' || direction === 'outbound' ? direction : undefined,
    from: text(payload.from),
    to: text(payload.to),
    callerName: text(payload.caller_name),
    status: callStatus,
    endReason: lookup(REASON_FROM_STATUS, callStatus),
    sipStatus: integer(payload.sip_status),
    sipReason: text(payload.sip_reason),
    durationSeconds: integer(payload.duration),
  });
  return { call, extras: without(payload, CONSUMED) };
}

/** The call as jambonz's call-status payload. */
export function writeJambonzCall(call: CanonicalCall): Record<string, unknown> {
  return defined({
    call_sid: call.callId,
    call_id: call.sipCallId,
    parent_call_sid: call.parentCallId,
    application_sid: call.applicationId,
    account_sid: call.accountId,
    direction: call.direction,
    from: call.from,
    to: call.to,
    caller_name: call.callerName,
    call_status: call.status,
    sip_status: sipStatusOf(call),
    sip_reason: call.sipReason ?? sipReasonPhrase(sipStatusOf(call)),
    duration: call.status === 'completed' ? call.durationSeconds : undefined,
  });
}

import { defined, type CanonicalCall } from '../call-model.ts';

/**
 * Switchboard's own schema for calls, sent in Standard Webhooks envelopes: the call model with
 * snake_case names, so a receiver gets one shape whichever platform published the call.
 */
export function writeStandardCall(call: CanonicalCall): Record<string, unknown> {
  return defined({
    call_id: call.callId,
    sip_call_id: call.sipCallId,
    parent_call_id: call.parentCallId,
    account_id: call.accountId,
    application_id: call.applicationId,
    from: call.from,
    to: call.to,
    caller_name: call.callerName,
    callee_name: call.calleeName,
    direction: call.direction,
    status: call.status,
    sip_status: call.sipStatus,
    sip_reason: call.sipReason,
    end_reason: call.endReason,
    hangup_cause: call.hangupCause,
    hangup_by: call.hangupBy,
    created_at: call.createdAt,
    ringing_at: call.ringingAt,
    answered_at: call.answeredAt,
    ended_at: call.endedAt,
    updated_at: call.updatedAt,
    duration_seconds: call.durationSeconds,
    billing_seconds: call.billingSeconds,
  });
}

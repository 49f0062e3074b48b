import { isStorableDate } from './dates.ts';

/**
 * One call, whatever platform described it (docs/dialects.md). Each dialect reads its payload into
 * this model and writes it back out in its own schema, so a call event published in Kazoo's,
 * VoIPBIN's or jambonz's shape reaches every subscriber in the subscriber's shape. Every field is
 * optional: what a source does not say stays absent, and a writer leaves out what it cannot fill.
 */

/** Where in its life the call is, as the event type says (the catalogue's `call` column). */
export type CallPhase = 'created' | 'ringing' | 'progressing' | 'answered' | 'updated' | 'hungup';

/** jambonz's call_status vocabulary, the richest of the three: it is the model's too. */
export const CALL_STATUSES = [
  'trying',
  'ringing',
  'early-media',
  'in-progress',
  'completed',
  'failed',
  'busy',
  'no-answer',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** Why a call ended, in words every platform can be mapped to and from. */
export const END_REASONS = [
  'normal',
  'busy',
  'no-answer',
  'cancel',
  'rejected',
  'failed',
  'timeout',
] as const;
export type EndReason = (typeof END_REASONS)[number];

export interface CanonicalCall {
  /** The platform's id of this call leg (Kazoo call_id, VoIPBIN id, jambonz call_sid). */
  callId?: string;
  /** The SIP Call-ID of the leg, when the source knows it (Kazoo call_id, jambonz call_id). */
  sipCallId?: string;
  /** The leg this one belongs to (Kazoo other_leg_call_id, VoIPBIN master_call_id, jambonz parent_call_sid). */
  parentCallId?: string;
  /** The account or tenant the call belongs to (Kazoo account_id, VoIPBIN customer_id, jambonz account_sid). */
  accountId?: string;
  /** jambonz's application_sid, kept for jambonz subscribers. */
  applicationId?: string;
  from?: string;
  to?: string;
  callerName?: string;
  calleeName?: string;
  direction?: 'inbound' | 'outbound';
  status?: CallStatus;
  sipStatus?: number;
  sipReason?: string;
  endReason?: EndReason;
  /** The source's own cause text (Kazoo's Q.850 name such as NORMAL_CLEARING), for Kazoo subscribers. */
  hangupCause?: string;
  hangupBy?: 'local' | 'remote';
  /** ISO 8601 times. */
  createdAt?: string;
  ringingAt?: string;
  answeredAt?: string;
  endedAt?: string;
  updatedAt?: string;
  durationSeconds?: number;
  billingSeconds?: number;
}

/** A payload read into the model, plus the fields the reader did not consume (kept where allowed). */
export interface ReadCall {
  call: CanonicalCall;
  extras: Record<string, unknown>;
}

/**
 * The status a call has in `phase` when the source did not say: a new call is trying, an answered
 * one in progress; a hung-up call completed if it was answered, else what its end reason says.
 */
export function statusInPhase(phase: CallPhase, call: CanonicalCall): CallStatus | undefined {
  switch (phase) {
    case 'created':
      return 'trying';
    case 'ringing':
      return 'ringing';
    case 'progressing':
    case 'answered':
      return 'in-progress';
    case 'hungup':
      return endedStatus(call);
    case 'updated':
      return call.status;
  }
}

/**
 * How a hung-up call ended, in jambonz's words. jambonz's `completed` is an answered call that
 * ended, so a call with no sign of answer is never `completed`:
 *
 * | answered? | end reason          | SIP status                 | status      |
 * | --------- | ------------------- | -------------------------- | ----------- |
 * | yes       | any                 | any                        | completed   |
 * | no        | busy                | any                        | busy        |
 * | no        | no-answer, cancel   | any                        | no-answer   |
 * | no        | rejected, failed    | any                        | failed      |
 * | no        | normal, timeout     | 486, 600                   | busy        |
 * | no        | normal, timeout     | 408, 480, 487              | no-answer   |
 * | no        | normal, timeout     | other ≥ 300                | failed      |
 * | no        | normal, timeout     | none                       | no-answer   |
 * | no        | none                | —                          | the source's completed/failed, else none |
 */
function endedStatus(call: CanonicalCall): CallStatus | undefined {
  if (wasAnswered(call)) return 'completed';
  switch (call.endReason) {
    case 'busy':
      return 'busy';
    case 'no-answer':
    case 'cancel':
      return 'no-answer';
    case 'rejected':
    case 'failed':
      return 'failed';
    case 'normal':
    case 'timeout':
      return unansweredBySip(call.sipStatus);
    default:
      return call.status === 'completed' || call.status === 'failed' ? call.status : undefined;
  }
}

const SIP_BUSY = [486, 600];
const SIP_NO_ANSWER = [408, 480, 487];

/** An unanswered call that ended "normally": what its final SIP status says, else no answer. */
function unansweredBySip(sipStatus: number | undefined): CallStatus {
  if (sipStatus === undefined || sipStatus < 300) return 'no-answer';
  if (SIP_BUSY.includes(sipStatus)) return 'busy';
  if (SIP_NO_ANSWER.includes(sipStatus)) return 'no-answer';
  return 'failed';
}

/**
 * Signs that the call was answered: an answer time, billed seconds, a 2xx final SIP status, or
 * a source status that only an answered call has.
 */
export function wasAnswered(call: CanonicalCall): boolean {
  return (
    call.answeredAt !== undefined ||
    (call.billingSeconds ?? 0) > 0 ||
    (call.sipStatus !== undefined && call.sipStatus >= 200 && call.sipStatus < 300) ||
    call.status === 'completed' ||
    call.status === 'in-progress'
  );
}

/** The call with its status filled from the phase when the source left it out. */
export function inPhase(call: CanonicalCall, phase: CallPhase): CanonicalCall {
  const status = phase === 'updated' ? call.status : (statusInPhase(phase, call) ?? call.status);
  return status === undefined ? call : { ...call, status };
}

/**
 * The SIP status a call in `status` has when its source named none: jambonz sends one on every
 * call-status hook — 100 while trying, 180/183 while ringing, 200 once answered, the final status
 * on hang-up (200 for an answered call, 486 busy, 487 unanswered and cancelled, 503 failed).
 */
const SIP_STATUS_OF: Record<CallStatus, number> = {
  trying: 100,
  ringing: 180,
  'early-media': 183,
  'in-progress': 200,
  completed: 200,
  busy: 486,
  'no-answer': 487,
  failed: 503,
};

/** The call's SIP status: the source's own, else the one its status implies. */
export function sipStatusOf(call: CanonicalCall): number | undefined {
  return call.sipStatus ?? lookup(SIP_STATUS_OF, call.status);
}

/** Standard SIP reason phrases (RFC 3261 §21) for the codes calls commonly end with. */
const SIP_REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  183: 'Session Progress',
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  486: 'Busy Here',
  487: 'Request Terminated',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
  603: 'Decline',
};

export function sipReasonPhrase(status: number | undefined): string | undefined {
  return status === undefined ? undefined : lookup(SIP_REASONS, status);
}

/**
 * `table[key]` for a key taken from a payload: only the table's own entries, so `constructor`,
 * `__proto__` or `toString` find nothing instead of `Object`'s members.
 */
export function lookup<K extends PropertyKey, V>(
  table: Partial<Record<K, V>>,
  key: PropertyKey | undefined,
): V | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key as K] : undefined;
}

// ---- small readers shared by the dialect tables ----

export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function integer(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/** An object without its undefined values: what a writer leaves out stays out of the JSON. */
export function defined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

/** `payload` without the keys a reader consumed. */
export function without(
  payload: Record<string, unknown>,
  consumed: readonly string[],
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).filter(([key]) => !consumed.includes(key)));
}

/**
 * A time in Unix milliseconds as ISO 8601, or undefined when it is not a number or falls outside
 * years 1–9999 (a payload's `1e20` would make `toISOString` throw; a mapper never throws, and no
 * platform parses years beyond four digits).
 */
export function isoFromMs(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return isStorableDate(date) ? date.toISOString() : undefined;
}

/** Seconds added to an ISO time (negative to go back), or undefined if either is unknown or out of range. */
export function shiftIso(iso: string | undefined, seconds: number | undefined): string | undefined {
  if (iso === undefined || seconds === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : isoFromMs(ms + seconds * 1000);
}

/**
 * When a delivery is retried, and after how long. Pure: the worker feeds it the outcome of an
 * attempt and schedules what comes back.
 *
 * Unlike Kazoo (retries only transport errors, with a blocking 2 s sleep), a try is retried on
 * timeouts, connection errors, 408, 429 and 5xx, with backoff, jitter and `Retry-After` (docs/delivery.md).
 */

/** Why an attempt got no HTTP answer; stored as the attempt's `client_error`. */
export type ClientError =
  | 'timeout'
  | 'dns'
  | 'connect_refused'
  | 'connection_reset'
  | 'tls'
  | 'blocked_target'
  | 'too_large'
  | 'redirect'
  | 'other';

export type AttemptOutcome =
  | { kind: 'response'; status: number; /** raw `Retry-After` header */ retryAfter?: string }
  | { kind: 'error'; clientError: ClientError; message: string };

export interface RetryPolicy {
  /** Base delay before retry 1, 2, 3…, ms; the last entry repeats. */
  scheduleMs: number[];
  /** ±fraction of random jitter applied to the base delay (0.2 = ±20 %). */
  jitter: number;
  /** Longest `Retry-After` honoured, ms (default 1 h), so a receiver cannot park a delivery forever. */
  maxRetryAfterMs?: number;
}

export type NextStep =
  { kind: 'delivered' } | { kind: 'retry'; delayMs: number } | { kind: 'failed' };

export const DEFAULT_MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** Client errors that another try cannot fix: the target is refused, or the answer is unusable. */
const FINAL_CLIENT_ERRORS: ReadonlySet<ClientError> = new Set<ClientError>([
  'blocked_target',
  'too_large',
  'redirect',
]);

/** Any 2xx is a success (Standard Webhooks / Svix), not only Kazoo's 200. */
export function isSuccess(outcome: AttemptOutcome): boolean {
  return outcome.kind === 'response' && outcome.status >= 200 && outcome.status <= 299;
}

/**
 * Worth another try: timeouts and connection errors (dns, refused, reset, tls, other), 408, 429
 * and 5xx. A 3xx (redirects not followed), any other 4xx, a blocked target, an oversized answer or
 * a redirect loop are final.
 */
export function isRetryable(outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'error') return !FINAL_CLIENT_ERRORS.has(outcome.clientError);
  const { status } = outcome;
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * `Retry-After` as ms from `now`: delta-seconds ("120") or an HTTP-date. A date in the past gives 0.
 * Anything unparseable gives undefined (ignored, the schedule applies).
 */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) {
    const ms = Number(value) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // HTTP-date (IMF-fixdate, or the obsolete RFC 850 / asctime forms Date.parse also reads).
  // A bare number with a sign or a fraction is not a valid Retry-After; Date.parse would accept it.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/**
 * Delay before retry number `retryNumber` (1 = the first retry): the schedule's entry (the last
 * one repeats), jittered by ±policy.jitter, and at least the receiver's `Retry-After` (capped at
 * policy.maxRetryAfterMs). Integer ms, never negative.
 */
export function nextRetryDelay(
  retryNumber: number,
  policy: RetryPolicy,
  opts: { retryAfterMs?: number; random?: () => number } = {},
): number {
  const { scheduleMs } = policy;
  const index = Math.min(Math.max(1, Math.floor(retryNumber)), scheduleMs.length) - 1;
  const base = scheduleMs.length === 0 ? 0 : Math.max(0, scheduleMs[index]);
  const random = opts.random ?? Math.random;
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  // random() in [0, 1) maps to a factor in [1 - jitter, 1 + jitter).
  const jittered = Math.round(base * (1 + jitter * (2 * random() - 1)));
  let delay = Math.max(0, jittered);
  if (opts.retryAfterMs !== undefined && Number.isFinite(opts.retryAfterMs)) {
    const cap = policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    delay = Math.max(delay, Math.ceil(Math.min(Math.max(0, opts.retryAfterMs), cap)));
  }
  return delay;
}

/**
 * How many retries a delivery still has after try `tryNumber` (1 = first try) — Kazoo's
 * `retries_left`. `retries` is the webhook's setting: tries allowed = retries + 1.
 */
export function retriesLeft(tryNumber: number, retries: number): number {
  return Math.max(0, retries + 1 - tryNumber);
}

/**
 * What happens after try `tryNumber` ended with `outcome`: delivered, retried after a delay, or
 * failed for good (not retryable, or no retries left).
 */
export function decideNextStep(
  outcome: AttemptOutcome,
  tryNumber: number,
  retries: number,
  policy: RetryPolicy,
  now: Date,
  random?: () => number,
): NextStep {
  if (isSuccess(outcome)) return { kind: 'delivered' };
  if (!isRetryable(outcome) || retriesLeft(tryNumber, retries) === 0) return { kind: 'failed' };
  const retryAfterMs =
    outcome.kind === 'response' ? parseRetryAfter(outcome.retryAfter, now) : undefined;
  // After try n fails, the next try is retry number n.
  return { kind: 'retry', delayMs: nextRetryDelay(tryNumber, policy, { retryAfterMs, random }) };
}

import { createHash } from 'node:crypto';
import { callIdOf } from './dialects/read-call.ts';

/**
 * Ordered per call (docs/delivery-scheduling.md, "Ordered per call"): a webhook with ordering
 * "call" receives the events of one call in publish order, one at a time; other calls, and
 * events that are not about a call, keep full concurrency.
 */

export const ORDERINGS = ['none', 'call'] as const;
export type Ordering = (typeof ORDERINGS)[number];

/**
 * The ordering a webhook delivers with: its own, else its account's default, else none. (The
 * store applies the same fallback in SQL for fan-out; this is the rule, spelled once.)
 */
export function effectiveOrdering(
  own: string | null | undefined,
  accountDefault: string | null | undefined,
): Ordering {
  const value = own ?? accountDefault;
  return value === 'call' ? 'call' : 'none';
}

/**
 * The key a call is ordered under: a digest of its id (20 hex digits, 80 bits). Fixed length and
 * free of separators, so it can sit inside the scheduler's `webhook|call|…` members whatever the
 * platform's ids look like; two calls of one webhook sharing a key (odds of about 2^-80 per pair)
 * would only be ordered together.
 */
export function callKeyOf(callId: string): string {
  return createHash('sha256').update(callId, 'utf8').digest('hex').slice(0, 20);
}

/**
 * The call key a delivery of `event` to a webhook with `ordering` is ordered under, or null when
 * it is unordered: the webhook does not order, or the event names no call.
 */
export function orderedCallKey(
  event: { type: string; payload: Record<string, unknown> },
  ordering: Ordering,
): string | null {
  if (ordering !== 'call') return null;
  const callId = callIdOf(event);
  return callId === undefined ? null : callKeyOf(callId);
}

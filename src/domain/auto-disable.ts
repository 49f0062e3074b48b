/**
 * Kazoo's auto-disable rule — a webhook that fails `threshold` times within `windowMs` is disabled
 * with reason "too many failed attempts" — made durable: Kazoo counts in one node's memory, we keep
 * the recent failure times in the webhook's row so every worker sees the same count and a restart
 * loses nothing. A success resets the list (store `[]`).
 */

export const AUTO_DISABLE_REASON = 'too many failed attempts';

export interface AutoDisableRule {
  /** Failed attempts within the window that disable the webhook; 0 turns auto-disable off. */
  threshold: number;
  windowMs: number;
}

/** True when `at` lies within the window ending at `now`: (now - windowMs, now]. */
function inWindow(at: Date, now: Date, windowMs: number): boolean {
  const age = now.getTime() - at.getTime();
  return age < windowMs;
}

/**
 * Record one failed attempt at `now`. Returns the list to store — entries outside the window
 * dropped, `now` appended, sorted, and never longer than the threshold — and whether the webhook
 * must now be disabled (count within the window ≥ threshold).
 *
 * Failures stamped slightly in the future (another worker's clock) are kept: they are recent.
 */
export function recordFailure(
  recent: Date[],
  now: Date,
  rule: AutoDisableRule,
): { recent: Date[]; disable: boolean } {
  const kept = recent
    .filter((at) => !Number.isNaN(at.getTime()) && inWindow(at, now, rule.windowMs))
    .concat(now)
    .sort((a, b) => a.getTime() - b.getTime());
  if (rule.threshold <= 0) return { recent: kept.slice(-1), disable: false };
  // Only the newest `threshold` entries can ever matter to the rule; keep the row small.
  const bounded = kept.slice(-rule.threshold);
  return { recent: bounded, disable: bounded.length >= rule.threshold };
}

/**
 * Kazoo tells the account when it disables one of its hooks (its `webhook_disabled`
 * notification). We publish the same as a `notifications` event in the hook's account, so any
 * other hook subscribed to notifications (or `all`) hears about it.
 */
export function webhookDisabledNotice(
  webhook: { id: string; name: string; uri: string; accountId: string },
  failures: number,
  now: Date,
): { id: string; type: 'notifications'; payload: Record<string, unknown> } {
  return {
    id: `webhook_disabled-${webhook.id}-${now.getTime()}`,
    type: 'notifications',
    payload: {
      event_category: 'notification',
      event_name: 'webhook_disabled',
      account_id: webhook.accountId,
      hook_id: webhook.id,
      hook_name: webhook.name,
      hook_uri: webhook.uri,
      disable_reason: AUTO_DISABLE_REASON,
      failed_attempts: failures,
      disabled_at: now.toISOString(),
    },
  };
}

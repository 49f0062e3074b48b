/**
 * Call-control webhooks (docs/call-control.md): a platform asks them what to do with a call and
 * acts on their answer, so they are reached only by an invoke, whose caller reads that answer.
 * Every other path (fan-out, redeliver, recover) is asynchronous: an answer nobody reads is
 * useless there, and a platform that invokes must not have the same event sent twice.
 */

/** How an event reaches webhooks: published (queued, retried) or invoked (now, answered). */
export type DeliveryPath = 'publish' | 'invoke';

/** Does `path` reach this webhook at all? (Type, account and modifier matching come on top.) */
export function reachedBy(path: DeliveryPath, webhook: { callControl: boolean }): boolean {
  return webhook.callControl === (path === 'invoke');
}

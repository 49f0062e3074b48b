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

/**
 * The deadlines a caller may give an invoke, ms. Below 100 ms no receiver can answer; above 10 s
 * a call has long gone silent, and an API request must not hold a connection for longer.
 */
export const INVOKE_TIMEOUT_BOUNDS = { min: 100, max: 10_000 } as const;

/** What the HTTP exchange of an invoke gave (the http client's result, as far as it matters here). */
export interface Exchange {
  outcome:
    { kind: 'response'; status: number } | { kind: 'error'; clientError: string; message: string };
  /** The body as read, at most the answer limit. */
  responseBody?: string;
  /** The body was longer than the answer limit. */
  responseBodyTruncated?: boolean;
  reason?: string;
}

/** What a call-control webhook's answer means to the caller. */
export type Answer =
  | { result: 'success'; answer?: unknown }
  | { result: 'failure'; clientError?: string; reason: string };

/**
 * Reads an invoke's answer. Only a whole 2xx body that is JSON (or empty: "nothing to do", as a
 * 204) is an answer the platform can act on. Anything else is a failure the caller must handle:
 * no answer (`timeout`, `connect_refused`…), a non-2xx status, a body over the limit
 * (`too_large`: a cut JSON text cannot be parsed, and a platform must not act on half a list of
 * verbs), or a 2xx body that is not JSON (`bad_answer`). The Content-Type is not checked: many
 * receivers answer JSON as text/plain or text/html.
 */
export function readAnswer(exchange: Exchange, limitBytes: number): Answer {
  const { outcome } = exchange;
  if (outcome.kind === 'error') {
    return { result: 'failure', clientError: outcome.clientError, reason: outcome.message };
  }
  if (exchange.responseBodyTruncated) {
    return {
      result: 'failure',
      clientError: 'too_large',
      reason: `the answer is longer than ${limitBytes} bytes`,
    };
  }
  if (outcome.status < 200 || outcome.status > 299) {
    return { result: 'failure', reason: exchange.reason ?? `receiver answered ${outcome.status}` };
  }
  const body = exchange.responseBody ?? '';
  if (body.trim() === '') return { result: 'success' };
  try {
    return { result: 'success', answer: JSON.parse(body) as unknown };
  } catch {
    // Not quoted: the text is the tenant's (the caller may be a sub-account invoking its
    // ancestor's hook); the tenant reads it in the attempts log.
    return {
      result: 'failure',
      clientError: 'bad_answer',
      reason: 'the answer is not JSON (its text is in the attempts log)',
    };
  }
}

import { newId } from '../domain/ids.ts';
import { withoutCredentials } from '../domain/uri.ts';
import type { LeasedDelivery } from '../store/deliveries.ts';
import type { AttemptRecord } from '../store/outcomes.ts';
import type { WebhookForDelivery } from '../store/webhook-targets.ts';
import type { PreparedAttempt } from './attempt-request.ts';
import type { AttemptResult } from './http-client.ts';

/**
 * Rows of the attempts log, one per try, whoever made the try (a worker's delivery, an invoke):
 * the request as sent (credentials out, bodies cut), the response, and what the try came to.
 */

/** Request bodies longer than this are cut in the attempts log (the receiver gets them whole). */
export const LOGGED_REQUEST_BODY_LIMIT = 16 * 1024;

/** What a try came to: its number, what is left, and the verdict on it. */
export interface TryVerdict {
  try: number;
  retriesLeft: number;
  result: 'success' | 'failure';
  reason: string | null;
  clientError: string | null;
}

function rowOf(delivery: LeasedDelivery, webhook: WebhookForDelivery, started: Date) {
  return {
    id: newId(),
    deliveryId: delivery.id,
    webhookId: webhook.id,
    accountId: webhook.accountId,
    eventId: delivery.event.id,
    created: started,
  };
}

/** The row of a try that was sent (whatever came back, or did not). */
export function sentAttempt(
  delivery: LeasedDelivery,
  webhook: WebhookForDelivery,
  started: Date,
  prepared: PreparedAttempt,
  exchange: AttemptResult,
  verdict: TryVerdict,
  /** The response body as it may be stored (the caller may cut it further). */
  respBody: string | null = exchange.responseBody ?? null,
): AttemptRecord {
  return {
    ...rowOf(delivery, webhook, started),
    hookEvent: prepared.hookEvent,
    uri: prepared.loggedUri,
    method: prepared.request.method,
    reqHeaders: prepared.loggedHeaders,
    reqBody: (prepared.request.body ?? '').slice(0, LOGGED_REQUEST_BODY_LIMIT),
    respStatusCode: exchange.statusCode ?? null,
    respHeaders: exchange.responseHeaders ?? null,
    respBody,
    durationMs: Math.round(exchange.durationMs),
    ...verdict,
  };
}

/**
 * The row of a try whose request could not be built (a payload too deep to flatten into a query
 * string, say): nothing was sent, and the try fails with `bad_payload`, never to be retried.
 */
export function unbuildableAttempt(
  delivery: LeasedDelivery,
  webhook: WebhookForDelivery,
  started: Date,
  error: unknown,
  tryNumber: number,
): AttemptRecord {
  return {
    ...rowOf(delivery, webhook, started),
    hookEvent: delivery.event.type,
    uri: withoutCredentials(webhook.uri),
    method: webhook.httpVerb.toUpperCase(),
    reqHeaders: {},
    reqBody: '',
    respStatusCode: null,
    respHeaders: null,
    respBody: null,
    durationMs: 0,
    try: tryNumber,
    retriesLeft: 0,
    result: 'failure',
    reason: `request could not be built: ${error instanceof Error ? error.message : String(error)}`,
    clientError: 'bad_payload',
  };
}

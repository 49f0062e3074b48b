import { kazooFailureFields, kazooRetries } from '../../domain/kazoo-attempt.ts';
import { gregorianSeconds } from '../../domain/kazoo-time.ts';
import type { Attempt } from '../../store/attempts.ts';

/**
 * An attempt as Kazoo's attempts log shows it (docs/api-conventions.md, "Attempts"): Kazoo's keys
 * and values (domain/kazoo-attempt.ts), `timestamp` in Gregorian seconds, "retries left" with the
 * space as Kazoo's doc spells it and retries_left as its code writes it; plus our extras under
 * names Kazoo does not use: id, delivery_id, duration_ms, error_code, error_message, created.
 */
export function attemptView(a: Attempt) {
  return {
    id: a.id,
    delivery_id: a.deliveryId,
    hook_id: a.webhookId,
    hook_event: a.hookEvent,
    event_id: a.eventId,
    account_id: a.accountId,
    uri: a.uri,
    method: a.method.toLowerCase(),
    req_headers: a.reqHeaders,
    req_body: a.reqBody,
    resp_status_code: a.respStatusCode,
    // Kazoo's older key for the status, which monster-ui-webhooks reads for "bad response code (…)".
    ...(a.respStatusCode !== null ? { response_code: a.respStatusCode } : {}),
    resp_headers: a.respHeaders,
    resp_body: a.respBody,
    try: a.try,
    retries: kazooRetries(a.retriesLeft),
    'retries left': a.retriesLeft,
    retries_left: a.retriesLeft,
    result: a.result,
    ...kazooFailureFields(a),
    ...(a.clientError ? { error_code: a.clientError } : {}),
    ...(a.reason ? { error_message: a.reason } : {}),
    duration_ms: a.durationMs,
    timestamp: gregorianSeconds(a.created),
    created: a.created.toISOString(),
  };
}

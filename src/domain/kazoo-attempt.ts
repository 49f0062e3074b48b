/**
 * How an attempt reads in Kazoo's attempts log (crossbar doc `webhooks.md`, "List Webhook
 * Attempts", and `webhooks_util:debug_resp/3`), which Kazoo's UI and scripts parse:
 * - `reason` is one of two fixed strings: "bad response code" when the server answered with a
 *   status that is not a success, "kazoo http client error" when no answer came;
 * - `client_error` is the HTTP client's error atom as text (`nxdomain`, `timeout`,
 *   `econnrefused`…);
 * - `retries` is Kazoo's countdown of tries still owed, this one included, so
 *   `retries - 1` is the number of retries left (monster-ui-webhooks shows exactly that).
 * Our own, finer code and text stay in `error_code` and `error_message`.
 */
import type { ClientError } from './retry.ts';

export const KAZOO_BAD_RESPONSE = 'bad response code';
export const KAZOO_CLIENT_ERROR = 'kazoo http client error';

/** Our client_error → the error Kazoo's HTTP client (httpc) reports for the same failure. */
const KAZOO_CLIENT_ERRORS: Record<ClientError | 'bad_payload' | 'bad_answer', string> = {
  dns: 'nxdomain',
  timeout: 'timeout',
  connect_refused: 'econnrefused',
  connection_reset: 'econnreset',
  tls: 'tls_alert',
  // No Kazoo counterpart: Kazoo has no SSRF guard, no size limit, and builds every request.
  blocked_target: 'blocked_target',
  too_large: 'too_large',
  redirect: 'redirect',
  bad_payload: 'bad_payload',
  // A call-control answer that is not JSON (domain/call-control.ts).
  bad_answer: 'bad_answer',
  other: 'unknown',
};

/** Every error_code an attempt may carry (the attempts log's `error_code` filter). */
export const ATTEMPT_ERROR_CODES = Object.keys(KAZOO_CLIENT_ERRORS);

/** Kazoo's client_error names, each with our code: a filter may be given in either spelling. */
export const ERROR_CODE_OF_KAZOO_NAME: ReadonlyMap<string, string> = new Map(
  Object.entries(KAZOO_CLIENT_ERRORS).map(([ours, kazoo]) => [kazoo, ours]),
);

export function kazooClientError(code: string): string {
  return (KAZOO_CLIENT_ERRORS as Record<string, string>)[code] ?? 'unknown';
}

export interface StoredAttemptOutcome {
  result: string;
  /** Our client_error code, when no response came. */
  clientError: string | null;
  retriesLeft: number;
}

/** The Kazoo-shaped failure keys of an attempt: nothing for a success. */
export function kazooFailureFields(a: StoredAttemptOutcome): {
  reason?: string;
  client_error?: string;
} {
  if (a.result === 'success') return {};
  if (a.clientError === null) return { reason: KAZOO_BAD_RESPONSE };
  return { reason: KAZOO_CLIENT_ERROR, client_error: kazooClientError(a.clientError) };
}

/** Kazoo's `retries`: tries still owed when this one was made, itself included. */
export function kazooRetries(retriesLeft: number): number {
  return retriesLeft + 1;
}

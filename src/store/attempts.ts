import type { Attempt } from '../generated/prisma/client.ts';
import type { Database } from './db.ts';
import { kazooFailureFields, kazooRetries } from '../domain/kazoo-attempt.ts';
import { gregorianSeconds } from '../domain/kazoo-time.ts';

export interface AttemptFilter {
  accountId: string;
  webhookId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  result?: 'success' | 'failure';
  /** Cursor: the (created, id) of the last attempt of the previous page. */
  after?: { created: Date; id: string };
  take: number;
}

/** The attempts log (written with each outcome: outcomes.ts). */
export function attemptStore({ prisma }: Database) {
  return {
    /** Newest first, on the (account|webhook, created desc, id desc) indexes. */
    list(f: AttemptFilter): Promise<Attempt[]> {
      return prisma.attempt.findMany({
        where: {
          accountId: f.accountId,
          ...(f.webhookId ? { webhookId: f.webhookId } : {}),
          ...(f.result ? { result: f.result } : {}),
          created: {
            ...(f.createdFrom ? { gte: f.createdFrom } : {}),
            ...(f.createdTo ? { lte: f.createdTo } : {}),
          },
          ...(f.after
            ? {
                OR: [
                  { created: { lt: f.after.created } },
                  { created: f.after.created, id: { lt: f.after.id } },
                ],
              }
            : {}),
        },
        orderBy: [{ created: 'desc' }, { id: 'desc' }],
        take: f.take,
      });
    },
  };
}

export type AttemptStore = ReturnType<typeof attemptStore>;

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

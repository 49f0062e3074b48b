import type { Attempt } from '../generated/prisma/client.ts';
import { hookEventNames, type LogFilter, type NewestFirstCursor } from '../domain/log-filter.ts';
import type { Database } from './db.ts';
import { SqlConditions } from './sql-conditions.ts';

export type { Attempt };

export interface AttemptQuery {
  accountId: string;
  webhookId?: string;
  filter: LogFilter;
  /** Cursor: the (created, id) of the last attempt of the previous page. */
  after?: NewestFirstCursor;
  take: number;
}

const ATTEMPT_COLUMNS = `a.id, a.delivery_id AS "deliveryId", a.webhook_id AS "webhookId",
  a.account_id AS "accountId", a.event_id AS "eventId", a.hook_event AS "hookEvent", a.uri, a.method,
  a.req_headers AS "reqHeaders", a.req_body AS "reqBody", a.resp_status_code AS "respStatusCode",
  a.resp_headers AS "respHeaders", a.resp_body AS "respBody", a.try, a.retries_left AS "retriesLeft",
  a.result, a.reason, a.client_error AS "clientError", a.duration_ms AS "durationMs", a.created`;

/**
 * The conditions of `filter` on attempts `a`. Only the given filters become SQL, so the planner
 * sees each page's real shape and walks the index of its most selective filter (schema.prisma).
 * The call id is found through its events (events.call_id) and their deliveries.
 */
export function attemptConditions(where: SqlConditions, filter: LogFilter, alias = 'a'): void {
  if (filter.createdFrom) where.add(`${alias}.created >= $?`, filter.createdFrom);
  if (filter.createdTo) where.add(`${alias}.created <= $?`, filter.createdTo);
  if (filter.result) where.add(`${alias}.result = $?`, filter.result);
  if (filter.statusCode !== undefined)
    where.add(`${alias}.resp_status_code = $?`, filter.statusCode);
  if (filter.errorCode) where.add(`${alias}.client_error = $?`, filter.errorCode);
  if (filter.eventType)
    where.add(`${alias}.hook_event = ANY($?::text[])`, hookEventNames(filter.eventType));
  if (filter.eventId) where.add(`${alias}.event_id = $?`, filter.eventId);
  if (filter.callId) {
    where.add(
      `${alias}.delivery_id IN (SELECT cd.id FROM events ce
         JOIN deliveries cd ON cd.event_account_id = ce.account_id AND cd.event_id = ce.id
           AND cd.event_created = ce.created
         WHERE ce.call_id = $?)`,
      filter.callId,
    );
  }
}

/** The attempts log (written with each outcome: outcomes.ts). */
export function attemptStore({ pool }: Database) {
  return {
    /** Newest first, filtered, one page after the cursor. */
    async list(q: AttemptQuery): Promise<Attempt[]> {
      const where = new SqlConditions();
      where.add('a.account_id = $?', q.accountId);
      if (q.webhookId) where.add('a.webhook_id = $?', q.webhookId);
      attemptConditions(where, q.filter);
      if (q.after) where.add('(a.created, a.id) < ($?, $?)', q.after.created, q.after.id);
      const { rows } = await pool.query<Attempt>(
        `SELECT ${ATTEMPT_COLUMNS} FROM attempts a WHERE ${where.sql()}
         ORDER BY a.created DESC, a.id DESC LIMIT ${where.param(q.take)}`,
        where.params,
      );
      return rows;
    },
  };
}

export type AttemptStore = ReturnType<typeof attemptStore>;

import { preparedStatement, type Database } from './db.ts';
import { storableJson } from '../domain/json-text.ts';

/** One row of the attempts log (Kazoo's keys, in column form). */
export interface AttemptRecord {
  id: string;
  deliveryId: string;
  webhookId: string | null;
  accountId: string;
  eventId: string;
  hookEvent: string;
  uri: string;
  method: string;
  reqHeaders: Record<string, string>;
  reqBody: string;
  respStatusCode: number | null;
  respHeaders: Record<string, string> | null;
  respBody: string | null;
  try: number;
  retriesLeft: number;
  result: 'success' | 'failure';
  reason: string | null;
  clientError: string | null;
  durationMs: number;
  created: Date;
}

/** What became of one delivery after one try (or without one, when it was skipped). */
export interface DeliveryOutcome {
  attempt?: AttemptRecord;
  delivery: {
    id: string;
    status: 'pending' | 'delivered' | 'failed' | 'skipped';
    tries: number;
    nextAttemptAt: Date;
    lastError: string | null;
    /** Its event's `created` (the partition key), when known: the write then looks in that day only. */
    eventCreated?: Date;
  };
  /** A success resets the webhook's failure count. */
  succeededWebhookId?: string;
}

/**
 * The outcome statement, in two forms. Deliveries and attempts are partitioned by their event's
 * day (`event_created`). A worker knows each leased delivery's event time, so its batches take
 * the first form: each attempt comes with its day, and the deliveries are looked up by id within
 * the span of their event times, in those days' partitions only. A batch with a delivery of
 * unknown day (an invoke's) takes the second, which reads each delivery's day by its id in every
 * day's partition.
 *
 * The attempts come as their own JSON array, whole rows of the attempts table that
 * json_populate_recordset reads in one pass. (Nested in the deliveries' input and completed there
 * with their day, each attempt was parsed four times over — json, jsonb, json again, then the
 * record —, which took as much of Postgres's time as inserting it: BENCHMARKS.md, 2026-12-07.)
 */
const outcomeSql = (daysKnown: boolean) => `WITH input AS (
       SELECT * FROM json_to_recordset($1::json) AS x(delivery_id text, status text, tries int,
         next_attempt_at timestamptz, last_error text, event_created timestamptz)
     ), new_attempts AS (
       INSERT INTO attempts
       ${
         daysKnown
           ? 'SELECT * FROM json_populate_recordset(null::attempts, $4::json)'
           : `SELECT a.* FROM json_populate_recordset(null::attempts, $4::json) given
         JOIN deliveries day ON day.id = given.delivery_id AND day.id = ANY($3::text[]),
         -- LATERAL, not (json_populate_record(…)).*, which would call it once per column.
         LATERAL json_populate_record(given, json_build_object('event_created', day.event_created)) a`
       }
     ), ended AS (
       UPDATE deliveries AS d SET status = i.status, tries = i.tries, next_attempt_at = i.next_attempt_at,
         last_error = i.last_error, lease_until = NULL, modified = now()
       -- The batch's ids as an array (the index condition, so that however the plan was made,
       -- only the batch's rows are read) and, when their days are given, the span of their
       -- event times (only those days' partitions). "IS TRUE" keeps it off the status index
       -- when statistics are stale during a burst.
       FROM input i WHERE d.id = ANY($3::text[]) AND d.id = i.delivery_id AND (d.status = 'pending') IS TRUE
         ${daysKnown ? 'AND d.event_created = i.event_created AND d.event_created BETWEEN $5 AND $6' : ''}
     )
     UPDATE webhooks SET recent_failures = '{}'
     WHERE id = ANY($2::text[]) AND cardinality(recent_failures) > 0`;
const writeOutcomesOfKnownDays = preparedStatement('write_outcomes_known_days', outcomeSql(true));
const writeOutcomes = preparedStatement('write_outcomes', outcomeSql(false));

/** Outcomes of attempts: the attempts log and the deliveries' new states, written together. */
export function outcomeStore({ hot }: Database) {
  return {
    /**
     * Stores a batch of outcomes in ONE statement (so one round trip, atomic): the attempts, the
     * deliveries' new states (their lease released), and the failure-count reset of webhooks that
     * succeeded. A delivery that was skipped meanwhile (its webhook was auto-disabled) stays skipped.
     */
    async write(outcomes: DeliveryOutcome[]): Promise<void> {
      const deliveries = outcomes.map((o) => ({
        delivery_id: o.delivery.id,
        status: o.delivery.status,
        tries: o.delivery.tries,
        next_attempt_at: o.delivery.nextAttemptAt,
        last_error: o.delivery.lastError,
        event_created: o.delivery.eventCreated ?? null,
      }));
      const attempts = outcomes.flatMap((o) =>
        o.attempt ? [attemptColumns(o.attempt, o.delivery.eventCreated)] : [],
      );
      const ids = deliveries.map((d) => d.delivery_id);
      const params = [
        storableJson(JSON.stringify(deliveries)),
        [...new Set(outcomes.flatMap((o) => o.succeededWebhookId ?? []))],
        ids,
        storableJson(JSON.stringify(attempts)),
      ];
      const times = outcomes.flatMap((o) => o.delivery.eventCreated?.getTime() ?? []);
      await hot.query(
        times.length === outcomes.length
          ? writeOutcomesOfKnownDays([
              ...params,
              new Date(Math.min(...times)),
              new Date(Math.max(...times)),
            ])
          : writeOutcomes(params),
      );
    },
  };
}

export type OutcomeStore = ReturnType<typeof outcomeStore>;

/**
 * An attempt as the attempts table's columns (json_populate_recordset matches them by name), with
 * its delivery's event day (the partition key) when known; the statement reads it otherwise.
 */
function attemptColumns(a: AttemptRecord, eventCreated: Date | undefined) {
  return {
    id: a.id,
    delivery_id: a.deliveryId,
    webhook_id: a.webhookId,
    account_id: a.accountId,
    event_id: a.eventId,
    hook_event: a.hookEvent,
    uri: a.uri,
    method: a.method,
    req_headers: a.reqHeaders,
    req_body: a.reqBody,
    resp_status_code: a.respStatusCode,
    resp_headers: a.respHeaders,
    resp_body: a.respBody,
    try: a.try,
    retries_left: a.retriesLeft,
    result: a.result,
    reason: a.reason,
    client_error: a.clientError,
    duration_ms: a.durationMs,
    created: a.created,
    event_created: eventCreated ?? null,
  };
}

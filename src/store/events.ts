import type pg from 'pg';
import type { EventState, LogFilter, NewestFirstCursor } from '../domain/log-filter.ts';
import { preparedStatement, type Database } from './db.ts';
import { SqlConditions } from './sql-conditions.ts';
import { managedBySql } from './tenancy.ts';
import { callIdOf } from '../domain/dialects/read-call.ts';
import {
  DELIVERY_COLUMNS,
  deliveryArrays,
  deliveryRowsFrom,
  seqsOf,
  type NewDelivery,
} from './deliveries.ts';

/** Events: stored once per (account, id), fanned out into deliveries. Raw SQL on the hot path. */

export interface NewEvent {
  accountId: string;
  id: string;
  type: string;
  payload: Record<string, unknown>;
  /** The payload as JSON text, when the caller already has it (publishing measured its size). */
  payloadJson?: string;
}

/** One string per (account, event): NUL cannot occur in either id. */
export function eventKey(accountId: string, eventId: string): string {
  return `${accountId}\u0000${eventId}`;
}

/** What a publish stored: the keys of the events that were new, and the ordered deliveries' seqs. */
export interface StoredBatch {
  events: Set<string>;
  /** Delivery id → its sequence number (publish order), for deliveries ordered by call. */
  seqs: Map<string, string>;
}

export interface StoredEvent {
  accountId: string;
  id: string;
  type: string;
  payload: Record<string, unknown>;
  created: Date;
}

/**
 * The publish statement. The event-id dedup is event_keys' primary key: a key that is new there
 * makes its event new (ON CONFLICT DO NOTHING waits for a concurrent insert of the same key and
 * then skips it), whatever day the id was first published on. events has no such unique index:
 * it is partitioned by day, and its key must include `created` (docs/operations.md, "Storage
 * and retention").
 * The key, the event, and its deliveries' `event_created` share one `now()` (the transaction's),
 * so they land in the same day.
 */
const insertEventsWithDeliveries = preparedStatement(
  'insert_events_with_deliveries',
  `WITH new_keys AS (
       INSERT INTO event_keys (account_id, id, created)
       SELECT k.account_id, k.id, now() FROM unnest($1::text[], $2::text[]) AS k(account_id, id)
       ON CONFLICT DO NOTHING
       RETURNING account_id, id
     ), new_events AS (
       INSERT INTO events (account_id, id, type, payload, call_id, created, fanned_out_at)
       SELECT e.account_id, e.id, e.type, e.payload, e.call_id, now(), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $12::text[])
         AS e(account_id, id, type, payload, call_id)
       JOIN new_keys k ON k.account_id = e.account_id AND k.id = e.id
       RETURNING account_id, id, created
     ), new_deliveries AS (
       INSERT INTO deliveries ${DELIVERY_COLUMNS}
       ${deliveryRowsFrom(5, 'e.created')}
       JOIN new_events e ON e.account_id = d.event_account_id AND e.id = d.event_id
       ORDER BY d.n
       RETURNING id, call_key, seq
     )
     SELECT account_id AS "accountId", id, NULL AS seq FROM new_events
     UNION ALL
     SELECT NULL, id, seq::text FROM new_deliveries WHERE call_key IS NOT NULL`,
);

/** One event of the events list, with its deliveries counted by status. */
export interface ListedEvent {
  accountId: string;
  id: string;
  type: string;
  callId: string | null;
  created: Date;
  fannedOutAt: Date | null;
  pending: number;
  delivered: number;
  failed: number;
  skipped: number;
}

export interface EventListQuery {
  accountId: string;
  /** Deliveries count (and decide the state) only when `callerId` manages their webhook's account. */
  callerId: string;
  filter: LogFilter;
  state?: EventState;
  after?: NewestFirstCursor;
  take: number;
}

/** The state filter as a condition on the page's counts (`c`). */
const STATE_CONDITION: Record<EventState, string> = {
  failed: 'c.failed > 0',
  pending: 'c.failed = 0 AND c.pending > 0',
  delivered: 'c.failed = 0 AND c.pending = 0 AND c.delivered > 0',
};

/**
 * The most rows (events and deliveries together) a publish stores through the hot path's
 * connections (db.ts, HOT_PATH_SETTINGS). There the statement's plan joins its inputs row by row,
 * fine for a group of single-event requests (nearly every publish) and quadratic for a large
 * batch (1,000 events with 10 deliveries each: 2 s against 0.3 s): those go through the other
 * pool and are planned for their size.
 */
const HOT_PUBLISH_ROWS = 256;

export function eventStore({ pool, hot, prisma }: Database) {
  return {
    /**
     * Stores events and their deliveries in ONE statement (atomic, one round trip), marking them
     * fanned out. `deliveries` are planned for every event; only those of events that were new are
     * inserted, numbered in the order given: an id the account already has is accepted once
     * (idempotency). Returns the new events' keys ("account id" + NUL + "event id") and the seqs of
     * the deliveries ordered by call. `events` must not repeat a key.
     */
    async insertWithDeliveries(
      events: NewEvent[],
      deliveries: NewDelivery[],
    ): Promise<StoredBatch> {
      if (events.length === 0) return { events: new Set(), seqs: new Map() };
      const on = events.length + deliveries.length <= HOT_PUBLISH_ROWS ? hot : pool;
      const { rows } = await on.query<{
        accountId: string | null;
        id: string;
        seq: string | null;
      }>(
        insertEventsWithDeliveries([
          events.map((e) => e.accountId),
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => e.payloadJson ?? JSON.stringify(e.payload)),
          ...deliveryArrays(deliveries),
          // $12, after the deliveries' seven arrays: the call it is about, so the log can be
          // searched by call (GET …/events?call_id=).
          events.map((e) => callIdOf(e) ?? null),
        ]),
      );
      return {
        events: new Set(
          rows.flatMap((r) => (r.accountId === null ? [] : [eventKey(r.accountId, r.id)])),
        ),
        seqs: seqsOf(rows.filter((r) => r.accountId === null)),
      };
    },

    /**
     * Claims events that still owe their fan-out, inside the caller's transaction: only the first
     * claim of an event gets it, so a fan-out that runs twice creates its deliveries once.
     */
    async claimForFanout(
      client: pg.PoolClient,
      keys: { accountId: string; eventId: string }[],
    ): Promise<StoredEvent[]> {
      const { rows } = await client.query<StoredEvent>(
        // Rows are locked in one order (no deadlock between overlapping batches), and a row another
        // claim holds is skipped: that claim fans it out, or the reconciler does if it rolls back.
        `WITH claimable AS (
       SELECT e.account_id, e.id, e.created FROM events e
       JOIN unnest($1::text[], $2::text[]) AS k(account_id, id) ON e.account_id = k.account_id AND e.id = k.id
       WHERE e.fanned_out_at IS NULL
       ORDER BY e.account_id, e.id
       FOR UPDATE OF e SKIP LOCKED)
     UPDATE events e SET fanned_out_at = now() FROM claimable c
     WHERE e.account_id = c.account_id AND e.id = c.id AND e.created = c.created
     RETURNING e.account_id AS "accountId", e.id, e.type, e.payload, e.created`,
        [keys.map((k) => k.accountId), keys.map((k) => k.eventId)],
      );
      return rows;
    },

    /** Events whose fan-out is owed for longer than the grace period (a notification, a crash). */
    async awaitingFanout(olderThan: Date, limit: number) {
      const { rows } = await pool.query<{ accountId: string; eventId: string }>(
        `SELECT account_id AS "accountId", id AS "eventId" FROM events
     WHERE fanned_out_at IS NULL AND created < $1 ORDER BY created LIMIT $2`,
        [olderThan, limit],
      );
      return rows;
    },

    /**
     * An account's events newest first, filtered, with their visible deliveries counted by status.
     * Each event's deliveries are counted through deliveries(event_account_id, event_id).
     */
    async list(q: EventListQuery): Promise<ListedEvent[]> {
      const where = new SqlConditions();
      where.add('e.account_id = $?', q.accountId);
      if (q.filter.createdFrom) where.add('e.created >= $?', q.filter.createdFrom);
      if (q.filter.createdTo) where.add('e.created <= $?', q.filter.createdTo);
      if (q.filter.eventType) where.add('e.type = $?', q.filter.eventType);
      if (q.filter.eventId) where.add('e.id = $?', q.filter.eventId);
      if (q.filter.callId) where.add('e.call_id = $?', q.filter.callId);
      if (q.after) where.add('(e.created, e.id) < ($?, $?)', q.after.created, q.after.id);
      if (q.state) where.add(STATE_CONDITION[q.state]);
      const caller = where.param(q.callerId);
      const { rows } = await pool.query<ListedEvent>(
        `SELECT e.account_id AS "accountId", e.id, e.type, e.call_id AS "callId", e.created,
                e.fanned_out_at AS "fannedOutAt", c.pending, c.delivered, c.failed, c.skipped
         FROM events e
         CROSS JOIN LATERAL (
           SELECT count(*) FILTER (WHERE d.status = 'pending')::int AS pending,
                  count(*) FILTER (WHERE d.status = 'delivered')::int AS delivered,
                  count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
                  count(*) FILTER (WHERE d.status = 'skipped')::int AS skipped
           FROM deliveries d JOIN accounts da ON da.id = d.account_id
           WHERE d.event_account_id = e.account_id AND d.event_id = e.id
             AND d.event_created = e.created AND ${managedBySql('da', caller)}) c
         WHERE ${where.sql()}
         ORDER BY e.created DESC, e.id DESC LIMIT ${where.param(q.take)}`,
        where.params,
      );
      return rows;
    },

    /** An event of an account, or null (ids are per account; event_keys keeps them unique). */
    find(accountId: string, id: string) {
      return prisma.event.findFirst({ where: { accountId, id } });
    },
  };
}

export type EventStore = ReturnType<typeof eventStore>;

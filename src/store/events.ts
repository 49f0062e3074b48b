import type pg from 'pg';
import { preparedStatement, type Database } from './db.ts';
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

const insertEventsWithDeliveries = preparedStatement(
  'insert_events_with_deliveries',
  `WITH new_events AS (
       INSERT INTO events (account_id, id, type, payload, fanned_out_at)
       SELECT e.account_id, e.id, e.type, e.payload, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) AS e(account_id, id, type, payload)
       ON CONFLICT DO NOTHING
       RETURNING account_id, id
     ), new_deliveries AS (
       INSERT INTO deliveries ${DELIVERY_COLUMNS}
       ${deliveryRowsFrom(5)}
       JOIN new_events e ON e.account_id = d.event_account_id AND e.id = d.event_id
       ORDER BY d.n
       RETURNING id, call_key, seq
     )
     SELECT account_id AS "accountId", id, NULL AS seq FROM new_events
     UNION ALL
     SELECT NULL, id, seq::text FROM new_deliveries WHERE call_key IS NOT NULL`,
);

export function eventStore({ pool, prisma }: Database) {
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
      const { rows } = await pool.query<{
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
       SELECT e.account_id, e.id FROM events e
       JOIN unnest($1::text[], $2::text[]) AS k(account_id, id) ON e.account_id = k.account_id AND e.id = k.id
       WHERE e.fanned_out_at IS NULL
       ORDER BY e.account_id, e.id
       FOR UPDATE OF e SKIP LOCKED)
     UPDATE events e SET fanned_out_at = now() FROM claimable c
     WHERE e.account_id = c.account_id AND e.id = c.id
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

    /** An event of an account, or null (ids are per account). */
    find(accountId: string, id: string) {
      return prisma.event.findUnique({ where: { accountId_id: { accountId, id } } });
    },
  };
}

export type EventStore = ReturnType<typeof eventStore>;

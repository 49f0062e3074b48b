import type pg from 'pg';
import { preparedStatement, type Database } from './db.ts';
import { managedBySql } from './tenancy.ts';
import { addDays, dayOf, startOf } from '../domain/partition-days.ts';

/**
 * Delivery rows: created by fan-out, redeliver and recover; leased by the run that attempts
 * them; ended by the outcome write (outcomes.ts); walked by the reconciler. Raw SQL over the pool:
 * every statement here is on the delivery path or batched.
 */

export interface NewDelivery {
  id: string;
  eventAccountId: string;
  eventId: string;
  webhookId: string;
  accountId: string;
  /** `invoke`: attempted once by the invoking API request, never by a worker (docs/call-control.md). */
  trigger: 'auto' | 'manual' | 'invoke';
  /** The call it is ordered within (domain/call-order.ts); absent or null: unordered. */
  callKey?: string | null;
}

/** Columns of NewDelivery as unnest() arrays, in the table's order. */
export function deliveryArrays(deliveries: NewDelivery[]) {
  return [
    deliveries.map((d) => d.id),
    deliveries.map((d) => d.eventAccountId),
    deliveries.map((d) => d.eventId),
    deliveries.map((d) => d.webhookId),
    deliveries.map((d) => d.accountId),
    deliveries.map((d) => d.trigger),
    deliveries.map((d) => d.callKey ?? null),
  ];
}

/**
 * The columns deliveryArrays fills, from unnest() arrays starting at parameter `from`, as `d`,
 * then `eventCreated` (an expression for the row's event's `created`, from a join the caller
 * adds): the columns of DELIVERY_COLUMNS. Ordered by `d.n`, the order given, each row's `seq`
 * (publish order) is drawn in that order.
 */
export function deliveryRowsFrom(from: number, eventCreated: string): string {
  const types = ['text', 'text', 'text', 'text', 'text', 'text', 'text'];
  const params = types.map((type, i) => `$${from + i}::${type}[]`).join(', ');
  return `SELECT d.id, d.event_account_id, d.event_id, d.webhook_id, d.account_id, d.trigger, d.call_key,
       ${eventCreated}
     FROM unnest(${params}) WITH ORDINALITY
       AS d(id, event_account_id, event_id, webhook_id, account_id, trigger, call_key, n)`;
}

/**
 * The columns of an insert from deliveryRowsFrom. `event_created`, the partition key, puts the
 * delivery in its event's day: the day retention drops them in together.
 */
export const DELIVERY_COLUMNS =
  '(id, event_account_id, event_id, webhook_id, account_id, trigger, call_key, event_created)';

/** A leased delivery with its event: what one attempt needs besides its webhook. */
export interface LeasedDelivery {
  id: string;
  tries: number;
  trigger: string;
  nextAttemptAt: Date;
  webhookId: string | null;
  /** The webhook row's version now (its xmin): a worker's copy of the webhook is current if equal. */
  webhookVersion: string | null;
  event: {
    accountId: string;
    id: string;
    type: string;
    payload: Record<string, unknown>;
    created: Date;
  };
}

/** A pending delivery as the reconciler and the put-back of a repeated event read it. */
export interface PendingRow {
  id: string;
  webhookId: string | null;
  nextAttemptAt: Date;
  callKey: string | null;
  seq: string;
}

/** A place in the reconciler's walk through pending deliveries. */
export interface PendingCursor {
  nextAttemptAt: Date;
  id: string;
}

/** The most deliveries one recover call reopens (as Svix); call again for the rest. */
export const RECOVER_LIMIT = 10_000;

/**
 * Ordered per call: an earlier delivery (lower seq) of the same call to the same webhook is still
 * pending. Such a delivery is not leased, whatever brought it to a worker (docs/delivery-scheduling.md).
 */
const EARLIER_OF_CALL_PENDING = (d: string) => `(${d}.call_key IS NOT NULL AND EXISTS (
         SELECT 1 FROM deliveries earlier
         WHERE earlier.webhook_id = ${d}.webhook_id AND earlier.call_key = ${d}.call_key
           AND earlier.seq < ${d}.seq AND earlier.status = 'pending'))`;

/**
 * Why a delivery was not leased: it has ended, an earlier delivery of its call is pending, or
 * another run holds its lease — for `leaseEndsInMs` more (by Postgres's clock; absent when that
 * lease has lapsed or was given back meanwhile: the delivery is free now).
 */
export type NotLeased =
  { why: 'ended' } | { why: 'behind_call' } | { why: 'leased'; leaseEndsInMs?: number };

/**
 * The lease statement over the days of events created since `$3` (`recent`) or before it, for
 * every delivery or (`unorderedOnly`) for those not ordered by call. Deliveries are partitioned
 * by their event's day, and a statement that names them by id alone is planned over every day's
 * partition — far dearer than the lease itself, and the check for an earlier pending delivery of
 * the same call (a subquery over every day) the dearest part. Nearly every delivery a worker is
 * handed belongs to an event of today or yesterday, and most are not ordered: the lease tries
 * those first with a statement planned over those days only and without that check, then the
 * ordered ones of those days, then the older days, each only for the ids still not leased
 * (docs/operations.md, "Storage and retention").
 */
const leaseSql = (recent: boolean, unorderedOnly: boolean) => {
  const days = recent ? '>= $3' : '< $3';
  const order = unorderedOnly ? 'call_key IS NULL' : `NOT ${EARLIER_OF_CALL_PENDING('deliveries')}`;
  return `WITH leased AS (
       UPDATE deliveries SET lease_until = now() + $2 * interval '1 millisecond'
       WHERE id = ANY($1) AND event_created ${days} AND (status = 'pending') IS TRUE
         AND (lease_until IS NULL OR lease_until < now())
         AND ${order}
       RETURNING id, tries, trigger, next_attempt_at, webhook_id, event_account_id, event_id, event_created)
     SELECT d.id, d.tries, d.trigger, d.next_attempt_at AS "nextAttemptAt", d.webhook_id AS "webhookId",
            w.xmin::text AS "webhookVersion",
            d.event_account_id AS "eventAccountId", d.event_id AS "eventId", e.type AS "eventType",
            e.payload, e.created AS "eventCreated"
     FROM leased d JOIN events e ON e.account_id = d.event_account_id AND e.id = d.event_id
       AND e.created = d.event_created AND e.created ${days}
     LEFT JOIN webhooks w ON w.id = d.webhook_id`;
};
/** The lease's three looks, in the order they are tried. */
const LEASE_STEPS = [
  preparedStatement('lease_recent_unordered_deliveries', leaseSql(true, true)),
  preparedStatement('lease_recent_deliveries', leaseSql(true, false)),
  preparedStatement('lease_older_deliveries', leaseSql(false, false)),
];

/** Where the lease's first look ends: yesterday 00:00 UTC (today's and yesterday's events). */
export function recentSince(now: Date): Date {
  return startOf(addDays(dayOf(now), -1));
}

/** Sequence numbers of the rows that carry one (the deliveries ordered by call). */
export function seqsOf(rows: { id: string; seq: string | null }[]): Map<string, string> {
  return new Map(rows.flatMap((r) => (r.seq === null ? [] : [[r.id, r.seq] as const])));
}

export function deliveryStore({ pool, hot }: Database) {
  return {
    /**
     * New deliveries (fan-out, redeliver), on the pool or inside a caller's transaction, numbered
     * in the order given. Returns the sequence numbers of those ordered by call.
     */
    async insert(
      deliveries: NewDelivery[],
      on: pg.Pool | pg.PoolClient = pool,
    ): Promise<Map<string, string>> {
      if (deliveries.length === 0) return new Map();
      const { rows } = await on.query<{ id: string; seq: string }>(
        // The event's `created` is read from events (by its key, in every day's partition): these
        // inserts (fan-out of a stored event, redeliver) are not the publish path.
        `INSERT INTO deliveries ${DELIVERY_COLUMNS} ${deliveryRowsFrom(1, 'e.created')}
     JOIN events e ON e.account_id = d.event_account_id AND e.id = d.event_id
     ORDER BY d.n
     RETURNING id, CASE WHEN call_key IS NOT NULL THEN seq::text END AS seq`,
        deliveryArrays(deliveries),
      );
      return seqsOf(rows);
    },

    /**
     * Takes a lease on the pending, unleased deliveries among `ids` and reads them with their events,
     * in one statement for the whole batch. A delivery that has ended, or that another run is
     * attempting right now, is not returned: whatever brought it to a worker twice (a reconciler
     * re-push, a claim that expired while the first run was still going), only one run sends it.
     * The outcome write releases the lease; a crashed run's lease simply expires.
     */
    async lease(ids: string[], leaseMs: number): Promise<Map<string, LeasedDelivery>> {
      const since = recentSince(new Date());
      const rows = [];
      let rest = ids;
      for (const step of LEASE_STEPS) {
        const found = (await hot.query(step([rest, leaseMs, since]))).rows;
        rows.push(...found);
        if (found.length === rest.length) break;
        const got = new Set(found.map((r) => r.id as string));
        rest = rest.filter((id) => !got.has(id));
      }
      return new Map(
        rows.map((r) => [
          r.id,
          {
            id: r.id,
            tries: r.tries,
            trigger: r.trigger,
            nextAttemptAt: r.nextAttemptAt,
            webhookId: r.webhookId,
            webhookVersion: r.webhookVersion,
            event: {
              accountId: r.eventAccountId,
              id: r.eventId,
              type: r.eventType,
              payload: r.payload,
              created: r.eventCreated,
            },
          },
        ]),
      );
    },

    /** Why each of `ids` was not leased (those the lease passed over; rare, so asked apart). */
    async whyNotLeased(ids: string[]): Promise<Map<string, NotLeased>> {
      if (ids.length === 0) return new Map();
      const { rows } = await pool.query<{
        id: string;
        why: NotLeased['why'];
        ends_in_ms: number | null;
      }>(
        `SELECT d.id, CASE WHEN d.status <> 'pending' THEN 'ended'
            WHEN ${EARLIER_OF_CALL_PENDING('d')} THEN 'behind_call'
            ELSE 'leased' END AS why,
          CASE WHEN d.lease_until > now()
            THEN ceil(extract(epoch FROM d.lease_until - now()) * 1000)::int END AS ends_in_ms
     FROM deliveries d WHERE d.id = ANY($1)`,
        [ids],
      );
      return new Map(
        rows.map((r): [string, NotLeased] => [
          r.id,
          r.why === 'leased' && r.ends_in_ms !== null
            ? { why: 'leased', leaseEndsInMs: r.ends_in_ms }
            : { why: r.why },
        ]),
      );
    },

    /**
     * Extends the leases a live run holds (`since`: the oldest of their events' creation times,
     * so the statement is planned over those days only). A lease the outcome write has already
     * given back (NULL) is not taken again; one that lapsed unseen is, unless the delivery ended.
     */
    async renewLeases(ids: string[], since: Date, leaseMs: number): Promise<void> {
      if (ids.length === 0) return;
      await pool.query(
        `UPDATE deliveries SET lease_until = now() + $2 * interval '1 millisecond'
     WHERE id = ANY($1) AND event_created >= $3 AND status = 'pending' AND lease_until IS NOT NULL`,
        [ids, leaseMs, since],
      );
    },

    /** Gives a lease back without an outcome (the run found the delivery not yet due). */
    async releaseLease(id: string): Promise<void> {
      await pool.query('UPDATE deliveries SET lease_until = NULL WHERE id = $1', [id]);
    },

    /** How many deliveries are pending, across every tenant (/metrics). */
    async countPending(): Promise<number> {
      const { rows } = await pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM deliveries WHERE status = 'pending'",
      );
      return Number(rows[0]?.n ?? 0);
    },

    /** Ends a webhook's pending deliveries as skipped (it was disabled or deleted). */
    async skipPending(
      webhookId: string,
      why: string,
      client: pg.Pool | pg.PoolClient = pool,
    ): Promise<void> {
      await client.query(
        `UPDATE deliveries SET status = 'skipped', last_error = $2, lease_until = NULL, modified = now()
     WHERE webhook_id = $1 AND status = 'pending'`,
        [webhookId, why],
      );
    },

    /**
     * One page of the reconciler's walk: pending deliveries not leased, after `cursor` in
     * (next_attempt_at, id) order, that are either due before `dueBefore` (the grace: a delivery
     * just committed is being put in line by its own path) or due and left by a run whose lease
     * lapsed (a run that died: it had long passed that path, so it needs no grace). Walking on
     * from the cursor, not from the oldest each time, lets it reach every delivery however large
     * one webhook's backlog is.
     */
    async pendingPage(dueBefore: Date, cursor: PendingCursor | undefined, limit: number) {
      const { rows } = await pool.query<PendingRow>(
        `SELECT id, webhook_id AS "webhookId", next_attempt_at AS "nextAttemptAt",
            call_key AS "callKey", seq::text AS seq FROM deliveries
     WHERE status = 'pending' AND next_attempt_at < now()
       AND ($2::timestamptz IS NULL OR (next_attempt_at, id) > ($2, $3))
       AND ((next_attempt_at < $1 AND lease_until IS NULL) OR lease_until < now())
     ORDER BY next_attempt_at, id LIMIT $4`,
        [dueBefore, cursor?.nextAttemptAt ?? null, cursor?.id ?? '', limit],
      );
      return rows;
    },

    /**
     * The deliveries of these events that are pending, due and not leased: what a run that died
     * between storing an event and putting its deliveries in line left behind (or what is simply
     * waiting in line; the caller pushes only what is absent there).
     */
    async pendingOfEvents(keys: { accountId: string; eventId: string }[]): Promise<PendingRow[]> {
      if (keys.length === 0) return [];
      const { rows } = await pool.query<PendingRow>(
        `SELECT id, webhook_id AS "webhookId", next_attempt_at AS "nextAttemptAt",
            call_key AS "callKey", seq::text AS seq FROM deliveries
     WHERE (event_account_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       AND status = 'pending' AND next_attempt_at <= now()
       AND (lease_until IS NULL OR lease_until < now())`,
        [keys.map((k) => k.accountId), keys.map((k) => k.eventId)],
      );
      return rows;
    },

    /** Pending deliveries whose webhook is gone end skipped (the webhook was deleted). */
    async skipOrphans(ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await pool.query(
        `UPDATE deliveries SET status = 'skipped', last_error = 'webhook deleted', modified = now()
     WHERE id = ANY($1) AND status = 'pending' AND webhook_id IS NULL`,
        [ids],
      );
    },

    /**
     * Recover: failed deliveries of a webhook since a time (oldest first, up to RECOVER_LIMIT) go back
     * to pending with a fresh round of tries. Each keeps its delivery id, so a receiver that did
     * process it dedupes by webhook-id.
     */
    async reopenFailed(webhookId: string, since: Date, until: Date): Promise<string[]> {
      const { rows } = await pool.query<{ id: string }>(
        `UPDATE deliveries SET status = 'pending', tries = 0, next_attempt_at = now(), last_error = NULL, modified = now()
     WHERE id IN (
       SELECT id FROM deliveries
       WHERE webhook_id = $1 AND status = 'failed' AND created >= $2 AND created <= $3
       ORDER BY created LIMIT $4)
     RETURNING id`,
        [webhookId, since, until, RECOVER_LIMIT],
      );
      return rows.map((r) => r.id);
    },

    /**
     * The deliveries of one event that `callerId` may see: those to webhooks of its own account or
     * below. Deliveries to an ancestor's include_subaccounts hook stay hidden from a sub-account.
     */
    async ofEvent(event: { accountId: string; id: string }, callerId: string) {
      const { rows } = await pool.query<{
        id: string;
        webhookId: string | null;
        accountId: string;
        status: string;
        trigger: string;
        tries: number;
        lastError: string | null;
        nextAttemptAt: Date;
        created: Date;
        modified: Date;
      }>(
        `SELECT d.id, d.webhook_id AS "webhookId", d.account_id AS "accountId", d.status, d.trigger, d.tries, d.last_error AS "lastError",
       d.next_attempt_at AS "nextAttemptAt", d.created, d.modified
     FROM deliveries d JOIN accounts a ON a.id = d.account_id
     WHERE d.event_account_id = $1 AND d.event_id = $2 AND ${managedBySql('a', '$3')}
     ORDER BY d.created, d.id`,
        [event.accountId, event.id, callerId],
      );
      return rows;
    },
  };
}

export type DeliveryStore = ReturnType<typeof deliveryStore>;

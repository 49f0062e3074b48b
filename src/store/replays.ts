import type pg from 'pg';
import {
  hookEventNames,
  replayFilterFromJson,
  replayFilterToJson,
  type ReplayFilter,
} from '../domain/log-filter.ts';
import type { Database } from './db.ts';
import { attemptConditions } from './attempts.ts';
import type { ScopedAccount } from './scoped.ts';
import { SqlConditions } from './sql-conditions.ts';
import { managedBySql } from './tenancy.ts';

/** A bulk replay as stored, with how many of the deliveries it queued have ended again. */
export interface ReplayRow {
  id: string;
  accountId: string;
  filter: ReplayFilter;
  state: 'running' | 'scanned' | 'cancelled';
  matched: number;
  queued: number;
  done: number;
  created: Date;
  modified: Date;
}

/** What one page of a replay did: the deliveries it put back to pending, to be put in line. */
export interface ReplayPage {
  replayId: string;
  reopened: { id: string; webhookId: string }[];
}

const REPLAY_COLUMNS = `r.id, r.account_id AS "accountId", r.filter, r.state, r.matched, r.queued,
  r.created, r.modified,
  (SELECT count(*) FROM replay_deliveries rd JOIN deliveries dd ON dd.id = rd.delivery_id
   WHERE rd.replay_id = r.id AND dd.status <> 'pending')::int AS done`;

function replayOf(row: ReplayRow & { filter: unknown }): ReplayRow {
  return { ...row, filter: replayFilterFromJson(row.filter) };
}

/**
 * The failed deliveries a replay of `accountId` matches, after its cursor, oldest first. Only
 * deliveries to the account's own webhooks (or its descendants' with includeSubaccounts), enabled
 * and not call-control: a replay never reaches another tenant's delivery, and never one that
 * cannot be sent.
 */
function matchingPage(
  accountId: string,
  filter: ReplayFilter,
  after: { created: Date; id: string } | null,
  limit: number,
) {
  const where = new SqlConditions();
  where.add("d.status = 'failed'");
  where.add("d.trigger <> 'invoke'");
  if (filter.includeSubaccounts) where.add(managedBySql('a', '$?'), accountId);
  else where.add('d.account_id = $?', accountId);
  if (filter.webhookIds) where.add('d.webhook_id = ANY($?::text[])', filter.webhookIds);
  if (filter.createdFrom) where.add('d.created >= $?', filter.createdFrom);
  if (filter.createdTo) where.add('d.created <= $?', filter.createdTo);
  if (filter.eventType) where.add('e.type = ANY($?::text[])', hookEventNames(filter.eventType));
  if (filter.eventId) where.add('e.id = $?', filter.eventId);
  if (filter.callId) where.add('e.call_id = $?', filter.callId);
  if (filter.result || filter.statusCode !== undefined || filter.errorCode) {
    const tried = where.nested();
    attemptConditions(
      tried,
      { result: filter.result, statusCode: filter.statusCode, errorCode: filter.errorCode },
      'x',
    );
    where.add(
      `EXISTS (SELECT 1 FROM attempts x
        WHERE x.delivery_id = d.id AND x.event_created = d.event_created AND ${tried.sql()})`,
    );
  }
  if (after) where.add('(d.created, d.id) > ($?, $?)', after.created, after.id);
  return {
    text: `SELECT d.id, d.created FROM deliveries d
      JOIN events e ON e.account_id = d.event_account_id AND e.id = d.event_id
        AND e.created = d.event_created
      JOIN webhooks w ON w.id = d.webhook_id AND w.enabled AND NOT w.call_control
      JOIN accounts a ON a.id = d.account_id
      WHERE ${where.sql()}
      ORDER BY d.created, d.id LIMIT ${where.param(limit)}`,
    values: where.params,
  };
}

/** Bulk replays: their rows, and the pages that move them on (run by any worker). */
export function replayStore({ pool }: Database) {
  return {
    /**
     * A new replay of `account`, or the one the same idempotency key already made (then
     * `created` is false and the stored filter stands).
     */
    async create(
      account: ScopedAccount,
      replay: { id: string; idempotencyKey: string; filter: ReplayFilter },
    ): Promise<{ replay: ReplayRow; created: boolean }> {
      const inserted = await pool.query(
        `INSERT INTO replays (id, account_id, idempotency_key, filter) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING id`,
        [replay.id, account.id, replay.idempotencyKey, replayFilterToJson(replay.filter)],
      );
      const { rows } = await pool.query(
        `SELECT ${REPLAY_COLUMNS} FROM replays r WHERE r.account_id = $1 AND r.idempotency_key = $2`,
        [account.id, replay.idempotencyKey],
      );
      return { replay: replayOf(rows[0]), created: inserted.rowCount === 1 };
    },

    /** A replay of the account, or null. */
    async find(account: ScopedAccount, id: string): Promise<ReplayRow | null> {
      const { rows } = await pool.query(
        `SELECT ${REPLAY_COLUMNS} FROM replays r WHERE r.account_id = $1 AND r.id = $2`,
        [account.id, id],
      );
      return rows[0] ? replayOf(rows[0]) : null;
    },

    /** Stops a running replay from queueing more; what it queued goes on. Null: not found. */
    async cancel(account: ScopedAccount, id: string): Promise<ReplayRow | null> {
      await pool.query(
        `UPDATE replays SET state = 'cancelled', modified = now()
         WHERE account_id = $1 AND id = $2 AND state = 'running'`,
        [account.id, id],
      );
      return this.find(account, id);
    },

    /**
     * One page of the running replay that waited longest, in one transaction: the matching
     * failed deliveries after its cursor are recorded as this replay's (a delivery at most once
     * per replay), put back to pending with a fresh round of tries — each keeping its id, the
     * webhook-id its receiver dedupes by — and the cursor moves on. A replay another worker is
     * paging is skipped (SKIP LOCKED); a worker that dies mid-page rolls the page back.
     * Undefined: no replay is running.
     */
    async advance(client: pg.PoolClient, pageSize: number): Promise<ReplayPage | undefined> {
      const { rows: claimed } = await client.query<{
        id: string;
        accountId: string;
        filter: unknown;
        cursorCreated: Date | null;
        cursorId: string | null;
      }>(
        `SELECT id, account_id AS "accountId", filter, cursor_created AS "cursorCreated",
                cursor_id AS "cursorId"
         FROM replays WHERE state = 'running' ORDER BY modified LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      const replay = claimed[0];
      if (!replay) return undefined;
      const after =
        replay.cursorCreated && replay.cursorId
          ? { created: replay.cursorCreated, id: replay.cursorId }
          : null;
      const { rows: page } = await client.query<{ id: string; created: Date }>(
        matchingPage(replay.accountId, replayFilterFromJson(replay.filter), after, pageSize),
      );
      const { rows: reopened } = await client.query<{ id: string; webhookId: string }>(
        `WITH mine AS (
           INSERT INTO replay_deliveries (replay_id, delivery_id)
           SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING delivery_id)
         UPDATE deliveries d SET status = 'pending', tries = 0, next_attempt_at = now(),
           last_error = NULL, lease_until = NULL, modified = now()
         FROM mine WHERE d.id = mine.delivery_id AND d.status = 'failed'
         RETURNING d.id, d.webhook_id AS "webhookId"`,
        [replay.id, page.map((d) => d.id)],
      );
      const last = page[page.length - 1];
      await client.query(
        `UPDATE replays SET matched = matched + $2, queued = queued + $3,
           cursor_created = COALESCE($4, cursor_created), cursor_id = COALESCE($5, cursor_id),
           state = CASE WHEN $6 THEN 'scanned' ELSE state END, modified = now()
         WHERE id = $1`,
        [
          replay.id,
          page.length,
          reopened.length,
          last?.created ?? null,
          last?.id ?? null,
          page.length < pageSize,
        ],
      );
      return { replayId: replay.id, reopened };
    },
  };
}

export type ReplayStore = ReturnType<typeof replayStore>;

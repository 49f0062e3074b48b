import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.ts';

export interface NewEvent {
  id: string;
  type: string;
  payload: Record<string, unknown>;
}

/**
 * Stores a batch of events in one statement. Returns the ids that were new: an id the account
 * already has is accepted once (idempotency), so it is left out.
 */
export async function insertEvents(
  pool: pg.Pool,
  accountId: string,
  events: NewEvent[],
): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO events (account_id, id, type, payload)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::jsonb[])
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [
      accountId,
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.payload)),
    ],
  );
  return new Set(rows.map((r) => r.id));
}

export interface StoredEvent {
  accountId: string;
  id: string;
  type: string;
  payload: Record<string, unknown>;
  created: Date;
}

/**
 * Claims events for fan-out inside the caller's transaction: only the first claim of an event
 * gets it, so a fan-out job that runs twice creates its deliveries once.
 */
export async function claimEventsForFanout(
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
}

/** Events whose fan-out is owed for longer than the grace period (the queue lost the job). */
export async function eventsAwaitingFanout(pool: pg.Pool, olderThan: Date, limit: number) {
  const { rows } = await pool.query<{ accountId: string; eventId: string }>(
    `SELECT account_id AS "accountId", id AS "eventId" FROM events
     WHERE fanned_out_at IS NULL AND created < $1 ORDER BY created LIMIT $2`,
    [olderThan, limit],
  );
  return rows;
}

/** An event of an account, or null (ids are per account). */
export function findEvent(prisma: PrismaClient, accountId: string, id: string) {
  return prisma.event.findUnique({ where: { accountId_id: { accountId, id } } });
}

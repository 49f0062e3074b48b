import type pg from 'pg';
import { newId } from '../domain/ids.ts';
import {
  AUTO_DISABLE_REASON,
  recordFailure,
  webhookDisabledNotice,
  type AutoDisableRule,
} from '../domain/auto-disable.ts';
import { withoutCredentials } from '../domain/uri.ts';
import { storableJson } from '../domain/json-text.ts';
import type { PreviousSecret } from '../domain/signing.ts';

/** A webhook as fan-out and delivery need it (raw SQL: this is the hot path). */
export interface WebhookForDelivery {
  id: string;
  accountId: string;
  uri: string;
  httpVerb: 'get' | 'post' | 'put';
  format: 'json' | 'form-data';
  hook: string | null;
  eventTypes: string[];
  retries: number;
  customData: Record<string, string> | null;
  modifiers: Record<string, unknown> | null;
  includeSubaccounts: boolean;
  includeInternalLegs: boolean;
  enabled: boolean;
  secret: string;
  previousSecrets: PreviousSecret[];
}

const WEBHOOK_COLUMNS = `w.id, w.account_id AS "accountId", w.uri, w.http_verb AS "httpVerb", w.format, w.hook,
  coalesce(w.event_types, '{}') AS "eventTypes", w.retries, w.custom_data AS "customData", w.modifiers,
  w.include_subaccounts AS "includeSubaccounts",
  w.include_internal_legs AS "includeInternalLegs", w.enabled, w.secret, w.previous_secrets AS "previousSecrets"`;

/**
 * The candidates events of these accounts can reach: each account's own enabled hooks, and its
 * ancestors' enabled hooks that include sub-accounts — one row per (event account, webhook), with
 * the event account's tree. Type and modifier matching is done by the pure `webhookReceives`.
 */
export async function candidateWebhooks(client: pg.PoolClient | pg.Pool, accountIds: string[]) {
  const { rows } = await client.query<
    WebhookForDelivery & { eventAccountId: string; tree: string[] }
  >(
    `SELECT a.id AS "eventAccountId", a.tree, ${WEBHOOK_COLUMNS}
     FROM accounts a JOIN webhooks w
       ON w.enabled AND (w.account_id = a.id OR (w.include_subaccounts AND w.account_id = ANY(a.tree)))
     WHERE a.id = ANY($1)`,
    [accountIds],
  );
  return rows;
}

export interface NewDelivery {
  id: string;
  eventAccountId: string;
  eventId: string;
  webhookId: string;
  accountId: string;
  trigger: 'auto' | 'manual';
}

export async function insertDeliveries(
  client: pg.PoolClient | pg.Pool,
  deliveries: NewDelivery[],
): Promise<void> {
  if (deliveries.length === 0) return;
  await client.query(
    `INSERT INTO deliveries (id, event_account_id, event_id, webhook_id, account_id, trigger)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
    [
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.eventAccountId),
      deliveries.map((d) => d.eventId),
      deliveries.map((d) => d.webhookId),
      deliveries.map((d) => d.accountId),
      deliveries.map((d) => d.trigger),
    ],
  );
}

/** Everything one attempt needs, read in one query for a batch of deliveries. */
export interface DeliveryToAttempt {
  id: string;
  status: string;
  tries: number;
  trigger: string;
  nextAttemptAt: Date;
  accountId: string;
  event: {
    accountId: string;
    id: string;
    type: string;
    payload: Record<string, unknown>;
    created: Date;
  };
  webhook: WebhookForDelivery | null;
}

/**
 * Takes a lease on the pending, unleased deliveries among `ids` and reads what their attempts
 * need, in one statement for the whole batch. A delivery that has ended, or that another run is
 * attempting right now, is not returned: whatever path brought a job here twice (a duplicate job,
 * a re-add by the reconciler, a stalled job taken over), only one run sends it. The outcome write
 * releases the lease; a crashed run's lease simply expires.
 */
export async function leaseDeliveries(
  pool: pg.Pool,
  ids: string[],
  leaseMs: number,
): Promise<Map<string, DeliveryToAttempt>> {
  const { rows } = await pool.query(
    `WITH leased AS (
       UPDATE deliveries SET lease_until = now() + $2 * interval '1 millisecond'
       WHERE id = ANY($1) AND (status = 'pending') IS TRUE
         AND (lease_until IS NULL OR lease_until < now())
       RETURNING *)
     SELECT d.id AS "deliveryId", d.status, d.tries, d.trigger, d.next_attempt_at AS "nextAttemptAt",
            d.account_id AS "deliveryAccountId",
            d.event_account_id AS "eventAccountId", d.event_id AS "eventId", e.type AS "eventType",
            e.payload, e.created AS "eventCreated", ${WEBHOOK_COLUMNS}
     FROM leased d
     JOIN events e ON e.account_id = d.event_account_id AND e.id = d.event_id
     LEFT JOIN webhooks w ON w.id = d.webhook_id`,
    [ids, leaseMs],
  );
  const found = new Map<string, DeliveryToAttempt>();
  for (const r of rows) {
    found.set(r.deliveryId, {
      id: r.deliveryId,
      status: r.status,
      tries: r.tries,
      trigger: r.trigger,
      nextAttemptAt: r.nextAttemptAt,
      accountId: r.deliveryAccountId,
      event: {
        accountId: r.eventAccountId,
        id: r.eventId,
        type: r.eventType,
        payload: r.payload,
        created: r.eventCreated,
      },
      webhook:
        r.id === null
          ? null
          : {
              id: r.id,
              accountId: r.accountId,
              uri: r.uri,
              httpVerb: r.httpVerb,
              format: r.format,
              hook: r.hook,
              eventTypes: r.eventTypes,
              retries: r.retries,
              customData: r.customData,
              modifiers: r.modifiers,
              includeSubaccounts: r.includeSubaccounts,
              includeInternalLegs: r.includeInternalLegs,
              enabled: r.enabled,
              secret: r.secret,
              previousSecrets: r.previousSecrets,
            },
    });
  }
  return found;
}

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
  };
  /** A success resets the webhook's failure count. */
  succeededWebhookId?: string;
}

/**
 * Stores a batch of outcomes in ONE statement (so one round trip, atomic): the attempts, the
 * deliveries' new states, and the failure-count reset of webhooks that succeeded. A delivery that
 * was skipped meanwhile (its webhook was auto-disabled) stays skipped.
 */
export async function writeOutcomes(pool: pg.Pool, outcomes: DeliveryOutcome[]): Promise<void> {
  const rows = outcomes.map((o) => ({
    delivery_id: o.delivery.id,
    status: o.delivery.status,
    tries: o.delivery.tries,
    next_attempt_at: o.delivery.nextAttemptAt,
    last_error: o.delivery.lastError,
    succeeded_webhook_id: o.succeededWebhookId ?? null,
    attempt: o.attempt ? attemptColumns(o.attempt) : null,
  }));
  await pool.query(
    `WITH input AS (
       SELECT * FROM json_to_recordset($1::json) AS x(delivery_id text, status text, tries int,
         next_attempt_at timestamptz, last_error text, succeeded_webhook_id text, attempt json)
     ), new_attempts AS (
       -- LATERAL, not (json_populate_record(…)).*, which would call it once per column.
       INSERT INTO attempts
       SELECT a.* FROM input, LATERAL json_populate_record(null::attempts, input.attempt) a
       WHERE input.attempt IS NOT NULL
     ), ended AS (
       UPDATE deliveries AS d SET status = i.status, tries = i.tries, next_attempt_at = i.next_attempt_at,
         last_error = i.last_error, lease_until = NULL, modified = now()
       -- "IS TRUE" keeps the planner on the primary key: with stale statistics during a burst it
       -- would otherwise scan every pending delivery through the status index, once per batch.
       FROM input i WHERE d.id = i.delivery_id AND (d.status = 'pending') IS TRUE
     )
     UPDATE webhooks SET recent_failures = '{}'
     WHERE id IN (SELECT succeeded_webhook_id FROM input WHERE succeeded_webhook_id IS NOT NULL)
       AND cardinality(recent_failures) > 0`,
    [storableJson(JSON.stringify(rows))],
  );
}

/** An attempt as the attempts table's columns (json_populate_record matches them by name). */
function attemptColumns(a: AttemptRecord) {
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
  };
}

/**
 * Counts one failed attempt against a webhook, under a row lock so every worker sees one count.
 * When the count reaches the rule, in the same transaction, the webhook is disabled and a
 * `webhook_disabled` notification event is stored in its account; then its pending deliveries are
 * skipped. Returns that event when this failure disabled the webhook.
 */
export async function recordWebhookFailure(
  pool: pg.Pool,
  webhookId: string,
  now: Date,
  rule: AutoDisableRule,
): Promise<{ accountId: string; eventId: string } | undefined> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{
      recent: Date[] | null;
      enabled: boolean;
      accountId: string;
      name: string;
      uri: string;
    }>(
      `SELECT recent_failures AS recent, enabled, account_id AS "accountId", name, uri
       FROM webhooks WHERE id = $1 FOR UPDATE`,
      [webhookId],
    );
    const webhook = rows[0];
    if (!webhook || !webhook.enabled) {
      await client.query('COMMIT');
      return undefined;
    }
    const { recent, disable } = recordFailure(webhook.recent ?? [], now, rule);
    await client.query(
      `UPDATE webhooks SET recent_failures = $2,
         enabled = CASE WHEN $3 THEN false ELSE enabled END,
         disable_reason = CASE WHEN $3 THEN $4 ELSE disable_reason END,
         modified = CASE WHEN $3 THEN now() ELSE modified END
       WHERE id = $1`,
      [webhookId, recent, disable, AUTO_DISABLE_REASON],
    );
    let notice: { accountId: string; eventId: string } | undefined;
    if (disable) {
      const event = webhookDisabledNotice(
        {
          id: webhookId,
          name: webhook.name,
          uri: withoutCredentials(webhook.uri),
          accountId: webhook.accountId,
        },
        recent.length,
        now,
      );
      await client.query(
        `INSERT INTO events (account_id, id, type, payload) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [webhook.accountId, event.id, event.type, JSON.stringify(event.payload)],
      );
      notice = { accountId: webhook.accountId, eventId: event.id };
    }
    await client.query('COMMIT');
    if (notice) {
      // Outside the row lock: a dead endpoint's backlog can be large, and other failing attempts
      // of this webhook must not wait on it. Any delivery missed here is skipped by its own job,
      // which finds the webhook disabled.
      await client.query(
        `UPDATE deliveries SET status = 'skipped', last_error = $2, modified = now()
         WHERE webhook_id = $1 AND status = 'pending'`,
        [webhookId, `webhook disabled: ${AUTO_DISABLE_REASON}`],
      );
    }
    return notice;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Pending deliveries whose next try is overdue by more than the grace period (the queue lost them). */
export async function deliveriesOverdue(
  pool: pg.Pool,
  olderThan: Date,
  limit: number,
): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM deliveries
     WHERE status = 'pending' AND next_attempt_at < $1 AND (lease_until IS NULL OR lease_until < now())
     ORDER BY next_attempt_at LIMIT $2`,
    [olderThan, limit],
  );
  return rows.map((r) => r.id);
}

/** New manual deliveries of an event (redeliver): a fresh delivery id, a fresh round of tries. */
export function manualDeliveries(
  event: { accountId: string; id: string },
  webhooks: { id: string; accountId: string }[],
): NewDelivery[] {
  return webhooks.map((w) => ({
    id: newId(),
    eventAccountId: event.accountId,
    eventId: event.id,
    webhookId: w.id,
    accountId: w.accountId,
    trigger: 'manual',
  }));
}

/** The most deliveries one recover call reopens (as Svix); call again for the rest. */
export const RECOVER_LIMIT = 10_000;

/**
 * Recover: failed deliveries of a webhook since a time (oldest first, up to RECOVER_LIMIT) go back
 * to pending with a fresh round of tries. Each keeps its delivery id, so a receiver that did
 * process it dedupes by webhook-id.
 */
export async function reopenFailedDeliveries(
  pool: pg.Pool,
  webhookId: string,
  since: Date,
  until: Date,
): Promise<string[]> {
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
}

/**
 * The deliveries of one event that `callerId` may see: those to webhooks of its own account or
 * below. Deliveries to an ancestor's include_subaccounts hook stay hidden from a sub-account.
 */
export async function deliveriesOfEvent(
  pool: pg.Pool,
  event: { accountId: string; id: string },
  callerId: string,
) {
  const { rows } = await pool.query<{
    id: string;
    webhookId: string | null;
    status: string;
    trigger: string;
    tries: number;
    lastError: string | null;
    nextAttemptAt: Date;
    created: Date;
    modified: Date;
  }>(
    `SELECT d.id, d.webhook_id AS "webhookId", d.status, d.trigger, d.tries, d.last_error AS "lastError",
       d.next_attempt_at AS "nextAttemptAt", d.created, d.modified
     FROM deliveries d JOIN accounts a ON a.id = d.account_id
     WHERE d.event_account_id = $1 AND d.event_id = $2 AND $3 = ANY(a.tree)
     ORDER BY d.created, d.id`,
    [event.accountId, event.id, callerId],
  );
  return rows;
}

/** Gives a lease back without an outcome (the run found the delivery not yet due). */
export async function releaseLease(pool: pg.Pool, id: string): Promise<void> {
  await pool.query('UPDATE deliveries SET lease_until = NULL WHERE id = $1', [id]);
}

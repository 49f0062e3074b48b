import type pg from 'pg';
import { newId } from '../domain/ids.ts';
import {
  AUTO_DISABLE_REASON,
  recordFailure,
  webhookDisabledNotice,
  type AutoDisableRule,
} from '../domain/auto-disable.ts';
import { withoutCredentials } from '../domain/uri.ts';
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
  enabled: boolean;
  secret: string;
  previousSecrets: PreviousSecret[];
}

const WEBHOOK_COLUMNS = `w.id, w.account_id AS "accountId", w.uri, w.http_verb AS "httpVerb", w.format, w.hook,
  coalesce(w.event_types, '{}') AS "eventTypes", w.retries, w.custom_data AS "customData", w.modifiers,
  w.include_subaccounts AS "includeSubaccounts", w.enabled, w.secret, w.previous_secrets AS "previousSecrets"`;

/**
 * The candidates an event of `accountId` can reach: the account's own enabled hooks, and its
 * ancestors' enabled hooks that include sub-accounts. Type and modifier matching is done by the
 * pure `webhookReceives`.
 */
export async function candidateWebhooks(client: pg.PoolClient | pg.Pool, accountId: string) {
  const { rows } = await client.query<WebhookForDelivery & { tree: string[] }>(
    `WITH acct AS (SELECT tree FROM accounts WHERE id = $1)
     SELECT ${WEBHOOK_COLUMNS}, acct.tree FROM webhooks w, acct
     WHERE w.enabled AND (w.account_id = $1 OR (w.include_subaccounts AND w.account_id = ANY(acct.tree)))`,
    [accountId],
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

export async function loadDeliveries(
  pool: pg.Pool,
  ids: string[],
): Promise<Map<string, DeliveryToAttempt>> {
  const { rows } = await pool.query(
    `SELECT d.id AS "deliveryId", d.status, d.tries, d.trigger, d.account_id AS "deliveryAccountId",
            d.event_account_id AS "eventAccountId", d.event_id AS "eventId", e.type AS "eventType",
            e.payload, e.created AS "eventCreated", ${WEBHOOK_COLUMNS}
     FROM deliveries d
     JOIN events e ON e.account_id = d.event_account_id AND e.id = d.event_id
     LEFT JOIN webhooks w ON w.id = d.webhook_id
     WHERE d.id = ANY($1)`,
    [ids],
  );
  const found = new Map<string, DeliveryToAttempt>();
  for (const r of rows) {
    found.set(r.deliveryId, {
      id: r.deliveryId,
      status: r.status,
      tries: r.tries,
      trigger: r.trigger,
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
 * Stores a batch of outcomes in one transaction of three set-based statements. A delivery that was
 * skipped meanwhile (its webhook was auto-disabled) stays skipped.
 */
export async function writeOutcomes(pool: pg.Pool, outcomes: DeliveryOutcome[]): Promise<void> {
  const attempts = outcomes.flatMap((o) => (o.attempt ? [o.attempt] : []));
  const succeeded = [
    ...new Set(outcomes.flatMap((o) => (o.succeededWebhookId ? [o.succeededWebhookId] : []))),
  ];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    if (attempts.length > 0) {
      const col = <K extends keyof AttemptRecord>(k: K) => attempts.map((a) => a[k]);
      const json = (k: 'reqHeaders' | 'respHeaders') =>
        attempts.map((a) => (a[k] === null ? null : JSON.stringify(a[k])));
      await client.query(
        `INSERT INTO attempts (id, delivery_id, webhook_id, account_id, event_id, hook_event, uri, method,
           req_headers, req_body, resp_status_code, resp_headers, resp_body, try, retries_left, result, reason,
           client_error, duration_ms, created)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::jsonb[], $10::text[], $11::int[], $12::jsonb[], $13::text[], $14::int[], $15::int[],
           $16::text[], $17::text[], $18::text[], $19::int[], $20::timestamptz[])`,
        [
          col('id'),
          col('deliveryId'),
          col('webhookId'),
          col('accountId'),
          col('eventId'),
          col('hookEvent'),
          col('uri'),
          col('method'),
          json('reqHeaders'),
          col('reqBody'),
          col('respStatusCode'),
          json('respHeaders'),
          col('respBody'),
          col('try'),
          col('retriesLeft'),
          col('result'),
          col('reason'),
          col('clientError'),
          col('durationMs'),
          col('created'),
        ],
      );
    }
    const d = outcomes.map((o) => o.delivery);
    await client.query(
      `UPDATE deliveries AS d SET status = u.status, tries = u.tries, next_attempt_at = u.next_attempt_at,
         last_error = u.last_error, modified = now()
       FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::text[])
         AS u(id, status, tries, next_attempt_at, last_error)
       WHERE d.id = u.id AND d.status = 'pending'`,
      [
        d.map((x) => x.id),
        d.map((x) => x.status),
        d.map((x) => x.tries),
        d.map((x) => x.nextAttemptAt),
        d.map((x) => x.lastError),
      ],
    );
    if (succeeded.length > 0) {
      await client.query(
        `UPDATE webhooks SET recent_failures = '{}' WHERE id = ANY($1) AND cardinality(recent_failures) > 0`,
        [succeeded],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Counts one failed attempt against a webhook, under a row lock so every worker sees one count.
 * When the count reaches the rule, in the same transaction: the webhook is disabled, its pending
 * deliveries are skipped, and a `webhook_disabled` notification event is stored in its account.
 * Returns that event when this failure disabled the webhook.
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
      await client.query(
        `UPDATE deliveries SET status = 'skipped', last_error = $2, modified = now()
         WHERE webhook_id = $1 AND status = 'pending'`,
        [webhookId, `webhook disabled: ${AUTO_DISABLE_REASON}`],
      );
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
    `SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at < $1 ORDER BY next_attempt_at LIMIT $2`,
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

/**
 * Recover: every failed delivery of a webhook since a time goes back to pending with a fresh
 * round of tries. It keeps its delivery id, so a receiver that did process it dedupes by webhook-id.
 */
export async function reopenFailedDeliveries(
  pool: pg.Pool,
  webhookId: string,
  since: Date,
  until: Date,
): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `UPDATE deliveries SET status = 'pending', tries = 0, next_attempt_at = now(), last_error = NULL, modified = now()
     WHERE webhook_id = $1 AND status = 'failed' AND created >= $2 AND created <= $3
     RETURNING id`,
    [webhookId, since, until],
  );
  return rows.map((r) => r.id);
}

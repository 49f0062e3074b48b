import type pg from 'pg';
import { preparedStatement, type Database } from './db.ts';
import type { PreviousSecret } from '../domain/signing.ts';
import { managedBySql } from './tenancy.ts';

/**
 * Webhooks as fan-out and delivery read them: raw SQL over the pool, because this is the hot path.
 * (The management API reads and writes webhooks through webhooks.ts.)
 */

/** A webhook's delivery limits after its account's defaults are applied (null: the setting / none). */
export interface WebhookLimits {
  maxInFlight: number | null;
  rateLimit: number | null;
}

/** What matching an event needs to know of a webhook. */
export interface WebhookForMatching extends WebhookLimits {
  id: string;
  accountId: string;
  hook: string | null;
  eventTypes: string[];
  customData: Record<string, unknown> | null;
  modifiers: Record<string, unknown> | null;
  includeSubaccounts: boolean;
  /** Reached only by invoke (domain/call-control.ts). */
  callControl: boolean;
  includeInternalLegs: boolean;
  enabled: boolean;
  /** The dialect the webhook names (null: the default for hook / event_types). */
  dialect: string | null;
  /** Its own ordering and its account's default (null: none set; domain/call-order.ts decides). */
  ordering: string | null;
  accountOrdering: string | null;
}

/** What sending an attempt needs to know of a webhook (no modifiers: they only filter). */
export interface WebhookForDelivery {
  id: string;
  accountId: string;
  uri: string;
  httpVerb: 'get' | 'post' | 'put';
  format: 'json' | 'form-data';
  /** The dialect the webhook names (null: kazoo for hook, voipbin for event_types). */
  dialect: string | null;
  hook: string | null;
  eventTypes: string[];
  retries: number;
  customData: Record<string, unknown> | null;
  /** Extra headers of every delivery (Kazoo 4.3+); names were checked when the webhook was saved. */
  customRequestHeaders: Record<string, string> | null;
  enabled: boolean;
  secret: string;
  previousSecrets: PreviousSecret[];
  /** The row's version (xmin): any change to the webhook changes it. */
  version: string;
}

const LIMIT_COLUMNS = `coalesce(w.max_in_flight, o.webhook_max_in_flight) AS "maxInFlight",
  coalesce(w.rate_limit, o.webhook_rate_limit) AS "rateLimit"`;

const candidatesOf = preparedStatement(
  'webhook_candidates',
  `SELECT a.id AS "eventAccountId", a.tree, w.id, w.call_control AS "callControl",
       w.account_id AS "accountId", w.hook,
       coalesce(w.event_types, '{}') AS "eventTypes", w.custom_data AS "customData", w.modifiers,
       w.include_subaccounts AS "includeSubaccounts", w.include_internal_legs AS "includeInternalLegs",
       w.enabled, w.dialect, w.ordering, o.webhook_ordering AS "accountOrdering", ${LIMIT_COLUMNS}
     FROM accounts a
     -- The tree (root … the account itself) as the index condition: the account's own hooks and
     -- its ancestors' are read by (account_id, enabled), however many webhooks other tenants have.
     -- OFFSET 0 keeps it a lookup per account, whatever plan the hot path made (db.ts): joined
     -- freely, a plan made on an empty database reads every enabled webhook instead.
     CROSS JOIN LATERAL (
       SELECT * FROM webhooks w
       WHERE ${managedBySql('a', 'w.account_id')} AND w.enabled
         AND (w.account_id = a.id OR w.include_subaccounts)
       OFFSET 0) w
     JOIN accounts o ON o.id = w.account_id
     WHERE a.id = ANY($1)`,
);

const forDeliveryOf = preparedStatement(
  'webhooks_for_delivery',
  `SELECT w.id, w.account_id AS "accountId", w.uri, w.http_verb AS "httpVerb", w.format, w.dialect, w.hook,
       coalesce(w.event_types, '{}') AS "eventTypes", w.retries, w.custom_data AS "customData",
       w.custom_request_headers AS "customRequestHeaders", w.enabled, w.secret, w.previous_secrets AS "previousSecrets",
       w.xmin::text AS version
     FROM webhooks w WHERE w.id = ANY($1)`,
);

export function webhookTargetStore({ pool, hot }: Database) {
  return {
    /**
     * The webhooks events of these accounts can reach: each account's own enabled hooks, and its
     * ancestors' enabled hooks that include sub-accounts — one row per (event account, webhook), with
     * the event account's tree. Type and modifier matching is done by the pure `webhookReceives`.
     */
    async candidates(accountIds: string[], on: pg.Pool | pg.PoolClient = hot) {
      const { rows } = await on.query<
        WebhookForMatching & { eventAccountId: string; tree: string[] }
      >(candidatesOf([accountIds]));
      return rows;
    },

    /** Each webhook once, however many deliveries of a batch go to it. */
    async forDelivery(ids: string[]): Promise<Map<string, WebhookForDelivery>> {
      if (ids.length === 0) return new Map();
      const { rows } = await hot.query<WebhookForDelivery>(forDeliveryOf([ids]));
      return new Map(rows.map((w) => [w.id, w]));
    },

    /** The limits of every webhook of an account (its defaults changed). */
    async limitsOfAccount(accountId: string) {
      const { rows } = await pool.query<WebhookLimits & { id: string; accountId: string }>(
        `SELECT w.id, w.account_id AS "accountId", ${LIMIT_COLUMNS}
         FROM webhooks w JOIN accounts o ON o.id = w.account_id WHERE w.account_id = $1`,
        [accountId],
      );
      return rows;
    },

    /** Limits of these webhooks (redeliver, recover, the reconciler). */
    async limits(ids: string[]): Promise<Map<string, WebhookLimits & { accountId: string }>> {
      if (ids.length === 0) return new Map();
      const { rows } = await pool.query<WebhookLimits & { id: string; accountId: string }>(
        `SELECT w.id, w.account_id AS "accountId", ${LIMIT_COLUMNS}
     FROM webhooks w JOIN accounts o ON o.id = w.account_id WHERE w.id = ANY($1)`,
        [ids],
      );
      return new Map(rows.map((r) => [r.id, r]));
    },
  };
}

export type WebhookTargetStore = ReturnType<typeof webhookTargetStore>;

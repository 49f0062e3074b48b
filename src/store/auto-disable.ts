import type { Database } from './db.ts';
import {
  AUTO_DISABLE_REASON,
  recordFailure,
  webhookDisabledNotice,
  type AutoDisableRule,
} from '../domain/auto-disable.ts';
import { withoutCredentials } from '../domain/uri.ts';
import { deliveryStore } from './deliveries.ts';
import { inTransaction } from './transaction.ts';

/** Kazoo's auto-disable rule, kept in Postgres so every worker shares one count. */
export function autoDisableStore(db: Database) {
  const { pool } = db;
  const deliveries = deliveryStore(db);
  return {
    /**
     * Counts one failed attempt against a webhook, under a row lock so every worker sees one count.
     * When the count reaches the rule, in the same transaction, the webhook is disabled and a
     * `webhook_disabled` notification event is stored in its account (not yet fanned out); then its
     * pending deliveries are skipped. Returns that event when this failure disabled the webhook.
     */
    async recordFailure(
      webhookId: string,
      now: Date,
      rule: AutoDisableRule,
    ): Promise<{ accountId: string; eventId: string } | undefined> {
      const notice = await inTransaction(pool, async (client) => {
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
        if (!webhook || !webhook.enabled) return undefined;
        const { recent, disable } = recordFailure(webhook.recent ?? [], now, rule);
        await client.query(
          `UPDATE webhooks SET recent_failures = $2,
         enabled = CASE WHEN $3 THEN false ELSE enabled END,
         disable_reason = CASE WHEN $3 THEN $4 ELSE disable_reason END,
         modified = CASE WHEN $3 THEN now() ELSE modified END
       WHERE id = $1`,
          [webhookId, recent, disable, AUTO_DISABLE_REASON],
        );
        if (!disable) return undefined;
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
          // The id's key first (event_keys: the event-id dedup), the event only if the key was new.
          `WITH new_key AS (
         INSERT INTO event_keys (account_id, id, created) VALUES ($1, $2, now())
         ON CONFLICT DO NOTHING RETURNING account_id, id, created)
       INSERT INTO events (account_id, id, type, payload, created)
       SELECT account_id, id, $3, $4, created FROM new_key`,
          [webhook.accountId, event.id, event.type, JSON.stringify(event.payload)],
        );
        return { accountId: webhook.accountId, eventId: event.id };
      });
      if (notice) {
        // Outside the row lock: a dead endpoint's backlog can be large, and other failing attempts
        // of this webhook must not wait on it. Any delivery missed here is skipped by its own turn,
        // which finds the webhook disabled.
        await deliveries.skipPending(webhookId, `webhook disabled: ${AUTO_DISABLE_REASON}`);
      }
      return notice;
    },
  };
}

export type AutoDisableStore = ReturnType<typeof autoDisableStore>;

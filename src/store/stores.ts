import type pg from 'pg';
import type { Database } from './db.ts';
import { inTransaction } from './transaction.ts';
import { accountStore } from './accounts.ts';
import { apiKeyStore } from './api-keys.ts';
import { attemptStore } from './attempts.ts';
import { autoDisableStore } from './auto-disable.ts';
import { deliveryStore } from './deliveries.ts';
import { eventStore } from './events.ts';
import { outcomeStore } from './outcomes.ts';
import { partitionStore } from './partitions.ts';
import { replayStore } from './replays.ts';
import { retentionStore } from './retention.ts';
import { webhookTargetStore } from './webhook-targets.ts';
import { webhookStore } from './webhooks.ts';

/**
 * Every store over one database. Each store owns one group of tables and its choice of access:
 * Prisma for the management API's documents, batched raw SQL on the delivery path.
 */
export function stores(db: Database) {
  return {
    accounts: accountStore(db),
    apiKeys: apiKeyStore(db),
    webhooks: webhookStore(db),
    /** Webhooks as fan-out and delivery read them (hot path). */
    webhookTargets: webhookTargetStore(db),
    events: eventStore(db),
    deliveries: deliveryStore(db),
    outcomes: outcomeStore(db),
    attempts: attemptStore(db),
    replays: replayStore(db),
    autoDisable: autoDisableStore(db),
    retention: retentionStore(db),
    /** The day partitions of events, deliveries and attempts. */
    partitions: partitionStore(db),
    /** Runs `work` in one transaction; stores that take a client join it. */
    inTransaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => inTransaction(db.pool, work),
  };
}

export type Stores = ReturnType<typeof stores>;

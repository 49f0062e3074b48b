import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { Scheduler } from '../delivery/scheduler/scheduler.ts';
import type { Ingest } from '../delivery/ingest.ts';
import type { PushDeliveries } from '../delivery/fanout.ts';
import type { Stores } from '../store/stores.ts';

/** What every service is built from: the settings, the stores, the scheduler and a logger. */
export interface ServiceDeps {
  config: Config;
  stores: Stores;
  scheduler: Scheduler;
  /** Publishing's group commit. */
  ingest: Ingest;
  /** Puts stored deliveries in line; what Redis does not take, the reconciler does. */
  push: PushDeliveries;
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>;
  /**
   * Tells every API process to forget the keys and accounts it remembers: called after anything
   * that takes access away or changes an account (http/auth-cache.ts).
   */
  accessChanged(): Promise<void>;
}

import type pg from 'pg';
import type { DeliveryConfig } from '../config.ts';
import { newId } from '../domain/ids.ts';
import { decideNextStep, isSuccess, retriesLeft, type RetryPolicy } from '../domain/retry.ts';
import {
  leaseDeliveries,
  releaseLease,
  recordWebhookFailure,
  writeOutcomes,
  type DeliveryOutcome,
  type DeliveryToAttempt,
} from '../store/deliveries.ts';
import { prepareAttempt } from './attempt-request.ts';
import { createBatcher } from './batcher.ts';
import type { HttpClient } from './http-client.ts';

/** Request bodies longer than this are cut in the attempts log (the receiver gets them whole). */
const LOGGED_REQUEST_BODY_LIMIT = 16 * 1024;

/** How long a lease outlives the attempt timeout (the outcome write, batching, a slow pool). */
const LEASE_MARGIN_MS = 30_000;

/** A job may run this much before its delivery's next_attempt_at (timer and clock jitter). */
const EARLY_TOLERANCE_MS = 1_000;

export interface DeliverResult {
  /** Set when the delivery must be tried again after this many ms. */
  retryInMs?: number;
  status: 'delivered' | 'failed' | 'skipped' | 'pending' | 'gone';
}

/**
 * The attempt of one delivery: load it, send it, log the attempt, decide what comes next.
 * Loads and writes of concurrent deliveries are grouped (see batcher.ts); a delivery's call
 * returns only once its attempt and new state are committed.
 */
export function createDeliverer(
  pool: pg.Pool,
  http: HttpClient,
  settings: DeliveryConfig,
  /**
   * Called with an event the delivery path stored itself (the webhook_disabled notification), to
   * enqueue its fan-out. Must not throw: the event is stored, the reconciler fans it out anyway.
   */
  onEventStored: (event: { accountId: string; eventId: string }) => Promise<void> = async () => {},
) {
  // Long enough for an attempt and its write; a crashed run's deliveries come back after it.
  const leaseMs = settings.attemptTimeoutMs + LEASE_MARGIN_MS;
  const loader = createBatcher(
    async (ids: string[]) => {
      const found = await leaseDeliveries(pool, ids, leaseMs);
      return ids.map((id) => found.get(id));
    },
    { maxSize: 200, maxWaitMs: 2 },
  );
  const writer = createBatcher(
    async (outcomes: DeliveryOutcome[]) => {
      await writeOutcomes(pool, outcomes);
      return outcomes.map(() => undefined);
    },
    { maxSize: 500, maxWaitMs: 5 },
  );
  const policy: RetryPolicy = {
    scheduleMs: settings.retryScheduleMs,
    jitter: settings.retryJitter,
  };
  const rule = { threshold: settings.autoDisableThreshold, windowMs: settings.autoDisableWindowMs };

  async function skip(delivery: DeliveryToAttempt, why: string): Promise<DeliverResult> {
    await writer.submit({
      delivery: {
        id: delivery.id,
        status: 'skipped',
        tries: delivery.tries,
        nextAttemptAt: new Date(),
        lastError: why,
      },
    });
    return { status: 'skipped' };
  }

  async function deliver(deliveryId: string): Promise<DeliverResult> {
    // Ended, or being attempted by another run right now: nothing to do here (see the lease).
    const delivery = await loader.submit(deliveryId);
    if (!delivery) return { status: 'gone' };
    // A duplicate run of a job (a stalled job taken over, a re-add) must not cut a retry's
    // backoff or a Retry-After short: wait for the time the delivery itself says.
    const early = delivery.nextAttemptAt.getTime() - Date.now();
    if (early > EARLY_TOLERANCE_MS) {
      await releaseLease(pool, delivery.id);
      return { status: 'pending', retryInMs: early };
    }
    const webhook = delivery.webhook;
    if (!webhook) return skip(delivery, 'webhook deleted');
    if (!webhook.enabled) return skip(delivery, 'webhook disabled');

    const started = new Date();
    const prepared = prepareAttempt(delivery, webhook, started);
    const result = await http.send(prepared.request);
    const tryNumber = delivery.tries + 1;
    const step = decideNextStep(result.outcome, tryNumber, webhook.retries, policy, new Date());
    const success = isSuccess(result.outcome);
    const reason = success ? null : (result.reason ?? describeOutcome(result.outcome));
    const status = step.kind === 'retry' ? 'pending' : step.kind;

    await writer.submit({
      attempt: {
        id: newId(),
        deliveryId: delivery.id,
        webhookId: webhook.id,
        accountId: webhook.accountId,
        eventId: delivery.event.id,
        hookEvent: prepared.hookEvent,
        uri: prepared.loggedUri,
        method: prepared.request.method,
        reqHeaders: prepared.loggedHeaders,
        reqBody: (prepared.request.body ?? '').slice(0, LOGGED_REQUEST_BODY_LIMIT),
        respStatusCode: result.statusCode ?? null,
        respHeaders: result.responseHeaders ?? null,
        respBody: result.responseBody ?? null,
        try: tryNumber,
        retriesLeft: step.kind === 'retry' ? retriesLeft(tryNumber, webhook.retries) : 0,
        result: success ? 'success' : 'failure',
        reason,
        clientError: result.outcome.kind === 'error' ? result.outcome.clientError : null,
        durationMs: Math.round(result.durationMs),
        created: started,
      },
      delivery: {
        id: delivery.id,
        status,
        tries: tryNumber,
        nextAttemptAt: new Date(Date.now() + (step.kind === 'retry' ? step.delayMs : 0)),
        lastError: reason,
      },
      ...(success ? { succeededWebhookId: webhook.id } : {}),
    });

    if (!success) {
      const notice = await recordWebhookFailure(pool, webhook.id, new Date(), rule);
      if (notice) {
        await onEventStored(notice);
        return { status: 'skipped' };
      }
    }
    return step.kind === 'retry' ? { status, retryInMs: step.delayMs } : { status };
  }

  return {
    deliver,
    /** Waits for grouped reads and writes still in flight (graceful shutdown). */
    async drain(): Promise<void> {
      await loader.drain();
      await writer.drain();
    },
  };
}

function describeOutcome(outcome: { kind: string; status?: number; message?: string }): string {
  return outcome.kind === 'response'
    ? `HTTP ${outcome.status}`
    : (outcome.message ?? 'request failed');
}

export type Deliverer = ReturnType<typeof createDeliverer>;

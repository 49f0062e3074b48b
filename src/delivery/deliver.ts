import type { DeliveryConfig } from '../config.ts';
import { endpointHealth } from '../domain/endpoint-health.ts';
import { decideNextStep, isSuccess, retriesLeft, type RetryPolicy } from '../domain/retry.ts';
import type { LeasedDelivery, NotLeased } from '../store/deliveries.ts';
import type { DeliveryOutcome } from '../store/outcomes.ts';
import type { Stores } from '../store/stores.ts';
import { retryWhileUnavailable } from '../store/db.ts';
import type { WebhookForDelivery } from '../store/webhook-targets.ts';
import { prepareAttempt, type PreparedAttempt } from './attempt-request.ts';
import { sentAttempt, unbuildableAttempt } from './attempt-record.ts';
import { createBatcher } from './batcher.ts';
import { createWebhookCache } from './webhook-cache.ts';
import type { AttemptResult, HttpClient } from './http-client.ts';

/** How long an invoke's lease outlives its timeout (the outcome write, batching, a slow pool). */
export const LEASE_MARGIN_MS = 30_000;

/**
 * A run's lease on a delivery, from the lease statement or its last renewal. The run renews the
 * leases of everything it holds every `renewEveryMs` until each outcome is written, so a live run
 * keeps its delivery however long the attempt and the write take; a run that died (kill -9, a
 * lost machine) renews nothing, and its deliveries are free again within `ms`, for the
 * reconciler to put back in line. Two missed renewals in a row still leave the lease standing.
 */
export const RUN_LEASE = { ms: 15_000, renewEveryMs: 5_000 };

/** How long an outcome write is retried while the database is unavailable. */
const OUTCOME_RETRY_MS = 15_000;

/** A run may start this much before its delivery's next_attempt_at (timer and clock jitter). */
const EARLY_TOLERANCE_MS = 1_000;

/**
 * A delivery that reached a worker while an earlier one of its call is still pending (only after
 * Redis lost that one) looks again this much later; putting the earlier one back in line (the
 * reconciler) lets it go first at once.
 */
const BEHIND_CALL_RETRY_MS = 5_000;

/** A delivery as the lease statement gave it to this run, or why it did not. */
type Loaded =
  { notLeased: NotLeased } | { delivery: LeasedDelivery; webhook: WebhookForDelivery | undefined };

/**
 * A delivery another run holds is looked at again this long after that run's lease ends (or
 * after this long, when the lease had just lapsed).
 */
const LEASED_LOOK_AGAIN_MS = 250;

export interface DeliverResult {
  /**
   * 'gone': not attempted by this run: it has ended, or another run is attempting it (then it
   * is looked at again when that run's lease ends: `retryInMs`).
   */
  status: 'delivered' | 'failed' | 'skipped' | 'pending' | 'gone';
  /** The delivery has ended (delivered, failed or skipped, by this run or another). */
  ended: boolean;
  /** Set when the delivery must be tried again after this many ms. */
  retryInMs?: number;
  /** What the attempt said about the endpoint (for its circuit). */
  health: 'up' | 'down' | '';
  /** The webhook no longer takes deliveries (disabled or deleted): its line can go. */
  webhookStopped?: boolean;
}

export interface DelivererOptions {
  /**
   * Called with an event the delivery path stored itself (the webhook_disabled notification), to
   * fan it out. Must not throw: the event is stored, the reconciler fans it out anyway.
   */
  onEventStored?: (event: { accountId: string; eventId: string }) => Promise<void>;
  /** The runs' leases (tests shorten them). */
  lease?: { ms: number; renewEveryMs: number };
  /** Hears a lease renewal that failed (Postgres away): the leases may lapse if it goes on. */
  log?: { warn(obj: object, msg: string): void };
}

/**
 * The attempt of one delivery: load it, send it, log the attempt, decide what comes next.
 * Loads and writes of concurrent deliveries are grouped (see batcher.ts); a delivery's call
 * returns only once its attempt and new state are committed.
 */
export function createDeliverer(
  stores: Stores,
  http: HttpClient,
  settings: DeliveryConfig,
  options: DelivererOptions = {},
) {
  const { onEventStored = async () => {}, lease = RUN_LEASE } = options;
  const leases = leaseKeeper(stores, lease, options.log);
  // Deliveries arriving together are leased by one statement, and each webhook among them is
  // read once, however many of the batch go to it — and not at all while the worker's copy of it
  // is current.
  const webhookCopies = createWebhookCache((ids) => stores.webhookTargets.forDelivery(ids));
  const loader = createBatcher(
    async (ids: string[]) => {
      const leased = await stores.deliveries.lease(ids, lease.ms);
      const versions = new Map<string, string>();
      for (const d of leased.values()) {
        if (d.webhookId && d.webhookVersion) versions.set(d.webhookId, d.webhookVersion);
      }
      const webhooks = await webhookCopies.current(versions);
      const notLeased = await stores.deliveries.whyNotLeased(ids.filter((id) => !leased.has(id)));
      return ids.map((id): Loaded => {
        const delivery = leased.get(id);
        if (!delivery) return { notLeased: notLeased.get(id) ?? { why: 'ended' } };
        return {
          delivery,
          webhook: delivery.webhookId ? webhooks.get(delivery.webhookId) : undefined,
        };
      });
    },
    // At most every 2 ms: a delivery waits that long at most before its request goes out.
    { maxSize: 200, maxConcurrent: 1, minIntervalMs: 2 },
  );
  // Outcomes wait longer for company: nobody waits on them (the endpoint's slot is freed when its
  // answer arrives), and each write stores a batch's attempts and states in one statement.
  const writer = createBatcher(
    async (outcomes: DeliveryOutcome[]) => {
      // The requests were sent: through a database restart, keep the outcome rather than give
      // the deliveries up to be sent again. The leases are renewed meanwhile; one that lapses
      // while Postgres is away can be taken only once it is back, and by then this write's next
      // try is due within 2 s (its waits grow to 2 s at most).
      await retryWhileUnavailable(() => stores.outcomes.write(outcomes), OUTCOME_RETRY_MS);
      return outcomes.map(() => undefined);
    },
    { maxSize: 500, maxConcurrent: 1, minIntervalMs: 10 },
  );
  const policy: RetryPolicy = {
    scheduleMs: settings.retryScheduleMs,
    jitter: settings.retryJitter,
  };
  const rule = { threshold: settings.autoDisableThreshold, windowMs: settings.autoDisableWindowMs };

  /** Ends a delivery skipped; a disabled webhook's other pending deliveries end with it. */
  async function skip(
    delivery: LeasedDelivery,
    why: string,
    disabledWebhookId?: string,
  ): Promise<DeliverResult> {
    await writer.submit({
      delivery: {
        id: delivery.id,
        eventCreated: delivery.event.created,
        status: 'skipped',
        tries: delivery.tries,
        nextAttemptAt: new Date(),
        lastError: why,
      },
    });
    if (disabledWebhookId) await stores.deliveries.skipPending(disabledWebhookId, why);
    return { status: 'skipped', ended: true, health: '', webhookStopped: true };
  }

  /** Ends failed, unsent, an invoke whose API request stopped before recording its outcome. */
  async function abandonedInvoke(delivery: LeasedDelivery): Promise<DeliverResult> {
    await writer.submit({
      delivery: {
        id: delivery.id,
        eventCreated: delivery.event.created,
        status: 'failed',
        tries: delivery.tries,
        nextAttemptAt: new Date(),
        lastError: 'invoke interrupted: its outcome was never recorded, and it is not sent again',
      },
    });
    return { status: 'failed', ended: true, health: '' };
  }

  /**
   * A delivery whose request cannot be built (a payload too deep to flatten into a query
   * string, say) ends failed with an attempt that says why; it never waits forever.
   */
  async function unbuildable(
    delivery: LeasedDelivery,
    webhook: WebhookForDelivery,
    error: unknown,
    started: Date,
  ): Promise<DeliverResult> {
    const attempt = unbuildableAttempt(delivery, webhook, started, error, delivery.tries + 1);
    await writer.submit({
      attempt,
      delivery: {
        id: delivery.id,
        eventCreated: delivery.event.created,
        status: 'failed',
        tries: attempt.try,
        nextAttemptAt: started,
        lastError: attempt.reason,
      },
    });
    return { status: 'failed', ended: true, health: '' };
  }

  /**
   * `onSent` hears what the endpoint said as soon as the HTTP exchange ends, before the outcome
   * is written: the endpoint's slot is free from then on.
   */
  async function deliver(
    deliveryId: string,
    onSent: (health: DeliverResult['health']) => void = () => {},
  ): Promise<DeliverResult> {
    // Ended, or being attempted by another run right now: nothing to do here (see the lease).
    const loaded = await loader.submit(deliveryId);
    if ('notLeased' in loaded) {
      const { notLeased } = loaded;
      if (notLeased.why === 'behind_call')
        return { status: 'pending', ended: false, retryInMs: BEHIND_CALL_RETRY_MS, health: '' };
      if (notLeased.why === 'ended') return { status: 'gone', ended: true, health: '' };
      // Another run holds it. It stays in line, due when that lease ends: a live run will have
      // ended it or renewed its lease by then (this looks again, and so on), a dead one's lease
      // has lapsed and the delivery goes, without waiting for the reconciler.
      return {
        status: 'gone',
        ended: false,
        retryInMs: (notLeased.leaseEndsInMs ?? 0) + LEASED_LOOK_AGAIN_MS,
        health: '',
      };
    }
    const { delivery } = loaded;
    leases.hold(delivery);
    try {
      return await attempt(delivery, loaded.webhook, onSent);
    } finally {
      leases.forget(delivery);
    }
  }

  /** The leased delivery's run: it holds the lease (renewed) until this returns. */
  async function attempt(
    delivery: LeasedDelivery,
    webhook: WebhookForDelivery | undefined,
    onSent: (health: DeliverResult['health']) => void,
  ): Promise<DeliverResult> {
    // A duplicate run must not cut a retry's backoff or a Retry-After short: wait for the time
    // the delivery itself says.
    const early = delivery.nextAttemptAt.getTime() - Date.now();
    if (early > EARLY_TOLERANCE_MS) {
      await stores.deliveries.releaseLease(delivery.id);
      return { status: 'pending', ended: false, retryInMs: early, health: '' };
    }
    // An invoke is sent once, by the API request that made it; here only if that request died
    // before writing its outcome. Its caller is gone, so nobody would read the answer.
    if (delivery.trigger === 'invoke') return abandonedInvoke(delivery);
    if (!webhook) return skip(delivery, 'webhook deleted');
    if (!webhook.enabled) return skip(delivery, 'webhook disabled', webhook.id);

    const started = new Date();
    let prepared: PreparedAttempt;
    try {
      prepared = prepareAttempt(delivery, webhook, started);
    } catch (error) {
      return unbuildable(delivery, webhook, error, started);
    }
    const result = await http.send(prepared.request);
    const { health, tryNumber, step, success, reason, attempt } = judgeSentAttempt(
      delivery,
      webhook,
      started,
      prepared,
      result,
      policy,
    );
    onSent(health);
    const status = step.kind === 'retry' ? 'pending' : step.kind;

    await writer.submit({
      attempt,
      delivery: {
        id: delivery.id,
        eventCreated: delivery.event.created,
        status,
        tries: tryNumber,
        nextAttemptAt: new Date(Date.now() + (step.kind === 'retry' ? step.delayMs : 0)),
        lastError: reason,
      },
      ...(success ? { succeededWebhookId: webhook.id } : {}),
    });

    if (!success) {
      const notice = await stores.autoDisable.recordFailure(webhook.id, new Date(), rule);
      if (notice) {
        await onEventStored(notice);
        return { status: 'skipped', ended: true, health, webhookStopped: true };
      }
    }
    return step.kind === 'retry'
      ? { status, ended: false, retryInMs: step.delayMs, health }
      : { status, ended: true, health };
  }

  return {
    deliver,
    /** Waits for grouped reads and writes still in flight (graceful shutdown). */
    async drain(): Promise<void> {
      await loader.drain();
      await writer.drain();
      leases.stop();
    },
  };
}

/**
 * The leases this process's runs hold, renewed together by one statement every `renewEveryMs`
 * (store/deliveries.ts renewLeases). A renewal that fails (Postgres away) is logged and tried
 * again at the next tick; one still running when the next is due is not doubled.
 */
function leaseKeeper(
  stores: Stores,
  lease: { ms: number; renewEveryMs: number },
  log?: DelivererOptions['log'],
) {
  /** Delivery id → its event's creation time (the partition key: the renewal names the days). */
  const held = new Map<string, Date>();
  let renewing = false;
  const timer = setInterval(() => {
    if (held.size === 0 || renewing) return;
    renewing = true;
    let since = Infinity;
    for (const created of held.values()) since = Math.min(since, created.getTime());
    const ids = [...held.keys()];
    stores.deliveries
      .renewLeases(ids, new Date(since), lease.ms)
      .catch((err: Error) =>
        log?.warn(
          { err: err.message, held: ids.length, retryInMs: lease.renewEveryMs },
          'lease renewal failed; tried again at the next tick',
        ),
      )
      .finally(() => (renewing = false));
  }, lease.renewEveryMs);
  timer.unref();
  return {
    hold: (d: LeasedDelivery) => void held.set(d.id, d.event.created),
    forget: (d: LeasedDelivery) => void held.delete(d.id),
    stop: () => clearInterval(timer),
  };
}

/**
 * What a sent try comes to: the endpoint's health, the next step (a retry, or the end), and the
 * try's row in the attempts log. The worker's warm-up runs the same (src/delivery/warm-up.ts).
 */
export function judgeSentAttempt(
  delivery: LeasedDelivery,
  webhook: WebhookForDelivery,
  started: Date,
  prepared: PreparedAttempt,
  result: AttemptResult,
  policy: RetryPolicy,
) {
  const health = endpointHealth(result.outcome);
  const tryNumber = delivery.tries + 1;
  const step = decideNextStep(result.outcome, tryNumber, webhook.retries, policy, new Date());
  const success = isSuccess(result.outcome);
  const reason = success ? null : (result.reason ?? describeOutcome(result.outcome));
  const attempt = sentAttempt(delivery, webhook, started, prepared, result, {
    try: tryNumber,
    retriesLeft: step.kind === 'retry' ? retriesLeft(tryNumber, webhook.retries) : 0,
    result: success ? 'success' : 'failure',
    reason,
    clientError: result.outcome.kind === 'error' ? result.outcome.clientError : null,
  });
  return { health, tryNumber, step, success, reason, attempt };
}

function describeOutcome(outcome: { kind: string; status?: number; message?: string }): string {
  return outcome.kind === 'response'
    ? `HTTP ${outcome.status}`
    : (outcome.message ?? 'request failed');
}

export type Deliverer = ReturnType<typeof createDeliverer>;

import type { AutoDisableRule } from '../domain/auto-disable.ts';
import { readAnswer, type Answer } from '../domain/call-control.ts';
import type { LeasedDelivery, NewDelivery } from '../store/deliveries.ts';
import { eventKey, type NewEvent } from '../store/events.ts';
import type { AttemptRecord, DeliveryOutcome } from '../store/outcomes.ts';
import type { Stores } from '../store/stores.ts';
import { retryWhileUnavailable } from '../store/db.ts';
import type { WebhookForDelivery } from '../store/webhook-targets.ts';
import { prepareAttempt } from './attempt-request.ts';
import { LEASE_MARGIN_MS } from './deliver.ts';
import { planDeliveries } from './planner.ts';
import { sentAttempt, unbuildableAttempt } from './attempt-record.ts';
import type { AttemptResult, HttpClient } from './http-client.ts';

/**
 * Invoke (docs/call-control.md): one event, sent now to the account's matching call-control
 * webhooks in parallel, each answer read and handed back to the caller. The event and its
 * deliveries are stored as a published event's are, so the attempts log, GET …/events/{E} and
 * auto-disable see an invoke like any delivery; but it is attempted once, here, and never queued.
 */

export interface InvokeSettings {
  /** Largest answer read, bytes (the client's response body limit). */
  answerLimitBytes: number;
  /** Bytes of a response body kept in the attempts log. */
  loggedBodyLimit: number;
  autoDisable: AutoDisableRule;
  /** The default deadline: a timeout under a shorter one the caller chose is not the receiver's fault. */
  defaultTimeoutMs: number;
  log: { warn(obj: object, msg: string): void };
}

/** How long the outcomes of an answered invoke are retried while the database is unavailable. */
const OUTCOME_RETRY_MS = 2_000;

/** One webhook's part of an invoke, as the caller reads it. */
export type InvokeResult = Answer & {
  webhookId: string;
  deliveryId: string;
  statusCode?: number;
  durationMs: number;
};

export type InvokeOutcome = { kind: 'duplicate' } | { kind: 'invoked'; results: InvokeResult[] };

export function createInvoker(
  stores: Stores,
  http: HttpClient,
  settings: InvokeSettings,
  /** Hears the webhook_disabled notice an invoke's failure stored; must not throw. */
  onEventStored: (event: { accountId: string; eventId: string }) => Promise<void>,
) {
  /** The call-control webhooks the event reaches, one delivery each. */
  async function plan(event: NewEvent): Promise<NewDelivery[]> {
    const candidates = await stores.webhookTargets.candidates([event.accountId]);
    return planDeliveries([event], candidates, 'invoke', 'invoke').map((p) => p.delivery);
  }

  /** Sends one delivery within `due` (epoch ms) and reads the answer; never throws. */
  async function attemptOne(
    delivery: LeasedDelivery,
    webhook: WebhookForDelivery,
    due: number,
    timeoutMs: number,
  ): Promise<{ result: InvokeResult; outcome: DeliveryOutcome }> {
    const started = new Date();
    let attempt: AttemptRecord;
    let answer: Answer;
    let exchange: AttemptResult | undefined;
    try {
      const prepared = prepareAttempt(delivery, webhook, started);
      exchange = await http.send(prepared.request, Math.max(1, due - Date.now()));
      answer = readAnswer(exchange, settings.answerLimitBytes);
      // The client was given what was left of the deadline; the caller knows the deadline.
      if (answer.result === 'failure' && answer.clientError === 'timeout') {
        answer = { ...answer, reason: `no complete answer within the deadline of ${timeoutMs} ms` };
      }
      attempt = sentAttempt(
        delivery,
        webhook,
        started,
        prepared,
        exchange,
        {
          try: 1,
          // The caller decides whether to try again: an invoke has no retries.
          retriesLeft: 0,
          result: answer.result,
          reason: answer.result === 'failure' ? answer.reason : null,
          clientError: answer.result === 'failure' ? (answer.clientError ?? null) : null,
        },
        exchange.responseBody === undefined
          ? null
          : cutToBytes(exchange.responseBody, settings.loggedBodyLimit),
      );
    } catch (error) {
      attempt = unbuildableAttempt(delivery, webhook, started, error, 1);
      answer = { result: 'failure', clientError: 'bad_payload', reason: attempt.reason! };
    }
    const success = answer.result === 'success';
    return {
      result: {
        webhookId: webhook.id,
        deliveryId: delivery.id,
        ...(exchange?.statusCode !== undefined ? { statusCode: exchange.statusCode } : {}),
        durationMs: attempt.durationMs,
        ...answer,
      },
      outcome: {
        attempt,
        delivery: {
          id: delivery.id,
          status: success ? 'delivered' : 'failed',
          tries: 1,
          nextAttemptAt: started,
          lastError: attempt.reason,
        },
        ...(success ? { succeededWebhookId: webhook.id } : {}),
      },
    };
  }

  /**
   * A failure counts towards Kazoo's auto-disable rule, as any attempt's does — but not one the
   * caller caused: a request that could not be built, or a timeout under a deadline shorter than
   * the default (a sub-account must not be able to disable its ancestor's hook with 100 ms
   * deadlines).
   */
  async function countFailures(results: InvokeResult[], timeoutMs: number): Promise<void> {
    const receiversFault = (r: InvokeResult) =>
      r.result === 'failure' &&
      r.clientError !== 'bad_payload' &&
      !(r.clientError === 'timeout' && timeoutMs < settings.defaultTimeoutMs);
    const failed = new Set(results.filter(receiversFault).map((r) => r.webhookId));
    for (const webhookId of failed) {
      const notice = await stores.autoDisable.recordFailure(
        webhookId,
        new Date(),
        settings.autoDisable,
      );
      if (notice) await onEventStored(notice);
    }
  }

  return {
    /**
     * Stores the event with one delivery per matching call-control webhook, then sends them all
     * at once, each bounded by `timeoutMs` from now. An event id the account already has is a
     * duplicate: nothing is sent again.
     */
    async invoke(event: NewEvent, timeoutMs: number): Promise<InvokeOutcome> {
      const due = Date.now() + timeoutMs;
      const deliveries = await plan(event);
      const inserted = await stores.events.insertWithDeliveries([event], deliveries);
      if (!inserted.events.has(eventKey(event.accountId, event.id))) return { kind: 'duplicate' };
      if (deliveries.length === 0) return { kind: 'invoked', results: [] };

      // Leased until well after the deadline: no worker or reconciler touches them meanwhile.
      const leased = await stores.deliveries.lease(
        deliveries.map((d) => d.id),
        timeoutMs + LEASE_MARGIN_MS,
      );
      const webhooks = await stores.webhookTargets.forDelivery(deliveries.map((d) => d.webhookId));
      const sent = await Promise.all(
        deliveries.flatMap((d) => {
          const delivery = leased.get(d.id);
          const webhook = webhooks.get(d.webhookId);
          // Both were just written and read; one is missing only if the webhook was deleted in
          // between, and then its delivery (webhook_id set null) is simply not sent.
          return delivery && webhook ? [attemptOne(delivery, webhook, due, timeoutMs)] : [];
        }),
      );
      const results = sent.map((s) => s.result);
      // The receivers have answered: their answers go back to the caller even if the log cannot
      // be written now (the deliveries then end "invoke interrupted" once their lease expires).
      try {
        await retryWhileUnavailable(
          () => stores.outcomes.write(sent.map((s) => s.outcome)),
          OUTCOME_RETRY_MS,
        );
        await countFailures(results, timeoutMs);
      } catch (err) {
        settings.log.warn({ err: (err as Error).message }, 'invoke outcomes not written');
      }
      return { kind: 'invoked', results };
    },
  };
}

export type Invoker = ReturnType<typeof createInvoker>;

/** At most `bytes` of UTF-8, never ending inside a character. */
function cutToBytes(text: string, bytes: number): string {
  const buffer = Buffer.from(text, 'utf8');
  if (buffer.length <= bytes) return text;
  let end = bytes;
  // Back off continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && (buffer[end] & 0xc0) === 0x80) end--;
  return buffer.subarray(0, end).toString('utf8');
}

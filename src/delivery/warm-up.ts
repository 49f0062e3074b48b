import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeliveryConfig } from '../config.ts';
import type { LeasedDelivery } from '../store/deliveries.ts';
import type { WebhookForDelivery } from '../store/webhook-targets.ts';
import { prepareAttempt } from './attempt-request.ts';
import { judgeSentAttempt } from './deliver.ts';
import { createHttpClient, deliveryClientOptions } from './http-client.ts';
import { parseAllowList } from './ssrf.ts';

/** Deliveries in flight at once during the rehearsal. */
const AT_ONCE = 32;

/** However slow the machine, the rehearsal stops after this long and the worker starts. */
const REHEARSAL_LIMIT_MS = 10_000;

export interface Rehearsal {
  /** Made-up deliveries sent, and how many the rehearsal's receiver answered 200. */
  sent: number;
  answered: number;
  ms: number;
}

/**
 * Rehearses a delivery's own work before the worker takes any: builds, signs and sends `rounds`
 * made-up attempts to a receiver of its own on 127.0.0.1 (a server in this process, closed
 * after), reads the answers, decides what would come next and builds the attempt records. A
 * worker that starts into a thousand deliveries a second otherwise spends its first seconds in
 * code V8 has not optimised yet, at two to three times the CPU per delivery, and falls behind
 * (BENCHMARKS.md, cold start). Nothing is stored and nothing leaves the machine: the client here
 * is a second one whose guard lets only 127.0.0.1 through; the worker's own client is untouched.
 * Never throws: a rehearsal that cannot run (no loopback to listen on) only costs warmth.
 */
export async function rehearseDeliveries(
  settings: DeliveryConfig,
  rounds: number,
  log: { warn(obj: object, msg: string): void },
): Promise<Rehearsal> {
  const began = performance.now();
  const done = { sent: 0, answered: 0 };
  if (rounds <= 0) return { ...done, ms: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  const client = createHttpClient(
    deliveryClientOptions(settings, parseAllowList(['127.0.0.1/32'])),
  );
  const policy = { scheduleMs: settings.retryScheduleMs, jitter: settings.retryJitter };
  const deadline = began + REHEARSAL_LIMIT_MS;
  // Set when a rehearsal fails: the other senders stop too, before the client is closed.
  let stopped = false;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    // A later accept error (out of file descriptors, say) must not be an unhandled one.
    server.on('error', () => {});
    const { port } = server.address() as AddressInfo;
    // The shapes most deliveries take: Kazoo's JSON POST most of all, its form GET, VoIPBIN's.
    const hooks = [
      rehearsalWebhook(port, null, 'post', 'json'),
      rehearsalWebhook(port, null, 'post', 'json'),
      rehearsalWebhook(port, null, 'get', 'form-data'),
      rehearsalWebhook(port, 'voipbin', 'post', 'json'),
    ];
    const one = async (n: number) => {
      const webhook = hooks[n % hooks.length];
      const delivery = rehearsalDelivery(n);
      const started = new Date();
      const prepared = prepareAttempt(delivery, webhook, started);
      done.sent++;
      // Bounded by the rehearsal's own deadline, whatever the attempt timeout.
      const result = await client.send(prepared.request, Math.max(1, deadline - performance.now()));
      if (judgeSentAttempt(delivery, webhook, started, prepared, result, policy).success)
        done.answered++;
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(AT_ONCE, rounds) }, async () => {
        try {
          while (!stopped && next < rounds && performance.now() < deadline) await one(next++);
        } catch (err) {
          stopped = true;
          throw err;
        }
      }),
    );
  } catch (err) {
    stopped = true;
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'delivery warm-up stopped; the worker starts cold',
    );
  } finally {
    await client.close().catch(() => {});
    server.closeAllConnections();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return { ...done, ms: Math.round(performance.now() - began) };
}

function rehearsalWebhook(
  port: number,
  dialect: string | null,
  httpVerb: WebhookForDelivery['httpVerb'],
  format: WebhookForDelivery['format'],
): WebhookForDelivery {
  return {
    id: '00000000000000000000000000000001',
    accountId: '00000000000000000000000000000002',
    uri: `http://127.0.0.1:${port}/rehearsal`,
    httpVerb,
    format,
    dialect,
    hook: dialect === null ? 'channel_create' : null,
    eventTypes: dialect === null ? [] : ['channel_create'],
    retries: 3,
    customData: null,
    customRequestHeaders: null,
    enabled: true,
    secret: 'whsec_cmVoZWFyc2FsLXNlY3JldC1vZi10aGUtd2FybS11cA==',
    previousSecrets: [],
    version: '1',
  };
}

function rehearsalDelivery(n: number): LeasedDelivery {
  return {
    id: `rehearsal${String(n).padStart(23, '0')}`,
    tries: 0,
    trigger: 'event',
    nextAttemptAt: new Date(),
    webhookId: '00000000000000000000000000000001',
    webhookVersion: '1',
    event: {
      accountId: '00000000000000000000000000000002',
      id: `rehearsal-${n}`,
      type: 'channel_create',
      payload: {
        call_id: `rehearsal-${n}`,
        caller_id_number: '+15550000000',
        callee_id_number: '+15550000001',
        call_direction: 'inbound',
        timestamp: 63_900_000_000 + n,
      },
      created: new Date(),
    },
  };
}

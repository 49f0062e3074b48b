import { encodeRequest, eventNameFor, shapePayload } from '../domain/payload.ts';
import {
  activeSecrets,
  redactHeaders,
  signatureHeader,
  voipbinSignatures,
} from '../domain/signing.ts';
import { dialectFor } from '../domain/dialects/registry.ts';
import type { LeasedDelivery } from '../store/deliveries.ts';
import type { WebhookForDelivery } from '../store/webhook-targets.ts';
import { VERSION } from '../version.ts';
import { withoutCredentials } from '../domain/uri.ts';
import type { OutboundRequest } from './http-client.ts';

export interface PreparedAttempt {
  request: OutboundRequest;
  /** The event name as this subscriber knows it (Kazoo's hook_event, or the VoIPBIN type). */
  hookEvent: string;
  /** The URI without credentials, and headers with secrets redacted, for the attempts log. */
  loggedUri: string;
  loggedHeaders: Record<string, string>;
}

/**
 * Builds the HTTP request of one try — the one place a delivery's request is made: the body in the
 * webhook's dialect (docs/dialects.md), Standard Webhooks headers on every request (webhook-id is
 * the delivery id, the same on every retry; timestamp and signatures are fresh per try), the
 * VoIPBIN signature, jambonz's signature for jambonz receivers, and Kazoo's X-Hook-ID / X-Account-ID.
 */
export function prepareAttempt(
  delivery: LeasedDelivery,
  webhook: WebhookForDelivery,
  now: Date,
): PreparedAttempt {
  const shaped = shapePayload({ event: delivery.event, webhook });
  const encoded = encodeRequest(shaped, webhook);
  const timestamp = Math.floor(now.getTime() / 1000);
  const secrets = activeSecrets(webhook.secret, webhook.previousSecrets, now);
  const contentIsJson = encoded.contentType === 'application/json';
  const voipbin = voipbinSignatures(secrets, encoded.signedContent);
  const headers: Record<string, string | string[]> = {
    // The webhook's own headers first: none of ours can be overridden by them.
    ...lowerCased(webhook.customRequestHeaders),
    'user-agent': `Switchboard/${VERSION}`,
    'x-hook-id': webhook.id,
    'x-account-id': webhook.accountId,
    'webhook-id': delivery.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(
      secrets,
      delivery.id,
      timestamp,
      encoded.signedContent,
      contentIsJson,
    ),
    // Repeated lines only during a rotation; a single value otherwise.
    'x-voipbin-signature': voipbin.length === 1 ? voipbin[0] : voipbin,
    // The dialect's own signature, if it has one (jambonz's).
    ...dialectFor(webhook).signatureHeaders({
      secrets,
      timestamp,
      method: encoded.method,
      body: encoded.body,
    }),
  };
  if (encoded.contentType) headers['content-type'] = encoded.contentType;
  return {
    request: {
      method: encoded.method,
      url: encoded.url,
      headers,
      body: encoded.method === 'GET' ? undefined : encoded.body,
    },
    hookEvent: eventNameFor(delivery.event.type, webhook),
    loggedUri: withoutCredentials(encoded.url),
    loggedHeaders: redactHeaders(joined(headers)),
  };
}

function lowerCased(headers: Record<string, string> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

/** Repeated headers as a receiver's framework shows them: values joined with ", ". */
function joined(headers: Record<string, string | string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : value,
    ]),
  );
}

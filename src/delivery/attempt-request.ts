import { encodeRequest, shapePayload } from '../domain/payload.ts';
import {
  activeSecrets,
  redactHeaders,
  signatureHeader,
  voipbinSignature,
} from '../domain/signing.ts';
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
 * Builds the HTTP request of one try: the subscriber's body shape, Standard Webhooks headers
 * (webhook-id is the delivery id, the same on every retry; timestamp and signature are fresh per
 * try), the VoIPBIN signature, and Kazoo's X-Hook-ID / X-Account-ID.
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
  const headers: Record<string, string> = {
    // The webhook's own headers first: none of ours can be overridden by them.
    ...lowerCased(webhook.customRequestHeaders),
    'user-agent': `Switchboard/${VERSION}`,
    'x-hook-id': webhook.id,
    'x-account-id': webhook.accountId,
    'webhook-id': delivery.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, delivery.id, timestamp, encoded.signedContent),
    'x-voipbin-signature': voipbinSignature(webhook.secret, encoded.signedContent),
  };
  if (encoded.contentType) headers['content-type'] = encoded.contentType;
  const hookEvent = String(shaped.hook_event ?? shaped.type ?? delivery.event.type);
  return {
    request: {
      method: encoded.method,
      url: encoded.url,
      headers,
      body: encoded.method === 'GET' ? undefined : encoded.body,
    },
    hookEvent,
    loggedUri: withoutCredentials(encoded.url),
    loggedHeaders: redactHeaders(headers),
  };
}

function lowerCased(headers: Record<string, string> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

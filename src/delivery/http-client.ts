/**
 * The one outbound HTTP adapter: sends one attempt of a delivery and reports what happened, never
 * throwing. One undici Agent keeps pooled keep-alive connections per origin; its connector resolves
 * hosts through the SSRF guard, so every new connection goes only to addresses the guard vetted.
 */
import type dns from 'node:dns';
import type { DeliveryConfig } from '../config.ts';
import { splitCredentials } from '../domain/uri.ts';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { Agent } from 'undici';
import type { AttemptOutcome, ClientError } from '../domain/retry.ts';
import { type AllowList, BlockedTargetError, checkUrlTarget, guardedLookup } from './ssrf.ts';

export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** May carry user:pass@ — sent as `Authorization: Basic …`, never in the request line. */
  url: string;
  /** A list sends the header once per value, in order (repeated header lines). */
  headers: Record<string, string | string[]>;
  body: string | undefined;
}

type Headers = OutboundRequest['headers'];

export interface AttemptResult {
  outcome: AttemptOutcome;
  /** Set whenever a status line arrived, even if the body then failed. */
  statusCode?: number;
  /** Lower-case names; repeated headers joined with ", ". */
  responseHeaders?: Record<string, string>;
  /** At most responseBodyLimit bytes of the body, decoded as UTF-8. */
  responseBody?: string;
  /** True when the body was longer than the limit and the rest was discarded. */
  responseBodyTruncated?: boolean;
  durationMs: number;
  /** Human text for errors and non-2xx answers. */
  reason?: string;
  /** Where the last request went, credentials removed; differs from the request URL after redirects. */
  finalUrl?: string;
}

export interface HttpClientOptions {
  allow: AllowList;
  /** Bound on the whole attempt: connect, headers, body, and every redirect hop. */
  timeoutMs: number;
  responseBodyLimit: number;
  /** Follow up to MAX_REDIRECTS 3xx hops, each re-checked by the guard; otherwise a 3xx is the answer. */
  followRedirects: boolean;
  /** Injectable DNS resolver (tests); the guard vets whatever it returns. */
  lookup?: typeof dns.lookup;
  /** Pooled connections per origin (default: unlimited). */
  connectionsPerOrigin?: number;
}

/** A worker's delivery client: the attempt timeout, body limit and redirects of its settings. */
export function deliveryClientOptions(
  settings: DeliveryConfig,
  allow: AllowList,
): HttpClientOptions {
  return {
    allow,
    timeoutMs: settings.attemptTimeoutMs,
    responseBodyLimit: settings.responseBodyLimit,
    followRedirects: settings.followRedirects,
  };
}

export interface HttpClient {
  /**
   * `timeoutMs` shortens the bound for this one request (an invoke's caller deadline); it
   * cannot lengthen the client's own.
   */
  send(req: OutboundRequest, timeoutMs?: number): Promise<AttemptResult>;
  close(): Promise<void>;
}

/** Redirect hops followed when followRedirects is on (VoIPBIN's limit). */
export const MAX_REDIRECTS = 3;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function withoutHeaders(headers: Headers, names: string[]): Headers {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())),
  );
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>) {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined)
      flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Read at most `limit` bytes, then stop: leaving the loop destroys the stream (and its socket). */
async function readLimited(
  body: AsyncIterable<Buffer>,
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  // StringDecoder.write holds back a partial multi-byte character, so a cut never ends in U+FFFD.
  const decoder = new StringDecoder('utf8');
  let text = '';
  let kept = 0;
  for await (const chunk of body) {
    const room = limit - kept;
    if (chunk.length > room) {
      text += decoder.write(chunk.subarray(0, room));
      return { text, truncated: true };
    }
    text += decoder.write(chunk);
    kept += chunk.length;
  }
  return { text: text + decoder.end(), truncated: false };
}

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error and its `cause` chain (undici and fetch wrap the socket's error). */
function errorChain(err: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current = err;
  while (current !== null && typeof current === 'object' && chain.length < 5) {
    chain.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return chain;
}

const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

/** Map any error of an attempt to a client_error a user can act on, with a readable reason. */
export function classifyError(
  err: unknown,
  target: string,
  timeoutMs: number,
): { clientError: ClientError; reason: string } {
  for (const e of errorChain(err)) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : String(e);
    if (e instanceof BlockedTargetError || code === 'EBLOCKEDTARGET') {
      return { clientError: 'blocked_target', reason: message };
    }
    switch (code) {
      case 'ECONNREFUSED':
        return { clientError: 'connect_refused', reason: `connection refused by ${target}` };
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'EAI_NODATA':
      case 'EAI_NONAME':
      case 'EAI_FAIL':
      case 'ENODATA':
        return { clientError: 'dns', reason: `DNS lookup of ${target} failed (${code})` };
      case 'ECONNRESET':
      case 'EPIPE':
      case 'ECONNABORTED':
      case 'UND_ERR_SOCKET':
        return {
          clientError: 'connection_reset',
          reason: `${target} closed the connection before the response was complete (${code}: ${message})`,
        };
      case 'UND_ERR_CONNECT_TIMEOUT':
      case 'UND_ERR_HEADERS_TIMEOUT':
      case 'UND_ERR_BODY_TIMEOUT':
      case 'ETIMEDOUT':
        return { clientError: 'timeout', reason: `${timeoutReason(target, timeoutMs)} (${code})` };
      case 'UND_ERR_HEADERS_OVERFLOW':
      case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
        return { clientError: 'too_large', reason: `response from ${target} too large (${code})` };
    }
    if (TLS_CODE.test(code) || (code === 'EPROTO' && /ssl|tls/i.test(message))) {
      return { clientError: 'tls', reason: `TLS error with ${target}: ${message} (${code})` };
    }
    if (e.name === 'AbortError' || e.name === 'TimeoutError') {
      return { clientError: 'timeout', reason: timeoutReason(target, timeoutMs) };
    }
  }
  const first = errorChain(err)[0];
  const code = first && typeof first.code === 'string' ? `${first.code}: ` : '';
  const message = first && typeof first.message === 'string' ? first.message : String(err);
  return { clientError: 'other', reason: `request to ${target} failed: ${code}${message}` };
}

function failure(clientError: ClientError, reason: string) {
  const outcome: AttemptOutcome = { kind: 'error', clientError, message: reason };
  return { outcome, reason };
}

function timeoutReason(target: string, timeoutMs: number): string {
  return `no complete response from ${target} within ${timeoutMs} ms`;
}

/** Method and body for the next hop, as browsers and fetch do: 303 (and POST on 301/302) become GET. */
function redirectedRequest(
  status: number,
  method: OutboundRequest['method'],
  body: string | undefined,
  headers: Headers,
) {
  if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
    return {
      method: 'GET' as const,
      body: undefined,
      headers: withoutHeaders(headers, ['content-type', 'content-length']),
    };
  }
  return { method, body, headers };
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const agent = new Agent({
    connect: { lookup: guardedLookup(opts.allow, opts.lookup), timeout: opts.timeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    ...(opts.connectionsPerOrigin !== undefined ? { connections: opts.connectionsPerOrigin } : {}),
  });

  async function attempt(
    req: OutboundRequest,
    signal: AbortSignal,
    partial: Partial<AttemptResult>,
  ): Promise<Omit<AttemptResult, 'durationMs'>> {
    let split: ReturnType<typeof splitCredentials>;
    try {
      split = splitCredentials(req.url);
    } catch {
      // Not retryable: no later try can parse it either.
      return failure('blocked_target', 'the webhook URL is not a valid absolute URL');
    }
    const origin = split.url.origin;
    let { url, authorization } = split;
    let method = req.method;
    let body = req.body;
    let headers = req.headers;

    for (let hop = 0; ; hop++) {
      partial.finalUrl = url.href;
      delete partial.statusCode;
      delete partial.responseHeaders;
      const verdict = checkUrlTarget(url, opts.allow);
      if (!verdict.ok) return failure('blocked_target', verdict.reason);
      const sent = withoutHeaders(headers, authorization ? ['authorization'] : []);
      if (authorization) sent.authorization = authorization;

      const res = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers: sent,
        body,
        signal,
      });
      const status = res.statusCode;
      const responseHeaders = flattenHeaders(res.headers);
      partial.statusCode = status;
      partial.responseHeaders = responseHeaders;
      const location = responseHeaders.location;

      if (opts.followRedirects && REDIRECT_STATUSES.has(status) && location !== undefined) {
        // Drain a small redirect body so the connection can be reused; a large one closes it.
        await res.body.dump({ limit: 64 * 1024, signal });
        if (hop === MAX_REDIRECTS) {
          return failure('redirect', `more than ${MAX_REDIRECTS} redirects (last to ${location})`);
        }
        let next: ReturnType<typeof splitCredentials>;
        try {
          next = splitCredentials(new URL(location, url).href);
        } catch {
          return failure('redirect', `invalid redirect location "${location}"`);
        }
        ({ method, body, headers } = redirectedRequest(status, method, body, headers));
        if (next.url.origin !== origin) {
          // Credentials and caller-set auth are for the webhook's own origin only.
          headers = withoutHeaders(headers, ['authorization', 'cookie']);
          authorization = next.authorization;
        } else {
          authorization = next.authorization ?? authorization;
        }
        url = next.url;
        continue;
      }

      const { text, truncated } = await readLimited(res.body, opts.responseBodyLimit);
      const retryAfter = responseHeaders['retry-after'];
      const outcome: AttemptOutcome =
        retryAfter === undefined
          ? { kind: 'response', status }
          : { kind: 'response', status, retryAfter };
      let reason: string | undefined;
      if (status < 200 || status > 299) {
        reason = REDIRECT_STATUSES.has(status)
          ? `receiver answered ${status} (redirect${location ? ` to ${location}` : ''} not followed)`
          : `receiver answered ${status}`;
      }
      return {
        outcome,
        responseBody: text,
        ...(truncated ? { responseBodyTruncated: true } : {}),
        ...(reason ? { reason } : {}),
      };
    }
  }

  async function send(req: OutboundRequest, timeoutMs?: number): Promise<AttemptResult> {
    const bound = Math.min(timeoutMs ?? opts.timeoutMs, opts.timeoutMs);
    const started = performance.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, bound);
    const partial: Partial<AttemptResult> = {};
    try {
      const result = await attempt(req, controller.signal, partial);
      return { ...partial, ...result, durationMs: Math.round(performance.now() - started) };
    } catch (err) {
      const target = partial.finalUrl ? new URL(partial.finalUrl).host : 'the receiver';
      // Our own deadline, whatever shape the abort took inside undici.
      const { clientError, reason } = timedOut
        ? { clientError: 'timeout' as const, reason: timeoutReason(target, bound) }
        : classifyError(err, target, bound);
      return {
        ...partial,
        ...failure(clientError, reason),
        durationMs: Math.round(performance.now() - started),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  let closing: Promise<void> | undefined;
  return {
    send,
    /** Closes pooled connections; idempotent. */
    close: () => (closing ??= agent.close()),
  };
}

/**
 * The outbound HTTP client against real node:http receivers on loopback (docs/testing.md: 127.0.0.1 and
 * ::1 only), with 127.0.0.1/32 allow-listed as a local deployment would.
 */
import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  classifyError,
  createHttpClient,
  type HttpClientOptions,
  type OutboundRequest,
} from '../../src/delivery/http-client.ts';
import { BlockedTargetError, parseAllowList } from '../../src/delivery/ssrf.ts';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback receiver: records requests and TCP connections, answers with `handler`. */
async function receiver(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, received: Received) => void,
  host = '127.0.0.1',
) {
  const requests: Received[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      handler(req, res, received);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  const base = host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
  const handle = {
    base,
    port,
    requests,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  cleanups.push(handle.close);
  return handle;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

function client(overrides: Partial<HttpClientOptions> = {}) {
  const c = createHttpClient({
    allow: parseAllowList(['127.0.0.1/32']),
    timeoutMs: 2_000,
    responseBodyLimit: 16,
    followRedirects: false,
    ...overrides,
  });
  cleanups.push(c.close);
  return c;
}

const post = (url: string, body = '{"hook_event":"channel_create"}'): OutboundRequest => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json', 'x-hook-id': 'hook-1' },
  body,
});

describe('responses', () => {
  it('a 2xx is a response outcome with status, headers and body captured', async () => {
    const rx = await receiver((_req, res) => {
      res.writeHead(202, { 'content-type': 'text/plain', 'x-receiver': 'yes' });
      res.end('accepted');
    });
    const result = await client().send(post(`${rx.base}/hooks/in?x=1`));
    expect(result.outcome).toEqual({ kind: 'response', status: 202 });
    expect(result.statusCode).toBe(202);
    expect(result.responseBody).toBe('accepted');
    expect(result.responseBodyTruncated).toBeUndefined();
    expect(result.responseHeaders).toMatchObject({
      'content-type': 'text/plain',
      'x-receiver': 'yes',
    });
    expect(result.reason).toBeUndefined();
    expect(result.finalUrl).toBe(`${rx.base}/hooks/in?x=1`);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]).toMatchObject({
      method: 'POST',
      url: '/hooks/in?x=1',
      body: '{"hook_event":"channel_create"}',
    });
    expect(rx.requests[0].headers).toMatchObject({
      'content-type': 'application/json',
      'x-hook-id': 'hook-1',
    });
  });

  it('GET and PUT are sent with their method', async () => {
    const rx = await receiver((_req, res) => res.end());
    const c = client();
    await c.send({ method: 'GET', url: `${rx.base}/?a[b]=1`, headers: {}, body: undefined });
    await c.send({ method: 'PUT', url: `${rx.base}/`, headers: {}, body: 'x=1' });
    expect(rx.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['GET', '/?a[b]=1', ''],
      ['PUT', '/', 'x=1'],
    ]);
  });

  it('the body is cut at the limit and the rest is not downloaded', async () => {
    const total = 64 * 1024 * 1024;
    let sent = 0;
    let finished = false;
    const rx = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(total) });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      chunk.write('0123456789abcdefXYZ');
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end(() => (finished = true));
      };
      pump();
    });
    const result = await client({ responseBodyLimit: 16 }).send(post(`${rx.base}/`));
    expect(result.outcome).toEqual({ kind: 'response', status: 200 });
    expect(result.responseBody).toBe('0123456789abcdef');
    expect(result.responseBodyTruncated).toBe(true);
    // The client hung up long before the receiver could push 64 MiB.
    await new Promise((r) => setTimeout(r, 100));
    expect(finished).toBe(false);
    expect(sent).toBeLessThan(total / 4);
  });

  it('a cut never splits a UTF-8 character', async () => {
    const rx = await receiver((_req, res) => res.end('ééééé'));
    const result = await client({ responseBodyLimit: 5 }).send(post(`${rx.base}/`));
    expect(result.responseBody).toBe('éé');
    expect(result.responseBodyTruncated).toBe(true);
  });

  it('a body exactly at the limit is not marked truncated', async () => {
    const rx = await receiver((_req, res) => res.end('0123456789abcdef'));
    const result = await client({ responseBodyLimit: 16 }).send(post(`${rx.base}/`));
    expect(result.responseBody).toBe('0123456789abcdef');
    expect(result.responseBodyTruncated).toBeUndefined();
  });

  it('a 500 with Retry-After carries the raw header in the outcome', async () => {
    const rx = await receiver((_req, res) => {
      res.writeHead(500, { 'retry-after': '120' });
      res.end('try later');
    });
    const result = await client().send(post(`${rx.base}/`));
    expect(result.outcome).toEqual({ kind: 'response', status: 500, retryAfter: '120' });
    expect(result.statusCode).toBe(500);
    expect(result.responseBody).toBe('try later');
    expect(result.reason).toBe('receiver answered 500');
  });

  it('reuses pooled keep-alive connections (connectionsPerOrigin caps them)', async () => {
    const rx = await receiver((_req, res) => res.end('ok'));
    const c = client({ connectionsPerOrigin: 1 });
    for (let i = 0; i < 3; i++) {
      expect((await c.send(post(`${rx.base}/`))).outcome).toEqual({
        kind: 'response',
        status: 200,
      });
    }
    expect(rx.requests).toHaveLength(3);
    expect(rx.connections()).toBe(1);
  });

  it('reaches ::1 when ::1/128 is allowed', async () => {
    const rx = await receiver((_req, res) => res.end('v6'), '::1');
    const result = await client({ allow: parseAllowList(['::1/128']) }).send(post(`${rx.base}/`));
    expect(result.outcome).toEqual({ kind: 'response', status: 200 });
    expect(result.responseBody).toBe('v6');
  });
});

describe('basic auth in the URI', () => {
  it('arrives as an Authorization header, not in the URL', async () => {
    const rx = await receiver((_req, res) => res.end());
    const url = `http://hook%20user:p%40ss:w0rd@127.0.0.1:${rx.port}/secure`;
    const result = await client().send(post(url));
    expect(result.outcome).toEqual({ kind: 'response', status: 200 });
    const [received] = rx.requests;
    expect(received.url).toBe('/secure');
    expect(received.headers.authorization).toBe(
      `Basic ${Buffer.from('hook user:p@ss:w0rd').toString('base64')}`,
    );
    expect(received.headers.host).toBe(`127.0.0.1:${rx.port}`);
    expect(result.finalUrl).toBe(`http://127.0.0.1:${rx.port}/secure`);
  });

  it('replaces an Authorization header the caller set', async () => {
    const rx = await receiver((_req, res) => res.end());
    const req = post(`http://u:p@127.0.0.1:${rx.port}/`);
    req.headers.Authorization = 'Bearer nope';
    await client().send(req);
    expect(rx.requests[0].headers.authorization).toBe(
      `Basic ${Buffer.from('u:p').toString('base64')}`,
    );
  });
});

describe('errors become client errors, never exceptions', () => {
  it('a receiver that does not answer in time is a timeout, and the client hangs up', async () => {
    // The receiver never answers: a client without its own deadline would wait past the test's
    // timeout (undici's default is minutes), so getting a result at all is the proof.
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => (hungUp = resolve));
    const rx = await receiver((_req, res) => {
      res.on('close', () => hungUp());
    });
    const result = await client({ timeoutMs: 300 }).send(post(`${rx.base}/`));
    expect(result.outcome).toEqual({
      kind: 'error',
      clientError: 'timeout',
      message: `no complete response from 127.0.0.1:${rx.port} within 300 ms`,
    });
    expect(result.statusCode).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    await closed;
  });

  it('a body that stalls after the headers is a timeout too, keeping the status', async () => {
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => (hungUp = resolve));
    const rx = await receiver((_req, res) => {
      res.on('close', () => hungUp());
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    const result = await client({ timeoutMs: 300 }).send(post(`${rx.base}/`));
    expect(result.outcome).toMatchObject({ kind: 'error', clientError: 'timeout' });
    expect(result.statusCode).toBe(200);
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    // The client hung up on the stalled body: the receiver sees its connection close.
    await closed;
  });

  it('a closed port is connect_refused', async () => {
    const rx = await receiver((_req, res) => res.end());
    await rx.close();
    const result = await client().send(post(`${rx.base}/`));
    expect(result.outcome).toEqual({
      kind: 'error',
      clientError: 'connect_refused',
      message: `connection refused by 127.0.0.1:${rx.port}`,
    });
  });

  it('a socket destroyed mid-response is connection_reset', async () => {
    const rx = await receiver((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('first bytes', () => req.socket.destroy());
    });
    const result = await client().send(post(`${rx.base}/`));
    expect(result.outcome).toMatchObject({ kind: 'error', clientError: 'connection_reset' });
    expect(result.statusCode).toBe(200);
    expect(result.reason).toContain(`127.0.0.1:${rx.port} closed the connection`);
  });

  it('a socket destroyed before any response is connection_reset', async () => {
    const rx = await receiver((req) => req.socket.destroy());
    const result = await client().send(post(`${rx.base}/`));
    expect(result.outcome).toMatchObject({ kind: 'error', clientError: 'connection_reset' });
    expect(result.statusCode).toBeUndefined();
  });

  it('https to a plain-HTTP port is a tls error', async () => {
    const rx = await receiver((_req, res) => res.end());
    const result = await client().send(post(`https://127.0.0.1:${rx.port}/`));
    expect(result.outcome).toMatchObject({ kind: 'error', clientError: 'tls' });
  });

  it('a name that does not resolve is dns', async () => {
    const lookup = ((hostname: string, _o: unknown, cb: (e: Error) => void) => {
      const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      err.code = 'ENOTFOUND';
      process.nextTick(() => cb(err));
    }) as unknown as HttpClientOptions['lookup'];
    const result = await client({ lookup }).send(post('http://nowhere.example.test/'));
    expect(result.outcome).toEqual({
      kind: 'error',
      clientError: 'dns',
      message: 'DNS lookup of nowhere.example.test failed (ENOTFOUND)',
    });
  });

  it('an unparseable URL is refused as blocked_target', async () => {
    const result = await client().send(post('not a url'));
    expect(result.outcome).toMatchObject({ kind: 'error', clientError: 'blocked_target' });
  });

  it.each<[string, unknown, string]>([
    ['ECONNREFUSED', { code: 'ECONNREFUSED' }, 'connect_refused'],
    ['EAI_AGAIN', { code: 'EAI_AGAIN' }, 'dns'],
    ['ECONNRESET', { code: 'ECONNRESET' }, 'connection_reset'],
    ['UND_ERR_SOCKET', { code: 'UND_ERR_SOCKET' }, 'connection_reset'],
    ['UND_ERR_CONNECT_TIMEOUT', { code: 'UND_ERR_CONNECT_TIMEOUT' }, 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', { code: 'UND_ERR_HEADERS_TIMEOUT' }, 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', { code: 'UND_ERR_BODY_TIMEOUT' }, 'timeout'],
    ['AbortError', { name: 'AbortError', message: 'aborted' }, 'timeout'],
    ['TimeoutError', { name: 'TimeoutError', message: 'timed out' }, 'timeout'],
    ['CERT_HAS_EXPIRED', { code: 'CERT_HAS_EXPIRED' }, 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'tls'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'tls'],
    ['UND_ERR_HEADERS_OVERFLOW', { code: 'UND_ERR_HEADERS_OVERFLOW' }, 'too_large'],
    [
      'a wrapped cause',
      { message: 'fetch failed', cause: { code: 'ECONNREFUSED' } },
      'connect_refused',
    ],
    ['BlockedTargetError', new BlockedTargetError('no'), 'blocked_target'],
    ['EHOSTUNREACH', { code: 'EHOSTUNREACH', message: 'unreachable' }, 'other'],
    ['a string', 'boom', 'other'],
  ])('classifies %s', (_name, err, clientError) => {
    expect(classifyError(err, 'receiver:80', 5_000).clientError).toBe(clientError);
  });
});

describe('redirects', () => {
  async function redirecting(status = 302) {
    const rx = await receiver((req, res) => {
      if (req.url === '/start') {
        res.writeHead(status, { location: '/target' });
        res.end('moved');
      } else if (req.url?.startsWith('/loop')) {
        const n = Number(req.url.slice('/loop'.length) || 0);
        res.writeHead(302, { location: `/loop${n + 1}` });
        res.end();
      } else {
        res.end('arrived');
      }
    });
    return rx;
  }

  it('a 302 is not followed by default: it is the answer', async () => {
    const rx = await redirecting();
    const result = await client().send(post(`${rx.base}/start`));
    expect(result.outcome).toEqual({ kind: 'response', status: 302 });
    expect(result.responseHeaders?.location).toBe('/target');
    expect(result.reason).toBe('receiver answered 302 (redirect to /target not followed)');
    expect(rx.requests.map((r) => r.url)).toEqual(['/start']);
  });

  it('when enabled, a 302 after POST is followed as a GET', async () => {
    const rx = await redirecting(302);
    const result = await client({ followRedirects: true }).send(post(`${rx.base}/start`));
    expect(result.outcome).toEqual({ kind: 'response', status: 200 });
    expect(result.responseBody).toBe('arrived');
    expect(result.finalUrl).toBe(`${rx.base}/target`);
    expect(rx.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/start', '{"hook_event":"channel_create"}'],
      ['GET', '/target', ''],
    ]);
  });

  it('when enabled, a 307 keeps the method and body', async () => {
    const rx = await redirecting(307);
    const result = await client({ followRedirects: true }).send(post(`${rx.base}/start`));
    expect(result.outcome).toEqual({ kind: 'response', status: 200 });
    expect(rx.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/start', '{"hook_event":"channel_create"}'],
      ['POST', '/target', '{"hook_event":"channel_create"}'],
    ]);
  });

  it('more than 3 hops is a redirect error', async () => {
    const rx = await redirecting();
    const result = await client({ followRedirects: true }).send(post(`${rx.base}/loop`));
    expect(result.outcome).toEqual({
      kind: 'error',
      clientError: 'redirect',
      message: 'more than 3 redirects (last to /loop4)',
    });
    expect(rx.requests.map((r) => r.url)).toEqual(['/loop', '/loop1', '/loop2', '/loop3']);
  });

  it('each hop is re-checked by the guard: a hop to a non-allowed address is blocked', async () => {
    // 127.0.0.2 is loopback (allowed by docs/testing.md) but outside the allow-list 127.0.0.1/32.
    const rx = await receiver((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.2:9/elsewhere' });
      res.end();
    });
    const result = await client({ followRedirects: true }).send(post(`${rx.base}/`));
    expect(result.outcome).toEqual({
      kind: 'error',
      clientError: 'blocked_target',
      message: '127.0.0.2 is not allowed as a webhook target: loopback range 127.0.0.0/8',
    });
    expect(result.finalUrl).toBe('http://127.0.0.2:9/elsewhere');
  });
});

describe('the SSRF guard in the client', () => {
  it('loopback not in the allow-list is blocked_target and never connected to', async () => {
    const rx = await receiver((_req, res) => res.end());
    const c = client({ allow: parseAllowList([]) });
    const literal = await c.send(post(`${rx.base}/`));
    expect(literal.outcome).toEqual({
      kind: 'error',
      clientError: 'blocked_target',
      message: '127.0.0.1 is not allowed as a webhook target: loopback range 127.0.0.0/8',
    });
    // Through real DNS: localhost resolves to loopback, refused at connect time.
    const named = await c.send(post(`http://localhost:${rx.port}/`));
    expect(named.outcome).toMatchObject({ kind: 'error', clientError: 'blocked_target' });
    expect(named.reason).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), which is not allowed/);
    expect(rx.connections()).toBe(0);
  });

  it('a non-http scheme is blocked_target', async () => {
    const result = await client().send(post('ftp://127.0.0.1/'));
    expect(result.outcome).toMatchObject({ kind: 'error', clientError: 'blocked_target' });
  });
});

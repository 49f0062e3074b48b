/**
 * The SSRF guard. Per docs/testing.md, nothing here sends traffic anywhere but loopback. Address rules are pure
 * function calls; the forbidden targets reached "through" the HTTP client come from a stubbed DNS
 * lookup, and a tripwire on net.connect makes sure no socket could reach them even if the guard
 * were broken.
 */
import type dns from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient } from '../../src/delivery/http-client.ts';
import {
  BlockedTargetError,
  checkAddress,
  checkUrlTarget,
  forbiddenReason,
  guardedLookup,
  isForbiddenAddress,
  parseAllowList,
} from '../../src/delivery/ssrf.ts';

describe('forbidden addresses (pure)', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.0', 'private'],
    ['10.0.0.7', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.254', 'cloud metadata'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['192.88.99.1', 'reserved'],
    ['192.168.0.1', 'private'],
    ['192.168.255.255', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
  ])('IPv4 %s is forbidden (%s)', (ip, label) => {
    expect(isForbiddenAddress(ip)).toBe(true);
    expect(forbiddenReason(ip)).toContain(label);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '9.9.9.9',
    '11.0.0.1',
    '93.184.216.34',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.1',
    '169.253.255.255',
    '169.255.0.1',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.1',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
  ])('IPv4 %s is public', (ip) => {
    expect(forbiddenReason(ip)).toBeUndefined();
    expect(isForbiddenAddress(ip)).toBe(false);
  });

  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'IPv4-mapped form of 127.0.0.1, loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped form of 127.0.0.1, loopback'],
    ['::ffff:10.0.0.7', 'private'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['::8.8.8.8', 'IPv4-compatible'],
    ['64:ff9b::10.0.0.7', 'NAT64 form of 10.0.0.7, private'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 form of 169.254.169.254, cloud metadata'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2002:7f00:1::', '6to4 form of 127.0.0.1, loopback'],
    ['2002:a00:7::1', '6to4 form of 10.0.0.7, private'],
    ['2002:c0a8:101::1', '6to4 form of 192.168.1.1, private'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001::1', 'Teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'IETF protocol assignments'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['ff0e::1', 'multicast'],
    ['100::1', 'discard-only'],
    ['5f00::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['1::1', 'reserved'],
    ['::ffff:0:a00:7', 'reserved'],
  ])('IPv6 %s is forbidden (%s)', (ip, label) => {
    expect(isForbiddenAddress(ip)).toBe(true);
    expect(forbiddenReason(ip)).toContain(label);
  });

  it.each([
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2a00:1450:4001:82b::200e',
    '2620:fe::fe',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
  ])('IPv6 %s is public', (ip) => {
    expect(forbiddenReason(ip)).toBeUndefined();
  });

  it.each(['', 'localhost', 'example.com', '2130706433', '0x7f.1', '999.1.1.1', '1.2.3'])(
    'a non-address "%s" is refused (fail closed)',
    (ip) => {
      expect(forbiddenReason(ip)).toBe('not an IP address');
    },
  );
});

describe('allow-list', () => {
  const allow = parseAllowList([
    '127.0.0.1/32',
    '::1/128',
    'localhost',
    ' Hooks.Internal. ',
    '10.20.0.0/16',
    '192.168.7.7',
    '',
  ]);

  it('parses CIDRs, single addresses and normalised hostnames', () => {
    expect([...allow.hosts].sort()).toEqual(['hooks.internal', 'localhost']);
  });

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1'],
    ['a.test', '10.20.3.4'],
    ['b.test', '192.168.7.7'],
    ['localhost', '127.0.0.5'],
    ['LOCALHOST.', '::1'],
    ['hooks.internal', '10.0.0.7'],
    ['public.test', '8.8.8.8'],
  ])('%s at %s is allowed', (hostname, ip) => {
    expect(checkAddress(hostname, ip, allow)).toEqual({ ok: true });
  });

  it.each([
    ['127.0.0.2', '127.0.0.2'],
    ['a.test', '10.21.0.1'],
    ['b.test', '192.168.7.8'],
    ['sub.hooks.internal', '10.0.0.7'],
    ['c.test', '::2'],
  ])('%s at %s is refused', (hostname, ip) => {
    expect(checkAddress(hostname, ip, allow).ok).toBe(false);
  });

  it('explains a refusal with the host, the address and the range', () => {
    expect(checkAddress('internal.example.test', '10.0.0.7', parseAllowList([]))).toEqual({
      ok: false,
      reason:
        'internal.example.test resolves to 10.0.0.7, which is not allowed as a webhook target: private range 10.0.0.0/8',
    });
    expect(checkAddress('169.254.169.254', '169.254.169.254', parseAllowList([]))).toEqual({
      ok: false,
      reason:
        '169.254.169.254 is not allowed as a webhook target: cloud metadata range 169.254.169.254/32',
    });
  });

  it('an empty allow-list refuses loopback', () => {
    expect(checkAddress('127.0.0.1', '127.0.0.1', parseAllowList([])).ok).toBe(false);
    expect(checkAddress('localhost', '::1', parseAllowList([])).ok).toBe(false);
  });

  it.each(['10.0.0.0/33', '::1/129', 'nonsense/8', '10.0.0.0/', '10.0.0.0/x', 'bad host!', 'a..b'])(
    'rejects the malformed entry "%s"',
    (entry) => {
      expect(() => parseAllowList([entry])).toThrow(/invalid allowed target/);
    },
  );
});

describe('checkUrlTarget (before any DNS or socket)', () => {
  const none = parseAllowList([]);

  it.each([
    'http://10.1.2.3/',
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:3000/hook',
    'http://[::1]:8080/',
    'http://[::ffff:169.254.169.254]/',
    'http://[fd00:ec2::254]/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0/',
    'https://192.168.1.1./x',
  ])('refuses the IP literal in %s', (url) => {
    const verdict = checkUrlTarget(new URL(url), none);
    expect(verdict.ok).toBe(false);
  });

  it.each(['ftp://example.com/', 'file:///etc/passwd', 'ws://example.com/', 'gopher://x/'])(
    'refuses the scheme of %s',
    (url) => {
      expect(checkUrlTarget(new URL(url), none)).toEqual({
        ok: false,
        reason: `scheme "${new URL(url).protocol}" is not allowed: use http or https`,
      });
    },
  );

  it('passes public literals and hostnames (hostnames are checked at connect time)', () => {
    expect(checkUrlTarget(new URL('https://8.8.8.8/'), none)).toEqual({ ok: true });
    expect(checkUrlTarget(new URL('https://hooks.example.com/x'), none)).toEqual({ ok: true });
    expect(checkUrlTarget(new URL('http://localhost/'), none)).toEqual({ ok: true });
  });

  it('passes allowed loopback literals', () => {
    const allow = parseAllowList(['127.0.0.1/32', '::1/128']);
    expect(checkUrlTarget(new URL('http://127.0.0.1:4000/'), allow)).toEqual({ ok: true });
    expect(checkUrlTarget(new URL('http://[::1]:4000/'), allow)).toEqual({ ok: true });
  });
});

type Resolved = { address: string; family: number }[];

/** A DNS stub: answers from a table and records every question. Nothing leaves the process. */
function stubResolver(table: Record<string, Resolved | (() => Resolved)>) {
  const calls: { hostname: string; options: dns.LookupOptions }[] = [];
  const lookup = (
    hostname: string,
    options: dns.LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, addresses: Resolved) => void,
  ) => {
    calls.push({ hostname, options });
    const entry = table[hostname];
    process.nextTick(() => {
      if (entry === undefined) {
        const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        err.code = 'ENOTFOUND';
        callback(err, []);
      } else {
        callback(null, typeof entry === 'function' ? entry() : entry);
      }
    });
  };
  return { calls, lookup: lookup as unknown as typeof dns.lookup };
}

function lookupOnce(fn: net.LookupFunction, hostname: string, options: dns.LookupOptions) {
  return new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>(
    (resolve) => fn(hostname, options, (err, address, family) => resolve({ err, address, family })),
  );
}

describe('guardedLookup (stubbed DNS, no sockets)', () => {
  it('refuses a host that resolves to a private address', async () => {
    const dnsStub = stubResolver({ 'internal.example.test': [{ address: '10.0.0.7', family: 4 }] });
    const lookup = guardedLookup(parseAllowList(['127.0.0.1/32']), dnsStub.lookup);
    const { err } = await lookupOnce(lookup, 'internal.example.test', { all: true });
    expect(err).toBeInstanceOf(BlockedTargetError);
    expect(err).toMatchObject({
      code: 'EBLOCKEDTARGET',
      hostname: 'internal.example.test',
      address: '10.0.0.7',
    });
    expect(dnsStub.calls.map((c) => c.hostname)).toEqual(['internal.example.test']);
  });

  it('refuses when any one of several addresses is forbidden (no cherry-picking by the socket)', async () => {
    const dnsStub = stubResolver({
      'mixed.example.test': [
        { address: '93.184.216.34', family: 4 },
        { address: 'fd00:ec2::254', family: 6 },
      ],
    });
    const { err } = await lookupOnce(
      guardedLookup(parseAllowList([]), dnsStub.lookup),
      'mixed.example.test',
      { all: true },
    );
    expect(err).toMatchObject({ code: 'EBLOCKEDTARGET', address: 'fd00:ec2::254' });
  });

  it('hands the socket exactly the addresses it vetted, in both lookup forms', async () => {
    const answer = [
      { address: '2606:4700:4700::1111', family: 6 },
      { address: '1.1.1.1', family: 4 },
    ];
    const dnsStub = stubResolver({ 'public.example.test': answer });
    const lookup = guardedLookup(parseAllowList([]), dnsStub.lookup);
    expect(await lookupOnce(lookup, 'public.example.test', { all: true })).toEqual({
      err: null,
      address: answer,
      family: undefined,
    });
    expect(await lookupOnce(lookup, 'public.example.test', { family: 4 })).toEqual({
      err: null,
      address: '2606:4700:4700::1111',
      family: 6,
    });
    // The resolver is always asked for every address, with the socket's other options kept.
    expect(dnsStub.calls.map((c) => c.options)).toEqual([{ all: true }, { all: true, family: 4 }]);
  });

  it('lets an allow-listed hostname through whatever it resolves to', async () => {
    const dnsStub = stubResolver({ 'hooks.internal': [{ address: '10.9.9.9', family: 4 }] });
    const lookup = guardedLookup(parseAllowList(['hooks.internal']), dnsStub.lookup);
    const { err, address } = await lookupOnce(lookup, 'hooks.internal', { all: true });
    expect(err).toBeNull();
    expect(address).toEqual([{ address: '10.9.9.9', family: 4 }]);
  });

  it('passes DNS failures through, and treats an empty answer as not found', async () => {
    const dnsStub = stubResolver({ 'empty.example.test': [] });
    const lookup = guardedLookup(parseAllowList([]), dnsStub.lookup);
    expect((await lookupOnce(lookup, 'missing.example.test', { all: true })).err?.code).toBe(
      'ENOTFOUND',
    );
    expect((await lookupOnce(lookup, 'empty.example.test', { all: true })).err?.code).toBe(
      'ENOTFOUND',
    );
  });
});

/**
 * Tripwire on net.connect (which undici calls): records every connection the client starts and, if
 * any would go to a non-loopback address — a literal host, or what its lookup returned — kills it
 * before the socket connects and records a leak. The guard should make this unnecessary; it keeps the
 * loopback-only rule of docs/testing.md true even if the guard regresses.
 */
function installTripwire() {
  const realConnect = net.connect;
  const started: string[] = [];
  const leaks: string[] = [];
  const isLoopback = (ip: string) => net.isIP(ip) !== 0 && /^(127\.|::1$|::ffff:127\.)/.test(ip);
  const spy = vi.spyOn(net, 'connect').mockImplementation(((options: net.TcpNetConnectOpts) => {
    const host = options.host ?? 'localhost';
    started.push(host);
    if (net.isIP(host) !== 0 && !isLoopback(host)) {
      leaks.push(host);
      const dead = new net.Socket();
      process.nextTick(() => dead.destroy(new Error(`tripwire: connect to ${host}`)));
      return dead;
    }
    const lookup = options.lookup;
    const wrapped: net.LookupFunction = (hostname, lookupOptions, callback) =>
      (lookup ?? (() => callback(new Error('tripwire: no lookup'), [])))(
        hostname,
        lookupOptions,
        (err, address, family) => {
          const addresses = err
            ? []
            : typeof address === 'string'
              ? [address]
              : address.map((a) => a.address);
          const outside = addresses.filter((a) => !isLoopback(a));
          if (outside.length > 0) {
            leaks.push(...outside);
            callback(new Error(`tripwire: ${hostname} → ${outside.join(', ')}`), []);
          } else {
            callback(err, address, family);
          }
        },
      );
    return realConnect({ ...options, lookup: wrapped });
  }) as typeof net.connect);
  return { started, leaks, restore: () => spy.mockRestore() };
}

/** A loopback server that counts TCP connections, to prove none arrived. */
async function countingServer() {
  let connections = 0;
  const server = http.createServer((_req, res) => res.end('reached'));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the HTTP client refuses forbidden targets before any socket opens', () => {
  let tripwire: ReturnType<typeof installTripwire>;
  beforeEach(() => {
    tripwire = installTripwire();
  });
  afterEach(() => tripwire.restore());

  const post = (url: string) => ({
    method: 'POST' as const,
    url,
    headers: { 'content-type': 'application/json' },
    body: '{"hook_event":"channel_create"}',
  });

  it('a hostname the (stubbed) DNS maps to 10.0.0.7 is blocked_target', async () => {
    const dnsStub = stubResolver({ 'internal.example.test': [{ address: '10.0.0.7', family: 4 }] });
    const client = createHttpClient({
      allow: parseAllowList(['127.0.0.1/32']),
      timeoutMs: 2_000,
      responseBodyLimit: 1024,
      followRedirects: false,
      lookup: dnsStub.lookup,
    });
    try {
      const result = await client.send(post('http://internal.example.test/hook'));
      expect(result.outcome).toEqual({
        kind: 'error',
        clientError: 'blocked_target',
        message:
          'internal.example.test resolves to 10.0.0.7, which is not allowed as a webhook target: private range 10.0.0.0/8',
      });
      expect(result.reason).toBe(result.outcome.kind === 'error' && result.outcome.message);
      expect(result.statusCode).toBeUndefined();
      expect(dnsStub.calls.map((c) => c.hostname)).toEqual(['internal.example.test']);
      // The connection was started (that is where lookup runs) but never reached an address.
      expect(tripwire.started).toEqual(['internal.example.test']);
      expect(tripwire.leaks).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('an IP-literal URL (http://10.1.2.3/) is refused by checkUrlTarget: no lookup, no connect', async () => {
    const dnsStub = stubResolver({});
    const client = createHttpClient({
      allow: parseAllowList(['127.0.0.1/32']),
      timeoutMs: 2_000,
      responseBodyLimit: 1024,
      followRedirects: false,
      lookup: dnsStub.lookup,
    });
    try {
      const result = await client.send(post('http://10.1.2.3/'));
      expect(result.outcome).toMatchObject({ kind: 'error', clientError: 'blocked_target' });
      expect(result.reason).toBe(
        '10.1.2.3 is not allowed as a webhook target: private range 10.0.0.0/8',
      );
      expect(dnsStub.calls).toEqual([]);
      expect(tripwire.started).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('a stubbed name mapped to loopback (not allow-listed) never reaches the listening server', async () => {
    const server = await countingServer();
    const dnsStub = stubResolver({
      'internal.example.test': [{ address: '127.0.0.1', family: 4 }],
    });
    const client = createHttpClient({
      allow: parseAllowList([]),
      timeoutMs: 2_000,
      responseBodyLimit: 1024,
      followRedirects: false,
      lookup: dnsStub.lookup,
    });
    try {
      const result = await client.send(post(`http://internal.example.test:${server.port}/hook`));
      expect(result.outcome).toMatchObject({ kind: 'error', clientError: 'blocked_target' });
      expect(result.reason).toContain('internal.example.test resolves to 127.0.0.1');
      expect(server.connections()).toBe(0);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('DNS rebinding: each new connection is vetted again, so a name that turns private is refused', async () => {
    const server = await countingServer();
    let answers = 0;
    // First answer: allowed loopback. Any later answer: a private address.
    const dnsStub = stubResolver({
      'rebind.example.test': () =>
        answers++ === 0
          ? [{ address: '127.0.0.1', family: 4 }]
          : [{ address: '10.0.0.7', family: 4 }],
    });
    const client = createHttpClient({
      allow: parseAllowList(['127.0.0.1/32']),
      timeoutMs: 2_000,
      responseBodyLimit: 1024,
      followRedirects: false,
      lookup: dnsStub.lookup,
    });
    try {
      const url = `http://rebind.example.test:${server.port}/hook`;
      const first = await client.send(post(url));
      expect(first.outcome).toEqual({ kind: 'response', status: 200 });
      expect(first.responseBody).toBe('reached');
      expect(server.connections()).toBe(1);

      // Force a new connection: the pooled one is gone, so the client must resolve again.
      await client.close();
      const again = createHttpClient({
        allow: parseAllowList(['127.0.0.1/32']),
        timeoutMs: 2_000,
        responseBodyLimit: 1024,
        followRedirects: false,
        lookup: dnsStub.lookup,
      });
      const second = await again.send(post(url));
      await again.close();
      expect(second.outcome).toMatchObject({ kind: 'error', clientError: 'blocked_target' });
      expect(server.connections()).toBe(1);
      expect(dnsStub.calls).toHaveLength(2);
      expect(tripwire.leaks).toEqual([]);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

/**
 * The SSRF guard (docs/security.md, "SSRF"). A webhook may only reach globally routable addresses: no loopback,
 * private, link-local, CGNAT, unspecified, multicast, reserved, benchmarking, documentation or
 * cloud-metadata address, for IPv4 and IPv6, including IPv4 addresses embedded in IPv6
 * (IPv4-mapped, NAT64, 6to4). Checked twice: on the URL (an IP literal never reaches a DNS lookup)
 * and on every resolved address at connect time, where the vetted addresses are the ones the
 * socket uses, so DNS rebinding cannot swap them (as Hook0 does).
 *
 * `SWITCHBOARD_ALLOWED_TARGETS` opens exactly the hosts or CIDRs a deployment needs
 * (e.g. 127.0.0.1/32 for test receivers).
 */
import dns from 'node:dns';
import net, { BlockList } from 'node:net';

type Family = 'ipv4' | 'ipv6';

interface ForbiddenRange {
  cidr: string;
  label: string;
  list: BlockList;
}

function ranges(family: Family, table: Array<[cidr: string, label: string]>): ForbiddenRange[] {
  return table.map(([cidr, label]) => {
    const [network, prefix] = cidr.split('/');
    const list = new BlockList();
    list.addSubnet(network, Number(prefix), family);
    return { cidr, label, list };
  });
}

/** IANA IPv4 special-purpose ranges that are not globally reachable. Most specific first. */
const FORBIDDEN_V4 = ranges('ipv4', [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared address space (CGNAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.169.254/32', 'cloud metadata'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)'],
  ['192.88.99.0/24', 'reserved (6to4 relay anycast)'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved (incl. broadcast)'],
]);

/**
 * IPv6 ranges that are not globally reachable, checked after the IPv4 embeddings below.
 * Anything outside 2000::/3 (global unicast) is refused as well.
 */
const FORBIDDEN_V6 = ranges('ipv6', [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  // Deprecated (RFC 4291 §2.5.5.1) and never routed: refused whatever IPv4 address it carries.
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['2001:2::/48', 'benchmarking'],
  ['2001::/32', 'Teredo'],
  ['2001::/23', 'IETF protocol assignments'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fd00:ec2::254/128', 'cloud metadata'],
  ['fc00::/7', 'unique local (private)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
]);

const GLOBAL_UNICAST_V6 = ranges('ipv6', [['2000::/3', 'global unicast']])[0];

/** Strip URL brackets and an IPv6 zone id ("fe80::1%eth0"), which BlockList does not accept. */
function bareAddress(ip: string): string {
  let bare = ip.trim();
  if (bare.startsWith('[') && bare.endsWith(']')) bare = bare.slice(1, -1);
  const zone = bare.indexOf('%');
  return zone === -1 ? bare : bare.slice(0, zone);
}

function normalizeHostname(hostname: string): string {
  const bare = bareAddress(hostname).toLowerCase();
  return bare.endsWith('.') ? bare.slice(0, -1) : bare;
}

/** The eight 16-bit groups of a valid IPv6 address (dotted-quad tail included). */
function ipv6Groups(ip: string): number[] {
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const gap = text.indexOf('::');
  if (gap === -1) return parse(text);
  const head = parse(text.slice(0, gap));
  const rest = parse(text.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** An IPv4 address an IPv6 address stands for: IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4. */
function embeddedIpv4(ip: string): { ipv4: string; via: string } | undefined {
  const g = ipv6Groups(ip);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff)
    return { ipv4: ipv4FromGroups(g[6], g[7]), via: 'IPv4-mapped' };
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) {
    return { ipv4: ipv4FromGroups(g[6], g[7]), via: 'NAT64' };
  }
  if (g[0] === 0x2002) return { ipv4: ipv4FromGroups(g[1], g[2]), via: '6to4' };
  return undefined;
}

/**
 * Why `ip` may not be a webhook target, or undefined when it is a public address.
 * A string that is not an IP address is refused (fail closed).
 */
export function forbiddenReason(ip: string): string | undefined {
  const address = bareAddress(ip);
  const version = net.isIP(address);
  if (version === 4) {
    const range = FORBIDDEN_V4.find((r) => r.list.check(address, 'ipv4'));
    return range && `${range.label} range ${range.cidr}`;
  }
  if (version === 6) {
    const embedded = embeddedIpv4(address);
    if (embedded) {
      const inner = forbiddenReason(embedded.ipv4);
      return inner && `${embedded.via} form of ${embedded.ipv4}, ${inner}`;
    }
    const range = FORBIDDEN_V6.find((r) => r.list.check(address, 'ipv6'));
    if (range) return `${range.label} range ${range.cidr}`;
    if (!GLOBAL_UNICAST_V6.list.check(address, 'ipv6')) return 'reserved range outside 2000::/3';
    return undefined;
  }
  return 'not an IP address';
}

export function isForbiddenAddress(ip: string): boolean {
  return forbiddenReason(ip) !== undefined;
}

/** Hosts and address blocks exempt from the guard. Build it with parseAllowList. */
export interface AllowList {
  /** Lower-case hostnames, no trailing dot: allowed whatever they resolve to. */
  hosts: Set<string>;
  blocks: BlockList;
}

const HOSTNAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/**
 * Parse `SWITCHBOARD_ALLOWED_TARGETS` entries: hostnames ("localhost", "hooks.internal", exact
 * match, no wildcards), IP addresses ("127.0.0.1", "::1") or CIDRs ("127.0.0.1/32", "::1/128").
 * An IPv4 entry also covers its IPv4-mapped IPv6 form. Throws on a malformed entry, so a typo
 * fails at start-up instead of silently opening or closing something.
 */
export function parseAllowList(entries: string[]): AllowList {
  const allow: AllowList = { hosts: new Set(), blocks: new BlockList() };
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const slash = entry.indexOf('/');
    if (slash !== -1) {
      const network = bareAddress(entry.slice(0, slash));
      const prefixText = entry.slice(slash + 1);
      const version = net.isIP(network);
      const prefix = Number(prefixText);
      const max = version === 4 ? 32 : 128;
      if (version === 0 || !/^\d{1,3}$/.test(prefixText) || prefix > max) {
        throw new Error(`invalid allowed target "${raw}": expected an address/prefix CIDR`);
      }
      allow.blocks.addSubnet(network, prefix, version === 4 ? 'ipv4' : 'ipv6');
      continue;
    }
    const address = bareAddress(entry);
    const version = net.isIP(address);
    if (version !== 0) {
      allow.blocks.addAddress(address, version === 4 ? 'ipv4' : 'ipv6');
      continue;
    }
    const host = normalizeHostname(entry);
    if (!HOSTNAME.test(host)) {
      throw new Error(`invalid allowed target "${raw}": expected a hostname, an IP or a CIDR`);
    }
    allow.hosts.add(host);
  }
  return allow;
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

/** May a connection to `hostname` go to `ip`? The allow-list wins over the forbidden ranges. */
export function checkAddress(hostname: string, ip: string, allow: AllowList): GuardVerdict {
  const host = normalizeHostname(hostname);
  if (allow.hosts.has(host)) return { ok: true };
  const address = bareAddress(ip);
  const version = net.isIP(address);
  if (version !== 0 && allow.blocks.check(address, version === 4 ? 'ipv4' : 'ipv6')) {
    return { ok: true };
  }
  const why = forbiddenReason(address);
  if (why === undefined) return { ok: true };
  const target = host === address.toLowerCase() ? address : `${host} resolves to ${address}, which`;
  return { ok: false, reason: `${target} is not allowed as a webhook target: ${why}` };
}

/** A connection refused by the guard; the HTTP client reports it as client_error blocked_target. */
export class BlockedTargetError extends Error {
  readonly code = 'EBLOCKEDTARGET';
  constructor(
    message: string,
    readonly hostname?: string,
    readonly address?: string,
  ) {
    super(message);
    this.name = 'BlockedTargetError';
  }
}

/**
 * A `lookup` for net.connect / undici's `connect` options. It resolves every address of the host,
 * refuses with BlockedTargetError if any of them is forbidden and not allowed, and hands the socket
 * only the addresses it vetted — the connection cannot go anywhere the guard did not see.
 * (net.connect skips lookup for IP literals: checkUrlTarget covers those.)
 */
export function guardedLookup(
  allow: AllowList,
  resolve: typeof dns.lookup = dns.lookup,
): net.LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      if (addresses.length === 0) {
        const notFound: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        notFound.code = 'ENOTFOUND';
        callback(notFound, []);
        return;
      }
      for (const { address } of addresses) {
        const verdict = checkAddress(hostname, address, allow);
        if (!verdict.ok) {
          callback(new BlockedTargetError(verdict.reason, hostname, address), []);
          return;
        }
      }
      const vetted = addresses.map(({ address, family }) => ({ address, family }));
      if (options.all) callback(null, vetted);
      else callback(null, vetted[0].address, vetted[0].family);
    });
  };
}

/**
 * The checks possible before any socket: http/https only, and an IP-literal host checked here
 * (net.connect does not call lookup for literals; the WHATWG URL parser has already turned forms
 * like http://2130706433/ or http://0x7f.1/ into 127.0.0.1).
 */
export function checkUrlTarget(url: URL, allow: AllowList): GuardVerdict {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `scheme "${url.protocol}" is not allowed: use http or https` };
  }
  const host = bareAddress(url.hostname);
  if (host === '') return { ok: false, reason: 'the URL has no host' };
  if (net.isIP(host) !== 0) return checkAddress(host, host, allow);
  return { ok: true };
}

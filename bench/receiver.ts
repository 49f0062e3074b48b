/**
 * The benchmark's webhook receiver, run as a child process (child_process.fork): a plain
 * node:http server that binds 127.0.0.1 only (benchmark traffic never leaves the machine). It
 * does not verify signatures: it stands for a receiver that costs as little as possible.
 *
 * Paths:
 * - `/hook/<tag>/…` answers 200 at once;
 * - `/slow/<ms>/<tag>/…` answers 200 after <ms> (a slow but healthy endpoint), until released;
 * - anything else (the undici ceiling's `/ceiling`) answers 200 and is only counted.
 *
 * Every /hook and /slow request is recorded once its body is read: path, event id, arrival time
 * on the clock every bench process shares (`performance.timeOrigin + performance.now()`, ms) and
 * the `webhook-id` header. The event id is the payload's `call_id`, which the load generator sets
 * to the event's id: at the top level of a Kazoo body; a VoIPBIN subscriber gets the call as
 * VoIPBIN's call resource, where it is the call's `id` under `data`.
 * Ids look like `<group>-<n>`, and arrivals are kept per group.
 *
 * IPC (rpc): counts {groups} → {<group>: {unique, total}}; arrivals {group} → columns of that
 * group's arrivals; forget {group}; release (answer every slow request now, and later ones at
 * once); hold (slow paths are slow again); slowPeak → most slow requests held at once since the
 * last hold; stop.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { now, serveRpc } from './lib.ts';

interface Group {
  path: string[];
  id: string[];
  at: number[];
  webhookId: string[];
  /** path + event id: one per delivery, so duplicates do not count twice. */
  unique: Set<string>;
}

const groups = new Map<string, Group>();
let released = false;
const held = new Set<() => void>();
let slowPeak = 0;
let requests = 0;

const CALL_ID = /"call_id":"([^"]+)"/;
const VOIPBIN_CALL_ID = /"id":"([^"]+)"/;

function record(path: string, body: string, at: number, webhookId: string) {
  const id = (CALL_ID.exec(body) ?? VOIPBIN_CALL_ID.exec(body))?.[1] ?? '';
  const name = id.includes('-') ? id.slice(0, id.lastIndexOf('-')) : '';
  let group = groups.get(name);
  if (!group) {
    group = { path: [], id: [], at: [], webhookId: [], unique: new Set() };
    groups.set(name, group);
  }
  group.path.push(path);
  group.id.push(id);
  group.at.push(at);
  group.webhookId.push(webhookId);
  group.unique.add(`${path}|${id}`);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const at = now();
    requests++;
    const url = req.url ?? '/';
    const answer = () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    };
    const slow = /^\/slow\/(\d+)\//.exec(url);
    if (slow || url.startsWith('/hook/')) {
      const webhookId = req.headers['webhook-id'];
      record(
        url,
        Buffer.concat(chunks).toString('utf8'),
        at,
        typeof webhookId === 'string' ? webhookId : '',
      );
    }
    if (!slow || released) return answer();
    const release = () => {
      clearTimeout(timer);
      held.delete(release);
      answer();
    };
    const timer = setTimeout(release, Number(slow[1]));
    held.add(release);
    slowPeak = Math.max(slowPeak, held.size);
    res.on('close', () => {
      clearTimeout(timer);
      held.delete(release);
    });
  });
});
server.keepAliveTimeout = 30_000;

serveRpc({
  counts: (m) => {
    const names = (m.groups as string[] | undefined) ?? [...groups.keys()];
    return Object.fromEntries(
      names.map((name) => {
        const g = groups.get(name);
        return [name, { unique: g?.unique.size ?? 0, total: g?.at.length ?? 0 }];
      }),
    );
  },
  arrivals: (m) => {
    const g = groups.get(m.group as string);
    return { path: g?.path ?? [], id: g?.id ?? [], at: g?.at ?? [], webhookId: g?.webhookId ?? [] };
  },
  forget: (m) => {
    groups.delete(m.group as string);
    return {};
  },
  release: () => {
    released = true;
    for (const release of [...held]) release();
    return {};
  },
  hold: () => {
    released = false;
    slowPeak = held.size;
    return {};
  },
  slowPeak: () => ({ slowPeak, held: held.size }),
  requests: () => ({ requests }),
  stop: () => {
    for (const release of [...held]) release();
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
    return {};
  },
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
});

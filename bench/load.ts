/**
 * The load generator, a process of its own (forked by bench/run.ts), so that every number comes
 * from load that an independent client outside the API's process produces. It publishes events
 * through the API processes, one undici Pool per API and requests spread round-robin across them,
 * and records every publish: when it was due, when it was sent and when it was answered (on the
 * clock all bench processes share, `performance.timeOrigin + performance.now()`, ms), the status
 * and how many events the API accepted.
 *
 * Events are Kazoo `channel_create` events of about 300 bytes. Each gets the id `<group>-<n>`, and
 * its payload's `call_id` is the same id, so the receiver can tell which event arrived. With
 * `callPhases` 3 (count only), events n = 3k, 3k+1, 3k+2 are one call's channel_create,
 * channel_answer and channel_destroy, `call_id` `<group>-call-<k>` (the ordering scenario).
 *
 * IPC (rpc):
 * - init {origins, key, connections}: the APIs, the key to publish with (the root key, which may
 *   publish into any account) and how many connections in total, split across the APIs;
 * - paced {streams: [{account, rate, group}], seconds, maxInFlight}: open loop, one event per
 *   request. Each stream's sends are scheduled at its rate from the start. A send that finds
 *   `maxInFlight` requests already out waits for a free slot and goes out late; what is still
 *   waiting when the time is up is never sent, so "offered" is what was actually sent;
 * - count {account, group, requests, eventsPerRequest, inFlight, seconds, callPhases?}: closed loop, as fast as
 *   `inFlight` requests in flight allow (bursts, ingest), for at most `seconds`.
 * Both answer with a PublishLog.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { callPayload, now, runPool, serveRpc } from './lib.ts';
import { emptyLog, type PublishLog } from './publish-log.ts';

let pools: Pool[] = [];
let key = '';
let roundRobin = 0;
const sequences = new Map<string, number>();

function reserve(group: string, count: number): number {
  const first = sequences.get(group) ?? 0;
  sequences.set(group, first + count);
  return first;
}

const PHASES = ['channel_create', 'channel_answer', 'channel_destroy'];

function event(id: string, callId = id, phase = 0) {
  return {
    type: PHASES[phase],
    id,
    payload: callPayload(callId),
  };
}

/** Publishes events `<group>-<seq>`… `<group>-<seq+count-1>` in one request and logs it. */
async function publish(
  out: PublishLog,
  stream: number,
  account: string,
  group: string,
  count: number,
  due: number,
  callPhases = 1,
): Promise<void> {
  const seq = reserve(group, count);
  const events = Array.from({ length: count }, (_, i) => {
    const n = seq + i;
    return callPhases > 1
      ? event(`${group}-${n}`, `${group}-call-${Math.floor(n / callPhases)}`, n % callPhases)
      : event(`${group}-${n}`);
  });
  const pool = pools[roundRobin++ % pools.length];
  const start = now();
  let status = 0;
  let accepted = 0;
  try {
    const res = await pool.request({
      method: 'POST',
      path: `/v2/accounts/${account}/events`,
      headers: { 'x-auth-token': key, 'content-type': 'application/json' },
      body: JSON.stringify({ data: count === 1 ? events[0] : events }),
    });
    const text = await res.body.text();
    status = res.statusCode;
    if (status === 202) accepted = Number(JSON.parse(text).data?.accepted ?? 0);
    else if (out.errors.length < 5) out.errors.push(`${status} ${text.slice(0, 200)}`);
  } catch (err) {
    if (out.errors.length < 5) out.errors.push((err as Error).message);
  }
  out.stream.push(stream);
  out.group.push(group);
  out.seq.push(seq);
  out.events.push(count);
  out.due.push(due);
  out.start.push(start);
  out.end.push(now());
  out.status.push(status);
  out.accepted.push(accepted);
}

interface Stream {
  account: string;
  rate: number;
  group: string;
}

function paced(streams: Stream[], seconds: number, maxInFlight: number): Promise<PublishLog> {
  const out = emptyLog();
  const begin = now() + 20;
  const finish = begin + seconds * 1000;
  out.begin = begin;
  out.finish = finish;
  const interval = streams.map((s) => 1000 / s.rate);
  // Streams start a fraction of an interval apart rather than all at once.
  const offset = streams.map((_, i) => (i / streams.length) * interval[i]);
  const next = streams.map(() => 0);
  const waiting: { stream: number; due: number }[] = [];
  let head = 0;
  let inFlight = 0;
  let timeUp = false;
  return new Promise((resolve) => {
    const maybeDone = () => {
      if (timeUp && inFlight === 0) resolve(out);
    };
    const pump = () => {
      while (head < waiting.length && inFlight < maxInFlight) {
        const { stream, due } = waiting[head++];
        const s = streams[stream];
        inFlight++;
        void publish(out, stream, s.account, s.group, 1, due).finally(() => {
          inFlight--;
          pump();
          maybeDone();
        });
      }
    };
    const tick = () => {
      const t = now();
      let soonest = finish;
      streams.forEach((_, i) => {
        for (;;) {
          const due = begin + offset[i] + next[i] * interval[i];
          if (due >= finish) break;
          if (due > t) {
            soonest = Math.min(soonest, due);
            break;
          }
          waiting.push({ stream: i, due });
          next[i]++;
        }
      });
      pump();
      if (t >= finish) {
        out.unsent = waiting.length - head;
        head = waiting.length;
        timeUp = true;
        maybeDone();
        return;
      }
      setTimeout(tick, Math.max(0, soonest - now()));
    };
    setTimeout(tick, Math.max(0, begin - now()));
  });
}

async function count(
  account: string,
  group: string,
  requests: number,
  eventsPerRequest: number,
  inFlight: number,
  seconds: number,
  callPhases: number,
): Promise<PublishLog> {
  const out = emptyLog();
  await runPool(requests, inFlight, performance.now() + seconds * 1000, () =>
    publish(out, 0, account, group, eventsPerRequest, now(), callPhases),
  );
  out.begin = out.start.reduce((a, b) => Math.min(a, b), Infinity);
  out.finish = out.end.reduce((a, b) => Math.max(a, b), -Infinity);
  return out;
}

serveRpc({
  init: async (m) => {
    await Promise.all(pools.map((p) => p.close()));
    const origins = m.origins as string[];
    const connections = Math.max(1, Math.ceil((m.connections as number) / origins.length));
    pools = origins.map(
      (origin) =>
        new Pool(origin, {
          connections,
          pipelining: 1,
          keepAliveTimeout: 30_000,
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        }),
    );
    key = m.key as string;
    return {};
  },
  paced: (m) => paced(m.streams as Stream[], m.seconds as number, m.maxInFlight as number),
  count: (m) =>
    count(
      m.account as string,
      m.group as string,
      m.requests as number,
      m.eventsPerRequest as number,
      m.inFlight as number,
      m.seconds as number,
      (m.callPhases as number | undefined) ?? 1,
    ),
  stop: async () => {
    await Promise.all(pools.map((p) => p.close()));
    setTimeout(() => process.exit(0), 10);
    return {};
  },
});
process.send?.({ type: 'ready' });

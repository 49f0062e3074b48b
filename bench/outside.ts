/**
 * An outside harness: it knows Switchboard only as an HTTP API that some operator started (e.g.
 * `npm start` on a fresh database), and measures single-event publishing the way an independent
 * client would, for comparison with `npm run bench`.
 *
 * Shape (that of the harness that measured Switchboard from outside on 2026-12-05): one Node
 * process, undici's default global agent (no Pool of our choosing: a new connection whenever all
 * are busy), one `POST /v2/accounts/{A}/events` per event, sends scheduled at a constant rate, at
 * most 256 in flight (a send that finds 256 out waits; what still waits when the step's time is up
 * is never offered). Every latency is measured from the send's SCHEDULED time, so time spent
 * waiting for a slot counts (no coordinated omission); the figures from the actual send are
 * reported next to them.
 *
 * It sets itself up through the API with the root key: a tenant, and one webhook to a loopback
 * receiver it starts as a child process (this file with `--receiver`), which stamps arrivals on
 * the clock every local process shares (`performance.timeOrigin + performance.now()`).
 *
 *   npx tsx bench/outside.ts --origin http://127.0.0.1:3000 --key "$SWITCHBOARD_ROOT_KEY" \
 *     [--ladder cold|warm|250,500,1000] [--seconds 8] [--client undici|fetch|ours] [--label text]
 *     [--json file]
 *
 * `cold` is one step at 1,000/s straight after set-up; `warm` is 250 → 500 → 1,000/s. `--client
 * ours` sends through `npm run bench`'s own load generator (bench/load.ts: a Pool of 256
 * connections, keep-alive 30 s) instead, so the two can be compared under identical conditions.
 * Markdown rows on stdout, progress on stderr (with OUTSIDE_QUARTERS=1, also each step's first
 * 4 s by quarter second). All traffic stays on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client, request } from 'undici';
import { callPayload } from './lib.ts';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const say = (m: string) =>
  process.stderr.write(`[outside ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

// ---- the receiver (a child process) ---------------------------------------------------------------

function runReceiver(): void {
  const first = new Map<string, Map<string, number>>();
  const CALL_ID = /"call_id":"([^"]+)"/;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/arrivals/')) {
      const group = decodeURIComponent(req.url.slice('/arrivals/'.length));
      const seen = first.get(group) ?? new Map<string, number>();
      first.delete(group);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Object.fromEntries(seen)));
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith('/count/')) {
      const group = decodeURIComponent(req.url.slice('/count/'.length));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(String(first.get(group)?.size ?? 0));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      const id = CALL_ID.exec(Buffer.concat(chunks).toString('utf8'))?.[1];
      if (id) {
        const group = id.slice(0, id.lastIndexOf('-'));
        let seen = first.get(group);
        if (!seen) first.set(group, (seen = new Map()));
        if (!seen.has(id)) seen.set(id, at);
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(
      `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
    );
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}

// ---- what one step records ----------------------------------------------------------------------

interface Log {
  due: number[];
  start: number[];
  end: number[];
  status: number[];
  seq: number[];
  unsent: number;
  errors: string[];
}

function event(id: string) {
  return {
    type: 'channel_create',
    id,
    payload: callPayload(id),
  };
}

type Send = (body: string) => Promise<number>;

/** undici's global dispatcher (a default Agent) — what `undici.request(url)` uses unconfigured. */
const undiciSend =
  (url: string, key: string): Send =>
  async (body) => {
    const res = await request(url, {
      method: 'POST',
      headers: { 'x-auth-token': key, 'content-type': 'application/json' },
      body,
    });
    await res.body.text();
    return res.statusCode;
  };

/** Node's own fetch (its bundled undici, default agent). */
const fetchSend =
  (url: string, key: string): Send =>
  async (body) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'x-auth-token': key, 'content-type': 'application/json' },
      body,
    });
    await res.text();
    return res.status;
  };

/** Open loop at `rate`/s for `seconds`, at most `maxInFlight` out; a late send waits for a slot. */
function paced(
  send: Send,
  group: string,
  rate: number,
  seconds: number,
  maxInFlight: number,
): Promise<Log> {
  const log: Log = { due: [], start: [], end: [], status: [], seq: [], unsent: 0, errors: [] };
  const begin = now() + 20;
  const finish = begin + seconds * 1000;
  const interval = 1000 / rate;
  const waiting: { due: number; seq: number }[] = [];
  let head = 0;
  let next = 0;
  let inFlight = 0;
  let timeUp = false;
  return new Promise((resolve) => {
    const done = () => {
      if (timeUp && inFlight === 0) resolve(log);
    };
    const pump = () => {
      while (head < waiting.length && inFlight < maxInFlight) {
        const { due, seq } = waiting[head++];
        inFlight++;
        const start = now();
        send(JSON.stringify({ data: event(`${group}-${seq}`) }))
          .then(
            (status) => status,
            (err: Error) => {
              if (log.errors.length < 5) log.errors.push(err.message);
              return 0;
            },
          )
          .then((status) => {
            log.due.push(due);
            log.start.push(start);
            log.end.push(now());
            log.status.push(status);
            log.seq.push(seq);
            inFlight--;
            pump();
            done();
          });
      }
    };
    const tick = () => {
      const t = now();
      for (;;) {
        const due = begin + next * interval;
        if (due >= finish || due > t) break;
        waiting.push({ due, seq: next });
        next++;
      }
      pump();
      if (t >= finish) {
        log.unsent = waiting.length - head;
        head = waiting.length;
        timeUp = true;
        done();
        return;
      }
      setTimeout(tick, Math.max(0, Math.min(finish, begin + next * interval) - now()));
    };
    setTimeout(tick, Math.max(0, begin - now()));
  });
}

// ---- `npm run bench`'s own load generator, for A/B --------------------------------------------

async function oursGenerator(origin: string, key: string) {
  const { forkTs, nextMessage, rpc } = await import('./lib.ts');
  const child = forkTs(path.join(import.meta.dirname, 'load.ts'));
  await nextMessage(child, 'ready', 30_000);
  await rpc(child, 'init', { origins: [origin], key, connections: 256 });
  return {
    child,
    async paced(
      account: string,
      group: string,
      rate: number,
      seconds: number,
      maxInFlight: number,
    ): Promise<Log> {
      const p = await rpc<{
        due: number[];
        start: number[];
        end: number[];
        status: number[];
        seq: number[];
        unsent: number;
        errors: string[];
      }>(
        child,
        'paced',
        { streams: [{ account, rate, group }], seconds, maxInFlight },
        seconds * 1000 + 120_000,
      );
      return {
        due: p.due,
        start: p.start,
        end: p.end,
        status: p.status,
        seq: p.seq,
        unsent: p.unsent,
        errors: p.errors,
      };
    },
  };
}

// ---- statistics -----------------------------------------------------------------------------------

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const ms = (v: number) =>
  Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v)}` : v === Infinity ? '∞' : 'n/a';

// ---- main -----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const origin = arg('origin', 'http://127.0.0.1:3000');
  const key = arg('key', process.env.SWITCHBOARD_ROOT_KEY ?? '');
  if (!key) throw new Error('--key or SWITCHBOARD_ROOT_KEY is required');
  const ladderArg = arg('ladder', 'cold');
  const ladder =
    ladderArg === 'cold'
      ? [1000]
      : ladderArg === 'warm'
        ? [250, 500, 1000]
        : ladderArg.split(',').map(Number);
  const seconds = Number(arg('seconds', '8'));
  const maxInFlight = Number(arg('in-flight', '256'));
  const clientKind = arg('client', 'undici');
  const label = arg('label', `${clientKind} ${ladderArg}`);
  const run = `o${Date.now().toString(36)}`;

  // Receiver: this file again, as a process of its own.
  const receiver: ChildProcess = spawn(
    process.execPath,
    [...process.execArgv, import.meta.filename, '--receiver'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const receiverPort = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: receiver.stdout! });
    lines.once('line', (line) => resolve(JSON.parse(line).port as number));
    receiver.once('exit', (code) => reject(new Error(`receiver exited ${code}`)));
  });
  const receiverOrigin = `http://127.0.0.1:${receiverPort}`;
  // Management and receiver queries go through a Client of their own, not the measured agent.
  const manage = new Client(origin);
  const ask = new Client(receiverOrigin);
  const call = async (method: 'PUT' | 'GET', p: string, data?: unknown) => {
    const res = await manage.request({
      method,
      path: p,
      headers: { 'x-auth-token': key, 'content-type': 'application/json' },
      body: data === undefined ? undefined : JSON.stringify({ data }),
    });
    const body = (await res.body.json()) as { data?: { id?: string; account_id?: string } };
    if (res.statusCode >= 300)
      throw new Error(`${method} ${p}: ${res.statusCode} ${JSON.stringify(body)}`);
    return body.data ?? {};
  };
  // Optional (diagnostics only): CPU of the server's processes per step, from /proc.
  const pids = arg('pids', '').split(',').filter(Boolean);
  const cpuOf = () =>
    pids.map((pid) => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, ms (USER_HZ = 100)
      } catch {
        return NaN;
      }
    });
  const connected = { count: 0 };
  subscribe('undici:client:connected', () => connected.count++);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  let ours: Awaited<ReturnType<typeof oursGenerator>> | undefined;
  try {
    const rootId = (await call('PUT', '/v2/api_auth', { api_key: key })).account_id!;
    const account = (await call('PUT', `/v2/accounts/${rootId}`, { name: `outside ${run}` })).id!;
    await call('PUT', `/v2/accounts/${account}/webhooks`, {
      name: 'outside',
      uri: `${receiverOrigin}/hook/outside`,
      hook: 'channel_create',
    });
    const url = `${origin}/v2/accounts/${account}/events`;
    if (clientKind === 'ours') ours = await oursGenerator(origin, key);
    const send = clientKind === 'fetch' ? fetchSend(url, key) : undiciSend(url, key);

    const results: Record<string, unknown>[] = [];
    process.stdout.write(
      `| ${['run', 'rate', 'load (1 min)', 'offered / scheduled (unsent)', 'errors', 'new conns', 'request p50 / p99 / max from scheduled', 'request p50 / p99 from sent', 'delivery p50 / p99 from scheduled', 'delivery p99 from sent', 'delivered'].join(' | ')} |\n|${' --- |'.repeat(11)}\n`,
    );
    for (const rate of ladder) {
      const group = `${run}.${rate}`;
      const load = os.loadavg()[0].toFixed(2);
      const conns = connected.count;
      const cpuBefore = cpuOf();
      loopDelay.reset();
      loopDelay.enable();
      say(`${label}: ${rate}/s for ${seconds} s (load ${load})`);
      const log = ours
        ? await ours.paced(account, group, rate, seconds, maxInFlight)
        : await paced(send, group, rate, seconds, maxInFlight);
      loopDelay.disable();
      const cpuMs = cpuOf().map((c, i) => c - cpuBefore[i]);
      const newConns = connected.count - conns;
      const ok = log.status.map((s, i) => (s === 202 ? i : -1)).filter((i) => i >= 0);
      // Wait for deliveries (at most 10 s after the step).
      const deadline = now() + 10_000;
      while (now() < deadline) {
        const res = await ask.request({
          method: 'GET',
          path: `/count/${encodeURIComponent(group)}`,
        });
        if (Number(await res.body.text()) >= ok.length) break;
        await sleep(200);
      }
      const res = await ask.request({
        method: 'GET',
        path: `/arrivals/${encodeURIComponent(group)}`,
      });
      const arrivals = (await res.body.json()) as Record<string, number>;
      const fromDue = ok.map((i) => log.end[i] - log.due[i]);
      const fromStart = ok.map((i) => log.end[i] - log.start[i]);
      const deliveryDue: number[] = [];
      const deliveryStart: number[] = [];
      for (const i of ok) {
        const at = arrivals[`${group}-${log.seq[i]}`];
        deliveryDue.push(at === undefined ? Infinity : at - log.due[i]);
        deliveryStart.push(at === undefined ? Infinity : at - log.start[i]);
      }
      const scheduled = Math.round(rate * seconds);
      const row = {
        label,
        rate,
        load,
        offered: log.start.length,
        scheduled,
        unsent: log.unsent,
        errors: log.status.filter((s) => s !== 202).length,
        errorText: log.errors,
        newConnections: clientKind === 'ours' ? NaN : newConns,
        requestDue: { p50: pct(fromDue, 50), p99: pct(fromDue, 99), max: pct(fromDue, 100) },
        requestSent: { p50: pct(fromStart, 50), p99: pct(fromStart, 99), max: pct(fromStart, 100) },
        deliveryDue: { p50: pct(deliveryDue, 50), p99: pct(deliveryDue, 99) },
        deliverySent: { p50: pct(deliveryStart, 50), p99: pct(deliveryStart, 99) },
        delivered: deliveryDue.filter(Number.isFinite).length,
        accepted: ok.length,
        generatorLoopDelayP99: loopDelay.percentile(99) / 1e6,
        serverCpuMsPerEvent: cpuMs.map((c) => c / Math.max(1, ok.length)),
      };
      results.push(row);
      process.stdout.write(
        `| ${[
          label,
          `${rate}/s`,
          load,
          `${row.offered} / ${scheduled}${row.unsent ? ` (${row.unsent})` : ''}`,
          String(row.errors),
          clientKind === 'ours' ? 'n/a' : String(newConns),
          `${ms(row.requestDue.p50)} / **${ms(row.requestDue.p99)}** / ${ms(row.requestDue.max)}`,
          `${ms(row.requestSent.p50)} / ${ms(row.requestSent.p99)}`,
          `${ms(row.deliveryDue.p50)} / ${ms(row.deliveryDue.p99)}`,
          ms(row.deliverySent.p99),
          `${row.delivered} / ${row.accepted}`,
        ].join(' | ')} |\n`,
      );
      if (log.errors.length) say(`errors: ${log.errors.join(' | ')}`);
      // Per second of scheduled time: request p99 from scheduled, and how many were sent late.
      const t0 = Math.min(...log.due);
      const bySecond: string[] = [];
      const deliveryBySecond: string[] = [];
      for (let s = 0; s < seconds; s++) {
        const inSecond = ok.flatMap((i, k) =>
          log.due[i] - t0 >= s * 1000 && log.due[i] - t0 < (s + 1) * 1000 ? [[i, k]] : [],
        );
        bySecond.push(
          ms(
            pct(
              inSecond.map(([i]) => log.end[i] - log.due[i]),
              99,
            ),
          ),
        );
        deliveryBySecond.push(
          ms(
            pct(
              inSecond.map(([, k]) => deliveryDue[k]),
              99,
            ),
          ),
        );
      }
      say(
        `${label} ${rate}/s: request p99 from scheduled, by second: ${bySecond.join(' ')}; delivery p99 by second: ${deliveryBySecond.join(' ')}; generator loop delay p99 ${ms(row.generatorLoopDelayP99)} ms${pids.length ? `; server CPU ms/event ${row.serverCpuMsPerEvent.map((c) => c.toFixed(2)).join(' / ')}` : ''}`,
      );
      Object.assign(row, { bySecondP99: bySecond, deliveryBySecondP99: deliveryBySecond });
      if (process.env.OUTSIDE_QUARTERS) {
        // The step's first 4 s by quarter second: delivery p50 / p99 of the events scheduled in
        // it, and how many arrived at the receiver in it (a cold start's backlog, building and going).
        const quarters: string[] = [];
        for (let q = 0; q < 16; q++) {
          const from = t0 + q * 250;
          const to = from + 250;
          const latencies = ok.flatMap((i, k) =>
            log.due[i] >= from && log.due[i] < to ? [deliveryDue[k]] : [],
          );
          const arrived = Object.values(arrivals).filter((at) => at >= from && at < to).length;
          quarters.push(
            `${q * 250}: ${ms(pct(latencies, 50))}/${ms(pct(latencies, 99))} ms, ${arrived} arrived`,
          );
        }
        say(`${label} ${rate}/s by quarter second: ${quarters.join('; ')}`);
      }
    }
    const jsonFile = arg('json', '');
    if (jsonFile) writeFileSync(jsonFile, JSON.stringify(results, null, 1));
  } finally {
    if (ours) {
      ours.child.kill('SIGTERM');
    }
    await manage.close();
    await ask.close();
    receiver.kill('SIGTERM');
    setTimeout(() => process.exit(0), 200).unref();
  }
}

if (process.argv.includes('--receiver')) runReceiver();
else
  await main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });

/**
 * Small helpers shared by the benchmark: settings from the environment, a clock shared by every
 * process, IPC requests to the bench's own child processes, /proc sampling (CPU ticks, RSS),
 * percentiles, bounded loops and Markdown formatting. Linux only (reads /proc).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Wall-clock milliseconds (with a fraction) that every process of the run can compare: the
 * load generator stamps a publish, the receiver stamps an arrival, both with this.
 */
export const now = () => performance.timeOrigin + performance.now();

const benchStart = now();
/** Progress line on stderr (stdout carries only the report). */
export function log(message: string) {
  process.stderr.write(
    `[bench ${((now() - benchStart) / 1000).toFixed(1).padStart(5)} s] ${message}\n`,
  );
}

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = Number(raw);
  return raw && Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function envList(name: string, fallback: string[]): string[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

// ---- the bench's own child processes (receiver, load generator) ---------------------------------

/** Forks a TypeScript script of bench/ under tsx, with an IPC channel. */
export function forkTs(script: string, env: Record<string, string> = {}): ChildProcess {
  return fork(script, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/**
 * Waits for the first IPC message from `child` that `match` recognises (it returns the message as
 * `T`, or undefined to keep waiting); rejects when the child exits first or after timeoutMs.
 */
function awaitMessage<T>(
  child: ChildProcess,
  match: (message: unknown) => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`pid ${child.pid}: no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      let matched: T | undefined;
      try {
        matched = match(message);
      } catch (error) {
        cleanup();
        reject(error as Error);
        return;
      }
      if (matched === undefined) return;
      cleanup();
      resolve(matched);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`pid ${child.pid} exited (${code}) before ${what}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Resolves with the first IPC message of `type` from `child`, or rejects after timeoutMs. */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: string,
  timeoutMs: number,
): Promise<T> {
  return awaitMessage(
    child,
    (message) =>
      (message as { type?: string } | null)?.type === type ? (message as T) : undefined,
    timeoutMs,
    `"${type}" message`,
  );
}

let rpcSeq = 0;

/**
 * Sends `{rpc, cmd, ...args}` to a child that runs serveRpc() and resolves with its answer
 * (rejects on the child's error, its exit, or after timeoutMs).
 */
export function rpc<T>(
  child: ChildProcess,
  cmd: string,
  args: Record<string, unknown> = {},
  timeoutMs = 30_000,
): Promise<T> {
  const id = ++rpcSeq;
  const answer = awaitMessage(
    child,
    (message) => {
      const m = message as { rpc?: number; error?: string; result?: T } | null;
      if (m?.rpc !== id) return undefined;
      if (m.error !== undefined) throw new Error(`pid ${child.pid} ${cmd}: ${m.error}`);
      return { result: m.result as T };
    },
    timeoutMs,
    `answer to "${cmd}"`,
  );
  child.send({ rpc: id, cmd, ...args });
  return answer.then(({ result }) => result);
}

type Handler = (message: Record<string, unknown>) => unknown;

/** The child side of rpc(): one handler per command. Exits when the parent goes away. */
export function serveRpc(handlers: Record<string, Handler>) {
  process.on(
    'message',
    async (message: { rpc?: number; cmd?: string } & Record<string, unknown>) => {
      if (typeof message?.rpc !== 'number' || typeof message.cmd !== 'string') return;
      const handler = handlers[message.cmd];
      try {
        if (!handler) throw new Error(`unknown command ${message.cmd}`);
        const result = await handler(message);
        process.send?.({ rpc: message.rpc, result });
      } catch (err) {
        process.send?.({ rpc: message.rpc, error: (err as Error).message });
      }
    },
  );
  // Never outlive the benchmark.
  process.on('disconnect', () => process.exit(0));
}

/** Waits for a child to exit; SIGKILLs it (by pid) after timeoutMs. */
export async function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// ---- /proc sampling ------------------------------------------------------------------------

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on every Linux we run on
}

function readProc(pid: number | string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** utime + stime of a process (all its threads), in seconds (undefined if it is gone). */
export function cpuSeconds(pid: number | string): number | undefined {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  // Fields after the ")" of comm: state is field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Current and peak resident set size of a process, bytes (VmRSS, VmHWM). */
export function memory(pid: number): { rss: number; peak: number } | undefined {
  const status = readProc(pid, 'status');
  if (!status) return undefined;
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Resets a process's peak RSS (VmHWM) to its current RSS; false where the kernel refuses. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The 1-, 5- and 15-minute load averages, as /proc/loadavg prints them. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

function pidsByComm(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (readProc(entry, 'comm')?.trim() === comm) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Machine-wide CPU seconds (all cores) from /proc/stat: busy (not idle, not iowait), and within
 * it the kernel's softirq time (loopback TCP is processed there) and steal (the hypervisor ran
 * someone else).
 */
function machineCpu(): { busy: number; total: number; softirq: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = v[3] + v[4];
  return {
    busy: (total - idle) / clockTicks,
    total: total / clockTicks,
    softirq: v[6] / clockTicks,
    steal: v[7] / clockTicks,
  };
}

export type CpuGroups = Record<string, number[] | (() => number[])>;

export interface CpuWindow {
  /** CPU seconds per group. */
  groups: Record<string, number>;
  /** CPU seconds per pid, for the groups given as pid lists. */
  perPid: Record<number, number>;
  machineBusy: number;
  softirq: number;
  steal: number;
  machineTotal: number;
  /** Wall seconds of the window. */
  wall: number;
}

/**
 * CPU seconds spent by named groups of processes between start() and stop(). Postgres and Redis
 * are found by name (every backend counts, including connections opened during the window).
 */
export function cpuMeter(groups: CpuGroups) {
  const resolve = (g: number[] | (() => number[])) => (typeof g === 'function' ? g() : g);
  const snapshot = () => {
    const perGroup = new Map<string, Map<number, number>>();
    for (const [name, g] of Object.entries(groups)) {
      const m = new Map<number, number>();
      for (const pid of resolve(g)) m.set(pid, cpuSeconds(pid) ?? 0);
      perGroup.set(name, m);
    }
    return { perGroup, machine: machineCpu(), at: performance.now() };
  };
  let start = snapshot();
  return {
    start() {
      start = snapshot();
    },
    stop(): CpuWindow {
      const end = snapshot();
      const result: Record<string, number> = {};
      const perPid: Record<number, number> = {};
      for (const [name, m] of end.perGroup) {
        let sum = 0;
        for (const [pid, seconds] of m) {
          const used = seconds - (start.perGroup.get(name)?.get(pid) ?? 0);
          sum += used;
          if (Array.isArray(groups[name])) perPid[pid] = used;
        }
        result[name] = sum;
      }
      return {
        groups: result,
        perPid,
        machineBusy: end.machine.busy - start.machine.busy,
        softirq: end.machine.softirq - start.machine.softirq,
        steal: end.machine.steal - start.machine.steal,
        machineTotal: end.machine.total - start.machine.total,
        wall: (end.at - start.at) / 1000,
      };
    },
  };
}

/**
 * Peak RSS of some processes over a window: the kernel's own peak (VmHWM, reset at the start of
 * the window where allowed) and a 100 ms sample of VmRSS, whichever is higher.
 */
export function rssPeaks(pids: number[]) {
  const peaks = new Map<number, number>(pids.map((pid) => [pid, 0]));
  const hwmReset = pids.map(resetPeakRss).every(Boolean);
  const sample = () => {
    for (const pid of pids) {
      const m = memory(pid);
      if (m) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, m.rss));
    }
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop(): Map<number, number> {
      clearInterval(timer);
      sample();
      if (hwmReset) {
        for (const pid of pids) {
          const m = memory(pid);
          if (m) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, m.peak));
        }
      }
      return peaks;
    },
  };
}

function cmdline(pid: number): string {
  return (readProc(pid, 'cmdline') ?? '').replaceAll('\0', ' ');
}

/** Postgres backends serving `database` (client connections and its autovacuum workers). */
export const postgresPidsOf = (databases: string[]) => () =>
  pidsByComm('postgres').filter((pid) => {
    const line = cmdline(pid);
    return databases.some((db) => line.includes(` ${db} `));
  });
/** The postmaster and the background processes every database shares (WAL writer, checkpointer…). */
export const postgresSharedPids = () =>
  pidsByComm('postgres').filter((pid) =>
    /(bin\/postgres|checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher|archiver)/.test(
      cmdline(pid),
    ),
  );
export const redisPids = () => pidsByComm('redis-server');

// ---- numbers -------------------------------------------------------------------------------

/** Nearest-rank percentile of an unsorted list (p in 0..100); Infinity counts as a value. */
/** The Kazoo call payload every bench event carries (about 400 bytes of JSON), for call `callId`. */
export function callPayload(callId: string) {
  return {
    call_id: callId,
    call_direction: 'inbound',
    caller_id_name: 'Alice',
    caller_id_number: '+15551234567',
    callee_id_name: 'Sales',
    callee_id_number: '+15557654321',
    from: '+15551234567@sip.example.com',
    to: '+15557654321@sip.example.com',
    request: '+15557654321@sip.example.com',
    other_leg_call_id: 'af1e1e12f1bcf519a96f2235ab8eeec4',
    custom_channel_vars: { campaign: 'bench' },
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Most values in any window of `windowMs` (values need not be sorted). */
export function maxInWindow(values: number[], windowMs: number): number {
  const sorted = Float64Array.from(values).sort();
  let best = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi] - sorted[lo] >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

/** Milliseconds; Infinity (a delivery that never arrived) prints as "not arrived". */
export function fmtMs(n: number): string {
  if (n === Infinity) return 'not arrived';
  if (!Number.isFinite(n)) return 'n/a';
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`;
}

export function fmtRatio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0
    ? `${((a / b) * 100).toFixed(0)} %`
    : 'n/a';
}

/** Bytes as MB (10^6), the unit of the RSS target. */
export function fmtMB(bytes: number): string {
  return Number.isFinite(bytes) && bytes > 0 ? `${(bytes / 1e6).toFixed(0)} MB` : 'n/a';
}

/** Share of one core: CPU seconds over wall seconds. */
export function fmtCore(cpu: number, wall: number): string {
  return Number.isFinite(cpu) && wall > 0 ? `${((cpu / wall) * 100).toFixed(0)} %` : 'n/a';
}

export const check = (met: boolean | undefined) => (met === undefined ? '–' : met ? '✓' : '✗');

export function markdownTable(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const line = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Runs `task(i)` for i = 0..count-1 with at most `concurrency` in flight, stopping early (no new
 * tasks) once `deadline` (performance.now() value) has passed. Returns how many were started.
 */
export async function runPool(
  count: number,
  concurrency: number,
  deadline: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      await task(i);
    }
  });
  await Promise.all(lanes);
  return next;
}

/** Polls `done()` every `everyMs` until it is true or `timeoutMs` passed; returns whether it was. */
export async function waitFor(
  done: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (performance.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

// ---- databases -----------------------------------------------------------------------------

/**
 * Drops and creates the database `name` on the server of `adminUrl` (a bench's own, never one
 * in use); returns its URL.
 */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * What the Postgres server holds and does besides a run, as a sentence: other databases (a
 * left-over 10-million-row bench database costs every later run CPU and I/O while autovacuum
 * works through it) and the autovacuum workers running. A run on a server busy with those is not
 * comparable with one on an idle server. `own` names the run's own databases, left out.
 */
export async function postgresBesides(client: pg.Client, own: string[] = []): Promise<string> {
  const { rows } = await client.query<{ databases: string; bytes: string; autovacuums: string }>(
    `WITH others AS (SELECT datname FROM pg_database
       WHERE datname <> ALL (ARRAY['postgres', 'template0', 'template1'] || $1::text[]))
     SELECT (SELECT count(*) FROM others) AS databases,
       (SELECT coalesce(sum(pg_database_size(datname)), 0) FROM others) AS bytes,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker') AS autovacuums`,
    [own],
  );
  const [r] = rows;
  return `${r.databases} other database(s), ${(Number(r.bytes) / 1024 ** 3).toFixed(1)} GiB in all; ${r.autovacuums} autovacuum worker(s) running`;
}

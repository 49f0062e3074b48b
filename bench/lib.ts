/**
 * Small helpers shared by the benchmark: child processes, /proc sampling (CPU ticks, RSS),
 * percentiles, bounded polling and Markdown formatting. Linux only (reads /proc).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Forks a TypeScript script of bench/ under tsx, with an IPC channel. */
export function forkTs(
  script: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): ChildProcess {
  return fork(script, [], {
    execArgv: [...execArgv, '--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves with the first IPC message of `type` from `child`, or rejects after timeoutMs. */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: string,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" message from pid ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      if ((message as { type?: string } | null)?.type === type) {
        cleanup();
        resolve(message as T);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`pid ${child.pid} exited (${code}) before sending "${type}"`));
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

/** Sends a command and waits for its answer. */
export async function ask<T extends { type: string }>(
  child: ChildProcess,
  cmd: string,
  answer: string,
  timeoutMs = 10_000,
): Promise<T> {
  const reply = nextMessage<T>(child, answer, timeoutMs);
  child.send({ cmd });
  return reply;
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

/** utime + stime of a process, in seconds (undefined if it is gone). */
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

/**
 * CPU seconds spent by named groups of processes between start() and stop(). Postgres and Redis
 * are found by name (every backend counts, including connections opened during the window).
 */
export function cpuMeter(groups: CpuGroups) {
  const resolve = (g: number[] | (() => number[])) => (typeof g === 'function' ? g() : g);
  const snapshot = () => {
    const perPid = new Map<string, Map<number, number>>();
    for (const [name, g] of Object.entries(groups)) {
      const m = new Map<number, number>();
      for (const pid of resolve(g)) m.set(pid, cpuSeconds(pid) ?? 0);
      perPid.set(name, m);
    }
    return { perPid, machine: machineCpu(), at: performance.now() };
  };
  let start = snapshot();
  return {
    start() {
      start = snapshot();
    },
    /** Seconds of CPU per group, machine busy seconds, and the wall time of the window. */
    stop() {
      const end = snapshot();
      const result: Record<string, number> = {};
      for (const [name, m] of end.perPid) {
        let sum = 0;
        for (const [pid, seconds] of m) sum += seconds - (start.perPid.get(name)?.get(pid) ?? 0);
        result[name] = sum;
      }
      return {
        groups: result,
        machineBusy: end.machine.busy - start.machine.busy,
        softirq: end.machine.softirq - start.machine.softirq,
        steal: end.machine.steal - start.machine.steal,
        machineTotal: end.machine.total - start.machine.total,
        wall: (end.at - start.at) / 1000,
      };
    },
  };
}

function cmdline(pid: number): string {
  return (readProc(pid, 'cmdline') ?? '').replaceAll('\0', ' ');
}

/** Postgres backends serving `database` (client connections and its autovacuum workers). */
export const postgresPidsOf = (database: string) => () =>
  pidsByComm('postgres').filter((pid) => cmdline(pid).includes(` ${database} `));
/** The postmaster and the background processes every database shares (WAL writer, checkpointer…). */
export const postgresSharedPids = () =>
  pidsByComm('postgres').filter((pid) =>
    /(bin\/postgres|checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher|archiver)/.test(
      cmdline(pid),
    ),
  );
export const redisPids = () => pidsByComm('redis-server');

// ---- numbers -------------------------------------------------------------------------------

/** Nearest-rank percentile of an unsorted list (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

export function fmtMs(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`;
}

export function fmtRatio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0
    ? `${((a / b) * 100).toFixed(0)} %`
    : 'n/a';
}

export function fmtMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
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

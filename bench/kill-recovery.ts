/**
 * How long a kill -9 of the worker delays delivery, as an operator would see it: `npm start`'s
 * processes (the built `dist/src/main.js`: the API, and the worker it forks) on a fresh database,
 * one account with one webhook to a loopback receiver, events enqueued one by one with BullMQ's
 * own `Queue.add` at a steady rate, and the worker process killed with SIGKILL halfway through
 * (npm start forks another one a second later). Prints when the events that arrived after the
 * kill arrived, and when the last did; every event must arrive.
 *
 *   npm run build && npx tsx bench/kill-recovery.ts [--events 3000] [--rate 500] [--delay 0]
 *
 * `--delay`: the receiver answers after this many ms, so that the worker has requests in flight
 * when it is killed. Their deliveries are still pending (no outcome was written) and are sent a
 * second time once the dead worker's leases are given up: the run waits for those too (up to a
 * minute) and prints when they came.
 *
 * Uses the database switchboard_bench_kill (dropped before and after) and a Redis prefix of its
 * own (deleted after), PORT 3931 and 3932 on 127.0.0.1. Settings such as
 * SWITCHBOARD_INTAKE_LOCK_MS pass through from the environment.
 */
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { REPO_ROOT } from './processes.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const EVENTS = arg('events', 3000);
const RATE = arg('rate', 500);
const DELAY_MS = arg('delay', 0);
const DB = 'switchboard_bench_kill';
const PREFIX = `sbbench-kill:${process.pid}`;
const KEY = 'kill-recovery-root-key-0123456789abcdef';
const PORT = 3931;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const psql = (sql: string) =>
  execFileSync('psql', ['-q', '-h', '127.0.0.1', '-U', 'postgres', '-c', sql], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });

psql(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
const env = {
  ...process.env,
  DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/${DB}`,
  SWITCHBOARD_ROOT_KEY: KEY,
  SWITCHBOARD_REDIS_PREFIX: PREFIX,
  SWITCHBOARD_ALLOWED_TARGETS: '127.0.0.1/32',
  PORT: String(PORT),
  HOST: '127.0.0.1',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
};
execFileSync(process.execPath, ['dist/scripts/migrate.js'], { cwd: REPO_ROOT, env });
const main = spawn(process.execPath, ['dist/src/main.js'], {
  cwd: REPO_ROOT,
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
});

/** First arrival of each event id at the receiver. */
const arrived = new Map<string, number>();
/** Requests the receiver is holding (answering after DELAY_MS). */
let holding = 0;
/**
 * Events whose request came a second time, and when: the requests the dead worker had sent
 * (their outcome never written), sent again once its leases were given up.
 */
const again = new Map<string, number>();
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const id = (JSON.parse(body) as { marker?: string }).marker;
    if (id && arrived.has(id) && !again.has(id)) again.set(id, Date.now());
    holding++;
    const answer = () => {
      holding--;
      if (id && !arrived.has(id)) arrived.set(id, Date.now());
      res.end('ok');
    };
    if (DELAY_MS > 0) setTimeout(answer, DELAY_MS);
    else answer();
  });
});
await new Promise<void>((resolve) => receiver.listen(3932, '127.0.0.1', resolve));

for (;;) {
  const ready = await fetch(`http://127.0.0.1:${PORT}/readyz`).catch(() => undefined);
  if (ready?.ok) break;
  await sleep(200);
}
async function call(method: string, url: string, data: unknown) {
  const res = await fetch(`http://127.0.0.1:${PORT}${url}`, {
    method,
    headers: { 'x-auth-token': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ data }),
  });
  const body = (await res.json()) as { data: { id: string; account_id: string } };
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}
const root = (await call('PUT', '/v2/api_auth', { api_key: KEY })).account_id;
const account = await call('PUT', `/v2/accounts/${root}`, { name: 'kill-recovery' });
const port = (receiver.address() as AddressInfo).port;
await call('PUT', `/v2/accounts/${account.id}/webhooks`, {
  name: 'kill-recovery',
  uri: `http://127.0.0.1:${port}/hook`,
  hook: 'sms',
});

const connection = new Redis({ maxRetriesPerRequest: null });
const queue = new Queue('switchboard-events', { connection, prefix: `{${PREFIX}}` });
const started = Date.now();
let killedAt = 0;
let holdingAtKill = 0;
for (let i = 0; i < EVENTS; i++) {
  const id = `kill-${i}`;
  await queue.add('sms', { account_id: account.id, payload: { marker: id } }, { jobId: id });
  if (i === Math.floor(EVENTS / 2)) {
    const worker = Number(
      execFileSync('pgrep', ['-P', String(main.pid)])
        .toString()
        .trim(),
    );
    process.kill(worker, 'SIGKILL');
    killedAt = Date.now();
    holdingAtKill = holding;
    console.log(
      `worker (pid ${worker}) killed at ${killedAt - started} ms; ${arrived.size} arrived, ${holding} requests at the receiver`,
    );
  }
  const wait = started + ((i + 1) * 1000) / RATE - Date.now();
  if (wait > 0) await sleep(wait);
}
const allAdded = Date.now();
while (arrived.size < EVENTS && Date.now() - allAdded < 240_000) await sleep(100);

const after = [...arrived.values()].filter((t) => t > killedAt).sort((a, b) => a - b);
const at = (q: number) =>
  after[Math.min(after.length - 1, Math.floor(q * after.length))] - killedAt;
console.log(
  `${arrived.size} / ${EVENTS} arrived (${RATE}/s enqueued, receiver answering after ${DELAY_MS} ms, the last add ${allAdded - killedAt} ms after the kill); ` +
    `of the ${after.length} that arrived after the kill, p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, last ${at(1)} ms after it`,
);
// The dead worker's deliveries in flight come again (from its leases' end); wait for them too.
const settle = Date.now();
while (Date.now() - settle < 60_000 && again.size < holdingAtKill) await sleep(100);
const againAt = [...again.values()].map((t) => t - killedAt).sort((a, b) => a - b);
console.log(
  `${again.size} events sent a second time (the dead worker's requests), ` +
    `the first ${againAt[0] ?? '-'} ms and the last ${againAt.at(-1) ?? '-'} ms after the kill`,
);
console.log(
  'intake jobs left:',
  await queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
);

await queue.close();
connection.disconnect();
main.kill('SIGTERM');
await new Promise((resolve) => main.once('exit', resolve));
receiver.close();
psql(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
execFileSync('bash', [
  '-c',
  `redis-cli --scan --pattern '*${PREFIX}*' | xargs -r -n 500 redis-cli DEL >/dev/null`,
]);
process.exit(arrived.size === EVENTS ? 0 : 1);

/**
 * BullMQ alone, shaped like Switchboard's intake (forked by bench/run.ts for the `intake-floor`
 * scenario): BullMQ's own `Worker` with the intake worker's settings (concurrency, jobs removed on
 * completion, the same braced prefix), whose processor does none of Switchboard's work but waits
 * as the intake's jobs wait for the group commit: jobs are taken in groups of at most
 * GROUP_MAX, one group at a time, a group starting at most every MIN_INTERVAL_MS and taking
 * `holdMs` (what storing a group costs Postgres on a quiet machine). What this process, the
 * producer and Redis then spend per job is the floor under the intake ladder: the cost of BullMQ
 * itself at that shape, on this machine.
 *
 * IPC (rpc):
 * - init {redisUrl, prefix, queue, concurrency, holdMs}: starts the Worker;
 * - arrivals {group}: the completion time of each job of `group` (job id `<group>-<seq>`), in the
 *   receiver's Arrivals shape, so harness.ts's latency() joins them with the producer's log;
 * - forget {group}; stop: closes the Worker and deletes the queue.
 */
import { Queue, Worker } from 'bullmq';
import { bullPrefix } from '../src/intake/intake-queue.ts';
import { redisConnection, type RedisClient } from '../src/redis.ts';
import type { Arrivals } from './harness.ts';
import { now, serveRpc, sleep } from './lib.ts';

/** The group commit's shape (src/delivery/ingest.ts). */
const GROUP_MAX = 64;
const MIN_INTERVAL_MS = 4;

let worker: Worker | undefined;
let queue: Queue | undefined;
let connection: RedisClient | undefined;
const completed = new Map<string, { id: string[]; at: number[] }>();

/** One group at a time, like the group commit: park, take up to GROUP_MAX, hold, release. */
function groupCommit(holdMs: number) {
  const parked: (() => void)[] = [];
  let running = false;
  const loop = async () => {
    running = true;
    while (parked.length > 0) {
      const started = now();
      const group = parked.splice(0, GROUP_MAX);
      await sleep(holdMs);
      for (const release of group) release();
      const wait = MIN_INTERVAL_MS - (now() - started);
      if (wait > 0) await sleep(wait);
    }
    running = false;
  };
  return () =>
    new Promise<void>((resolve) => {
      parked.push(resolve);
      if (!running) void loop();
    });
}

serveRpc({
  init: async (m) => {
    const prefix = bullPrefix(m.prefix as string);
    connection = redisConnection(m.redisUrl as string, true);
    const stored = groupCommit(m.holdMs as number);
    worker = new Worker(m.queue as string, () => stored(), {
      connection,
      prefix,
      concurrency: m.concurrency as number,
      removeOnComplete: { count: 0 },
    });
    worker.on('error', () => {});
    worker.on('completed', (job) => {
      const id = job.id ?? '';
      const group = id.slice(0, id.lastIndexOf('-'));
      let list = completed.get(group);
      if (!list) completed.set(group, (list = { id: [], at: [] }));
      list.id.push(id);
      list.at.push(now());
    });
    queue = new Queue(m.queue as string, { connection, prefix });
    await worker.waitUntilReady();
    return {};
  },
  arrivals: (m): Arrivals => {
    const list = completed.get(m.group as string) ?? { id: [], at: [] };
    return {
      path: list.id.map(() => 'job'),
      id: list.id,
      at: list.at,
      webhookId: list.id.map(() => ''),
    };
  },
  count: (m) => completed.get(m.group as string)?.id.length ?? 0,
  forget: (m) => {
    completed.delete(m.group as string);
    return {};
  },
  stop: async () => {
    await worker?.close();
    await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    connection?.disconnect();
    setTimeout(() => process.exit(0), 10);
    return {};
  },
});
process.send?.({ type: 'ready' });

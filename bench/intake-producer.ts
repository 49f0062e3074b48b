/**
 * The intake scenario's producer, a process of its own (forked by bench/run.ts): it adds events
 * to Switchboard's intake queue the way a platform that already runs BullMQ would (docs/intake.md)
 * — BullMQ's own `Queue.add`, ONE JOB PER CALL (never addBulk), job name = event type, data =
 * `{account_id, id, payload}`, `jobId` = the event id, on the queue `switchboard-events` with the
 * braced prefix `{<SWITCHBOARD_REDIS_PREFIX>}` — at a constant offered rate.
 *
 * Every add is logged as a PublishLog row (bench/publish-log.ts, so harness.ts's latency() joins
 * it with the receiver's arrivals): when it was due (its place in the schedule), when `add` was
 * called and when it resolved, on the clock every bench process shares. Latencies are taken from
 * `due`, so an add held back by the in-flight limit or a busy producer still counts its wait.
 *
 * IPC (rpc):
 * - init {redisUrl, prefix, queue}: opens the Queue (one Redis, or `redis+cluster://…`);
 * - paced {accounts, rate, seconds, group, maxInFlight}: open loop, one `add` per event, the
 *   events spread round-robin over the accounts; a send
 *   that finds `maxInFlight` adds unanswered waits, and what still waits at the end is never sent.
 */
import type { Queue as BullQueue } from 'bullmq';
import { Queue } from 'bullmq';
import { bullPrefix } from '../src/intake/intake-queue.ts';
import { redisConnection, type RedisClient } from '../src/redis.ts';
import { callPayload, now, serveRpc } from './lib.ts';
import { emptyLog, type PublishLog } from './publish-log.ts';

let queue: BullQueue | undefined;
let connection: RedisClient | undefined;
const sequences = new Map<string, number>();

async function add(out: PublishLog, accounts: string[], group: string, due: number) {
  const seq = sequences.get(group) ?? 0;
  sequences.set(group, seq + 1);
  const id = `${group}-${seq}`;
  const account = accounts[seq % accounts.length];
  const start = now();
  let status = 0;
  try {
    await queue!.add(
      'channel_create',
      { account_id: account, id, payload: callPayload(id) },
      { jobId: id },
    );
    status = 202; // "accepted", as the REST publish answers
  } catch (err) {
    if (out.errors.length < 5) out.errors.push((err as Error).message);
  }
  out.stream.push(0);
  out.group.push(group);
  out.seq.push(seq);
  out.events.push(1);
  out.due.push(due);
  out.start.push(start);
  out.end.push(now());
  out.status.push(status);
  out.accepted.push(status === 202 ? 1 : 0);
}

function paced(
  accounts: string[],
  group: string,
  rate: number,
  seconds: number,
  maxInFlight: number,
): Promise<PublishLog> {
  const out = emptyLog();
  const begin = now() + 20;
  const finish = begin + seconds * 1000;
  out.begin = begin;
  out.finish = finish;
  const interval = 1000 / rate;
  const waiting: number[] = [];
  let head = 0;
  let next = 0;
  let inFlight = 0;
  let timeUp = false;
  return new Promise((resolve) => {
    const maybeDone = () => {
      if (timeUp && inFlight === 0) resolve(out);
    };
    const pump = () => {
      while (head < waiting.length && inFlight < maxInFlight) {
        const due = waiting[head++];
        inFlight++;
        void add(out, accounts, group, due).finally(() => {
          inFlight--;
          pump();
          maybeDone();
        });
      }
    };
    const tick = () => {
      const t = now();
      let soonest = finish;
      for (;;) {
        const due = begin + next * interval;
        if (due >= finish) break;
        if (due > t) {
          soonest = due;
          break;
        }
        waiting.push(due);
        next++;
      }
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

serveRpc({
  init: async (m) => {
    await queue?.close();
    connection?.disconnect();
    connection = redisConnection(m.redisUrl as string, false);
    queue = new Queue(m.queue as string, {
      connection,
      prefix: bullPrefix(m.prefix as string),
    });
    queue.on('error', () => {});
    await queue.waitUntilReady();
    return {};
  },
  paced: (m) =>
    paced(
      m.accounts as string[],
      m.group as string,
      m.rate as number,
      m.seconds as number,
      m.maxInFlight as number,
    ),
  stop: async () => {
    await queue?.close();
    connection?.disconnect();
    setTimeout(() => process.exit(0), 10);
    return {};
  },
});
process.send?.({ type: 'ready' });

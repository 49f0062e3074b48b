/**
 * The machine's own ceilings, measured in the same run as everything else, so that every
 * Switchboard figure can be read as a ratio to what this machine can do right now (they move by
 * ±30 % between runs on a shared machine, so a figure from another day is no yardstick):
 * - undici Pool (64 keep-alive connections) sending HMAC-signed 200-byte JSON POSTs to the plain
 *   node:http receiver in another process (bench/receiver.ts) on 127.0.0.1;
 * - BullMQ: addBulk rate, and a no-op processor at concurrency 50 draining the queue.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import type { Ceilings, Section } from './harness.ts';
import { fmtInt, log, markdownTable, runPool, sleep } from './lib.ts';

/** A JSON body of exactly `bytes` bytes. */
export function jsonBody(bytes: number): string {
  const base = { type: 'call_created', data: { call_id: 'c0ffee', direction: 'inbound', pad: '' } };
  const padding = bytes - JSON.stringify(base).length;
  base.data.pad = 'x'.repeat(Math.max(0, padding));
  return JSON.stringify(base);
}

export interface UndiciCeiling {
  requests: number;
  seconds: number;
  perSecond: number;
  errors: number;
}

/** `count` signed POSTs with `inFlight` concurrent requests over a fresh 64-connection Pool. */
export async function undiciCeiling(
  origin: string,
  count: number,
  inFlight = 64,
  capMs = 20_000,
): Promise<UndiciCeiling> {
  const pool = new Pool(origin, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
  const key = randomBytes(24);
  const body = jsonBody(200);
  let errors = 0;
  const start = performance.now();
  const sent = await runPool(count, inFlight, start + capMs, async (i) => {
    const id = `msg_${i.toString(36)}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = createHmac('sha256', key)
      .update(`${id}.${timestamp}.${body}`)
      .digest('base64');
    try {
      const res = await pool.request({
        path: '/ceiling',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': `v1,${signature}`,
        },
        body,
      });
      await res.body.dump();
      if (res.statusCode !== 200) errors++;
    } catch {
      errors++;
    }
  });
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  return { requests: sent, seconds, perSecond: sent / seconds, errors };
}

export interface BullmqCeiling {
  jobs: number;
  addPerSecond: number;
  processed: number;
  processPerSecond: number;
  /** Redis commands (scripts' inner commands included) per job, added and processed. */
  redisCommandsPerJob: number;
}

async function redisCommands(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? NaN);
}

/**
 * Adds `count` jobs with addBulk (chunks of 1000, custom job ids as Switchboard uses), then drains
 * them with a no-op Worker at `concurrency`; both timed. Removes its keys afterwards.
 */
export async function bullmqCeiling(
  redisUrl: string,
  prefix: string,
  count: number,
  concurrency = 50,
  capMs = 30_000,
): Promise<BullmqCeiling> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('ceiling', {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
  });
  try {
    await queue.obliterate({ force: true });
    const commandsBefore = await redisCommands(connection);
    const chunk = 1000;
    const addStart = performance.now();
    for (let from = 0; from < count; from += chunk) {
      const jobs = [];
      for (let i = from; i < Math.min(count, from + chunk); i++) {
        const id = `${prefix}-${i}`;
        jobs.push({ name: 'deliver', data: { deliveryId: id }, opts: { jobId: id } });
      }
      await queue.addBulk(jobs);
    }
    const addSeconds = (performance.now() - addStart) / 1000;

    let processed = 0;
    const worker = new Worker('ceiling', async () => {}, {
      connection: workerConnection,
      prefix,
      concurrency,
      autorun: false,
    });
    worker.on('completed', () => {
      processed++;
    });
    worker.on('error', () => {});
    const start = performance.now();
    void worker.run();
    const deadline = start + capMs;
    while (processed < count && performance.now() < deadline) await sleep(5);
    const seconds = (performance.now() - start) / 1000;
    await worker.close();
    const commands = (await redisCommands(connection)) - commandsBefore;
    return {
      jobs: count,
      addPerSecond: count / addSeconds,
      processed,
      processPerSecond: processed / seconds,
      redisCommandsPerJob: commands / count,
    };
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    connection.disconnect();
    workerConnection.disconnect();
  }
}

/**
 * The ceilings scenario: the undici ceiling twice (cold, then warm) and the BullMQ ceiling twice;
 * ratios elsewhere use the better run of each.
 */
export async function ceilings(opts: {
  receiverOrigin: string;
  redisUrl: string;
  prefix: string;
  requests: number;
  jobs: number;
}): Promise<{ ceilings: Ceilings; section: Section }> {
  const undici: UndiciCeiling[] = [];
  for (let run = 0; run < 2; run++) {
    undici.push(await undiciCeiling(opts.receiverOrigin, opts.requests));
    log(
      `undici ceiling run ${run + 1}: ${fmtInt(undici[run].perSecond)} req/s (${undici[run].errors} errors)`,
    );
  }
  const bull: BullmqCeiling[] = [];
  for (let run = 0; run < 2; run++) {
    bull.push(await bullmqCeiling(opts.redisUrl, opts.prefix, opts.jobs));
    log(
      `BullMQ ceiling run ${run + 1}: addBulk ${fmtInt(bull[run].addPerSecond)}/s, no-op c=50 ${fmtInt(bull[run].processPerSecond)}/s`,
    );
  }
  const result: Ceilings = {
    undiciBest: Math.max(...undici.map((u) => u.perSecond)),
    addBulkBest: Math.max(...bull.map((b) => b.addPerSecond)),
    bullmqBest: Math.max(...bull.map((b) => b.processPerSecond)),
    redisCommandsPerJob: bull[bull.length - 1].redisCommandsPerJob,
  };
  const errors = undici.reduce((a, u) => a + u.errors, 0);
  const rows = [
    [
      'undici Pool (64 connections) → node:http receiver process, signed 200-B POSTs',
      `${fmtInt(undici[0].perSecond)} req/s cold, ${fmtInt(undici[1].perSecond)} req/s warm`,
      `${fmtInt(opts.requests)} requests per run${errors ? `, ${errors} errors` : ''}`,
    ],
    [
      'BullMQ addBulk (chunks of 1,000)',
      `${fmtInt(result.addBulkBest)} jobs/s`,
      `best of 2: ${bull.map((b) => fmtInt(b.addPerSecond)).join(', ')}`,
    ],
    [
      'BullMQ no-op processor, concurrency 50',
      `${fmtInt(result.bullmqBest)} jobs/s`,
      `best of 2: ${bull.map((b) => fmtInt(b.processPerSecond)).join(', ')}; ${result.redisCommandsPerJob.toFixed(1)} Redis commands per job`,
    ],
  ];
  return {
    ceilings: result,
    section: {
      title: 'Ceilings (this machine, this run)',
      body: [markdownTable(['ceiling', 'result', 'detail'], rows)],
      targets: [],
    },
  };
}

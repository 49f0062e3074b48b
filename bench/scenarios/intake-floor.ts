/**
 * The intake's floor: BullMQ alone at the intake ladder's shape, with nothing of Switchboard.
 * The intake scenario's producer (bench/intake-producer.ts: `Queue.add`, one job per call, at a
 * constant offered rate) feeds a queue of its own, consumed by bench/bullmq-consumer.ts: BullMQ's
 * `Worker` with the intake worker's settings whose processor only waits as the group commit makes
 * the intake's jobs wait (groups of ≤ 64, one at a time, `holdMs` each).
 *
 * Per step: added → completed p50 / p99 (from each add's scheduled time), and the CPU of the
 * producer, the consumer and Redis per job and as a share of a core, with the machine's busy
 * share. Whatever the intake ladder spends beyond these figures is Switchboard's; whatever these
 * figures take of the machine is not available to Switchboard at that rate.
 */
import type { ChildProcess } from 'node:child_process';
import {
  acceptedEvents,
  latency,
  redisDelta,
  redisNodeStats,
  requestTimes,
  stepFailures,
  type IntakeProducer,
  type Section,
  type Settings,
  type Arrivals,
  warmUpIntake,
} from '../harness.ts';
import { cpuMeter, fmtInt, fmtMs, loadAverage, log, markdownTable, rpc, waitFor } from '../lib.ts';

const P99_TARGET_MS = 250;
const DRAIN_GRACE_MS = 10_000;
const QUEUE = 'bench-intake-floor';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const pct = (seconds: number, wall: number) => `${((seconds / wall) * 100).toFixed(0)} %`;
const ms = (seconds: number, jobs: number) => ((seconds * 1000) / Math.max(1, jobs)).toFixed(3);

export async function intakeFloor(opts: {
  settings: Settings;
  producer: IntakeProducer;
  consumer: ChildProcess;
  redisUrl: string;
  redisNodes: string[];
  prefix: string;
  concurrency: number;
  holdMs: number;
  group(name: string): string;
}): Promise<Section> {
  const { settings: S, producer, consumer } = opts;
  const seconds = S.intakeSeconds;
  await producer.init(opts.redisUrl, opts.prefix, QUEUE);
  await rpc(consumer, 'init', {
    redisUrl: opts.redisUrl,
    prefix: opts.prefix,
    queue: QUEUE,
    concurrency: opts.concurrency,
    holdMs: opts.holdMs,
  });
  const completed = (group: string) => rpc<number>(consumer, 'count', { group });
  const accounts = ['floor'];

  // Unreported warm-up: 2 s at 100/s.
  const warmGroup = opts.group('floor.warmup');
  await warmUpIntake({
    producer,
    accounts,
    group: warmGroup,
    maxInFlight: S.ladderInFlight,
    through: () => completed(warmGroup),
    timeoutMs: 30_000,
  });
  await rpc(consumer, 'forget', { group: warmGroup });

  const rows: string[][] = [];
  let firstFailure: number | undefined;
  let highest = 0;
  for (const [index, rate] of S.intakeLadder.entries()) {
    const group = opts.group(`floor.${rate}`);
    const load = loadAverage();
    log(`intake-floor: ${rate}/s for ${seconds} s (load ${load})`);
    const meter = cpuMeter({ producer: [producer.child.pid!], consumer: [consumer.pid!] });
    const redisBefore = await redisNodeStats(opts.redisNodes);
    const published = await producer.paced({
      accounts,
      group,
      rate,
      seconds,
      maxInFlight: S.ladderInFlight,
    });
    const added = acceptedEvents(published);
    const deadline = published.finish + DRAIN_GRACE_MS;
    await waitFor(async () => (await completed(group)) >= added, DRAIN_GRACE_MS + 1000, 50);
    const cpu = meter.stop();
    const redis = redisDelta(redisBefore, await redisNodeStats(opts.redisNodes));
    const arrivals = await rpc<Arrivals>(consumer, 'arrivals', { group }, 60_000);
    await rpc(consumer, 'forget', { group });
    const lat = latency(published, arrivals, 1, deadline);
    const offered = published.start.length;
    const why = stepFailures({
      rate,
      seconds,
      offered,
      errors: requestTimes(published).errors,
      sends: 'add',
      through: lat.delivered,
      accepted: added,
      arrived: 'completed',
      p99: lat.p99,
      p99TargetMs: P99_TARGET_MS,
    });
    const pass = why.length === 0;
    if (pass) highest = Math.max(highest, rate);
    const redisCpu = sum(redis.map((n) => n.cpu));
    const redisCalls = sum(redis.map((n) => n.total));
    const { producer: p, consumer: c } = cpu.groups;
    rows.push([
      `${fmtInt(rate)}/s`,
      load.split(' ')[0],
      `${fmtInt(lat.delivered)} / ${fmtInt(added)}`,
      `${fmtMs(lat.p50)} / ${fmtMs(lat.p99)}`,
      `${ms(p, added)} / ${ms(c, added)} / ${ms(redisCpu, added)}`,
      `${pct(p, cpu.wall)} / ${pct(c, cpu.wall)} / ${pct(redisCpu, cpu.wall)}`,
      (redisCalls / Math.max(1, added)).toFixed(1),
      pct(cpu.machineBusy, cpu.machineTotal),
      pass ? '✓' : `✗ ${why.join(', ')}`,
    ]);
    log(
      `intake-floor ${rate}/s: completed ${lat.delivered}/${added}, p50 ${fmtMs(lat.p50)} p99 ${fmtMs(lat.p99)}; CPU per job ms producer ${ms(p, added)}, consumer ${ms(c, added)}, Redis ${ms(redisCpu, added)}; machine ${pct(cpu.machineBusy, cpu.machineTotal)} busy`,
    );
    if (!pass && firstFailure === undefined) firstFailure = index;
    if (firstFailure !== undefined && index > firstFailure) break;
  }

  return {
    title: `The intake's floor: BullMQ alone at the intake's shape (Queue.add one job per call → Worker, concurrency ${opts.concurrency}, groups of ≤ 64 held ${opts.holdMs} ms, one at a time)`,
    body: [
      markdownTable(
        [
          'offered rate',
          'load (1 min)',
          'completed / added',
          'added → completed p50 / p99',
          'CPU ms per job: producer / consumer / Redis',
          'share of a core: producer / consumer / Redis',
          'Redis commands per job',
          'machine busy',
          `p99 ≤ ${P99_TARGET_MS} ms`,
        ],
        rows,
      ),
      '',
      `Highest step with every job completed and p99 ≤ ${P99_TARGET_MS} ms: **${highest ? `${fmtInt(highest)}/s` : 'none'}**. No Switchboard process takes part: the producer is the intake scenario's, the consumer a bare BullMQ Worker whose processor only waits (bench/bullmq-consumer.ts). "Machine busy" is all cores, everything running. Whatever these processes take at a rate is not available to the API, the worker and Postgres at that rate.`,
    ],
    targets: [],
  };
}

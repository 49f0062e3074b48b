/**
 * Intake ladder: events enqueued with BullMQ's own `Queue.add`, one job per call, by a producer
 * process of its own (bench/intake-producer.ts), at constant offered rates (500 … 3,000/s by
 * default, BENCH_INTAKE_LADDER, BENCH_INTAKE_SECONDS each) → the worker(s)' intake → delivery to
 * the loopback receiver. The events are spread round-robin over BENCH_INTAKE_ACCOUNTS tenants
 * (default 8), each with one fast webhook: one delivery per event, and on a cluster the
 * scheduler's partitions (chosen per account) fall on every shard.
 *
 * Per step: offered and delivered rate, every event counted at the receiver, enqueue → arrival
 * p50 / p99 from each add's SCHEDULED time (an add held back by the in-flight limit counts its
 * wait), CPU per event of the API, the workers and the run's Postgres backends (from /proc), and
 * Redis commands and CPU per delivery from every node's INFO commandstats / INFO cpu (on a
 * cluster, per master and summed). An idle window before the ladder measures what the workers'
 * polling costs Redis with no traffic, so the per-delivery figures can be read net of it.
 *
 * A step passes when the rate was offered (≥ 95 %), every event was delivered within 10 s of the
 * step's end and p99 ≤ 250 ms. The ladder stops after two failing steps in a row (its first
 * step also meets the processes' warm-up, and one that fails for it alone does not end the ladder).
 */
import {
  acceptedEvents,
  bySecondLine,
  clusterCpu,
  latency,
  redisDelta,
  redisNodeStats,
  requestTimes,
  stepFailures,
  type Context,
  type RedisNodeDelta,
  type Section,
  warmUpIntake,
} from '../harness.ts';
import { fmtInt, fmtMs, loadAverage, log, markdownTable, now, sleep, waitFor } from '../lib.ts';

const P99_TARGET_MS = 250;
const RATE_TARGET = 2000;
const DELIVERY_GRACE_MS = 10_000;
const IDLE_SECONDS = 5;

interface Step {
  rate: number;
  offered: number;
  unsent: number;
  late: number;
  accepted: number;
  errors: number;
  delivered: number;
  duplicates: number;
  deliveredPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  addP99: number;
  p99BySecond: number[];
  cpu: { api: number; workers: number; postgres: number };
  redis: RedisNodeDelta[];
  wall: number;
  load: string;
  pass: boolean;
  why: string[];
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const f3 = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : 'n/a');

export async function intake(ctx: Context): Promise<Section & { sustained: number }> {
  const { settings: S } = ctx;
  const producer = ctx.producer;
  if (!producer) throw new Error('intake: no producer process');
  const rates = S.intakeLadder;
  const seconds = S.intakeSeconds;
  const accounts: string[] = [];
  for (let i = 0; i < S.intakeAccounts; i++) {
    const account = await ctx.api.createTenant(`bench-intake-${i}`);
    await ctx.api.webhook(account, 'intake', ctx.hookUri(`/hook/intake/${i}`));
    accounts.push(account);
  }
  await producer.init(ctx.redisUrl, ctx.redisPrefix, 'switchboard-events');

  // Unreported warm-up of the intake path: 2 s at 100/s, every event delivered.
  const warmGroup = ctx.group('intake.warmup');
  const warm = await warmUpIntake({
    producer,
    accounts,
    group: warmGroup,
    maxInFlight: S.ladderInFlight,
    through: () => ctx.receiver.unique(warmGroup),
    timeoutMs: S.settleSeconds * 1000,
  });
  if (warm.through < warm.accepted)
    throw new Error(
      `intake warm-up: ${warm.through}/${warm.accepted} delivered (${warm.errors.join('; ')})`,
    );
  await ctx.receiver.forget(warmGroup);

  // What the workers' polling costs Redis with no traffic.
  const idleBefore = await redisNodeStats(ctx.redisNodes);
  const idleStart = now();
  await sleep(IDLE_SECONDS * 1000);
  const idle = redisDelta(idleBefore, await redisNodeStats(ctx.redisNodes));
  const idleWall = (now() - idleStart) / 1000;
  const idleCallsPerSecond = sum(idle.map((n) => n.total)) / idleWall;
  const idleCpuPerSecond = sum(idle.map((n) => n.cpu)) / idleWall;
  log(
    `intake idle: ${idleCallsPerSecond.toFixed(0)} Redis commands/s, ${(idleCpuPerSecond * 100).toFixed(1)} % of a core`,
  );

  const steps: Step[] = [];
  let failedInARow = 0;
  for (const rate of rates) {
    const group = ctx.group(`intake.${rate}`);
    const load = loadAverage();
    log(`intake: ${rate}/s for ${seconds} s (load ${load})`);
    const cpu = clusterCpu(ctx);
    const redisBefore = await redisNodeStats(ctx.redisNodes);
    const t0 = now();
    const published = await producer.paced({
      accounts,
      group,
      rate,
      seconds,
      maxInFlight: S.ladderInFlight,
    });
    const accepted = acceptedEvents(published);
    const deadline = published.finish + DELIVERY_GRACE_MS;
    await waitFor(
      async () => (await ctx.receiver.unique(group)) >= accepted || now() > deadline,
      Math.max(0, deadline - now()) + 1000,
    );
    const redis = redisDelta(redisBefore, await redisNodeStats(ctx.redisNodes));
    const wall = (now() - t0) / 1000;
    const cpuPer = cpu.stop(accepted);
    const lat = latency(published, await ctx.receiver.arrivals(group), 1, deadline);
    const lastArrival = Math.max(...lat.firstArrivals);
    const deliveredPerSecond = (lat.delivered / (lastArrival - published.begin)) * 1000;
    const times = requestTimes(published);
    const offered = published.start.length;
    const late = published.start.filter((s, i) => s - published.due[i] > 10).length;
    const why = stepFailures({
      rate,
      seconds,
      offered,
      errors: times.errors,
      sends: 'add',
      through: lat.delivered,
      accepted,
      arrived: 'delivered',
      p99: lat.p99,
      p99TargetMs: P99_TARGET_MS,
    });
    const step: Step = {
      rate,
      offered,
      unsent: published.unsent,
      late,
      accepted,
      errors: times.errors,
      delivered: lat.delivered,
      duplicates: lat.duplicates,
      deliveredPerSecond,
      p50: lat.p50,
      p99: lat.p99,
      max: lat.max,
      addP99: times.p99,
      p99BySecond: lat.p99BySecond,
      cpu: cpuPer,
      redis,
      wall,
      load,
      pass: why.length === 0,
      why,
    };
    steps.push(step);
    log(
      `intake ${rate}/s: offered ${offered} (${fmtInt(offered / seconds)}/s), delivered ${lat.delivered}/${accepted} (${fmtInt(deliveredPerSecond)}/s), p50 ${fmtMs(lat.p50)} p99 ${fmtMs(lat.p99)}, add p99 ${fmtMs(times.p99)}, Redis ${f2(sum(redis.map((n) => n.total)) / Math.max(1, lat.delivered))} cmds & ${f3((sum(redis.map((n) => n.cpu)) * 1000) / Math.max(1, lat.delivered))} ms per delivery → ${step.pass ? 'pass' : `fail (${why.join(', ')})`}`,
    );
    if (published.errors.length) log(`  add errors: ${published.errors.join(' | ')}`);
    failedInARow = step.pass ? 0 : failedInARow + 1;
    const last = failedInARow === 2 || steps.length === rates.length;
    if (!last && lat.delivered < accepted) {
      log(`intake: letting ${accepted - lat.delivered} deliveries drain before the next step`);
      await waitFor(
        async () => (await ctx.receiver.unique(group)) >= accepted,
        S.settleSeconds * 1000,
        250,
      );
    }
    await ctx.receiver.forget(group);
    if (last) break;
  }

  const passing = steps.filter((s) => s.pass);
  const sustained = passing.length ? Math.max(...passing.map((s) => s.rate)) : 0;
  const sustainedStep = steps.find((s) => s.rate === sustained);
  const nodes = ctx.redisNodes;

  const ladderRows = steps.map((s) => [
    `${fmtInt(s.rate)}/s`,
    s.load.split(' ')[0],
    `${fmtInt(s.offered)} (${fmtInt(s.offered / seconds)}/s)${s.late ? `; ${fmtInt(s.late)} late` : ''}${s.unsent ? `; ${fmtInt(s.unsent)} never sent` : ''}`,
    `${fmtInt(s.delivered)} / ${fmtInt(s.accepted)}${s.duplicates ? ` (+${s.duplicates} dup.)` : ''}`,
    `${fmtInt(s.deliveredPerSecond)}/s`,
    `${fmtMs(s.p50)} / ${fmtMs(s.p99)} / ${fmtMs(s.max)}`,
    fmtMs(s.addP99),
    `${f2(s.cpu.api)} / ${f2(s.cpu.workers)} / ${f2(s.cpu.postgres)}`,
    s.pass ? '✓' : `✗ ${s.why.join(', ')}`,
  ]);

  // Redis per delivery: summed over the nodes, raw and net of the idle polling.
  const redisRows = steps.map((s) => {
    const d = Math.max(1, s.delivered);
    const calls = sum(s.redis.map((n) => n.total));
    const cpu = sum(s.redis.map((n) => n.cpu));
    const netCalls = calls - idleCallsPerSecond * s.wall;
    const netCpu = cpu - idleCpuPerSecond * s.wall;
    return [
      `${fmtInt(s.rate)}/s`,
      fmtInt(s.delivered),
      f2(calls / d),
      f2(netCalls / d),
      f3((cpu * 1000) / d),
      f3((netCpu * 1000) / d),
      `${((cpu / s.wall) * 100).toFixed(0)} %`,
      nodes.length > 1
        ? s.redis
            .map((n) => `${n.node.split(':')[1]}: ${f2(n.total / d)} / ${f3((n.cpu * 1000) / d)}`)
            .join('; ')
        : '–',
    ];
  });

  // The commands behind the per-delivery figure, at the sustained (or first) step.
  const shown = sustainedStep ?? steps[0];
  const byCommand = new Map<string, number>();
  for (const n of shown?.redis ?? [])
    for (const [cmd, calls] of Object.entries(n.calls))
      byCommand.set(cmd, (byCommand.get(cmd) ?? 0) + calls);
  const topCommands = [...byCommand.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([cmd, calls]) => `${cmd} ${f2(calls / Math.max(1, shown!.delivered))}`)
    .join(', ');

  return {
    title: `Intake ladder (BullMQ Queue.add, one job per call, ${S.intakeAccounts} accounts → ${S.workers} worker(s); Redis: ${ctx.redisOwn ? `${nodes.length === 1 ? 'the bench’s own single server' : `the bench’s own ${nodes.length}-master cluster`}` : 'the shared server'})`,
    body: [
      markdownTable(
        [
          'offered rate',
          'load (1 min)',
          'adds sent (rate)',
          'delivered / added',
          'delivered rate',
          'enqueue → arrival p50 / p99 / max',
          'add p99',
          'CPU ms per event: API / workers / Postgres',
          'step',
        ],
        ladderRows,
      ),
      '',
      `Highest step with every event delivered and p99 ≤ ${P99_TARGET_MS} ms: **${sustained ? `${fmtInt(sustained)}/s` : 'none'}**. Steps of ${seconds} s, at most ${S.ladderInFlight} adds in flight; latency from each add's scheduled time; "delivered rate" = events delivered / (last arrival − step start).`,
      '',
      `Enqueue → arrival p99 by second of each step (ms; each event in the second its add was scheduled): ${steps.map((s) => bySecondLine(s.rate, s.p99BySecond)).join('; ')}.`,
      '',
      markdownTable(
        [
          'offered rate',
          'deliveries',
          'Redis commands per delivery (all nodes)',
          '… net of idle polling',
          'Redis CPU ms per delivery',
          '… net of idle',
          'Redis CPU (% of a core, summed)',
          'per node: commands / CPU ms per delivery',
        ],
        redisRows,
      ),
      '',
      `Idle (no traffic, ${IDLE_SECONDS} s, the same processes): ${idleCallsPerSecond.toFixed(0)} commands/s, ${(idleCpuPerSecond * 100).toFixed(1)} % of a core${nodes.length > 1 ? ` (per node: ${idle.map((n) => `${n.node.split(':')[1]} ${(n.total / idleWall).toFixed(0)}/s, ${((n.cpu / idleWall) * 100).toFixed(1)} %`).join('; ')})` : ''}. Commands from INFO commandstats (a script's inner commands count as well as its EVALSHA), CPU = used_cpu_sys + used_cpu_user, over each step and its drain. ${ctx.redisOwn ? '' : '**The Redis is shared with other work: these figures include it.**'}`,
      '',
      shown ? `Commands per delivery at ${fmtInt(shown.rate)}/s: ${topCommands}.` : '',
      ...(shown && nodes.length > 1
        ? [
            '',
            `Per node at ${fmtInt(shown.rate)}/s (top commands per delivery): ${shown.redis
              .map(
                (n) =>
                  `${n.node}: ${Object.entries(n.calls)
                    .sort((a, b) => b[1] - a[1])
                    .slice(0, 5)
                    .map(([c, k]) => `${c} ${f2(k / Math.max(1, shown.delivered))}`)
                    .join(', ')}`,
              )
              .join('; ')}.`,
          ]
        : []),
    ],
    targets: [
      {
        name: `Intake (BullMQ Queue.add one at a time): ≥ ${fmtInt(RATE_TARGET)} events/s, every event delivered, p99 ≤ ${P99_TARGET_MS} ms`,
        result: sustainedStep
          ? `${fmtInt(sustained)}/s (p99 ${fmtMs(sustainedStep.p99)}, ${fmtInt(sustainedStep.delivered)}/${fmtInt(sustainedStep.accepted)})`
          : `no step passed (first: ${steps[0] ? `${fmtInt(steps[0].rate)}/s, p99 ${fmtMs(steps[0].p99)}` : 'none'})`,
        met: sustained >= RATE_TARGET,
      },
    ],
    sustained,
  };
}

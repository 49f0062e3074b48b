/**
 * Ladder: steady single-event publishes, one `POST …/events` per event as a PBX emits call
 * events, at rising rates (250, 500, 1,000, 1,500, 2,000/s by default) for a fixed time each, with
 * at most 256 publishes in flight. One tenant, one fast webhook: one delivery per event.
 *
 * A step passes when every event was accepted and delivered within 10 s of the step's end, the
 * p99 from publish sent to arrival is ≤ 250 ms, and the load generator really offered ≥ 95 % of
 * the rate. The highest passing step is the sustained single-event rate. After the first failing
 * step the ladder runs one more, then stops. A failing step's backlog is left to drain (bounded)
 * before the next step starts, so each step starts from an empty queue. A 2-s step at a low rate,
 * not reported, warms the single-event path first.
 *
 * coldLadder (scenario `cold`): the same steps without any warm-up, on processes that have
 * started (the APIs answer /readyz, the workers have said they run) but not served an event yet
 * (run.ts runs it before anything else touches the cluster): by default one step at 1,000/s, as
 * an operator's first traffic after `npm start` or a deploy would arrive.
 * Latencies in both are measured from each publish's scheduled send time (harness.ts sendTimes).
 */
import {
  acceptedEvents,
  bySecondLine,
  clusterCpu,
  fmtCpuPer,
  latency,
  redisDelta,
  redisNodeStats,
  requestTimes,
  stepFailures,
  serverCounters,
  type Context,
  type Section,
} from '../harness.ts';
import { fmtInt, fmtMs, fmtRatio, log, markdownTable, now, waitFor } from '../lib.ts';

const P99_TARGET_MS = 250;
const REQUEST_P99_TARGET_MS = 50;
const SUSTAINED_TARGET = 1000;
const DELIVERY_GRACE_MS = 10_000;

interface Step {
  rate: number;
  offered: number;
  late: number;
  unsent: number;
  accepted: number;
  errors: number;
  delivered: number;
  duplicates: number;
  p50: number;
  p99: number;
  requestP50: number;
  requestP99: number;
  p99BySecond: number[];
  /** Publish request p99 from the actual send (hides waiting for a slot; earlier reports'). */
  requestSentP99: number;
  /** Events of this step still not delivered when the next step started. */
  leftOver: number;
  cpuPerEvent?: { api: number; workers: number; postgres: number };
  commitsPerEvent: number;
  /** Redis commands and CPU ms per delivery, summed over the nodes, and per node. */
  redis: { commands: number; cpuMs: number; perNode: string };
  pass: boolean;
  why: string[];
}

/** The ladder from cold: no warm-up, on a cluster that has served nothing yet. */
export function coldLadder(ctx: Context): Promise<Section & { sustained: number }> {
  return ladder(ctx, { cold: true, rates: ctx.settings.coldLadder });
}

export async function ladder(
  ctx: Context,
  options: { cold?: boolean; rates?: number[] } = {},
): Promise<Section & { sustained: number }> {
  const { settings: S } = ctx;
  const rates = options.rates ?? S.ladder;
  const name = options.cold ? 'cold' : 'ladder';
  const account = await ctx.api.createTenant(`bench-${name}`);
  await ctx.api.webhook(account, name, ctx.hookUri(`/hook/${name}/0`));
  if (!options.cold) {
    // Unreported warm-up of the single-event path (JIT, connection pools): 2 s at a low rate.
    const warmGroup = ctx.group('ladder.warmup');
    const warm = await ctx.load.paced(
      [{ account, rate: Math.min(100, rates[0] / 2), group: warmGroup }],
      2,
      S.ladderInFlight,
    );
    await waitFor(
      async () => (await ctx.receiver.unique(warmGroup)) >= acceptedEvents(warm),
      S.settleSeconds * 1000,
      250,
    );
    await ctx.receiver.forget(warmGroup);
  }

  const steps: Step[] = [];
  let firstFailure: number | undefined;
  for (const rate of rates) {
    const group = ctx.group(`${name}.${rate}`);
    log(`${name}: ${rate}/s for ${S.stepSeconds} s`);
    const cpu = clusterCpu(ctx);
    const before = await serverCounters(ctx.db, ctx.redisNodes);
    const redisBefore = await redisNodeStats(ctx.redisNodes);
    const published = await ctx.load.paced(
      [{ account, rate, group }],
      S.stepSeconds,
      S.ladderInFlight,
    );
    const accepted = acceptedEvents(published);
    const deadline = published.finish + DELIVERY_GRACE_MS;
    await waitFor(
      async () => (await ctx.receiver.unique(group)) >= accepted || now() > deadline,
      Math.max(0, deadline - now()) + 1000,
    );
    const cpuPerEvent = cpu.stop(accepted);
    const after = await serverCounters(ctx.db, ctx.redisNodes);
    const redisSteps = redisDelta(redisBefore, await redisNodeStats(ctx.redisNodes));
    // Minus the bench's own two counter reads (it reads nothing else from Postgres meanwhile).
    const commitsPerEvent = (after.commits - before.commits - 2) / accepted;
    const lat = latency(published, await ctx.receiver.arrivals(group), 1, deadline);
    const times = requestTimes(published);
    const offered = published.start.length;
    const late = published.start.filter((s, i) => s - published.due[i] > 10).length;
    const why = stepFailures({
      rate,
      seconds: S.stepSeconds,
      offered,
      errors: times.errors,
      sends: 'publish',
      through: lat.delivered,
      accepted,
      arrived: 'delivered',
      p99: lat.p99,
      p99TargetMs: P99_TARGET_MS,
    });
    const step: Step = {
      rate,
      offered,
      late,
      unsent: published.unsent,
      accepted,
      errors: times.errors,
      delivered: lat.delivered,
      duplicates: lat.duplicates,
      p50: lat.p50,
      p99: lat.p99,
      requestP50: times.p50,
      requestP99: times.p99,
      p99BySecond: lat.p99BySecond,
      requestSentP99: times.sentP99,
      leftOver: 0,
      cpuPerEvent,
      commitsPerEvent,
      redis: {
        commands: redisSteps.reduce((a, n) => a + n.total, 0) / Math.max(1, lat.delivered),
        cpuMs: (redisSteps.reduce((a, n) => a + n.cpu, 0) * 1000) / Math.max(1, lat.delivered),
        perNode:
          redisSteps.length > 1
            ? redisSteps
                .map(
                  (n) =>
                    `${n.node.split(':')[1]}: ${(n.total / Math.max(1, lat.delivered)).toFixed(1)} / ${((n.cpu * 1000) / Math.max(1, lat.delivered)).toFixed(3)}`,
                )
                .join('; ')
            : '',
      },
      pass: why.length === 0,
      why,
    };
    steps.push(step);
    log(
      `${name} ${rate}/s: offered ${offered}, delivered ${lat.delivered}/${accepted}, p50 ${fmtMs(lat.p50)} p99 ${fmtMs(lat.p99)}, request p99 ${fmtMs(times.p99)} → ${step.pass ? 'pass' : `fail (${why.join(', ')})`}`,
    );
    if (published.errors.length) log(`  publish errors: ${published.errors.join(' | ')}`);
    if (!step.pass && firstFailure === undefined) firstFailure = steps.length - 1;
    // After the first failing step, one more step, then stop climbing.
    const last = steps.length - 1 === (firstFailure ?? -2) + 1 || steps.length === rates.length;
    // Let this step's backlog drain (bounded) so the next step starts from an empty queue.
    if (!last && lat.delivered < accepted) {
      log(`${name}: letting ${accepted - lat.delivered} deliveries drain before the next step`);
      await waitFor(
        async () => (await ctx.receiver.unique(group)) >= accepted,
        S.settleSeconds * 1000,
        250,
      );
      step.leftOver = accepted - (await ctx.receiver.unique(group));
    }
    await ctx.receiver.forget(group);
    if (last) break;
  }

  const passing = steps.filter((s) => s.pass);
  const sustained = passing.length ? Math.max(...passing.map((s) => s.rate)) : 0;
  const fullTarget = passing.filter((s) => s.requestP99 <= REQUEST_P99_TARGET_MS);
  const best = fullTarget.length ? Math.max(...fullTarget.map((s) => s.rate)) : 0;
  const sustainedStep = steps.find((s) => s.rate === sustained);
  const rows = steps.map((s) => [
    `${fmtInt(s.rate)}/s`,
    `${fmtInt(s.offered)} of ${fmtInt(s.rate * S.stepSeconds)} (${fmtInt(s.offered / S.stepSeconds)}/s)${s.late ? `; ${fmtInt(s.late)} late` : ''}${s.unsent ? `; ${fmtInt(s.unsent)} never sent` : ''}`,
    `${fmtInt(s.delivered)} / ${fmtInt(s.accepted)}${s.duplicates ? ` (+${s.duplicates} dup.)` : ''}`,
    `${fmtMs(s.p50)} / ${fmtMs(s.p99)}`,
    `${fmtMs(s.requestP50)} / ${fmtMs(s.requestP99)} (${fmtMs(s.requestSentP99)})`,
    String(s.errors),
    s.cpuPerEvent ? fmtCpuPer(s.cpuPerEvent) : 'n/a',
    Number.isFinite(s.commitsPerEvent) ? s.commitsPerEvent.toFixed(1) : 'n/a',
    `${s.redis.commands.toFixed(1)} / ${s.redis.cpuMs.toFixed(3)}${s.redis.perNode ? ` (${s.redis.perNode})` : ''}`,
    s.pass
      ? '✓'
      : `✗ ${s.why.join(', ')}${s.leftOver ? `; ${fmtInt(s.leftOver)} still undelivered ${S.settleSeconds} s later` : ''}`,
  ]);
  const ingestRatio = ctx.singleEventIngest
    ? ` That is ${fmtRatio(sustained, ctx.singleEventIngest)} of the single-event ingest rate the API alone reached in this run (${fmtInt(ctx.singleEventIngest)} events/s).`
    : '';
  return {
    title: options.cold
      ? 'Single events from a cold start (no warm-up; one POST per event, one webhook)'
      : 'Single-event ladder (one POST per event, one webhook)',
    body: [
      markdownTable(
        [
          'rate',
          'offered (sent of scheduled)',
          'delivered in 10 s',
          'publish → receiver p50 / p99',
          'publish request p50 / p99 (p99 from actual send)',
          'errors',
          'CPU ms per event: API / workers / Postgres',
          '≈ Postgres commits per event',
          'Redis commands / CPU ms per delivery (per node)',
          'step',
        ],
        rows,
      ),
      '',
      `Sustained single-event rate (highest step with everything delivered and p99 ≤ ${P99_TARGET_MS} ms): **${sustained ? `${fmtInt(sustained)}/s` : 'none of the steps'}**.${ingestRatio} Steps of ${S.stepSeconds} s, at most ${S.ladderInFlight} publishes in flight; "late" = sent more than 10 ms after its scheduled time. Latencies from each publish's scheduled send time, so waiting for a slot counts. Redis: INFO commandstats calls (a script's inner commands included) and used_cpu_sys + used_cpu_user over the step and its drain${ctx.redisOwn ? '' : ', on the shared server (other work included)'}.`,
      '',
      `Publish → receiver p99 by second of each step (ms; each event in the second its publish was scheduled): ${steps.map((s) => bySecondLine(s.rate, s.p99BySecond)).join('; ')}.`,
    ],
    targets: [
      {
        name: `${options.cold ? 'From a cold start: s' : 'S'}ustained single-event rate ≥ ${fmtInt(SUSTAINED_TARGET)}/s, all delivered, p99 ≤ ${P99_TARGET_MS} ms, publish request p99 ≤ ${REQUEST_P99_TARGET_MS} ms`,
        result: sustainedStep
          ? `${fmtInt(sustained)}/s (p99 ${fmtMs(sustainedStep.p99)}, request p99 ${fmtMs(sustainedStep.requestP99)})${best !== sustained ? `; with request p99 ≤ ${REQUEST_P99_TARGET_MS} ms: ${best ? `${fmtInt(best)}/s` : 'none'}` : ''}`
          : `no step passed (first: ${steps[0] ? `${fmtInt(steps[0].rate)}/s, p99 ${fmtMs(steps[0].p99)}` : 'none'})`,
        met: best >= SUSTAINED_TARGET,
      },
    ],
    sustained,
  };
}

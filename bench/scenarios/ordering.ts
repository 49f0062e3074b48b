/**
 * Ordering: the same calls delivered with `ordering: "none"` and with `ordering: "call"`. One
 * tenant per mode with BENCH_ORDERING_WEBHOOKS webhooks (default 5, VoIPBIN `event_types` of the
 * three call phases), BENCH_ORDERING_CALLS calls (default 1,000), each channel_create →
 * channel_answer → channel_destroy, published in batches of 99 events (33 whole calls, in order;
 * 4 requests in flight). Timed from the first publish until Postgres shows every delivery
 * `delivered`. Ordered, a call's next event goes only once the one before has been answered and
 * recorded, so the figure is the price of that wait at full load.
 */
import { clusterCpu, fmtCpuPer, type Context, type Section } from '../harness.ts';
import { envInt, fmtInt, fmtRatio, log, markdownTable, now, sleep } from '../lib.ts';

const PHASE_TYPES = ['call_created', 'call_answered', 'call_hungup'];
const PER_REQUEST = 99;

interface Run {
  mode: 'none' | 'call';
  delivered: number;
  expected: number;
  seconds: number;
  rate: number;
  cpu: string;
}

async function runMode(ctx: Context, mode: 'none' | 'call', calls: number, webhooks: number) {
  const account = await ctx.api.createTenant(`bench-ordering-${mode}`);
  const ids: string[] = [];
  for (let i = 0; i < webhooks; i++) {
    ids.push(
      await ctx.api.webhook(
        account,
        `ordering-${mode}-${i}`,
        ctx.hookUri(`/hook/ordering-${mode}/${i}`),
        { event_types: PHASE_TYPES, ordering: mode },
      ),
    );
  }
  const group = ctx.group(`ordering-${mode}`);
  const requests = Math.ceil((calls * 3) / PER_REQUEST);
  const expected = requests * PER_REQUEST * webhooks;
  const cpu = clusterCpu(ctx);
  log(`ordering ${mode}: ${webhooks} webhooks, ${fmtInt(requests * PER_REQUEST)} events`);
  const publishing = ctx.load.count({
    account,
    group,
    requests,
    eventsPerRequest: PER_REQUEST,
    inFlight: 4,
    seconds: 60,
    callPhases: 3,
  });
  const deadline = now() + 120_000;
  let delivered = 0;
  while (now() < deadline) {
    const { rows } = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deliveries WHERE webhook_id = ANY($1) AND status = 'delivered'`,
      [ids],
    );
    delivered = rows[0].n;
    if (delivered >= expected) break;
    await sleep(100);
  }
  const doneAt = now();
  const cpuPer = cpu.stop(delivered);
  const published = await publishing;
  await ctx.receiver.forget(group);
  const seconds = (doneAt - published.begin) / 1000;
  const run: Run = {
    mode,
    delivered,
    expected,
    seconds,
    rate: delivered / seconds,
    cpu: fmtCpuPer(cpuPer),
  };
  log(`ordering ${mode}: ${fmtInt(delivered)}/${fmtInt(expected)} in ${seconds.toFixed(2)} s`);
  return run;
}

export async function ordering(ctx: Context): Promise<Section> {
  const calls = Math.max(1, envInt('BENCH_ORDERING_CALLS', 1000));
  const webhooks = Math.max(1, envInt('BENCH_ORDERING_WEBHOOKS', 5));
  const off = await runMode(ctx, 'none', calls, webhooks);
  const on = await runMode(ctx, 'call', calls, webhooks);
  const undici = ctx.ceilings?.undiciBest ?? NaN;
  const rows = [off, on].map((r) => [
    `ordering: "${r.mode}"`,
    `**${fmtInt(r.rate)}/s**${r.delivered < r.expected ? ` (INCOMPLETE: ${fmtInt(r.delivered)}/${fmtInt(r.expected)})` : ''}`,
    `${fmtInt(r.delivered)} deliveries in ${r.seconds.toFixed(2)} s; CPU ms per delivery API / workers / Postgres: ${r.cpu}`,
    `${fmtRatio(r.rate, undici)} of undici`,
  ]);
  rows.push(['ordered ÷ unordered', fmtRatio(on.rate, off.rate), '', '']);
  return {
    title: `Ordering: ${fmtInt(calls)} calls × 3 events × ${webhooks} webhooks, ordering off vs on`,
    body: [markdownTable(['mode', 'deliveries/s', 'detail', 'ratio to ceiling'], rows)],
    targets: [
      {
        name: 'Ordering: every delivery delivered, ordering off and on',
        result: `${fmtInt(off.rate)}/s off, ${fmtInt(on.rate)}/s on (${fmtRatio(on.rate, off.rate)})`,
        met: off.delivered >= off.expected && on.delivered >= on.expected,
      },
    ],
  };
}

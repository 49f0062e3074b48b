/**
 * Throttle: a webhook created with `"rate_limit": 50` (deliveries per second) receives a burst
 * of 1,000 events (10 requests of 100). Measured at the receiver: the most arrivals in any
 * sliding 1-s window (target ≤ 55), the mean rate from first to last arrival, and whether every
 * event arrived. On code without `rate_limit` the webhook create answers 400, and the scenario
 * reports "not supported".
 */
import { acceptedEvents, latency, type Context, type Section } from '../harness.ts';
import { fmtInt, fmtMs, log, markdownTable, maxInWindow, waitFor } from '../lib.ts';

const MAX_PER_SECOND = 55;

export async function throttle(ctx: Context): Promise<Section> {
  const { settings: S } = ctx;
  const limit = S.throttleLimit;
  const title = `Throttle (rate_limit: ${limit})`;
  const account = await ctx.api.createTenant('bench-throttle');
  const created = await ctx.api.createWebhook(account, {
    name: 'throttled',
    uri: ctx.hookUri('/hook/throttle/0'),
    hook: 'channel_create',
    rate_limit: limit,
  });
  if (created.status === 400) {
    const reason = JSON.stringify(created.body?.data ?? created.body?.message ?? '').slice(0, 200);
    log(`throttle: rate_limit not supported (400 ${reason})`);
    return {
      title,
      body: [`**Not supported:** creating a webhook with \`rate_limit\` answered 400 (${reason}).`],
      targets: [
        {
          name: `Throttle: rate_limit ${limit} delivers ≤ ${MAX_PER_SECOND}/s at the receiver, every event arrives`,
          result: 'not supported (400 on create)',
          met: false,
        },
      ],
    };
  }
  if (created.status !== 201)
    throw new Error(`create throttled webhook: ${created.status} ${JSON.stringify(created.body)}`);

  const group = ctx.group('throttle');
  const published = await ctx.load.count({
    account,
    group,
    requests: Math.ceil(S.throttleEvents / 100),
    eventsPerRequest: 100,
    inFlight: 1,
    seconds: 30,
  });
  const accepted = acceptedEvents(published);
  const boundMs = (accepted / limit) * 1500 + 20_000;
  log(`throttle: ${accepted} events published; waiting up to ${(boundMs / 1000).toFixed(0)} s`);
  await waitFor(async () => (await ctx.receiver.unique(group)) >= accepted, boundMs, 250);
  const arrivals = await ctx.receiver.arrivals(group);
  await ctx.receiver.forget(group);
  const lat = latency(published, arrivals, 1);
  const times = arrivals.at;
  const window = maxInWindow(times, 1000);
  const first = times.reduce((a, b) => Math.min(a, b), Infinity);
  const last = times.reduce((a, b) => Math.max(a, b), -Infinity);
  const mean = times.length > 1 ? (times.length - 1) / ((last - first) / 1000) : NaN;
  const all = lat.delivered === accepted && accepted === S.throttleEvents;
  log(
    `throttle: ${lat.delivered}/${accepted} arrived, max ${window} in 1 s, mean ${mean.toFixed(1)}/s`,
  );
  const rows = [
    ['most arrivals in any 1-s window', `${window}`, `target ≤ ${MAX_PER_SECOND}`],
    [
      'mean rate, first → last arrival',
      `${mean.toFixed(1)}/s`,
      `${((last - first) / 1000).toFixed(1)} s for ${times.length} requests`,
    ],
    [
      'events arrived',
      `${fmtInt(lat.delivered)} / ${fmtInt(accepted)}`,
      `${lat.duplicates ? `${lat.duplicates} duplicates; ` : ''}${fmtInt(S.throttleEvents)} published`,
    ],
    ['publish → receiver', `p50 ${fmtMs(lat.p50)}, p99 ${fmtMs(lat.p99)}`, `max ${fmtMs(lat.max)}`],
  ];
  return {
    title,
    body: [markdownTable(['measure', 'result', 'detail'], rows)],
    targets: [
      {
        name: `Throttle: rate_limit ${limit} delivers ≤ ${MAX_PER_SECOND}/s at the receiver, every event arrives`,
        result: `max ${window} in 1 s, mean ${mean.toFixed(1)}/s, ${fmtInt(lat.delivered)}/${fmtInt(accepted)} arrived`,
        met: window <= MAX_PER_SECOND && all,
      },
    ],
  };
}

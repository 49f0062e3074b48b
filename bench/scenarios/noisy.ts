/**
 * Noisy neighbour: tenant N's endpoint is slow but healthy (the receiver answers 200 after
 * 2.5 s) and N has 2,000 deliveries queued; meanwhile three quiet tenants publish 20 events/s each,
 * one event per request, to fast endpoints. Reports the quiet tenants' publish → receiver latency
 * (target p99 ≤ 300 ms) and how fast N still drains during that window (deliveries/s arriving at
 * the slow endpoint, and the most requests the endpoint held at once, i.e. N's effective cap).
 *
 * At the end N's webhook is deleted and the slow endpoint released (answers at once), so N's
 * backlog does not weigh on the next scenario.
 */
import {
  acceptedEvents,
  latency,
  mergeArrivals,
  onlyStream,
  type Context,
  type Section,
} from '../harness.ts';
import { fmtInt, fmtMs, log, markdownTable, now, sleep, waitFor } from '../lib.ts';

const QUIET_P99_TARGET_MS = 300;
const QUIET_TENANTS = 3;
const QUIET_WAIT_MS = 60_000;

export async function noisy(ctx: Context): Promise<Section> {
  const { settings: S } = ctx;
  const slowAccount = await ctx.api.createTenant('bench-noisy-slow');
  const slowWebhook = await ctx.api.webhook(
    slowAccount,
    'slow endpoint',
    ctx.hookUri(`/slow/${S.noisyDelayMs}/noisy.slow/0`),
  );
  const quiet: { account: string; group: string }[] = [];
  for (let i = 1; i <= QUIET_TENANTS; i++) {
    const account = await ctx.api.createTenant(`bench-noisy-quiet-${i}`);
    await ctx.api.webhook(account, `quiet ${i}`, ctx.hookUri(`/hook/noisy.q${i}/0`));
    quiet.push({ account, group: ctx.group(`noisy.q${i}`) });
  }
  const slowGroup = ctx.group('noisy.slow');
  await ctx.receiver.hold();

  try {
    log(
      `noisy: ${S.noisyBacklog} events for the slow tenant (endpoint answers after ${S.noisyDelayMs} ms)`,
    );
    const backlog = await ctx.load.count({
      account: slowAccount,
      group: slowGroup,
      requests: Math.ceil(S.noisyBacklog / 100),
      eventsPerRequest: 100,
      inFlight: 4,
      seconds: 30,
    });
    const backlogAccepted = acceptedEvents(backlog);
    await sleep(1000);
    log(`noisy: ${QUIET_TENANTS} quiet tenants × ${S.quietRate} events/s for ${S.noisySeconds} s`);
    const published = await ctx.load.paced(
      quiet.map((q) => ({ account: q.account, rate: S.quietRate, group: q.group })),
      S.noisySeconds,
      256,
    );
    const windowStart = published.begin;
    const windowEnd = published.finish;
    const quietAccepted = acceptedEvents(published);
    const quietArrived = async () =>
      Object.values(await ctx.receiver.counts(quiet.map((q) => q.group))).reduce(
        (a, c) => a + c.unique,
        0,
      );
    const allQuiet = await waitFor(
      async () => (await quietArrived()) >= quietAccepted,
      QUIET_WAIT_MS,
      200,
    );
    const endAt = now();
    if (!allQuiet)
      log(`noisy: quiet deliveries still missing ${QUIET_WAIT_MS / 1000} s after the window`);

    const quietArrivals = await Promise.all(quiet.map((q) => ctx.receiver.arrivals(q.group)));
    const all = latency(published, mergeArrivals(quietArrivals), 1);
    const perTenant = quiet.map((_, i) => latency(onlyStream(published, i), quietArrivals[i], 1));
    const slow = await ctx.receiver.arrivals(slowGroup);
    const inWindow = slow.at.filter((t) => t >= windowStart && t <= windowEnd).length;
    const windowSeconds = (windowEnd - windowStart) / 1000;
    const drainRate = inWindow / windowSeconds;
    const slowDelivered = new Set(slow.id).size;
    const { slowPeak } = await ctx.receiver.slowPeak();
    log(
      `noisy: quiet p50 ${fmtMs(all.p50)} p99 ${fmtMs(all.p99)} (${all.delivered}/${all.expected}); slow tenant ${drainRate.toFixed(1)}/s in the window, ${slowDelivered}/${backlogAccepted} by the end, at most ${slowPeak} held at once`,
    );

    const rows = [
      ...perTenant.map((l, i) => [
        `quiet tenant ${i + 1}: publish → receiver`,
        `p50 ${fmtMs(l.p50)}, p99 ${fmtMs(l.p99)}`,
        `${l.delivered}/${l.expected} delivered, max ${fmtMs(l.max)}`,
      ]),
      [
        '**quiet tenants together**',
        `**p50 ${fmtMs(all.p50)}, p99 ${fmtMs(all.p99)}**`,
        `${all.delivered}/${all.expected} delivered${all.duplicates ? `, ${all.duplicates} duplicates` : ''}; ${published.start.length} publishes offered, ${published.errors.length ? published.errors.join('; ') : 'no errors'}`,
      ],
      [
        'slow tenant: drain rate during the window',
        `${drainRate.toFixed(1)} deliveries/s`,
        `${inWindow} arrivals at the slow endpoint in ${windowSeconds.toFixed(1)} s (rate × delay = ${(drainRate * (S.noisyDelayMs / 1000)).toFixed(0)} in flight on average); at most ${slowPeak} requests held at once`,
      ],
      [
        'slow tenant: delivered by the end',
        `${fmtInt(slowDelivered)} / ${fmtInt(backlogAccepted)}`,
        `arrivals at the slow endpoint, counted ${((endAt - windowStart) / 1000).toFixed(1)} s after the quiet tenants started (once their deliveries were all in, or ${QUIET_WAIT_MS / 1000} s after the window)`,
      ],
    ];
    return {
      title: 'Noisy neighbour',
      body: [
        markdownTable(['measure', 'result', 'detail'], rows),
        '',
        `Slow tenant: ${fmtInt(backlogAccepted)} events to one webhook whose endpoint answers 200 after ${S.noisyDelayMs} ms, published in batches of 100 one second before the window. Quiet tenants: ${QUIET_TENANTS} × ${S.quietRate} events/s, one event per request, for ${S.noisySeconds} s, each to one fast webhook.`,
      ],
      targets: [
        {
          name: `Noisy neighbour: quiet tenants' p99 ≤ ${QUIET_P99_TARGET_MS} ms, all delivered`,
          result: `p99 ${fmtMs(all.p99)}, ${all.delivered}/${all.expected}`,
          met: all.p99 <= QUIET_P99_TARGET_MS && all.delivered === all.expected,
        },
        {
          name: 'Noisy neighbour: the slow tenant still drains during the window',
          result: `${drainRate.toFixed(1)}/s, ${slowPeak} at once`,
          met: drainRate > 0,
        },
      ],
    };
  } finally {
    const status = await ctx.api.deleteWebhook(slowAccount, slowWebhook).catch(() => 0);
    await ctx.receiver.release();
    for (const g of [slowGroup, ...quiet.map((q) => q.group)]) await ctx.receiver.forget(g);
    log(`noisy: slow webhook deleted (${status}) and slow endpoint released`);
  }
}

/**
 * Burst: the 10-webhook end-to-end burst. One tenant with 10 webhooks on the receiver (5 Kazoo
 * `hook: channel_create`, 5 VoIPBIN `event_types: ["call_created"]`, the twin of channel_create),
 * 3,000 events published in batches of 100 (4 requests in flight) = 30,000 deliveries. Timed from
 * the first publish until Postgres shows every delivery `delivered`; latency is publish sent →
 * arrival at the receiver. Reported as a ratio to the ceilings of the same run.
 */
import {
  clusterCpu,
  fmtCpuPer,
  latency,
  serverCounters,
  type Context,
  type Section,
} from '../harness.ts';
import { fmtInt, fmtMs, fmtRatio, log, markdownTable, now, sleep } from '../lib.ts';

interface Counts {
  total: number;
  delivered: number;
  ended: number;
}

export async function burst(ctx: Context): Promise<Section> {
  const { settings: S } = ctx;
  const webhooks = S.burstWebhooks;
  const requests = Math.ceil(S.burstEvents / 100);
  const events = requests * 100;
  const expected = events * webhooks;
  const account = await ctx.api.createTenant('bench-burst');
  const ids: string[] = [];
  for (let i = 0; i < webhooks; i++) {
    // Half Kazoo subscribers of channel_create, half VoIPBIN subscribers of its twin call_created.
    const shape = i % 2 === 0 ? { hook: 'channel_create' } : { event_types: ['call_created'] };
    ids.push(await ctx.api.webhook(account, `burst-${i}`, ctx.hookUri(`/hook/burst/${i}`), shape));
  }
  const group = ctx.group('burst');

  // Postgres says when a delivery is done; if its schema is not the one this query knows, the
  // receiver's count stands in (arrival, not commit).
  let fromPostgres = true;
  const counts = async (): Promise<Counts> => {
    if (fromPostgres) {
      try {
        const { rows } = await ctx.db.query<Counts>(
          `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
                  count(*) FILTER (WHERE status IN ('failed', 'skipped'))::int AS ended
           FROM deliveries WHERE webhook_id = ANY($1)`,
          [ids],
        );
        return rows[0];
      } catch (err) {
        log(`burst: counting in Postgres failed (${(err as Error).message}); counting arrivals`);
        fromPostgres = false;
      }
    }
    const arrived = await ctx.receiver.unique(group);
    return { total: NaN, delivered: arrived, ended: 0 };
  };

  const before = await serverCounters(ctx.db, ctx.redisNodes);
  const cpu = clusterCpu(ctx);
  log(`burst: ${webhooks} webhooks, publishing ${events} events in ${requests} batches of 100`);
  const publishing = ctx.load.count({
    account,
    group,
    requests,
    eventsPerRequest: 100,
    inFlight: 4,
    seconds: 60,
  });
  const deadline = now() + 90_000;
  let c: Counts = { total: 0, delivered: 0, ended: 0 };
  let fannedOutAt: number | undefined;
  let deliveredAtFanout = 0;
  let polls = 0;
  let lastLog = now();
  while (now() < deadline) {
    c = await counts();
    polls++;
    if (fannedOutAt === undefined && c.total >= expected) {
      fannedOutAt = now();
      deliveredAtFanout = c.delivered;
    }
    if (c.delivered >= expected || c.ended > 0) break;
    if (now() - lastLog > 5000) {
      lastLog = now();
      log(`  ${fmtInt(c.delivered)}/${fmtInt(expected)} delivered (${fmtInt(c.total)} created)`);
    }
    await sleep(100);
  }
  const doneAt = now();
  const cpuPerDelivery = cpu.stop(c.delivered);
  const published = await publishing;
  const begin = published.begin;
  const seconds = (doneAt - begin) / 1000;
  const rate = c.delivered / seconds;
  log(
    `burst: ${fmtInt(c.delivered)}/${fmtInt(expected)} delivered in ${seconds.toFixed(2)} s = ${fmtInt(rate)}/s (failed/skipped ${c.ended})`,
  );
  const lat = latency(published, await ctx.receiver.arrivals(group), webhooks);
  await ctx.receiver.forget(group);
  // Postgres publishes a backend's counters within a second or so of its last transaction.
  await sleep(1500);
  const after = await serverCounters(ctx.db, ctx.redisNodes);
  const perDelivery = {
    // Minus this bench's own polls and the two counter reads.
    commits: (after.commits - before.commits - polls - 2) / expected,
    commands: (after.commands - before.commands) / expected,
  };

  const undici = ctx.ceilings?.undiciBest ?? NaN;
  const bullmq = ctx.ceilings?.bullmqBest ?? NaN;
  const complete = c.delivered >= expected;
  const afterFanout = fannedOutAt
    ? (c.delivered - deliveredAtFanout) / ((doneAt - fannedOutAt) / 1000)
    : NaN;
  const lastArrival = lat.firstArrivals.reduce((a, b) => Math.max(a, b), -Infinity);
  const rows = [
    [
      `deliveries/s, first publish → all ${fromPostgres ? "'delivered' in Postgres" : 'arrived'}${complete ? '' : ` (INCOMPLETE: ${fmtInt(c.delivered)}/${fmtInt(expected)}, ${c.ended} failed/skipped)`}`,
      `**${fmtInt(rate)}/s**`,
      `${seconds.toFixed(2)} s; publishing done at ${((published.finish - begin) / 1000).toFixed(2)} s, fan-out done at ${fannedOutAt ? `${((fannedOutAt - begin) / 1000).toFixed(2)} s` : 'n/a'}, last arrival at ${((lastArrival - begin) / 1000).toFixed(2)} s`,
      `${fmtRatio(rate, undici)} of undici, ${fmtRatio(rate, bullmq)} of BullMQ`,
    ],
    [
      'delivery rate once fan-out had finished',
      `${fmtInt(afterFanout)}/s`,
      fannedOutAt ? `${fmtInt(expected - deliveredAtFanout)} deliveries left then` : '',
      `${fmtRatio(afterFanout, undici)} of undici, ${fmtRatio(afterFanout, bullmq)} of BullMQ`,
    ],
    [
      'latency publish sent → receiver',
      `p50 ${fmtMs(lat.p50)}, p99 ${fmtMs(lat.p99)}`,
      `max ${fmtMs(lat.max)} (backlog drain); ${fmtInt(lat.delivered)} deliveries received${lat.duplicates ? `, ${lat.duplicates} duplicates` : ''}`,
      '',
    ],
    [
      'work per delivery',
      `${perDelivery.commits.toFixed(2)} Postgres commits, ${perDelivery.commands.toFixed(1)} Redis commands`,
      'pg_stat_database, INFO stats (Redis is shared: other clients count too)',
      `BullMQ ceiling: ${ctx.ceilings ? ctx.ceilings.redisCommandsPerJob.toFixed(1) : 'n/a'} Redis commands per job`,
    ],
    [
      'CPU ms per delivery: API / workers / Postgres',
      fmtCpuPer(cpuPerDelivery),
      'from /proc, first publish → all delivered',
      '',
    ],
  ];
  if (published.errors.length) rows.push(['publish errors', published.errors.join('; '), '', '']);
  return {
    title: `Burst: ${fmtInt(events)} events × ${webhooks} webhooks = ${fmtInt(expected)} deliveries`,
    body: [markdownTable(['measure', 'result', 'detail', 'ratio to ceiling'], rows)],
    targets: [
      {
        name: `Burst: all ${fmtInt(expected)} deliveries delivered (ratio to ceilings: see the burst table)`,
        result: `${fmtInt(c.delivered)} in ${seconds.toFixed(1)} s, ${fmtRatio(rate, undici)} of undici, ${fmtRatio(rate, bullmq)} of BullMQ`,
        met: complete,
      },
    ],
  };
}

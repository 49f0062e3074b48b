/**
 * Ingest: what the API processes alone accept. `POST /v2/accounts/{A}/events` in batches of 100
 * and as single events, with no webhook and no worker (the run gives this scenario a database of
 * its own, so its events never reach a worker). Every event answered 202 must be in Postgres.
 */
import { acceptedEvents, requestTimes, type Context, type Section } from '../harness.ts';
import type { PublishLog } from '../publish-log.ts';
import {
  cpuMeter,
  fmtCore,
  fmtInt,
  fmtMs,
  fmtRatio,
  log,
  markdownTable,
  postgresPidsOf,
  redisPids,
} from '../lib.ts';

interface Phase {
  label: string;
  eventsPerRequest: number;
  requests: number;
  inFlight: number;
  seconds: number;
}

export async function ingest(ctx: Context): Promise<Section & { singleEventsPerSecond: number }> {
  const { settings: S } = ctx;
  const account = await ctx.api.createTenant('bench-ingest');
  const group = ctx.group('ingest');
  const n = S.apis;
  const run = (p: Phase) =>
    ctx.load.count({
      account,
      group,
      requests: p.requests,
      eventsPerRequest: p.eventsPerRequest,
      inFlight: p.inFlight,
      seconds: p.seconds,
    });
  let answered = 0;
  // Warm-up: JIT, connections, Postgres caches.
  answered += acceptedEvents(
    await run({ label: '', eventsPerRequest: 100, requests: 20, inFlight: 4 * n, seconds: 10 }),
  );
  answered += acceptedEvents(
    await run({ label: '', eventsPerRequest: 1, requests: 200, inFlight: 16 * n, seconds: 10 }),
  );

  const phases: Phase[] = [
    {
      label: `batches of 100, ${4 * n} requests in flight`,
      eventsPerRequest: 100,
      requests: S.ingestBatches,
      inFlight: 4 * n,
      seconds: 20,
    },
    {
      label: `single events, ${16 * n} requests in flight`,
      eventsPerRequest: 1,
      requests: S.ingestSingles,
      inFlight: 16 * n,
      seconds: 15,
    },
  ];
  const rows: string[][] = [];
  let singleEventsPerSecond = NaN;
  for (const phase of phases) {
    const meter = cpuMeter({
      api: ctx.cluster.apis.map((a) => a.pid),
      postgres: postgresPidsOf([ctx.dbName]),
      redis: redisPids,
    });
    const result: PublishLog = await run(phase);
    const cpu = meter.stop();
    const events = acceptedEvents(result);
    answered += events;
    const seconds = (result.finish - result.begin) / 1000;
    const perSecond = events / seconds;
    const times = requestTimes(result);
    log(
      `ingest ${phase.label}: ${fmtInt(perSecond)} events/s, request p50 ${fmtMs(times.p50)} p99 ${fmtMs(times.p99)}, ${times.errors} errors`,
    );
    if (phase.eventsPerRequest === 1) singleEventsPerSecond = perSecond;
    const ratio =
      phase.eventsPerRequest === 1
        ? `${fmtRatio(perSecond, ctx.ceilings?.undiciBest ?? NaN)} of the undici req/s ceiling`
        : `${fmtRatio(perSecond, ctx.ceilings?.addBulkBest ?? NaN)} of addBulk`;
    rows.push([
      phase.label,
      `${fmtInt(perSecond)} events/s`,
      `${fmtMs(times.p50)} / ${fmtMs(times.p99)}`,
      `${result.start.length} requests, ${times.errors} errors${result.errors.length ? ` (${result.errors[0]})` : ''}`,
      `API ${fmtCore(cpu.groups.api, cpu.wall)}, Postgres ${fmtCore(cpu.groups.postgres, cpu.wall)}, Redis ${fmtCore(cpu.groups.redis, cpu.wall)}`,
      ratio,
    ]);
  }

  let stored: number | undefined;
  try {
    stored = (
      await ctx.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM events WHERE account_id = $1',
        [account],
      )
    ).rows[0].n;
  } catch (err) {
    log(`ingest: could not count the stored events: ${(err as Error).message}`);
  }
  const storedLine =
    stored === undefined
      ? `Stored-events check not possible (${answered} accepted).`
      : stored === answered
        ? `All ${fmtInt(answered)} events answered 202 (warm-up included) are in Postgres.`
        : `**${fmtInt(answered)} events answered 202 but ${fmtInt(stored)} are in Postgres.**`;
  log(`ingest: ${storedLine}`);
  return {
    title: `Ingest (${n} API process${n > 1 ? 'es' : ''}, no worker)`,
    body: [
      markdownTable(
        [
          'publishes',
          'accepted',
          'request p50 / p99',
          'requests',
          'CPU (% of a core)',
          'ratio to ceiling',
        ],
        rows,
      ),
      '',
      storedLine,
    ],
    targets: [
      {
        name: 'Ingest: every event answered 202 is in Postgres',
        result: stored === undefined ? 'not checked' : `${fmtInt(stored)} / ${fmtInt(answered)}`,
        met: stored === undefined ? undefined : stored === answered,
      },
    ],
    singleEventsPerSecond,
  };
}

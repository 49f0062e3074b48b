import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { RouteContext } from '../app.ts';
import { within } from '../time-limit.ts';
import { readIntakeStats } from '../intake/intake-queue.ts';
import { consumersReplacedKey } from '../supervised-worker.ts';
import { bearerToken } from './auth.ts';

/** How long one count of pending deliveries serves scrapes: a scrape must not cost a COUNT. */
const PENDING_COUNT_TTL_MS = 15_000;

/** Does the request carry `Authorization: Bearer <token>`? (constant-time comparison) */
export function bearerMatches(request: FastifyRequest, token: string): boolean {
  const given = bearerToken(request.headers.authorization);
  if (given === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The pending-deliveries count, computed at most once per PENDING_COUNT_TTL_MS per process. */
function cachedPendingCount(ctx: RouteContext): () => Promise<number> {
  let cached: { value: number; at: number } | undefined;
  let running: Promise<number> | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < PENDING_COUNT_TTL_MS) return cached.value;
    running ??= ctx.stores.deliveries
      .countPending()
      .then((value) => {
        cached = { value, at: Date.now() };
        return cached.value;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}

/**
 * Prometheus text. Scheduler figures come from Redis and delivery outcomes from Postgres, so every
 * API process reports the same cluster-wide numbers.
 */
export function metricsRenderer(ctx: RouteContext): () => Promise<string> {
  const pendingCount = cachedPendingCount(ctx);
  return () => renderMetrics(ctx, pendingCount);
}

async function renderMetrics(
  ctx: RouteContext,
  pendingCount: () => Promise<number>,
): Promise<string> {
  const lines: string[] = [];
  const gauge = (name: string, help: string, samples: [Record<string, string>, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) {
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      lines.push(`${name}${text ? `{${text}}` : ''} ${value}`);
    }
  };
  const scheduler = await within(2000, ctx.scheduler.stats()).catch(() => undefined);
  if (scheduler) {
    gauge('switchboard_webhooks_waiting', 'Webhooks with deliveries waiting in line', [
      [{}, scheduler.webhooksWaiting],
    ]);
    gauge('switchboard_circuits_open', 'Webhooks whose circuit is open or half open', [
      [{}, scheduler.circuitsOpen],
    ]);
    lines.push(
      '# HELP switchboard_circuits_opened_total Circuits opened since Redis started',
      '# TYPE switchboard_circuits_opened_total counter',
      `switchboard_circuits_opened_total ${scheduler.circuitsOpened}`,
      '# HELP switchboard_claims_expired_total Deliveries put back in line because the worker attempting them stopped renewing its claim (died or stalled), since Redis started',
      '# TYPE switchboard_claims_expired_total counter',
      `switchboard_claims_expired_total ${scheduler.claimsExpired}`,
    );
  }
  // The intake's figures live in Redis (BullMQ's sets, the workers' refusal counts): any API
  // process reports them for the whole cluster.
  const intake = await within(
    2000,
    readIntakeStats(ctx.queues.intake, ctx.redis, ctx.config.redisPrefix),
  ).catch(() => undefined);
  if (intake) {
    gauge(
      'switchboard_intake_jobs',
      'Jobs of the BullMQ intake queue by state',
      Object.entries(intake.jobs).map(([state, n]) => [{ state }, n]),
    );
    lines.push(
      '# HELP switchboard_intake_refused_total Intake jobs refused for good, by reason',
      '# TYPE switchboard_intake_refused_total counter',
      ...Object.entries(intake.refused).map(
        ([reason, n]) => `switchboard_intake_refused_total{reason="${reason}"} ${n}`,
      ),
    );
  }
  const replaced = await within(
    2000,
    ctx.redis.hgetall(consumersReplacedKey(ctx.config.redisPrefix)),
  ).catch(() => undefined);
  if (replaced) {
    lines.push(
      '# HELP switchboard_queue_consumers_replaced_total BullMQ consumers (intake, housekeeping) replaced because they took no job while jobs waited, by queue',
      '# TYPE switchboard_queue_consumers_replaced_total counter',
      ...Object.entries(replaced).map(
        ([queue, n]) => `switchboard_queue_consumers_replaced_total{queue="${queue}"} ${n}`,
      ),
    );
  }
  gauge('switchboard_deliveries_pending', 'Deliveries not yet ended (refreshed every 15 s)', [
    [{}, await pendingCount()],
  ]);
  gauge('process_resident_memory_bytes', 'Resident memory of this process', [
    [{}, process.memoryUsage().rss],
  ]);
  return lines.join('\n') + '\n';
}

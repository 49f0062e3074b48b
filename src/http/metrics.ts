import type { RouteContext } from '../app.ts';
import { within } from '../time-limit.ts';

/**
 * Prometheus text. Queue depths come from Redis and delivery outcomes from Postgres, so every
 * API process reports the same cluster-wide numbers.
 */
export async function renderMetrics(ctx: RouteContext): Promise<string> {
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
  const queues = [ctx.queues.fanout, ctx.queues.deliveryBatches, ctx.queues.deliveries];
  const counts = await Promise.all(
    queues.map((queue) =>
      within(2000, queue.getJobCounts('waiting', 'active', 'delayed')).catch(
        (): Record<string, number> => ({}),
      ),
    ),
  );
  gauge(
    'switchboard_queue_jobs',
    'Jobs in each BullMQ queue by state',
    queues.flatMap((queue, i) =>
      Object.entries(counts[i]).map(([state, n]): [Record<string, string>, number] => [
        { queue: queue.name, state },
        n,
      ]),
    ),
  );
  const { rows } = await ctx.db.pool.query<{ status: string; n: string }>(
    "SELECT status, count(*) AS n FROM deliveries WHERE status = 'pending' GROUP BY status",
  );
  gauge('switchboard_deliveries_pending', 'Deliveries not yet ended', [
    [{}, Number(rows[0]?.n ?? 0)],
  ]);
  gauge('process_resident_memory_bytes', 'Resident memory of this process', [
    [{}, process.memoryUsage().rss],
  ]);
  return lines.join('\n') + '\n';
}

/**
 * A platform's producer, as a process of its own: BullMQ's own Queue, nothing of Switchboard's
 * code, exactly what docs/intake.md tells a producer to do. Run with
 * `node --import tsx test/support/enqueue.ts '<spec JSON>'`; prints the added job ids as JSON.
 *
 * spec: { redisUrl, prefix, queue, jobs: [{ name, data, opts? }] }
 */
import { Queue, type JobsOptions } from 'bullmq';

interface Spec {
  redisUrl: string;
  prefix: string;
  queue: string;
  jobs: { name: string; data: unknown; opts?: JobsOptions }[];
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const url = new URL(spec.redisUrl);
const queue = new Queue(spec.queue, {
  connection: { host: url.hostname, port: Number(url.port || 6379) },
  prefix: spec.prefix,
});
const ids: (string | undefined)[] = [];
for (const job of spec.jobs) ids.push((await queue.add(job.name, job.data, job.opts)).id);
await queue.close();
process.stdout.write(JSON.stringify(ids));

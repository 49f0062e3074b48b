/**
 * A platform's producer, as a process of its own: BullMQ's own Queue, nothing of Switchboard's
 * code, exactly what docs/intake.md tells a producer to do. Run with
 * `node --import tsx test/support/enqueue.ts '<spec JSON>'`; prints the added job ids as JSON.
 *
 * spec: { redisUrl, prefix, queue, jobs: [{ name, data, opts? }] }
 */
import { Queue, type JobsOptions } from 'bullmq';
import { Cluster } from 'ioredis';

interface Spec {
  redisUrl: string;
  prefix: string;
  queue: string;
  jobs: { name: string; data: unknown; opts?: JobsOptions }[];
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
/** One Redis by its URL, or a cluster by its nodes, as a producer would connect to either. */
function connection(redisUrl: string) {
  if (redisUrl.startsWith('redis+cluster://')) {
    const nodes = redisUrl
      .slice('redis+cluster://'.length)
      .split(',')
      .map((hostPort) => {
        const [host, port] = hostPort.split(':');
        return { host, port: Number(port) };
      });
    return new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: null } });
  }
  const url = new URL(redisUrl);
  return { host: url.hostname, port: Number(url.port || 6379) };
}
const redis = connection(spec.redisUrl);
const queue = new Queue(spec.queue, { connection: redis, prefix: spec.prefix });
const ids: (string | undefined)[] = [];
for (const job of spec.jobs) ids.push((await queue.add(job.name, job.data, job.opts)).id);
await queue.close();
// A connection passed in is the producer's to close (BullMQ closes only those it made).
if (redis instanceof Cluster) await redis.quit();
process.stdout.write(JSON.stringify(ids));

import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Queue, type Job, type Worker } from 'bullmq';
import { bullPrefix } from '../../src/intake/intake-queue.ts';
import { redisConnection, type RedisClient } from '../../src/redis.ts';
import { consumersReplacedKey, supervisedWorker } from '../../src/supervised-worker.ts';
import { eventually } from '../support/receiver.ts';

/**
 * A BullMQ consumer can stop taking jobs while it looks alive: on a Redis Cluster its blocking
 * connection was seen to stay wedged after a node restarted (BullMQ issue #4138), and the queue's
 * jobs — the reconciler's passes among them — then waited for good. That fault lives in the
 * client's state and cannot be brought about on purpose; what the supervisor acts on is only its
 * symptom (jobs wait, the consumer has room and takes none), which a consumer paused in its own
 * process shows exactly: these tests stop the first consumer that way, against the real Redis.
 */
describe('a supervised BullMQ consumer', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  const log = {
    warnings: [] as string[],
    warn(_obj: unknown, msg?: string) {
      log.warnings.push(msg ?? '');
    },
  };

  async function setUp(
    stuckAfterMs: number,
    processor: (job: Job) => Promise<unknown> = async () => {},
    concurrency = 4,
  ) {
    log.warnings = [];
    const connection: RedisClient = redisConnection(inject('redisUrl'), true);
    cleanups.push(async () => connection.disconnect());
    const direct = redisConnection(inject('redisUrl'), true);
    cleanups.push(async () => direct.disconnect());
    const prefix = `sbtest:${inject('runId')}:${randomBytes(4).toString('hex')}`;
    const name = 'supervised';
    const producer = new Queue(name, { connection: direct, prefix: bullPrefix(prefix) });
    cleanups.push(async () => {
      await producer.obliterate({ force: true });
      await direct.del(consumersReplacedKey(prefix));
      await producer.close();
    });
    const taken: string[] = [];
    const consumers: Worker[] = [];
    const consumer = supervisedWorker({
      name,
      async processor(job) {
        taken.push(job.name);
        return processor(job);
      },
      connection,
      config: { redisPrefix: prefix, queueConsumerStuckMs: stuckAfterMs },
      log,
      options: { concurrency },
      listen(worker) {
        consumers.push(worker);
        worker.on('error', () => {}); // as the intake's and housekeeping's consumers: logged there
      },
    });
    cleanups.push(() => consumer.close());
    // The consumer is up when it takes a first job (its blocking connection is open by then).
    await producer.add('first', {});
    await eventually(async () => taken.includes('first'));
    /** The first consumer stops taking jobs, as a wedged one does. */
    const stopFirst = () => consumers[0].pause();
    return { stopFirst, consumers, producer, consumer, taken, direct, prefix, name };
  }

  it('is replaced when it has taken nothing while jobs waited, and the jobs are taken', async () => {
    const { stopFirst, consumers, producer, consumer, taken, direct, prefix, name } =
      await setUp(3_000);
    await stopFirst();
    const added = Date.now();
    await producer.add('after-stop', {});
    await eventually(async () => taken.includes('after-stop'), 15_000);
    expect(Date.now() - added).toBeGreaterThanOrEqual(3_000);
    expect(consumers).toHaveLength(2);
    expect(consumer.replaced()).toBe(1);
    expect(await direct.hget(consumersReplacedKey(prefix), name)).toBe('1');
    expect(log.warnings).toContain(
      'queue consumer took no job while jobs waited; replaced by a new one',
    );
  });

  it('is replaced when the only job due is a delayed one no consumer promoted', async () => {
    const { stopFirst, producer, consumer, taken } = await setUp(3_000);
    await stopFirst();
    await producer.add('delayed', {}, { delay: 300 });
    await eventually(async () => taken.includes('delayed'), 15_000);
    expect(consumer.replaced()).toBe(1);
  });

  it('is not replaced while busy, idle with nothing due, or held back by a paused queue', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { producer, consumer, taken } = await setUp(
      2_000,
      async (job) => {
        if (job.name === 'long') await held;
      },
      1,
    );
    // Busy: its one slot holds a job for 2.5 times the stuck time while another waits.
    await producer.add('long', {});
    await producer.add('next', {});
    await eventually(async () => taken.includes('long'));
    await new Promise((r) => setTimeout(r, 5_000));
    expect(taken).not.toContain('next');
    release();
    await eventually(async () => taken.includes('next'));
    // Idle, with a job due only later.
    await producer.add('later', {}, { delay: 60_000 });
    await new Promise((r) => setTimeout(r, 3_000));
    // The queue paused (bull-board's button): its jobs wait on purpose.
    await producer.pause();
    await producer.add('while-paused', {});
    await new Promise((r) => setTimeout(r, 3_000));
    expect(taken).not.toContain('while-paused');
    expect(consumer.replaced()).toBe(0);
    await producer.resume();
    await eventually(async () => taken.includes('while-paused'));
  });

  it('on shutdown, waits for the jobs a replaced consumer still holds', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { consumers, producer, consumer, taken } = await setUp(2_000, async (job) => {
      if (job.name === 'held') await held;
    });
    await producer.add('held', {});
    await eventually(async () => taken.includes('held'));
    // The first consumer stops taking jobs with one in hand (it may still take one more that
    // its blocking wait had already been told of).
    await consumers[0].pause(true);
    await producer.add('decoy', {});
    await new Promise((r) => setTimeout(r, 300));
    await producer.add('after-stop', {});
    await eventually(async () => consumer.replaced() === 1 && taken.includes('after-stop'), 15_000);
    let closed = false;
    const closing = consumer.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(closed).toBe(false); // the replaced consumer's job is still running
    release();
    await closing;
    expect(closed).toBe(true);
  });
});

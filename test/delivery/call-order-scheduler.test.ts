import { randomBytes } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { redisConnection } from '../../src/redis.ts';
import {
  createScheduler,
  type Pushed,
  type Released,
  type Scheduler,
  type Taken,
} from '../../src/delivery/scheduler/scheduler.ts';

/**
 * Ordered per call, in the scheduler's scripts on the real Redis (a Redis Cluster in the cluster
 * project), with a clock the test moves: one delivery of a call at a time, in seq order, through
 * retries, ends, late arrivals and lost holders.
 */
describe.each([16, 1])('ordered per call in the scheduler, %i partition(s)', (partitions) => {
  const redis = redisConnection(inject('redisUrl'), false);
  let clock = 1_000_000;
  let s: Scheduler;
  const CLAIM = 10_000;

  beforeEach(() => {
    clock = 1_000_000;
    s = createScheduler(
      redis,
      `sbtest:${inject('runId')}:${randomBytes(4).toString('hex')}`,
      {
        webhookMaxInFlight: 32,
        accountMaxInFlight: 128,
        circuitFailures: 3,
        circuitOpenMs: 1_000,
        circuitMaxOpenMs: 3_000,
        schedulerPartitions: partitions,
      },
      () => clock,
    );
  });
  afterAll(() => redis.disconnect());

  /** Deliveries of call `call` to webhook w, seqs as given (their ids name both). */
  const ofCall = (w: string, call: string, seqs: number[]): Pushed[] =>
    seqs.map((seq) => ({
      id: `${w}-${call}-${seq}`,
      webhookId: w,
      accountId: 'acct',
      maxInFlight: null,
      rateLimit: null,
      call: { key: call, seq: String(seq) },
    }));
  const take = async (max = 100) => (await s.cycle([], max, CLAIM)).taken;
  const ids = (taken: Taken[]) => taken.map((t) => t.id).sort();
  const end = (taken: Taken[], how: Partial<Released> = { ended: true }) =>
    s.cycle(
      taken.map((t) => ({ ...t, health: 'up' as const, ...how })),
      0,
      CLAIM,
    );

  it('sends one delivery of a call at a time, in seq order; other calls go at once', async () => {
    await s.push([...ofCall('w', 'c1', [1, 2, 3]), ...ofCall('w', 'c2', [4, 5])]);
    const first = await take();
    expect(ids(first)).toEqual(['w-c1-1', 'w-c2-4']);
    expect(first.every((t) => t.ordered)).toBe(true);
    expect(await take()).toEqual([]);
    await end(first);
    expect(ids(await take())).toEqual(['w-c1-2', 'w-c2-5']);
  });

  it('keeps pushes in seq order whatever order they arrive in', async () => {
    await s.push(ofCall('w', 'c', [3]));
    await s.push(ofCall('w', 'c', [1, 2]));
    const order: string[] = [];
    for (let taken = await take(); taken.length > 0; taken = await take()) {
      expect(taken).toHaveLength(1);
      order.push(taken[0].id);
      await end(taken);
    }
    expect(order).toEqual(['w-c-1', 'w-c-2', 'w-c-3']);
  });

  it('a retry keeps the call: the next waits until the retried one ends', async () => {
    await s.push(ofCall('w', 'c', [1, 2]));
    const [first] = await take();
    await end([first], { retryAt: clock + 500 });
    expect(await take()).toEqual([]);
    expect((await s.queueStates([{ ...first, id: 'w-c-2' }])).get('w-c-2')).toBe('behind_call');
    clock += 500;
    const again = await take();
    expect(ids(again)).toEqual(['w-c-1']);
    // Ended failed (retries used up): the next goes.
    await end(again);
    expect(ids(await take())).toEqual(['w-c-2']);
  });

  it('an earlier delivery that arrives late takes the call from a holder that has not gone out', async () => {
    await s.push(ofCall('w', 'c', [5]));
    const [holder] = await take();
    await end([holder], { retryAt: clock + 1_000 });
    await s.push(ofCall('w', 'c', [2]));
    expect(ids(await take())).toEqual(['w-c-2']);
  });

  it('an earlier delivery that arrives while the holder is in flight goes before its retry', async () => {
    await s.push(ofCall('w', 'c', [5]));
    const [holder] = await take();
    await s.push(ofCall('w', 'c', [2]));
    expect(await take()).toEqual([]);
    await end([holder], { retryAt: clock });
    const next = await take();
    expect(ids(next)).toEqual(['w-c-2']);
    await end(next);
    expect(ids(await take())).toEqual(['w-c-5']);
  });

  it('the reconciler’s push moves a call on whose holder was lost after it ended (a crashed worker)', async () => {
    await s.push(ofCall('w', 'c', [1, 2]));
    const [holder] = await take();
    // Still in flight: pushing the waiting one back changes nothing.
    await s.push(ofCall('w', 'c', [2]), { onlyIfAbsent: true });
    expect(await take()).toEqual([]);
    // The worker died after writing the outcome: its claim expires, nobody reports the end.
    clock += CLAIM + 1;
    expect(await take()).toEqual([]);
    // A push that is not the reconciler's does not judge the holder.
    await s.push(ofCall('w', 'c', [2]));
    expect(await take()).toEqual([]);
    await s.push(ofCall('w', 'c', [2]), { onlyIfAbsent: true });
    expect(ids(await take())).toEqual(['w-c-2']);
    // The lost holder's late report changes nothing.
    await end([holder]);
    expect(await take()).toEqual([]);
  });

  it('the reconciler puts a lost holder back in line, still ahead of its call', async () => {
    await s.push(ofCall('w', 'c', [1, 2]));
    await take();
    clock += CLAIM + 1;
    await s.push(ofCall('w', 'c', [1]), { onlyIfAbsent: true });
    expect(ids(await take())).toEqual(['w-c-1']);
  });

  it('deliveries without a call go at full concurrency beside ordered ones', async () => {
    const plain = Array.from({ length: 5 }, (_, i) => ({
      id: `plain-${i}`,
      webhookId: 'w',
      accountId: 'acct',
      maxInFlight: null,
      rateLimit: null,
    }));
    await s.push([...ofCall('w', 'c', [1, 2, 3]), ...plain]);
    const taken = await take();
    expect(taken).toHaveLength(6);
    expect(taken.filter((t) => t.ordered).map((t) => t.id)).toEqual(['w-c-1']);
  });

  it('forgets the calls of a webhook that is disabled or deleted', async () => {
    await s.push(ofCall('w', 'c', [1, 2]));
    await take();
    await s.forget([{ webhookId: 'w', accountId: 'acct' }]);
    await s.push(ofCall('w', 'c', [3]));
    expect(ids(await take())).toEqual(['w-c-3']);
  });
});

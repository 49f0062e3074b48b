import { randomBytes } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { redisConnection } from '../../src/redis.ts';
import { partitionOf } from '../../src/delivery/scheduler/keys.ts';
import {
  createScheduler,
  type Pushed,
  type Released,
  type Scheduler,
  type Taken,
} from '../../src/delivery/scheduler/scheduler.ts';

/**
 * The scheduler's scripts on the real Redis, with a clock the test moves: which delivery goes
 * next, caps, rate limits, circuits, retries and what the reconciler may push back.
 */
describe.each([16, 1])('the delivery scheduler, lines in %i partition(s)', (partitions) => {
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
        webhookMaxInFlight: 4,
        accountMaxInFlight: 6,
        circuitFailures: 3,
        circuitOpenMs: 1_000,
        circuitMaxOpenMs: 3_000,
        schedulerPartitions: partitions,
      },
      () => clock,
    );
  });
  afterAll(() => redis.disconnect());

  let seq = 0;
  function deliveries(webhookId: string, n: number, extra: Partial<Pushed> = {}): Pushed[] {
    return Array.from({ length: n }, () => ({
      id: `d${++seq}`,
      webhookId,
      accountId: extra.accountId ?? `acct-${webhookId}`,
      maxInFlight: null,
      rateLimit: null,
      ...extra,
    }));
  }
  const take = async (max: number) => (await s.cycle([], max, CLAIM)).taken;
  const release = (taken: Taken[], health: Released['health'] = 'up', retryAt?: number) =>
    s.cycle(
      taken.map((t) => ({ ...t, health, retryAt })),
      0,
      CLAIM,
    );
  const hooks = (taken: Taken[]) => taken.map((t) => t.webhookId);
  /** A webhook of the account deliveries() gives it by default. */
  const ref = (webhookId: string) => ({ webhookId, accountId: `acct-${webhookId}` });

  it('shares one take between webhooks in turn, and lets a single busy webhook fill it', async () => {
    await s.push(deliveries('x', 10, { maxInFlight: 100 }));
    await s.push(deliveries('y', 10, { maxInFlight: 100 }));
    const taken = await take(6);
    const shared = hooks(taken);
    // In turn: three each, never the same webhook twice in a row (whichever went first).
    expect(shared.filter((w) => w === 'x')).toHaveLength(3);
    expect(shared.every((w, i) => i === 0 || w !== shared[i - 1])).toBe(true);
    await release(taken);
    await s.forget([ref('y')]);
    expect(hooks(await take(6))).toEqual(Array(6).fill('x'));
  });

  it('serves webhooks in turn: one with 100 waiting does not hold up one with 1', async () => {
    await s.push(deliveries('busy', 100));
    clock += 1;
    await s.push(deliveries('quiet', 1));
    clock += 1;
    const first = await take(2);
    expect(hooks(first).sort()).toEqual(['busy', 'quiet']);
  });

  it('never has more than a webhook’s cap in flight; an ended turn frees a slot', async () => {
    await s.push(deliveries('w', 10, { maxInFlight: 3 }));
    const first = await take(10);
    expect(first).toHaveLength(3);
    expect(await take(10)).toHaveLength(0);
    await release(first.slice(0, 1));
    expect(await take(10)).toHaveLength(1);
  });

  it('uses the default cap when the webhook sets none', async () => {
    await s.push(deliveries('w', 10));
    expect(await take(10)).toHaveLength(4);
  });

  it('frees the slot of a claim that expired (a worker that died mid-delivery)', async () => {
    await s.push(deliveries('w', 10, { maxInFlight: 2 }));
    expect(await take(10)).toHaveLength(2);
    clock += CLAIM + 1;
    expect(await take(10)).toHaveLength(2);
  });

  it('puts a delivery whose claim expired back in line, due now: a run takes it again', async () => {
    const [lost] = deliveries('w', 1);
    await s.push([lost]);
    expect((await take(10)).map((t) => t.id)).toEqual([lost.id]);
    clock += CLAIM - 1;
    expect(await take(10)).toEqual([]);
    // Its worker died without reporting (before it could even lease the delivery, say). Nothing
    // else waits in its partition: the partition is visited for the claim's expiry alone.
    clock += 2;
    expect([...(await s.queueStates([lost])).values()]).toEqual(['queued']);
    expect((await take(10)).map((t) => t.id)).toEqual([lost.id]);
    expect([...(await s.queueStates([lost])).values()]).toEqual(['in_flight']);
    // Counted for /metrics, once.
    expect((await s.stats()).claimsExpired).toBe(1);
  });

  it('a late report of a run whose claim expired leaves another run’s retry in line', async () => {
    const [d] = deliveries('w', 1);
    await s.push([d]);
    const [stalled] = await take(1);
    // Run A stalls past its claim; the next take puts the delivery back and run B takes it.
    clock += CLAIM + 1;
    const [again] = await take(1);
    expect(again?.id).toBe(d.id);
    // B's attempt fails: a retry, due in 5 s. Then A's report arrives after all (its run found
    // the delivery leased by B: no retry of its own).
    await release([again!], 'up', clock + 5_000);
    await release([stalled!]);
    expect(await take(10)).toEqual([]);
    clock += 5_000;
    expect((await take(10)).map((t) => t.id)).toEqual([d.id]);
  });

  it('a run that outlived its claim neither ends nor renews the claim of the run that took the delivery again: the cap holds', async () => {
    await s.push(deliveries('w', 3, { maxInFlight: 1 }));
    const [stalled] = await take(10);
    // Run A stalls past its claim; the next take puts its delivery back and run B takes one.
    clock += CLAIM + 1;
    const again = await take(10);
    expect(again).toHaveLength(1);
    expect(again[0]!.run).not.toBe(stalled!.run);
    // A wakes up: its renewal and its report leave B's claim alone. The webhook's one slot
    // stays B's until B reports.
    const later = { ...stalled!, id: again[0]!.id };
    clock += 1;
    expect(await s.renew([later], CLAIM)).toBe(0);
    await release([later]);
    await release([stalled!]);
    expect(await take(10)).toEqual([]);
    expect([...(await s.queueStates([again[0]!])).values()]).toEqual(['in_flight']);
    clock += 1;
    expect(await s.renew(again, CLAIM)).toBe(1);
    await release(again);
    expect(await take(10)).toHaveLength(1);
  });

  it('a late retry of a run that outlived its claim leaves the delivery to the run holding it, and the counts whole', async () => {
    const [d] = deliveries('w', 1, { maxInFlight: 2 });
    await s.push([d]);
    const [stalled] = await take(10);
    clock += CLAIM + 1;
    const again = await take(10);
    expect(again.map((t) => t.id)).toEqual([d.id]);
    // A's attempt failed long ago; its report, a retry due now, arrives while B holds the delivery.
    await release([stalled!], 'up', clock);
    // B's turn goes on: the delivery is not in line a second time for a third run to take.
    expect(await take(10)).toEqual([]);
    expect([...(await s.queueStates([d])).values()]).toEqual(['in_flight']);
    await release(again);
    // Nothing is left counted in flight: the webhook's whole cap is free.
    await s.push(deliveries('w', 3, { maxInFlight: 2 }));
    expect(await take(10)).toHaveLength(2);
  });

  it('gives a forgotten webhook nothing back when a claim of its expires', async () => {
    const [d] = deliveries('gone', 1);
    await s.push([d]);
    expect(await take(1)).toHaveLength(1);
    // Disabled while its delivery was in flight (ended skipped in Postgres), then the worker died.
    await s.forget([ref('gone')]);
    clock += CLAIM + 1;
    expect(await take(10)).toEqual([]);
    expect((await s.stats()).claimsExpired).toBe(0);
  });

  it('puts no retry back in line for a webhook forgotten while its delivery was out', async () => {
    const [d] = deliveries('gone', 1, { maxInFlight: 1 });
    await s.push([d]);
    const [out] = await take(1);
    // Disabled meanwhile (its pending deliveries skipped in Postgres); then the run reports a
    // retry. Put back, the delivery would go with none of the webhook's limits.
    await s.forget([ref('gone')]);
    await release([out!], 'up', clock);
    expect(await take(10)).toEqual([]);
    expect([...(await s.queueStates([d])).values()]).toEqual(['unknown']);
  });

  it('tells a worker to come back when the partition’s first claim expires, if that is sooner', async () => {
    const [now] = deliveries('w1', 1, { accountId: 'acct-shared' });
    const [later] = deliveries('w2', 1, { accountId: 'acct-shared', dueAt: clock + 800 });
    await s.push([now, later]);
    // w1's delivery taken with a 500 ms claim: the claim's expiry (500) comes before w2's
    // delivery is due (800) and before the once-a-second look (1,000).
    const cycle = await s.cycle([], 1, 500);
    expect(cycle.taken.map((t) => t.id)).toEqual([now.id]);
    expect(cycle.nextAt).toBe(clock + 500);
  });

  it('keeps the slot of a claim its worker renews, frees it once renewals stop, and never revives one', async () => {
    await s.push(deliveries('w', 10, { maxInFlight: 2 }));
    const first = await take(10);
    expect(first).toHaveLength(2);
    clock += CLAIM - 1;
    expect(await s.renew(first, CLAIM)).toBe(2);
    clock += 2; // past the claims' first expiry: renewed, they hold
    expect(await take(10)).toHaveLength(0);
    clock += CLAIM; // past the renewed expiry, with no renewal since (the worker died)
    const next = await take(10);
    expect(next).toHaveLength(2);
    // A claim that expired, or whose turn was released, is not brought back by a late renewal.
    expect(await s.renew(first, CLAIM)).toBe(0);
    await release(next);
    expect(await s.renew(next, CLAIM)).toBe(0);
    expect(await take(10)).toHaveLength(2);
  });

  it('comes back to a webhook at its cap when its partition’s first claim ends, not a whole claim later', async () => {
    await s.push(deliveries('w', 10, { maxInFlight: 2 }));
    const first = await take(10);
    expect(first).toHaveLength(2); // at its cap until now + CLAIM
    clock += CLAIM / 2;
    await s.renew(first, CLAIM); // its worker renews once, then dies: the claims end at 1.5 CLAIM
    clock += CLAIM / 2;
    expect(await take(10)).toHaveLength(0); // still at its cap: looked at again when they end
    clock += CLAIM / 2 + 1;
    expect(await take(10)).toHaveLength(2);
  });

  it('caps an account across its webhooks, and wakes the held ones when one of its deliveries ends', async () => {
    await s.push(deliveries('a1', 10, { accountId: 'acct' }));
    await s.push(deliveries('a2', 10, { accountId: 'acct' }));
    await s.push(deliveries('other', 2));
    const first = await take(20);
    expect(first.filter((t) => t.accountId === 'acct')).toHaveLength(6);
    expect(hooks(first).filter((w) => w === 'other')).toHaveLength(2);
    expect(await take(20)).toHaveLength(0);
    await release(first.filter((t) => t.accountId === 'acct').slice(0, 2));
    const next = await take(20);
    expect(next).toHaveLength(2);
    expect(next.every((t) => t.accountId === 'acct')).toBe(true);
  });

  it('holds a webhook to its rate limit: one every 1000/rate ms after a burst of a twentieth of a second', async () => {
    await s.push(deliveries('slow', 100, { rateLimit: 50, maxInFlight: 100 }));
    // 50/s: a burst of 3, then one every 20 ms.
    const burst = await take(100);
    expect(burst).toHaveLength(3);
    await release(burst);
    expect(await take(100)).toHaveLength(0);
    clock += 20;
    expect(await take(100)).toHaveLength(1);
    clock += 1000;
    // A second later, no more than the burst again: the limit does not accumulate credit.
    expect(await take(100)).toHaveLength(3);
  });

  it('a retry waits in line until it is due', async () => {
    await s.push(deliveries('w', 1));
    const [taken] = await take(1);
    await release([taken], 'up', clock + 5_000);
    expect(await take(1)).toHaveLength(0);
    const [state] = (await s.queueStates([taken])).values();
    expect(state).toBe('scheduled');
    clock += 5_000;
    expect((await take(1)).map((t) => t.id)).toEqual([taken.id]);
  });

  it('opens the circuit after repeated timeouts, lets one probe through when it is due, and closes on an answer', async () => {
    await s.push(deliveries('dead', 20));
    await release(await take(3), 'down');
    expect((await s.circuits([ref('dead')])).get('dead')).toMatchObject({
      state: 'open',
      until: clock + 1_000,
    });
    expect(await take(10)).toHaveLength(0);
    const [held] = deliveries('dead', 1);
    await s.push([held]);
    expect([...(await s.queueStates([held])).values()]).toEqual(['circuit_open']);

    clock += 1_000;
    const probe = await take(10);
    expect(probe).toHaveLength(1); // half open: one at a time
    expect(await take(10)).toHaveLength(0);
    // The probe times out too: open again, for twice as long.
    await release(probe, 'down');
    expect((await s.circuits([ref('dead')])).get('dead')).toMatchObject({
      state: 'open',
      until: clock + 2_000,
    });
    clock += 2_000;
    const second = await take(10);
    expect(second).toHaveLength(1);
    await release(second, 'up');
    expect((await s.circuits([ref('dead')])).get('dead')).toEqual({ state: 'closed', failures: 0 });
    expect(await take(10)).toHaveLength(4);
    expect((await s.stats()).circuitsOpened).toBe(2);
  });

  it('an answer, even an error status, keeps the circuit closed; failures must come in a row', async () => {
    await s.push(deliveries('flaky', 10));
    await release(await take(2), 'down');
    await release(await take(1), 'up');
    await release(await take(2), 'down');
    expect((await s.circuits([ref('flaky')])).get('flaky')).toEqual({
      state: 'closed',
      failures: 2,
    });
  });

  it('the reconciler’s push adds what is neither waiting nor in flight, and only that', async () => {
    const [a, b, c] = deliveries('w', 3);
    await s.push([a, b]);
    const [running] = await take(1);
    // a is in flight, b waits, c was lost before it was ever pushed.
    expect(await s.push([a, b, c], { onlyIfAbsent: true })).toBe(1);
    expect([...(await s.queueStates([a, b, c])).values()]).toEqual([
      'in_flight',
      'queued',
      'queued',
    ]);
    expect(running.id).toBe(a.id);
    // Once a's claim has expired (its worker died), a comes back.
    clock += CLAIM + 1;
    expect(await s.push([a], { onlyIfAbsent: true })).toBe(1);
  });

  it('forgets a webhook’s line when it is disabled or deleted', async () => {
    const lost = deliveries('gone', 5);
    await s.push(lost);
    await s.forget([ref('gone')]);
    expect(await take(10)).toHaveLength(0);
    expect([...(await s.queueStates(lost)).values()]).toEqual(Array(5).fill('unknown'));
  });

  it('says which pending delivery is held by its cap or by its rate limit', async () => {
    const capped = deliveries('capped', 3, { maxInFlight: 1 });
    await s.push(capped);
    await take(1);
    expect([...(await s.queueStates(capped.slice(1))).values()]).toEqual([
      'at_capacity',
      'at_capacity',
    ]);
    const throttled = deliveries('throttled', 3, { rateLimit: 1, maxInFlight: 10 });
    await s.push(throttled);
    await take(10);
    expect([...(await s.queueStates(throttled.slice(1))).values()]).toEqual([
      'throttled',
      'throttled',
    ]);
  });
  it('judges a pending delivery by the rules TAKE applies: probes, account caps, expired claims', async () => {
    const dead = deliveries('probe', 12);
    await s.push(dead);
    await release(await take(3), 'down');
    expect([...(await s.queueStates(dead.slice(3, 4))).values()]).toEqual(['circuit_open']);
    clock += 1_000;
    // The circuit's time is up: the next delivery goes as its probe…
    expect([...(await s.queueStates(dead.slice(3, 4))).values()]).toEqual(['queued']);
    await take(10);
    // …and while the probe is out, the others wait for it.
    expect([...(await s.queueStates(dead.slice(5, 6))).values()]).toEqual(['at_capacity']);

    const mine = [
      ...deliveries('m1', 4, { accountId: 'acct-m' }),
      ...deliveries('m2', 4, { accountId: 'acct-m' }),
    ];
    await s.push(mine);
    expect(await take(20)).toHaveLength(6); // the account's cap
    const states = [...(await s.queueStates(mine)).values()];
    expect(states.filter((x) => x === 'in_flight')).toHaveLength(6);
    expect(states.filter((x) => x === 'at_capacity')).toHaveLength(2);

    // Claims that expired (their worker died): the next take puts them back in line, due now,
    // so they are judged as waiting there, and nothing is held by them any more.
    clock += CLAIM + 1;
    expect(new Set((await s.queueStates(mine)).values())).toEqual(new Set(['queued']));
  });

  it('keeps every webhook of an account in the account’s partition', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(partitionOf(`account-${i}`, 16));
    expect(seen.size).toBe(16);
    expect(partitionOf('account-7', 16)).toBe(partitionOf('account-7', 16));
    expect(partitionOf('account-7', 1)).toBe(0);
  });

  /**
   * Ordered per call: one delivery of a call at a time, in seq order, through retries, ends,
   * late arrivals and lost holders (docs/delivery-scheduling.md, Ordered per call).
   */
  describe('ordered per call', () => {
    /** Deliveries of call `call` to webhook w, seqs as given (their ids name both). */
    const ofCall = (w: string, call: string, seqs: number[]): Pushed[] =>
      seqs.map((seq) => ({
        id: `${w}-${call}-${seq}`,
        webhookId: w,
        accountId: 'acct',
        maxInFlight: 100,
        rateLimit: null,
        call: { key: call, seq: String(seq) },
      }));
    const takeAll = async (max = 100) => (await s.cycle([], max, CLAIM)).taken;
    const ids = (taken: Taken[]) => taken.map((t) => t.id).sort();
    const end = (taken: Taken[], how: Partial<Released> = { ended: true }) =>
      s.cycle(
        taken.map((t) => ({ ...t, health: 'up' as const, ...how })),
        0,
        CLAIM,
      );

    it('sends one delivery of a call at a time, in seq order; other calls go at once', async () => {
      await s.push([...ofCall('w', 'c1', [1, 2, 3]), ...ofCall('w', 'c2', [4, 5])]);
      const first = await takeAll();
      expect(ids(first)).toEqual(['w-c1-1', 'w-c2-4']);
      expect(first.every((t) => t.ordered)).toBe(true);
      expect(await takeAll()).toEqual([]);
      await end(first);
      expect(ids(await takeAll())).toEqual(['w-c1-2', 'w-c2-5']);
    });

    it('keeps pushes in seq order whatever order they arrive in', async () => {
      await s.push(ofCall('w', 'c', [3]));
      await s.push(ofCall('w', 'c', [1, 2]));
      const order: string[] = [];
      for (let taken = await takeAll(); taken.length > 0; taken = await takeAll()) {
        expect(taken).toHaveLength(1);
        order.push(taken[0].id);
        await end(taken);
      }
      expect(order).toEqual(['w-c-1', 'w-c-2', 'w-c-3']);
    });

    it('a retry keeps the call: the next waits until the retried one ends', async () => {
      await s.push(ofCall('w', 'c', [1, 2]));
      const [first] = await takeAll();
      await end([first], { retryAt: clock + 500 });
      expect(await takeAll()).toEqual([]);
      expect((await s.queueStates([{ ...first, id: 'w-c-2' }])).get('w-c-2')).toBe('behind_call');
      clock += 500;
      const again = await takeAll();
      expect(ids(again)).toEqual(['w-c-1']);
      // Ended failed (retries used up): the next goes.
      await end(again);
      expect(ids(await takeAll())).toEqual(['w-c-2']);
    });

    it('an earlier delivery that arrives late takes the call from a holder that has not gone out', async () => {
      await s.push(ofCall('w', 'c', [5]));
      const [holder] = await takeAll();
      await end([holder], { retryAt: clock + 1_000 });
      await s.push(ofCall('w', 'c', [2]));
      expect(ids(await takeAll())).toEqual(['w-c-2']);
    });

    it('an earlier delivery that arrives while the holder is in flight goes before its retry', async () => {
      await s.push(ofCall('w', 'c', [5]));
      const [holder] = await takeAll();
      await s.push(ofCall('w', 'c', [2]));
      expect(await takeAll()).toEqual([]);
      await end([holder], { retryAt: clock });
      const next = await takeAll();
      expect(ids(next)).toEqual(['w-c-2']);
      await end(next);
      expect(ids(await takeAll())).toEqual(['w-c-5']);
    });

    it('a holder whose worker died comes back when its claim expires, and its end moves the call on', async () => {
      await s.push(ofCall('w', 'c', [1, 2]));
      const [holder] = await takeAll();
      // Still in flight: pushing the waiting one back changes nothing.
      await s.push(ofCall('w', 'c', [2]), { onlyIfAbsent: true });
      expect(await takeAll()).toEqual([]);
      // The worker died after writing the outcome: its claim expires, nobody reports the end.
      // The holder goes back in line, still ahead of its call; the run that takes it again finds
      // it ended (in Postgres) and reports the end.
      clock += CLAIM + 1;
      const again = await takeAll();
      expect(ids(again)).toEqual(['w-c-1']);
      expect(again[0]?.ordered).toBe(true);
      await end(again);
      expect(ids(await takeAll())).toEqual(['w-c-2']);
      // The lost holder's late report changes nothing.
      await end([holder]);
      expect(await takeAll()).toEqual([]);
    });

    it('the reconciler’s push moves a call on whose lost holder ended, before a take looks', async () => {
      await s.push(ofCall('w', 'c', [1, 2]));
      const [holder] = await takeAll();
      // The worker died after writing the outcome; its claim has expired, and the reconciler
      // comes before any take has put the holder back in line.
      clock += CLAIM + 1;
      // A push that is not the reconciler's does not judge the holder; the reconciler's does.
      await s.push(ofCall('w', 'c', [2]));
      await s.push(ofCall('w', 'c', [2]), { onlyIfAbsent: true });
      // The call has moved on (the holder's copy, put back by its claim, goes too: its run
      // finds it ended in Postgres).
      const next = await takeAll();
      expect(ids(next)).toContain('w-c-2');
      await end(next);
      expect(await takeAll()).toEqual([]);
      // The lost holder's late report changes nothing.
      await end([holder]);
      expect(await takeAll()).toEqual([]);
    });

    it('the reconciler puts a lost holder back in line, still ahead of its call', async () => {
      await s.push(ofCall('w', 'c', [1, 2]));
      await takeAll();
      clock += CLAIM + 1;
      await s.push(ofCall('w', 'c', [1]), { onlyIfAbsent: true });
      expect(ids(await takeAll())).toEqual(['w-c-1']);
    });

    it('an end reported again after the delivery was reopened and waits behind its call changes nothing', async () => {
      await s.push(ofCall('w', 'c', [1, 2]));
      const [first] = await takeAll();
      await end([first!]);
      const [second] = await takeAll();
      expect(second?.id).toBe('w-c-2');
      // The first is reopened (a replay) and pushed again: it waits behind the second, which is
      // out. Then the first round's end is reported a second time (a re-sent report).
      await s.push(ofCall('w', 'c', [1]));
      await end([first!]);
      expect(await takeAll()).toEqual([]);
      await end([second!]);
      expect(ids(await takeAll())).toEqual(['w-c-1']);
    });

    it('an end reported again after the delivery was reopened and holds its call again keeps the call', async () => {
      await s.push(ofCall('w', 'c', [1]));
      const [first] = await takeAll();
      await end([first!]);
      // Reopened and pushed again, it holds the call (in line); a later event of the call waits.
      await s.push(ofCall('w', 'c', [1, 3]));
      // The first round's end, reported a second time, does not pass the call on.
      await end([first!]);
      const next = await takeAll();
      expect(ids(next)).toEqual(['w-c-1']);
      await end(next);
      expect(ids(await takeAll())).toEqual(['w-c-3']);
    });

    it('the end reported by a run that outlived its claim does not pass the call on while another run has it out', async () => {
      await s.push(ofCall('w', 'c', [1, 2]));
      const [stalled] = await takeAll();
      // The first run stalls past its claim; the delivery goes back in line and a second run
      // takes it. Then the first run's end arrives.
      clock += CLAIM + 1;
      const again = await takeAll();
      expect(ids(again)).toEqual(['w-c-1']);
      await end([stalled!]);
      expect(await takeAll()).toEqual([]);
      // The second run's own end passes the call on.
      await end(again);
      expect(ids(await takeAll())).toEqual(['w-c-2']);
    });

    it('deliveries without a call go at full concurrency beside ordered ones', async () => {
      const plain = Array.from({ length: 5 }, (_, i) => ({
        id: `plain-${i}`,
        webhookId: 'w',
        accountId: 'acct',
        maxInFlight: 100,
        rateLimit: null,
      }));
      await s.push([...ofCall('w', 'c', [1, 2, 3]), ...plain]);
      const taken = await takeAll();
      expect(taken).toHaveLength(6);
      expect(taken.filter((t) => t.ordered).map((t) => t.id)).toEqual(['w-c-1']);
    });

    it('forgets the calls of a webhook that is disabled or deleted', async () => {
      await s.push(ofCall('w', 'c', [1, 2]));
      await takeAll();
      await s.forget([{ webhookId: 'w', accountId: 'acct' }]);
      await s.push(ofCall('w', 'c', [3]));
      expect(ids(await takeAll())).toEqual(['w-c-3']);
    });
  });
});

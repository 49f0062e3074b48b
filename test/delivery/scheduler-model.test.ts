import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { redisConnection } from '../../src/redis.ts';
import { partitionKeys } from '../../src/delivery/scheduler/keys.ts';
import {
  createScheduler,
  type Pushed,
  type Released,
  type Scheduler,
  type Taken,
} from '../../src/delivery/scheduler/scheduler.ts';

/**
 * The scheduler's scripts driven by seeded random sequences on the real Redis, beside a model of
 * what Postgres and the workers do with what they take (delivery/deliver.ts, dispatcher.ts):
 * deliveries are published, taken, leased and sent, answered, reported (once, again, or late, by
 * a run that stalled past its claim), renewed, retried, killed with their worker, put back by the
 * reconciler, forgotten with their webhook and reopened. After every step the in-flight counts
 * must equal the claims; once every live run has reported, every pending delivery must still be
 * in Redis — in line, claimed, or waiting behind a holder of its call that is itself in line or
 * claimed. A failure names its seed and the steps that led to it.
 */

const CLAIM = 5_000;
const WEBHOOKS = [
  { webhookId: 'w1', accountId: 'a1', ordered: true },
  { webhookId: 'w2', accountId: 'a1', ordered: false },
  { webhookId: 'w3', accountId: 'a2', ordered: true },
  { webhookId: 'w4', accountId: 'a2', ordered: false },
];

/** A delivery as Postgres holds it. */
interface Delivery {
  id: string;
  webhookId: string;
  accountId: string;
  call?: { key: string; seq: string };
  /** Publish order (deliveries.seq). */
  order: number;
  ended: boolean;
  /** next_attempt_at, ms. */
  dueAt: number;
  /** The run whose lease it is under, if any. */
  leasedBy?: Run;
}

/** One run of a delivery a worker took. */
interface Run {
  taken: Taken;
  delivery: Delivery;
  /** sending: leased, request out; answered: outcome written, report due; reported: done. */
  state: 'sending' | 'answered' | 'reported';
  /** Its slot given back when the answer came (the report of the outcome comes later). */
  slotGiven: boolean;
  /** Its worker died (kill -9): it renews and reports nothing, and its lease lapses. */
  dead: boolean;
  /** Its worker renews nothing (frozen): its claim expires while it goes on. */
  stalled: boolean;
  retryAt?: number;
  ended: boolean;
}

/** A small seeded generator (the same sequence for the same seed). */
function seeded(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const below = (n: number) => Math.floor(next() * n);
  return { next, below, pick: <T>(items: T[]): T => items[below(items.length)] };
}

describe('the delivery scheduler under random sequences of worker events', () => {
  const redis = redisConnection(inject('redisUrl'), false);
  afterAll(() => redis.disconnect());

  async function simulate(seed: number, partitions: number, steps: number): Promise<void> {
    const random = seeded(seed);
    let clock = 1_000_000;
    const prefix = `sbtest:${inject('runId')}:${randomBytes(4).toString('hex')}`;
    const s: Scheduler = createScheduler(
      redis,
      prefix,
      {
        webhookMaxInFlight: 2,
        accountMaxInFlight: 3,
        circuitFailures: 3,
        circuitOpenMs: 1_000,
        circuitMaxOpenMs: 3_000,
        schedulerPartitions: partitions,
      },
      () => clock,
    );
    const keys = Array.from({ length: partitions }, (_, p) => partitionKeys(prefix, p, partitions));
    const deliveries = new Map<string, Delivery>();
    const runs: Run[] = [];
    const sentReports: Released[] = [];
    const story: string[] = [];
    let published = 0;

    const pushed = (d: Delivery): Pushed => ({
      id: d.id,
      webhookId: d.webhookId,
      accountId: d.accountId,
      maxInFlight: null,
      rateLimit: null,
      dueAt: d.dueAt,
      call: d.call,
    });
    const live = (state: Run['state']) => runs.filter((r) => r.state === state && !r.dead);

    /** What a run does with a delivery it took, as delivery/deliver.ts decides it. */
    function attemptOrDecline(run: Run): void {
      const d = run.delivery;
      const heldByOther = d.leasedBy && d.leasedBy.state === 'sending' && !d.leasedBy.dead;
      const behindCall =
        d.call &&
        [...deliveries.values()].some(
          (e) =>
            e.webhookId === d.webhookId &&
            e.call?.key === d.call!.key &&
            e.order < d.order &&
            !e.ended,
        );
      run.state = 'answered';
      if (d.ended) run.ended = true;
      else if (heldByOther) run.retryAt = clock + 250 + random.below(2_000);
      else if (behindCall) run.retryAt = clock + 5_000;
      else if (d.dueAt > clock + 1_000) run.retryAt = d.dueAt;
      else {
        run.state = 'sending';
        d.leasedBy = run;
      }
    }

    /** The answer came and the outcome is written: delivered or failed for good, or a retry. */
    function answer(run: Run): void {
      const d = run.delivery;
      if (random.next() < 0.55) d.ended = run.ended = true;
      else d.dueAt = run.retryAt = clock + random.below(3_000);
      d.leasedBy = undefined;
      run.state = 'answered';
    }

    async function report(released: Released): Promise<void> {
      sentReports.push(released);
      await s.cycle([released], 0, CLAIM);
    }

    /** The run's report, as the dispatcher sends it (only what is left after a slot given back). */
    async function reportOutcome(run: Run): Promise<void> {
      run.state = 'reported';
      const ended = run.taken.ordered && run.ended ? true : undefined;
      story.push(`report ${run.taken.id} run ${run.taken.run} retry ${run.retryAt} ended ${ended}`);
      if (!run.slotGiven) await report({ ...run.taken, health: 'up', retryAt: run.retryAt, ended });
      else if (run.retryAt !== undefined || ended)
        await report({ ...run.taken, health: '', retryAt: run.retryAt, ended });
    }

    /** Claims per webhook and per account must be exactly what the counters say. */
    async function expectCountsWhole(): Promise<void> {
      const read = await Promise.all(
        keys.map((k) =>
          Promise.all([
            redis.zrange(k.claims, 0, -1),
            redis.hgetall(k.running),
            redis.hgetall(k.accountRunning),
            redis.hkeys(k.claimRuns),
          ]),
        ),
      );
      for (const [claims, running, accountRunning, claimRuns] of read) {
        const perWebhook: Record<string, string> = {};
        const perAccount: Record<string, string> = {};
        for (const member of claims) {
          const [w, a] = member.split('|');
          perWebhook[w] = String(Number(perWebhook[w] ?? 0) + 1);
          perAccount[a] = String(Number(perAccount[a] ?? 0) + 1);
        }
        expect(running).toEqual(perWebhook);
        expect(accountRunning).toEqual(perAccount);
        expect(claimRuns.sort()).toEqual([...claims].sort());
      }
    }

    /** Every live run finishes and reports; then no pending delivery may be missing from Redis. */
    async function expectNothingLost(): Promise<void> {
      for (const run of live('sending')) answer(run);
      const answered = live('answered');
      while (answered.length > 0)
        await reportOutcome(answered.splice(random.below(answered.length), 1)[0]);
      await expectCountsWhole();
      const inRedis = new Set<string>();
      const waiting: string[][] = [];
      const holders = new Map<string, string>();
      for (const k of keys) {
        for (const id of await redis.hkeys(k.index)) inRedis.add(id);
        for (const m of await redis.zrange(k.claims, 0, -1)) inRedis.add(m.split('|')[2]);
        for (const m of await redis.zrange(k.callHolders, 0, -1)) {
          const [w, c, , id] = m.split('|');
          holders.set(`${w}|${c}`, id);
        }
        for (const m of await redis.zrange(k.callQueue, 0, -1)) waiting.push(m.split('|'));
      }
      for (const [w, c, , id] of waiting) {
        const holder = holders.get(`${w}|${c}`);
        expect(holder !== undefined && inRedis.has(holder), `${id} waits behind ${holder}`).toBe(
          true,
        );
        inRedis.add(id);
      }
      for (const d of deliveries.values()) {
        if (!d.ended) expect(inRedis.has(d.id), `${d.id} pending but not in Redis`).toBe(true);
      }
    }

    async function step(): Promise<void> {
      const roll = random.below(100);
      if (roll < 14) {
        const hook = random.pick(WEBHOOKS);
        const batch: Delivery[] = Array.from({ length: 1 + random.below(3) }, () => ({
          id: `d${++published}`,
          webhookId: hook.webhookId,
          accountId: hook.accountId,
          order: published,
          ended: false,
          dueAt: clock,
          call: hook.ordered ? { key: `c${random.below(2)}`, seq: String(published) } : undefined,
        }));
        for (const d of batch) deliveries.set(d.id, d);
        story.push(`publish ${batch.map((d) => d.id).join(' ')}`);
        await s.push(batch.map(pushed));
      } else if (roll < 34) {
        const { taken } = await s.cycle([], 1 + random.below(4), CLAIM);
        for (const t of taken) {
          const run: Run = {
            taken: t,
            delivery: deliveries.get(t.id)!,
            state: 'sending',
            slotGiven: false,
            dead: false,
            stalled: random.next() < 0.3,
            ended: false,
          };
          runs.push(run);
          attemptOrDecline(run);
          story.push(`take ${t.id} run ${t.run}: ${run.state}`);
        }
      } else if (roll < 46) {
        const sending = live('sending');
        if (sending.length > 0) answer(random.pick(sending));
      } else if (roll < 52) {
        const sending = live('sending').filter((r) => !r.slotGiven);
        if (sending.length > 0) {
          const run = random.pick(sending);
          run.slotGiven = true;
          story.push(`slot given back ${run.taken.id} run ${run.taken.run}`);
          await report({ ...run.taken, health: 'up' });
        }
      } else if (roll < 66) {
        const answered = live('answered');
        if (answered.length > 0) await reportOutcome(random.pick(answered));
      } else if (roll < 70) {
        if (sentReports.length > 0) {
          const again = random.pick(sentReports);
          story.push(`report again ${again.id} run ${again.run}`);
          await s.cycle([again], 0, CLAIM);
        }
      } else if (roll < 80) {
        const renewing = live('sending').filter((r) => !r.slotGiven && !r.stalled);
        if (renewing.length > 0)
          await s.renew(
            renewing.map((r) => r.taken),
            CLAIM,
          );
      } else if (roll < 90) {
        clock += random.below(CLAIM * 1.5);
      } else if (roll < 93) {
        // A worker killed before the answer gave its slot back: its claim expires (a kill after
        // that leaves the delivery to the reconciler, which this model does not wait for).
        const sending = live('sending').filter((r) => !r.slotGiven);
        if (sending.length > 0) {
          const run = random.pick(sending);
          run.dead = true;
          if (run.delivery.leasedBy === run) run.delivery.leasedBy = undefined;
          story.push(`kill ${run.taken.id} run ${run.taken.run}`);
        }
      } else if (roll < 96) {
        const unleased = [...deliveries.values()].filter((d) => !d.ended && !d.leasedBy);
        story.push('reconcile');
        if (unleased.length > 0) await s.push(unleased.map(pushed), { onlyIfAbsent: true });
      } else if (roll < 97) {
        if (random.next() < 0.3) {
          const hook = random.pick(WEBHOOKS);
          for (const d of deliveries.values()) if (d.webhookId === hook.webhookId) d.ended = true;
          story.push(`forget ${hook.webhookId}`);
          await s.forget([hook]);
        }
      } else if (roll < 99) {
        const ended = [...deliveries.values()].filter((d) => d.ended);
        if (ended.length > 0) {
          const d = random.pick(ended);
          d.ended = false;
          d.dueAt = clock;
          story.push(`reopen ${d.id}`);
          await s.push([pushed(d)]);
        }
      } else {
        await expectNothingLost();
      }
      await expectCountsWhole();
    }

    try {
      for (let i = 0; i < steps; i++) await step();
      await expectNothingLost();
    } catch (error) {
      throw new Error(
        `seed ${seed}, ${partitions} partition(s): ${(error as Error).message}\n` +
          story.slice(-30).join('\n'),
      );
    }
  }

  it.each([
    [1, 40],
    [4, 20],
  ])(
    'keeps its counts whole and loses no pending delivery: %i partition(s), %i seeded sequences',
    async (partitions, sequences) => {
      for (let seed = 1; seed <= sequences; seed++) await simulate(seed, partitions, 250);
    },
    120_000,
  );
});

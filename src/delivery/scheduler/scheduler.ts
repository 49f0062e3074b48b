import type { RedisClient } from '../../redis.ts';
import { partitionKeys, partitionOf, wakeChannel, type PartitionKeys } from './keys.ts';
import { RATE_BURST_MS, type CircuitView, type QueueState } from './queue-state.ts';
import { schedulerScripts } from './scripts.ts';

/**
 * The delivery scheduler: which delivery goes out next, cluster-wide. Postgres holds every
 * delivery and its state; Redis holds the line each webhook's deliveries wait in, what is in
 * flight, rate limits and circuits (keys.ts, lua/). Losing Redis loses nothing: the reconciler puts
 * pending deliveries back in line.
 *
 * The lines are split into partitions (keys.ts), each in one hash slot: on a Redis Cluster they
 * spread over its shards. Every call works partition by partition, all partitions at once; a
 * worker learns which partitions have work from what each call answers, from the announcements of
 * pushes, and by looking again at any partition it has not heard of for a while.
 */

/** A delivery to put in line, with its webhook's limits (null: the defaults). */
export interface Pushed {
  id: string;
  webhookId: string;
  accountId: string;
  maxInFlight: number | null;
  rateLimit: number | null;
  /** When it may go (ms since the epoch); now when absent. */
  dueAt?: number;
  /**
   * Ordered per call: the call's key and the delivery's seq (publish order). It waits while an
   * earlier-pushed delivery of its call is in line, in flight or waiting for a retry.
   */
  call?: { key: string; seq: string };
}

/** A webhook, as the scheduler finds its partition: by the account it belongs to. */
export interface WebhookRef {
  webhookId: string;
  accountId: string;
}

export interface Taken extends WebhookRef {
  id: string;
  /** Ordered by call: its end must be reported (`ended`), so the call's next delivery goes. */
  ordered?: boolean;
  /**
   * The run the delivery was claimed for. Its reports and renewals name it, so that a run that
   * outlived its claim cannot end or renew the claim of a later run of the same delivery.
   */
  run?: string;
}

/** How a delivery's turn ended. */
export interface Released extends Taken {
  /** 'down': a timeout or connection error; 'up': the endpoint answered; '': not attempted. */
  health: 'up' | 'down' | '';
  /** Put back in line, due then (a retry). */
  retryAt?: number;
  /** The delivery has ended (delivered, failed, skipped): an ordered one's call moves on. */
  ended?: boolean;
}

export interface SchedulerSettings {
  webhookMaxInFlight: number;
  accountMaxInFlight: number;
  circuitFailures: number;
  circuitOpenMs: number;
  circuitMaxOpenMs: number;
  schedulerPartitions: number;
}

/** Deliveries pushed per script call: keeps each call short, so others are not held up. */
const PUSH_CHUNK = 2_000;

/** A partition not heard of for this long is looked at again (a missed announcement). */
const LOOK_AGAIN_MS = 1_000;

/** Rounds of takes in one cycle, when some partitions had more than their share. */
const TAKE_ROUNDS = 3;

/** What this process last learnt of a partition. */
interface PartitionHint {
  /** Webhooks that could be served then. */
  due: number;
  /** The earliest time one may be served (ms); Infinity when its lines are empty. */
  nextAt: number;
  /** When it was learnt (this process's clock). */
  seenAt: number;
}

export function createScheduler(
  redis: RedisClient,
  redisPrefix: string,
  settings: SchedulerSettings,
  /** Tests drive time; in production each Redis's own clock is used, the same for every worker. */
  clock?: () => number,
) {
  const partitions = Math.max(1, settings.schedulerPartitions);
  const keys: PartitionKeys[] = Array.from({ length: partitions }, (_, p) =>
    partitionKeys(redisPrefix, p, partitions),
  );
  const run = schedulerScripts(redis);
  const channel = wakeChannel(redisPrefix);
  const now = () => (clock ? String(clock()) : '');
  const localNow = () => (clock ? clock() : Date.now());
  const partitionOfAccount = (accountId: string) => partitionOf(accountId, partitions);
  const hints: (PartitionHint | undefined)[] = Array(partitions).fill(undefined);
  let rotation = 0;

  function byPartition<T>(items: T[], accountOf: (item: T) => string): Map<number, T[]> {
    const groups = new Map<number, T[]>();
    for (const item of items) {
      const p = partitionOfAccount(accountOf(item));
      const group = groups.get(p);
      if (group) group.push(item);
      else groups.set(p, [item]);
    }
    return groups;
  }

  /** Something may have become ready in `p`: it is worth a take. */
  function mayHaveWork(p: number, at: number): void {
    const hint = hints[p];
    hints[p] = {
      due: Math.max(hint?.due ?? 0, 1),
      nextAt: Math.min(hint?.nextAt ?? at, at),
      seenAt: hint?.seenAt ?? at,
    };
  }

  function learn(p: number, next: string | null | false, due: number, at: number): void {
    hints[p] = { due, nextAt: next ? Number(next) : Infinity, seenAt: at };
  }

  const hasWork = (hint: PartitionHint, at: number) => hint.due > 0 || hint.nextAt <= at;

  /**
   * `want` shared between partitions by how many webhooks each has ready (their turn is per
   * webhook, so a partition with many waits gets more), remainders going round in turn.
   */
  function shares(want: number, candidates: number[]): Map<number, number> {
    const weight = (p: number) => Math.max(hints[p]?.due ?? 1, 1);
    const total = candidates.reduce((sum, p) => sum + weight(p), 0);
    const out = new Map<number, number>();
    let given = 0;
    for (const p of candidates) {
      const share = Math.floor((want * weight(p)) / total);
      out.set(p, share);
      given += share;
    }
    rotation = (rotation + 1) % partitions;
    const order = [...candidates].sort(
      (a, b) =>
        ((a - rotation + partitions) % partitions) - ((b - rotation + partitions) % partitions),
    );
    for (let i = 0; given < want; i = (i + 1) % order.length, given++) {
      out.set(order[i], out.get(order[i])! + 1);
    }
    for (const [p, share] of out) if (share === 0) out.delete(p);
    return out;
  }

  async function take(want: number, claimMs: number): Promise<Taken[]> {
    const at = localNow();
    const stale = keys.flatMap((_, p) => {
      const hint = hints[p];
      return hint === undefined || at - hint.seenAt >= LOOK_AGAIN_MS ? [p] : [];
    });
    await Promise.all(
      stale.map(async (p) => {
        const [next, due] = await run<[string | null, number]>('peek', keys[p], now());
        learn(p, next, due, at);
      }),
    );
    const perPartition: Taken[][] = [];
    let left = want;
    for (let round = 0; round < TAKE_ROUNDS && left > 0; round++) {
      const candidates = keys.flatMap((_, p) => (hasWork(hints[p]!, at) ? [p] : []));
      if (candidates.length === 0) break;
      let filled = false;
      const rounds = await Promise.all(
        [...shares(left, candidates)].map(async ([p, share]) => {
          const [flat, next, due, claimedFor] = await run<
            [string[], string | null, number, string | null]
          >(
            'take',
            keys[p],
            now(),
            share,
            claimMs,
            settings.webhookMaxInFlight,
            settings.accountMaxInFlight,
            RATE_BURST_MS,
          );
          learn(p, next, due, at);
          const taken: Taken[] = [];
          for (let i = 0; i < flat.length; i += 4) {
            const one: Taken = {
              id: flat[i],
              webhookId: flat[i + 1],
              accountId: flat[i + 2],
              run: claimedFor ?? undefined,
            };
            // HEXISTS answers an integer: 1 when the delivery is ordered by call.
            taken.push(Number(flat[i + 3]) === 1 ? { ...one, ordered: true } : one);
          }
          if (taken.length === share) filled = true;
          return taken;
        }),
      );
      for (const taken of rounds) {
        left -= taken.length;
        perPartition.push(taken);
      }
      if (!filled) break;
    }
    return interleave(perPartition);
  }

  return {
    /** The channel a push announces new work on (the message: the partition). */
    wakeChannel: channel,

    /** An announcement heard on wakeChannel: that partition has new work. */
    heard(message: string): void {
      const p = Number(message);
      if (Number.isInteger(p) && p >= 0 && p < partitions) mayHaveWork(p, localNow());
    },

    /** Puts deliveries in line. `onlyIfAbsent`: not those waiting or in flight already (the reconciler). */
    async push(deliveries: Pushed[], options: { onlyIfAbsent?: boolean } = {}): Promise<number> {
      const dueNow = localNow();
      const calls: Promise<number>[] = [];
      for (const [p, group] of byPartition(deliveries, (d) => d.accountId)) {
        mayHaveWork(p, dueNow);
        for (let i = 0; i < group.length; i += PUSH_CHUNK) {
          const chunk = group.slice(i, i + PUSH_CHUNK);
          const webhooks: Record<string, [string, number | null, number | null]> = {};
          for (const d of chunk) webhooks[d.webhookId] = [d.accountId, d.maxInFlight, d.rateLimit];
          const json = JSON.stringify({
            w: webhooks,
            d: chunk.map((d) => [
              d.webhookId,
              d.id,
              d.dueAt ?? dueNow,
              d.call?.key ?? null,
              d.call ? seqKey(d.call.seq) : null,
            ]),
          });
          calls.push(
            run<number>('push', keys[p], now(), json, options.onlyIfAbsent ? '1' : '0', channel, p),
          );
        }
      }
      return (await Promise.all(calls)).reduce((sum, n) => sum + n, 0);
    },

    /**
     * One round trip of a worker: end the turns of `released`, then take up to `max` deliveries,
     * each claimed for `claimMs`. `nextAt` is when it is next worth asking, if nothing is heard.
     */
    async cycle(
      released: Released[],
      max: number,
      claimMs: number,
    ): Promise<{ taken: Taken[]; nextAt: number | undefined }> {
      const at = localNow();
      const releasing = [...byPartition(released, (r) => r.accountId)].map(([p, group]) => {
        mayHaveWork(p, at);
        return run<number>(
          'release',
          keys[p],
          now(),
          JSON.stringify(
            group.map((r) => [
              r.webhookId,
              r.accountId,
              r.id,
              r.health,
              r.retryAt ?? null,
              r.ended ?? null,
              r.run ?? '',
            ]),
          ),
          settings.circuitFailures,
          settings.circuitOpenMs,
          settings.circuitMaxOpenMs,
        );
      });
      // Sent before the takes, on the same connections: a take sees the slots they freed.
      const [taken] = await Promise.all([
        max > 0 ? take(max, claimMs) : Promise.resolve([]),
        Promise.all(releasing),
      ]);
      if (max === 0) return { taken, nextAt: undefined };
      let nextAt = Infinity;
      for (const hint of hints) {
        if (hint) nextAt = Math.min(nextAt, hint.nextAt, hint.seenAt + LOOK_AGAIN_MS);
      }
      return { taken, nextAt: Number.isFinite(nextAt) ? nextAt : undefined };
    },

    /**
     * The claims of `taken` (deliveries this worker is still attempting) last `claimMs` from now.
     * Returns how many were still held.
     */
    async renew(taken: Taken[], claimMs: number): Promise<number> {
      const counts = await Promise.all(
        [...byPartition(taken, (t) => t.accountId)].map(([p, group]) =>
          run<number>(
            'renew',
            keys[p],
            now(),
            claimMs,
            ...group.flatMap((t) => [`${t.webhookId}|${t.accountId}|${t.id}`, t.run ?? '']),
          ),
        ),
      );
      return counts.reduce((sum, n) => sum + n, 0);
    },

    /** Webhooks disabled or deleted: drop their lines and their circuits. */
    async forget(webhooks: WebhookRef[]): Promise<void> {
      await Promise.all(
        [...byPartition(webhooks, (w) => w.accountId)].map(([p, group]) =>
          run('forget', keys[p], ...new Set(group.map((w) => w.webhookId))),
        ),
      );
    },

    /** New limits of a webhook take effect at its next turn, not only with its next delivery. */
    async configure(
      webhookId: string,
      accountId: string,
      maxInFlight: number | null,
      rateLimit: number | null,
    ): Promise<void> {
      const { config } = keys[partitionOfAccount(accountId)];
      await redis.hset(config, webhookId, `${accountId}|${maxInFlight ?? ''}|${rateLimit ?? ''}`);
    },

    /** Webhooks' circuits as the API shows them. */
    async circuits(webhooks: WebhookRef[]): Promise<Map<string, CircuitView>> {
      const states = await Promise.all(
        webhooks.map((w) =>
          redis.hget(keys[partitionOfAccount(w.accountId)].circuits, w.webhookId),
        ),
      );
      return new Map(webhooks.map((w, i) => [w.webhookId, circuitView(states[i])]));
    },

    /** Where each pending delivery stands in line (GET …/events/{E}), as TAKE would judge it now. */
    async queueStates(deliveries: Taken[]): Promise<Map<string, QueueState>> {
      const states = new Map<string, QueueState>();
      await Promise.all(
        [...byPartition(deliveries, (d) => d.accountId)].map(async ([p, group]) => {
          const answer = await run<QueueState[]>(
            'state',
            keys[p],
            now(),
            settings.webhookMaxInFlight,
            settings.accountMaxInFlight,
            RATE_BURST_MS,
            ...group.flatMap((d) => [d.webhookId, d.accountId, d.id]),
          );
          group.forEach((d, i) => states.set(d.id, answer[i]));
        }),
      );
      return states;
    },

    /**
     * For /metrics: circuits open now, circuits opened so far, webhooks with deliveries waiting,
     * deliveries put back in line by an expired claim so far (their worker died or stalled).
     */
    async stats(): Promise<{
      circuitsOpen: number;
      circuitsOpened: number;
      webhooksWaiting: number;
      claimsExpired: number;
    }> {
      const perPartition = await Promise.all(
        keys.map((k) =>
          Promise.all([
            redis.zcard(k.open),
            redis.hmget(k.counters, 'opened', 'claimsExpired'),
            redis.zcard(k.ready),
          ]),
        ),
      );
      return perPartition.reduce(
        (sum, [open, [opened, expired], waiting]) => ({
          circuitsOpen: sum.circuitsOpen + open,
          circuitsOpened: sum.circuitsOpened + Number(opened ?? 0),
          webhooksWaiting: sum.webhooksWaiting + waiting,
          claimsExpired: sum.claimsExpired + Number(expired ?? 0),
        }),
        { circuitsOpen: 0, circuitsOpened: 0, webhooksWaiting: 0, claimsExpired: 0 },
      );
    },
  };
}

/** A seq (a Postgres bigint, as text) as a fixed-width key: lexical order is numeric order. */
function seqKey(seq: string): string {
  return seq.padStart(20, '0');
}

/** Takes of several partitions, one of each in turn: the order webhooks were served in. */
function interleave(lists: Taken[][]): Taken[] {
  const out: Taken[] = [];
  for (let i = 0; out.length < lists.reduce((n, l) => n + l.length, 0); i++) {
    for (const list of lists) if (i < list.length) out.push(list[i]);
  }
  return out;
}

/** A circuit as stored (`state|until|failures|opens`) → as the API shows it. */
function circuitView(stored: string | null): CircuitView {
  if (!stored) return { state: 'closed', failures: 0 };
  const [state, until, fails] = stored.split('|');
  if (state === 'open' || state === 'half_open')
    return { state, until: Number(until), failures: Number(fails) };
  return { state: 'closed', failures: Number(fails) };
}

export type Scheduler = ReturnType<typeof createScheduler>;

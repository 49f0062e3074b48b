import type { Redis, Result } from 'ioredis';
import { FORGET, PUSH, RELEASE, TAKE } from './scripts.ts';
import { queueState, RATE_BURST_MS, type CircuitView, type QueueState } from './queue-state.ts';

/**
 * The delivery scheduler: which delivery goes out next, cluster-wide. Postgres holds every
 * delivery and its state; Redis holds the line each webhook's deliveries wait in, what is in
 * flight, rate limits and circuits (scripts.ts). Losing Redis loses nothing: the reconciler puts
 * pending deliveries back in line.
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
}

export interface Taken {
  id: string;
  webhookId: string;
  accountId: string;
}

/** How a delivery's turn ended. */
export interface Released extends Taken {
  /** 'down': a timeout or connection error; 'up': the endpoint answered; '': not attempted. */
  health: 'up' | 'down' | '';
  /** Put back in line, due then (a retry). */
  retryAt?: number;
}

export interface SchedulerSettings {
  webhookMaxInFlight: number;
  accountMaxInFlight: number;
  circuitFailures: number;
  circuitOpenMs: number;
  circuitMaxOpenMs: number;
}

interface ScriptCommands {
  sbPush(prefix: string, now: string, json: string, onlyIfAbsent: string): Promise<number>;
  sbTake(
    prefix: string,
    now: string,
    max: number,
    claimMs: number,
    defaultCap: number,
    accountCap: number,
    burstMs: number,
  ): Promise<[string[], string | null]>;
  sbRelease(
    prefix: string,
    now: string,
    json: string,
    failures: number,
    openMs: number,
    maxOpenMs: number,
  ): Promise<number>;
  sbForget(prefix: string, now: string, ...webhookIds: string[]): Promise<number>;
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    sbPush(...args: Parameters<ScriptCommands['sbPush']>): Result<number, Context>;
    sbTake(
      ...args: Parameters<ScriptCommands['sbTake']>
    ): Result<[string[], string | null], Context>;
    sbRelease(...args: Parameters<ScriptCommands['sbRelease']>): Result<number, Context>;
    sbForget(...args: Parameters<ScriptCommands['sbForget']>): Result<number, Context>;
  }
}

/** Deliveries pushed per script call: keeps each call short, so others are not held up. */
const PUSH_CHUNK = 2_000;

export function createScheduler(
  redis: Redis,
  redisPrefix: string,
  settings: SchedulerSettings,
  /** Tests drive time; in production Redis's own clock is used, the same for every worker. */
  clock?: () => number,
) {
  const prefix = `${redisPrefix}:sched:`;
  for (const [name, lua] of [
    ['sbPush', PUSH],
    ['sbTake', TAKE],
    ['sbRelease', RELEASE],
    ['sbForget', FORGET],
  ] as const) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 0, lua });
  }
  const now = () => (clock ? String(clock()) : '');

  return {
    prefix,
    /** The channel a push announces new work on. */
    wakeChannel: `${prefix}wake`,

    /** Puts deliveries in line. `onlyIfAbsent`: not those waiting or in flight already (the reconciler). */
    async push(deliveries: Pushed[], options: { onlyIfAbsent?: boolean } = {}): Promise<number> {
      let added = 0;
      for (let i = 0; i < deliveries.length; i += PUSH_CHUNK) {
        const chunk = deliveries.slice(i, i + PUSH_CHUNK);
        const webhooks: Record<string, [string, number | null, number | null]> = {};
        const dueNow = clock ? clock() : Date.now();
        for (const d of chunk) webhooks[d.webhookId] = [d.accountId, d.maxInFlight, d.rateLimit];
        const json = JSON.stringify({
          w: webhooks,
          d: chunk.map((d) => [d.webhookId, d.id, d.dueAt ?? dueNow]),
        });
        added += await redis.sbPush(prefix, now(), json, options.onlyIfAbsent ? '1' : '0');
      }
      return added;
    },

    /**
     * One round trip of a worker: end the turns of `released`, then take up to `max` deliveries,
     * each claimed for `claimMs`. `nextAt` is when the earliest webhook still waiting may go.
     */
    async cycle(
      released: Released[],
      max: number,
      claimMs: number,
    ): Promise<{ taken: Taken[]; nextAt: number | undefined }> {
      const pipeline = redis.pipeline();
      if (released.length > 0) {
        pipeline.sbRelease(
          prefix,
          now(),
          JSON.stringify(
            released.map((r) => [r.webhookId, r.accountId, r.id, r.health, r.retryAt ?? null]),
          ),
          settings.circuitFailures,
          settings.circuitOpenMs,
          settings.circuitMaxOpenMs,
        );
      }
      if (max > 0) {
        pipeline.sbTake(
          prefix,
          now(),
          max,
          claimMs,
          settings.webhookMaxInFlight,
          settings.accountMaxInFlight,
          RATE_BURST_MS,
        );
      }
      const results = (await pipeline.exec()) ?? [];
      for (const [error] of results) if (error) throw error;
      if (max === 0) return { taken: [], nextAt: undefined };
      const [flat, next] = results[results.length - 1][1] as [string[], string | null];
      const taken: Taken[] = [];
      for (let i = 0; i < flat.length; i += 3)
        taken.push({ id: flat[i], webhookId: flat[i + 1], accountId: flat[i + 2] });
      return { taken, nextAt: next === null ? undefined : Number(next) };
    },

    /** A webhook disabled or deleted: drop its line and its circuit. */
    async forget(webhookIds: string[]): Promise<void> {
      if (webhookIds.length > 0) await redis.sbForget(prefix, now(), ...webhookIds);
    },

    /** New limits of a webhook take effect at its next turn, not only with its next delivery. */
    async configure(
      webhookId: string,
      accountId: string,
      maxInFlight: number | null,
      rateLimit: number | null,
    ): Promise<void> {
      const key = `${prefix}cfg:${webhookId}`;
      await redis
        .multi()
        .hset(key, 'a', accountId, 'cap', maxInFlight ?? '', 'rate', rateLimit ?? '')
        .pexpire(key, 7 * 86_400_000)
        .exec();
    },

    /** A webhook's circuit as the API shows it. */
    async circuits(webhookIds: string[]): Promise<Map<string, CircuitView>> {
      const pipeline = redis.pipeline();
      for (const id of webhookIds) pipeline.hmget(`${prefix}brk:${id}`, 'state', 'until', 'fails');
      const results = (await pipeline.exec()) ?? [];
      const views = new Map<string, CircuitView>();
      webhookIds.forEach((id, i) => {
        const [state, until, fails] = (results[i]?.[1] ?? []) as (string | null)[];
        views.set(id, circuitView(state, until, fails));
      });
      return views;
    },

    /** Where each pending delivery stands in line (GET …/events/{E}). */
    async queueStates(
      deliveries: { id: string; webhookId: string }[],
    ): Promise<Map<string, QueueState>> {
      const at = clock ? clock() : Date.now();
      const webhookIds = [...new Set(deliveries.map((d) => d.webhookId))];
      const pipeline = redis.pipeline();
      for (const d of deliveries) {
        pipeline.zscore(`${prefix}run:${d.webhookId}`, d.id);
        pipeline.zscore(`${prefix}q:${d.webhookId}`, d.id);
      }
      for (const w of webhookIds) {
        pipeline.hmget(`${prefix}brk:${w}`, 'state', 'until', 'fails');
        pipeline.hmget(`${prefix}cfg:${w}`, 'cap', 'rate');
        pipeline.get(`${prefix}tat:${w}`);
        pipeline.zcount(`${prefix}run:${w}`, `(${at}`, '+inf');
      }
      const r = ((await pipeline.exec()) ?? []).map(([, value]) => value);
      const perWebhook = new Map<string, Parameters<typeof queueState>[1]>();
      webhookIds.forEach((w, i) => {
        const base = deliveries.length * 2 + i * 4;
        const [state, until, fails] = r[base] as (string | null)[];
        const [cap, rate] = r[base + 1] as (string | null)[];
        perWebhook.set(w, {
          circuit: circuitView(state, until, fails),
          maxInFlight: Number(cap) || settings.webhookMaxInFlight,
          rateLimit: Number(rate) || 0,
          rateState: r[base + 2] === null ? undefined : Number(r[base + 2]),
          inFlight: Number(r[base + 3]),
        });
      });
      const states = new Map<string, QueueState>();
      deliveries.forEach((d, i) => {
        const running = r[i * 2] as string | null;
        const waiting = r[i * 2 + 1] as string | null;
        states.set(
          d.id,
          queueState(
            {
              claimUntil: running === null ? undefined : Number(running),
              dueAt: waiting === null ? undefined : Number(waiting),
            },
            perWebhook.get(d.webhookId)!,
            at,
          ),
        );
      });
      return states;
    },

    /** For /metrics: circuits open now, circuits opened so far, webhooks with deliveries waiting. */
    async stats(): Promise<{
      circuitsOpen: number;
      circuitsOpened: number;
      webhooksWaiting: number;
    }> {
      const [[, open], [, opened], [, waiting]] = ((await redis
        .pipeline()
        .zcard(`${prefix}open`)
        .get(`${prefix}opened`)
        .zcard(`${prefix}ready`)
        .exec()) ?? []) as [unknown, unknown][];
      return {
        circuitsOpen: Number(open),
        circuitsOpened: Number(opened ?? 0),
        webhooksWaiting: Number(waiting),
      };
    },
  };
}

function circuitView(
  state: string | null,
  until: string | null,
  fails: string | null,
): CircuitView {
  if (state === 'open' || state === 'half_open')
    return { state, until: Number(until), failures: Number(fails ?? 0) };
  return { state: 'closed', failures: Number(fails ?? 0) };
}

export type Scheduler = ReturnType<typeof createScheduler>;

import type { RedisClient } from '../redis.ts';
import type { Released, Scheduler, Taken } from './scheduler/scheduler.ts';

/** How a turn ended, as the dispatcher reports it back to the scheduler. */
export type TurnResult = Pick<Released, 'health' | 'retryAt' | 'ended'>;

export interface DispatcherOptions {
  scheduler: Scheduler;
  /** A connection of its own: it only listens for "new work" announcements. */
  subscriber: RedisClient;
  /** Deliveries this process attempts at once. */
  slots: number;
  /**
   * How long a taken delivery's claim lasts unless renewed. The claims of the deliveries this
   * process is attempting are renewed every third of it, so a run keeps its slot as long as it
   * needs; a process that dies renews nothing, and its slots are free again within claimMs.
   */
  claimMs: number;
  /**
   * Attempts one delivery; must not throw (a throw is logged and the delivery left pending).
   * `sent` is called when the HTTP exchange is over: the endpoint's slot is freed then, not when
   * the outcome has been written. The slot is held from the take, so the cap counts the lease
   * before the request too (docs/delivery-scheduling.md, "Caps").
   */
  run(taken: Taken, sent: (health: Released['health']) => void): Promise<TurnResult>;
  log: { warn(obj: object, msg: string): void };
  /** Longest sleep without news, ms: retries coming due, claims of crashed workers expiring. */
  idleMs?: number;
}

/**
 * Least time between two round trips to the scheduler. Each delivery's end wakes the loop; at a
 * thousand deliveries a second, starting a round trip for every wake-up costs Redis and this
 * process more than the deliveries' own work. A couple of milliseconds gathers them.
 */
const MIN_CYCLE_GAP_MS = 2;

/**
 * A worker process's loop: while it has free slots it takes deliveries from the scheduler, one
 * per slot, and starts each at once; every delivery that ends frees its slot and is reported back
 * in the next round trip, which also takes more. A slow endpoint holds only the slots of its own
 * deliveries — at most its cap, cluster-wide — never a slot another delivery is waiting for.
 */
export function startDispatcher(options: DispatcherOptions) {
  const { scheduler, subscriber, slots, claimMs, run, log } = options;
  const idleMs = options.idleMs ?? 1_000;
  let free = slots;
  let released: Released[] = [];
  let pumping = false;
  let again = false;
  let stopped = false;
  let kickQueued = false;
  let timer: NodeJS.Timeout | undefined;
  let lastCycle = -Infinity;
  const running = new Set<Promise<void>>();
  /** Deliveries being attempted whose endpoint slot is still held: their claims are renewed. */
  const holding = new Set<Taken>();
  const renewal = setInterval(renewClaims, Math.max(10, Math.floor(claimMs / 3)));
  renewal.unref();

  function renewClaims(): void {
    if (holding.size === 0) return;
    // Redis away: the next renewal tries again; a claim that expired meanwhile stays ended.
    scheduler
      .renew([...holding], claimMs)
      .catch((err: Error) => log.warn({ err: err.message }, 'claims not renewed; retrying'));
  }

  /** Wake at `at` (ms since the epoch), or after idleMs, whichever is sooner. */
  function sleepUntil(at: number | undefined): void {
    clearTimeout(timer);
    const delay = at === undefined ? idleMs : Math.min(Math.max(at - Date.now(), 0), idleMs);
    timer = setTimeout(kick, delay);
  }

  /**
   * Coalesces wake-ups: everything that happened in this tick is one round trip, and round trips
   * start at most every MIN_CYCLE_GAP_MS (under load, what ends or arrives meanwhile shares one).
   */
  function kick(): void {
    if (kickQueued) return;
    kickQueued = true;
    const wake = () => {
      kickQueued = false;
      if (pumping) again = true;
      else void pump();
    };
    const wait = lastCycle + MIN_CYCLE_GAP_MS - performance.now();
    if (wait > 0) setTimeout(wake, wait);
    else setImmediate(wake);
  }

  async function pump(): Promise<void> {
    pumping = true;
    try {
      do {
        again = false;
        const want = stopped ? 0 : free;
        if (want === 0 && released.length === 0) break;
        const ending = released;
        released = [];
        let result: Awaited<ReturnType<Scheduler['cycle']>>;
        try {
          lastCycle = performance.now();
          result = await scheduler.cycle(ending, want, claimMs);
        } catch (err) {
          // Redis is away: keep the reports for the next round; what is lost meanwhile, the
          // claims' expiry and the reconciler bring back.
          released = ending.concat(released);
          log.warn({ err: (err as Error).message }, 'scheduler unreachable; retrying');
          if (!stopped) sleepUntil(Date.now() + idleMs);
          return;
        }
        for (const taken of result.taken) start(taken);
        if (result.taken.length < want) sleepUntil(result.nextAt);
        else again = true;
      } while (again);
    } finally {
      pumping = false;
    }
  }

  function start(taken: Taken): void {
    free--;
    holding.add(taken);
    let slotFreed = false;
    const sent = (health: Released['health']) => {
      slotFreed = true;
      holding.delete(taken);
      released.push({ ...taken, health });
      kick();
    };
    const turn = run(taken, sent)
      .then(
        (result) => {
          // After an early release only a retry (back in line, due then) or, for a delivery
          // ordered by call, its end (the call's next goes) is left to report.
          const ended = taken.ordered && result.ended ? true : undefined;
          if (!slotFreed) released.push({ ...taken, ...result, ended });
          else if (result.retryAt !== undefined || ended)
            released.push({ ...taken, health: '', retryAt: result.retryAt, ended });
        },
        (err: Error) => {
          // Left pending in Postgres, unclaimed here: the reconciler puts it back in line.
          log.warn({ err: err.message, delivery: taken.id }, 'delivery run failed');
          released.push({ ...taken, health: '' });
        },
      )
      .finally(() => {
        free++;
        holding.delete(taken);
        running.delete(turn);
        kick();
      });
    running.add(turn);
  }

  const heard = (_channel: string, message: string) => {
    scheduler.heard(message);
    kick();
  };
  subscriber.on('message', heard);
  void subscriber
    .subscribe(scheduler.wakeChannel)
    .catch((err: Error) => log.warn({ err: err.message }, 'wake-up channel unavailable; polling'));
  kick();

  return {
    /** Deliveries being attempted by this process now. */
    inFlight: () => slots - free,
    /** Stops taking work, lets every delivery in flight finish, and reports them back. */
    async close(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      subscriber.off('message', heard);
      await subscriber.unsubscribe().catch(() => {});
      while (running.size > 0) await Promise.allSettled([...running]);
      clearInterval(renewal);
      while (pumping) await new Promise((resolve) => setTimeout(resolve, 5));
      if (released.length > 0) {
        await scheduler.cycle(released, 0, claimMs).catch(() => {});
        released = [];
      }
    },
  };
}

export type Dispatcher = ReturnType<typeof startDispatcher>;

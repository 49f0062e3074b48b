import { eventKey, type NewEvent } from '../store/events.ts';
import type { Stores } from '../store/stores.ts';
import { createBatcher } from './batcher.ts';
import { pushOrLeave, putBackRepeated, storeEvents } from './fanout.ts';
import type { Scheduler } from './scheduler/scheduler.ts';

/** Requests with more events than this are stored on their own: they are a batch already. */
const GROUP_LIMIT = 50;

/**
 * Group commit for publishing: the events of concurrent publish requests are stored (with their
 * deliveries) by one statement, and each request is answered once its events are committed. At a
 * thousand single-event requests a second this is a few statements a millisecond instead of one
 * transaction per request.
 */
export function createIngest(
  stores: Stores,
  scheduler: Scheduler,
  log: { warn(obj: object, msg: string): void },
  /**
   * The intake's: a publish resolves only once its deliveries have been handed to Redis, too, so
   * a job completes only after that (a worker that dies before leaves the job to be taken up
   * again, and the repeat puts the deliveries in line). The API answers after the commit.
   */
  options: { afterPush?: boolean } = {},
) {
  const pushNow = pushOrLeave(scheduler, log);
  // Only what is neither waiting nor in flight (fanout.ts putBackRepeated).
  const putBackNow = pushOrLeave(scheduler, log, { onlyIfAbsent: true });
  // The answer waits for the commit, not for Redis: putting the deliveries in line happens
  // after it, in the background (tracked, so a shutdown waits for it; if Redis does not take
  // them, the reconciler does it).
  const pushing = new Set<Promise<void>>();
  const inBackground = (done: Promise<void>) => {
    pushing.add(done);
    void done.finally(() => pushing.delete(done));
    return done;
  };
  /**
   * Stores `events` (keys unique) and, in the background, puts their deliveries in line (and
   * those of repeated events that were lost: fanout.ts putBackRepeated); `pushed` settles when
   * that is done (it never rejects).
   */
  async function store(events: NewEvent[]) {
    const handed: Promise<void>[] = [];
    const inserted = await storeEvents(
      stores,
      async (deliveries) => void handed.push(inBackground(pushNow(deliveries))),
      events,
    );
    const repeated = events
      .filter((e) => !inserted.has(eventKey(e.accountId, e.id)))
      .map((e) => ({ accountId: e.accountId, eventId: e.id }));
    // Postgres or Redis failing here loses nothing: the reconciler finds them after its grace.
    if (repeated.length > 0)
      handed.push(inBackground(putBackRepeated(stores, putBackNow, repeated).catch(() => {})));
    return { inserted, pushed: Promise.all(handed).then(() => {}) };
  }
  const grouped = createBatcher(
    async (requests: NewEvent[][]) => {
      // The same event in two requests of one group: the first request stores it, the second
      // hears "duplicate", exactly as if they had come one after the other.
      const owner = new Map<string, number>();
      const events: NewEvent[] = [];
      requests.forEach((request, index) => {
        for (const event of request) {
          const key = eventKey(event.accountId, event.id);
          if (owner.has(key)) continue;
          owner.set(key, index);
          events.push(event);
        }
      });
      const { inserted, pushed } = await store(events);
      return requests.map((request, index) => ({
        pushed,
        ids: new Set(
          request
            .filter((e) => {
              const key = eventKey(e.accountId, e.id);
              return owner.get(key) === index && inserted.has(key);
            })
            .map((e) => e.id),
        ),
      }));
    },
    // A group starts at most every 4 ms: under load a publish waits up to that long for company,
    // and Postgres stores a few hundred groups a second instead of as many as it can turn round.
    { maxSize: 64, maxConcurrent: 1, minIntervalMs: 4 },
  );

  return {
    /** Stores the events of one request (ids unique within it); resolves with the ids that were new. */
    async publish(events: NewEvent[]): Promise<Set<string>> {
      let stored: { ids: Set<string>; pushed: Promise<void> };
      if (events.length <= GROUP_LIMIT) stored = await grouped.submit(events);
      else {
        const { inserted, pushed } = await store(events);
        const ids = events.filter((e) => inserted.has(eventKey(e.accountId, e.id)));
        stored = { pushed, ids: new Set(ids.map((e) => e.id)) };
      }
      if (options.afterPush) await stored.pushed;
      return stored.ids;
    },
    /** Waits for groups still being stored and put in line (graceful shutdown). */
    async drain(): Promise<void> {
      await grouped.drain();
      await Promise.allSettled([...pushing]);
    },
  };
}

export type Ingest = ReturnType<typeof createIngest>;

/** How the intake's consumer stores events: a job completes once its deliveries are in line. */
export const INTAKE_INGEST = { afterPush: true } as const;

import { eventKey, type NewEvent } from '../store/events.ts';
import type { Stores } from '../store/stores.ts';
import { createBatcher } from './batcher.ts';
import { pushOrLeave, putBackRepeated, storeEvents, type PushDeliveries } from './fanout.ts';
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
  };
  const push: PushDeliveries = async (deliveries) => inBackground(pushNow(deliveries));
  /** Stores `events` (keys unique); the repeated ones' lost deliveries are put back in line. */
  async function store(events: NewEvent[]): Promise<Set<string>> {
    const inserted = await storeEvents(stores, push, events);
    const repeated = events
      .filter((e) => !inserted.has(eventKey(e.accountId, e.id)))
      .map((e) => ({ accountId: e.accountId, eventId: e.id }));
    // Postgres or Redis failing here loses nothing: the reconciler finds them after its grace.
    if (repeated.length > 0)
      inBackground(putBackRepeated(stores, putBackNow, repeated).catch(() => {}));
    return inserted;
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
      const inserted = await store(events);
      return requests.map(
        (request, index) =>
          new Set(
            request
              .filter((e) => {
                const key = eventKey(e.accountId, e.id);
                return owner.get(key) === index && inserted.has(key);
              })
              .map((e) => e.id),
          ),
      );
    },
    // A group starts at most every 4 ms: under load a publish waits up to that long for company,
    // and Postgres stores a few hundred groups a second instead of as many as it can turn round.
    { maxSize: 64, maxConcurrent: 1, minIntervalMs: 4 },
  );

  return {
    /** Stores the events of one request (ids unique within it); resolves with the ids that were new. */
    async publish(events: NewEvent[]): Promise<Set<string>> {
      if (events.length <= GROUP_LIMIT) return grouped.submit(events);
      const inserted = await store(events);
      return new Set(
        events.filter((e) => inserted.has(eventKey(e.accountId, e.id))).map((e) => e.id),
      );
    },
    /** Waits for groups still being stored and put in line (graceful shutdown). */
    async drain(): Promise<void> {
      await grouped.drain();
      await Promise.allSettled([...pushing]);
    },
  };
}

export type Ingest = ReturnType<typeof createIngest>;

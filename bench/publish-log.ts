/** What a load generator (REST or BullMQ) records of what it published, for bench/harness.ts. */

export interface PublishLog {
  /** Column per field, one row per request. */
  stream: number[];
  /** The group and first sequence number of the request's events (ids `<group>-<seq>`…). */
  group: string[];
  seq: number[];
  events: number[];
  due: number[];
  start: number[];
  end: number[];
  /** HTTP status; 0 for a request that got no answer. */
  status: number[];
  accepted: number[];
  /** Scheduled window of a paced run (shared clock, ms); for count, first start → last end. */
  begin: number;
  finish: number;
  /** Paced: sends still waiting for a slot when the time was up. */
  unsent: number;
  /** The first few errors, as text. */
  errors: string[];
}

/** A log with nothing published yet. */
export function emptyLog(): PublishLog {
  return {
    stream: [],
    group: [],
    seq: [],
    events: [],
    due: [],
    start: [],
    end: [],
    status: [],
    accepted: [],
    begin: NaN,
    finish: NaN,
    unsent: 0,
    errors: [],
  };
}

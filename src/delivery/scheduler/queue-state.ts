/**
 * What the scheduler reports about lines and circuits. Where a pending delivery stands is judged
 * in Redis by the STATE script, with the same rules TAKE applies (lua/includes/limits.lua).
 */

/**
 * A rate-limited webhook may send this many milliseconds' worth of its rate at once (the GCRA
 * burst), then one delivery every 1000/rate ms. TAKE and STATE are given this value.
 */
export const RATE_BURST_MS = 50;

export interface CircuitView {
  state: 'closed' | 'open' | 'half_open';
  /** While open: when the next probe may go (ms since the epoch). */
  until?: number;
  /** Timeouts and connection errors in a row. */
  failures: number;
}

export type QueueState =
  /** Being attempted now. */
  | 'in_flight'
  /** Waiting for a retry's time (backoff or Retry-After). */
  | 'scheduled'
  /** Held while the webhook's circuit is open. */
  | 'circuit_open'
  /** Held by the webhook's rate limit. */
  | 'throttled'
  /** Held because the webhook (or its account) has as many deliveries in flight as it may. */
  | 'at_capacity'
  /** Next in line once the workers get to it. */
  | 'queued'
  /** Its webhook orders by call: an earlier event of its call goes first. */
  | 'behind_call'
  /** Not in line: Redis lost it; the reconciler puts it back. */
  | 'unknown';

/** An open circuit whose time is up lets its next delivery through as a probe. */
export function circuitAt(circuit: CircuitView, now: number): CircuitView {
  return circuit.state === 'open' && (circuit.until ?? 0) <= now
    ? { ...circuit, state: 'half_open' }
    : circuit;
}

/**
 * Where a pending delivery stands, as GET …/events/{E} shows it, derived from what the scheduler
 * keeps in Redis. Pure: the scheduler reads, this decides.
 */

/**
 * A rate-limited webhook may send this many milliseconds' worth of its rate at once (the GCRA
 * burst), then one delivery every 1000/rate ms. The TAKE script is given the same value.
 */
export const RATE_BURST_MS = 50;

/** The GCRA tolerance of a rate: how far ahead of schedule a delivery may go, ms. */
export function rateTolerance(rate: number): number {
  return (Math.max(1, Math.ceil((rate * RATE_BURST_MS) / 1000)) - 1) * (1000 / rate);
}

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
  /** Not in line: Redis lost it; the reconciler puts it back. */
  | 'unknown';

export interface WebhookLine {
  circuit: CircuitView;
  maxInFlight: number;
  rateLimit: number;
  /** The rate limiter's theoretical arrival time (ms), when it has one. */
  rateState?: number;
  inFlight: number;
}

/** An open circuit whose time is up lets its next delivery through as a probe. */
export function circuitAt(circuit: CircuitView, now: number): CircuitView {
  return circuit.state === 'open' && (circuit.until ?? 0) <= now
    ? { ...circuit, state: 'half_open' }
    : circuit;
}

export function queueState(
  delivery: { claimUntil?: number; dueAt?: number },
  line: WebhookLine,
  now: number,
): QueueState {
  if (delivery.claimUntil !== undefined && delivery.claimUntil > now) return 'in_flight';
  if (delivery.dueAt === undefined) return 'unknown';
  if (delivery.dueAt > now) return 'scheduled';
  const circuit = circuitAt(line.circuit, now);
  if (circuit.state === 'open') return 'circuit_open';
  if (line.rateLimit > 0 && line.rateState !== undefined) {
    if (line.rateState - rateTolerance(line.rateLimit) > now) return 'throttled';
  }
  const cap = circuit.state === 'half_open' ? 1 : line.maxInFlight;
  if (line.inFlight >= cap) return 'at_capacity';
  return 'queued';
}

import { describe, expect, it } from 'vitest';
import {
  circuitAt,
  queueState,
  type WebhookLine,
} from '../../src/delivery/scheduler/queue-state.ts';
import { endpointHealth } from '../../src/domain/endpoint-health.ts';

const NOW = 1_000_000;
const line = (over: Partial<WebhookLine> = {}): WebhookLine => ({
  circuit: { state: 'closed', failures: 0 },
  maxInFlight: 4,
  rateLimit: 0,
  inFlight: 0,
  ...over,
});

describe('where a pending delivery stands', () => {
  const cases: [string, Parameters<typeof queueState>[0], WebhookLine, string][] = [
    ['claimed by a worker', { claimUntil: NOW + 1 }, line(), 'in_flight'],
    ['claimed, claim expired, not in line', { claimUntil: NOW - 1 }, line(), 'unknown'],
    ['in no line at all', {}, line(), 'unknown'],
    ['due later (a retry)', { dueAt: NOW + 5 }, line(), 'scheduled'],
    [
      'circuit open',
      { dueAt: NOW },
      line({ circuit: { state: 'open', until: NOW + 9, failures: 5 } }),
      'circuit_open',
    ],
    [
      'circuit open but its time is up: the next probe',
      { dueAt: NOW },
      line({ circuit: { state: 'open', until: NOW, failures: 5 } }),
      'queued',
    ],
    [
      'half open with its probe in flight',
      { dueAt: NOW },
      line({ circuit: { state: 'half_open', failures: 5 }, inFlight: 1 }),
      'at_capacity',
    ],
    [
      'over the rate limit',
      { dueAt: NOW },
      line({ rateLimit: 1, rateState: NOW + 500 }),
      'throttled',
    ],
    [
      'within the rate limit’s burst',
      { dueAt: NOW },
      line({ rateLimit: 100, rateState: NOW + 30 }),
      'queued',
    ],
    ['at the webhook’s cap', { dueAt: NOW }, line({ inFlight: 4 }), 'at_capacity'],
    ['waiting its turn', { dueAt: NOW - 10 }, line({ inFlight: 3 }), 'queued'],
  ];
  it.each(cases)('%s', (_, delivery, webhook, expected) => {
    expect(queueState(delivery, webhook, NOW)).toBe(expected);
  });

  it('an open circuit past its time reads as half open', () => {
    expect(circuitAt({ state: 'open', until: NOW, failures: 3 }, NOW).state).toBe('half_open');
    expect(circuitAt({ state: 'open', until: NOW + 1, failures: 3 }, NOW).state).toBe('open');
  });
});

describe('what an attempt says about its endpoint (the circuit)', () => {
  it.each([
    [{ kind: 'response', status: 200 }, 'up'],
    [{ kind: 'response', status: 503 }, 'up'],
    [{ kind: 'error', clientError: 'timeout', message: '' }, 'down'],
    [{ kind: 'error', clientError: 'connect_refused', message: '' }, 'down'],
    [{ kind: 'error', clientError: 'connection_reset', message: '' }, 'down'],
    [{ kind: 'error', clientError: 'dns', message: '' }, 'down'],
    [{ kind: 'error', clientError: 'tls', message: '' }, 'down'],
    [{ kind: 'error', clientError: 'too_large', message: '' }, 'up'],
    [{ kind: 'error', clientError: 'blocked_target', message: '' }, ''],
  ] as const)('%j → %s', (outcome, health) => {
    expect(endpointHealth(outcome)).toBe(health);
  });
});

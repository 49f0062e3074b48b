import { describe, expect, it } from 'vitest';
import { circuitAt } from '../../src/delivery/scheduler/queue-state.ts';
import { endpointHealth } from '../../src/domain/endpoint-health.ts';

const NOW = 1_000_000;

describe('a circuit as the API shows it', () => {
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

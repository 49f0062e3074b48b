import type { AttemptOutcome } from './retry.ts';

/**
 * What an attempt says about the endpoint, for its circuit breaker: 'down' when nothing answered
 * (a timeout or a connection that failed), 'up' when an HTTP answer came back — even a 500: the
 * endpoint is there, and auto-disable judges its answers. '' says nothing (the target was refused
 * before any connection).
 */
export function endpointHealth(outcome: AttemptOutcome): 'up' | 'down' | '' {
  if (outcome.kind === 'response') return 'up';
  switch (outcome.clientError) {
    case 'blocked_target':
      return '';
    case 'too_large':
    case 'redirect':
      return 'up';
    default:
      return 'down';
  }
}

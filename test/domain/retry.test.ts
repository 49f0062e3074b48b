import { describe, expect, it } from 'vitest';
import {
  type AttemptOutcome,
  type ClientError,
  decideNextStep,
  isRetryable,
  isSuccess,
  nextRetryDelay,
  parseRetryAfter,
  retriesLeft,
  type RetryPolicy,
} from '../../src/domain/retry.ts';

const response = (status: number, retryAfter?: string): AttemptOutcome =>
  retryAfter === undefined
    ? { kind: 'response', status }
    : { kind: 'response', status, retryAfter };
const error = (clientError: ClientError): AttemptOutcome => ({
  kind: 'error',
  clientError,
  message: clientError,
});

const policy: RetryPolicy = { scheduleMs: [5_000, 30_000, 120_000, 600_000], jitter: 0.2 };
const noJitter: RetryPolicy = { ...policy, jitter: 0 };
const now = new Date('2026-11-23T12:00:00.000Z');
/** random() = 0.5 is the midpoint: no jitter either way. */
const mid = () => 0.5;

describe('isSuccess: any 2xx is a success', () => {
  it.each([200, 201, 202, 204, 299])('%i is a success', (status) => {
    expect(isSuccess(response(status))).toBe(true);
  });
  it.each([100, 199, 300, 302, 304, 400, 408, 429, 500, 503])('%i is not', (status) => {
    expect(isSuccess(response(status))).toBe(false);
  });
  it('a client error is not', () => {
    expect(isSuccess(error('timeout'))).toBe(false);
  });
});

describe('isRetryable: timeouts, connection errors, 408, 429 and 5xx', () => {
  it.each([408, 429, 500, 502, 503, 504, 599])('HTTP %i is retried', (status) => {
    expect(isRetryable(response(status))).toBe(true);
  });
  it.each([200, 204, 301, 302, 307, 400, 401, 403, 404, 405, 410, 413, 422, 499])(
    'HTTP %i is final',
    (status) => {
      expect(isRetryable(response(status))).toBe(false);
    },
  );
  it.each<ClientError>(['timeout', 'dns', 'connect_refused', 'connection_reset', 'tls', 'other'])(
    'client error %s is retried',
    (clientError) => {
      expect(isRetryable(error(clientError))).toBe(true);
    },
  );
  it.each<ClientError>(['blocked_target', 'too_large', 'redirect'])(
    'client error %s is final',
    (clientError) => {
      expect(isRetryable(error(clientError))).toBe(false);
    },
  );
});

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['1', 1_000],
    ['120', 120_000],
    [' 30 ', 30_000],
  ])('delta-seconds "%s" is %i ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });

  it('an HTTP-date is the time until then', () => {
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:01:30 GMT', now)).toBe(90_000);
  });

  it('an HTTP-date in the past is 0', () => {
    expect(parseRetryAfter('Mon, 23 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });

  it.each([undefined, '', 'soon', '-5', '1.5', '+3', '12abc'])('"%s" is ignored', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});

describe('nextRetryDelay', () => {
  it.each([
    [1, 5_000],
    [2, 30_000],
    [3, 120_000],
    [4, 600_000],
    [5, 600_000],
    [9, 600_000],
  ])('retry %i waits the schedule entry %i ms (the last repeats)', (n, ms) => {
    expect(nextRetryDelay(n, policy, { random: mid })).toBe(ms);
  });

  it('jitter stays within ±20 %', () => {
    expect(nextRetryDelay(2, policy, { random: () => 0 })).toBe(24_000);
    expect(nextRetryDelay(2, policy, { random: () => 0.999999 })).toBe(36_000);
    expect(nextRetryDelay(2, policy, { random: () => 0.75 })).toBe(33_000);
  });

  it('jitter is random by default and always an integer within bounds', () => {
    const delays = Array.from({ length: 200 }, () => nextRetryDelay(1, policy));
    for (const d of delays) {
      expect(Number.isInteger(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(4_000);
      expect(d).toBeLessThanOrEqual(6_000);
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('Retry-After longer than the schedule wins', () => {
    expect(nextRetryDelay(1, noJitter, { retryAfterMs: 90_000 })).toBe(90_000);
  });

  it('Retry-After shorter than the schedule does not shorten it', () => {
    expect(nextRetryDelay(2, noJitter, { retryAfterMs: 1_000 })).toBe(30_000);
  });

  it('Retry-After is capped at one hour by default, and at maxRetryAfterMs when set', () => {
    expect(nextRetryDelay(1, noJitter, { retryAfterMs: 86_400_000 })).toBe(3_600_000);
    const capped = { ...noJitter, maxRetryAfterMs: 60_000 };
    expect(nextRetryDelay(1, capped, { retryAfterMs: 86_400_000 })).toBe(60_000);
  });

  it('an empty schedule retries at once, and a retry number below 1 counts as the first', () => {
    expect(nextRetryDelay(1, { scheduleMs: [], jitter: 0.2 })).toBe(0);
    expect(nextRetryDelay(0, noJitter)).toBe(5_000);
  });
});

describe('retriesLeft: retries = tries after the first', () => {
  it.each([
    [1, 2, 2],
    [2, 2, 1],
    [3, 2, 0],
    [4, 2, 0],
    [1, 0, 0],
    [1, 4, 4],
    [5, 4, 0],
  ])('after try %i of a webhook with retries %i: %i left', (tryNumber, retries, left) => {
    expect(retriesLeft(tryNumber, retries)).toBe(left);
  });
});

describe('decideNextStep', () => {
  it('a 2xx is delivered, whatever the try', () => {
    expect(decideNextStep(response(204), 3, 2, policy, now, mid)).toEqual({ kind: 'delivered' });
  });

  it('a 500 on the first try of a webhook with retries 2 is retried after the first delay', () => {
    expect(decideNextStep(response(500), 1, 2, policy, now, mid)).toEqual({
      kind: 'retry',
      delayMs: 5_000,
    });
  });

  it('the second failure waits the second delay', () => {
    expect(decideNextStep(error('timeout'), 2, 2, policy, now, mid)).toEqual({
      kind: 'retry',
      delayMs: 30_000,
    });
  });

  it('the third failure of a webhook with retries 2 is final', () => {
    expect(decideNextStep(response(503), 3, 2, policy, now, mid)).toEqual({ kind: 'failed' });
  });

  it('retries 0 means a single try', () => {
    expect(decideNextStep(response(500), 1, 0, policy, now, mid)).toEqual({ kind: 'failed' });
  });

  it('a 4xx other than 408/429 is final at once', () => {
    expect(decideNextStep(response(404), 1, 4, policy, now, mid)).toEqual({ kind: 'failed' });
  });

  it('a 302 (redirects not followed) is final', () => {
    expect(decideNextStep(response(302), 1, 4, policy, now, mid)).toEqual({ kind: 'failed' });
  });

  it('a blocked target is final', () => {
    expect(decideNextStep(error('blocked_target'), 1, 4, policy, now, mid)).toEqual({
      kind: 'failed',
    });
  });

  it('a 429 with Retry-After: 120 waits two minutes', () => {
    expect(decideNextStep(response(429, '120'), 1, 2, policy, now, mid)).toEqual({
      kind: 'retry',
      delayMs: 120_000,
    });
  });

  it('a 503 with an HTTP-date Retry-After waits until then', () => {
    const step = decideNextStep(response(503, 'Mon, 23 Nov 2026 12:05:00 GMT'), 1, 2, policy, now);
    expect(step).toEqual({ kind: 'retry', delayMs: 300_000 });
  });
});

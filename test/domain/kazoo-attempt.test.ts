import { describe, expect, it } from 'vitest';
import {
  kazooClientError,
  kazooFailureFields,
  kazooRetries,
} from '../../src/domain/kazoo-attempt.ts';

describe("an attempt in Kazoo's words", () => {
  it.each([
    ['dns', 'nxdomain'],
    ['timeout', 'timeout'],
    ['connect_refused', 'econnrefused'],
    ['connection_reset', 'econnreset'],
    ['tls', 'tls_alert'],
    ['blocked_target', 'blocked_target'],
    ['too_large', 'too_large'],
    ['bad_payload', 'bad_payload'],
    ['other', 'unknown'],
    ['something new', 'unknown'],
  ])('our %s is Kazoo client_error %s', (ours, kazoo) => {
    expect(kazooClientError(ours)).toBe(kazoo);
  });

  it('a success has no reason and no client_error', () => {
    expect(kazooFailureFields({ result: 'success', clientError: null, retriesLeft: 0 })).toEqual(
      {},
    );
  });

  it('an answer that is not 2xx is "bad response code", without client_error', () => {
    expect(kazooFailureFields({ result: 'failure', clientError: null, retriesLeft: 1 })).toEqual({
      reason: 'bad response code',
    });
  });

  it('no answer at all is "kazoo http client error" with the client error', () => {
    expect(kazooFailureFields({ result: 'failure', clientError: 'dns', retriesLeft: 2 })).toEqual({
      reason: 'kazoo http client error',
      client_error: 'nxdomain',
    });
  });

  it('retries is Kazoo’s countdown: the retries left plus this try', () => {
    expect([2, 1, 0].map(kazooRetries)).toEqual([3, 2, 1]);
  });
});

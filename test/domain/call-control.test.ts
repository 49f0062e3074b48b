import { describe, expect, it } from 'vitest';
import { reachedBy, readAnswer, type Exchange } from '../../src/domain/call-control.ts';

const ok = (body: string, status = 200, truncated = false): Exchange => ({
  outcome: { kind: 'response', status },
  responseBody: body,
  ...(truncated ? { responseBodyTruncated: true } : {}),
});

describe('which path reaches a webhook', () => {
  it.each([
    ['publish', false, true],
    ['publish', true, false],
    ['invoke', true, true],
    ['invoke', false, false],
  ] as const)('%s reaches call_control=%s: %s', (path, callControl, reached) => {
    expect(reachedBy(path, { callControl })).toBe(reached);
  });
});

describe('reading a call-control answer', () => {
  it('a 2xx JSON body is the answer: a jambonz verb array, a Jaxl prompt object, a scalar', () => {
    const verbs = [{ verb: 'say', text: 'hello' }, { verb: 'hangup' }];
    expect(readAnswer(ok(JSON.stringify(verbs)), 1000)).toEqual({
      result: 'success',
      answer: verbs,
    });
    expect(readAnswer(ok('{"prompt":["Press 1"],"num_characters":1}', 201), 1000)).toEqual({
      result: 'success',
      answer: { prompt: ['Press 1'], num_characters: 1 },
    });
    expect(readAnswer(ok('null'), 1000)).toEqual({ result: 'success', answer: null });
  });

  it('an empty 2xx body is a success without an answer', () => {
    expect(readAnswer(ok('', 204), 1000)).toEqual({ result: 'success' });
    expect(readAnswer(ok(' \n'), 1000)).toEqual({ result: 'success' });
  });

  it('a 2xx body that is not JSON is bad_answer, without quoting it', () => {
    const answer = readAnswer(ok(`<html>secret ${'x'.repeat(500)}</html>`), 1000);
    expect(answer).toMatchObject({ result: 'failure', clientError: 'bad_answer' });
    expect(answer.result === 'failure' && answer.reason).not.toContain('secret');
  });

  it('a body over the limit is too_large, even when what was read is valid JSON', () => {
    expect(readAnswer(ok('[1,2]', 200, true), 5)).toEqual({
      result: 'failure',
      clientError: 'too_large',
      reason: 'the answer is longer than 5 bytes',
    });
  });

  it('a non-2xx status is a failure without an answer', () => {
    expect(
      readAnswer({ ...ok('{"error":"boom"}', 500), reason: 'receiver answered 500' }, 1000),
    ).toEqual({ result: 'failure', reason: 'receiver answered 500' });
  });

  it('no answer at all keeps the client error', () => {
    expect(
      readAnswer(
        { outcome: { kind: 'error', clientError: 'timeout', message: 'no answer in 100 ms' } },
        1000,
      ),
    ).toEqual({ result: 'failure', clientError: 'timeout', reason: 'no answer in 100 ms' });
  });
});

import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/store/database-errors.ts';
import { retryWhileUnavailable } from '../../src/store/db.ts';

/** A write that meets a database restart is tried again; anything else fails at once. */
describe('database unavailability', () => {
  it.each<[string, unknown, boolean]>([
    ['admin shutdown (57P01)', { code: '57P01' }, true],
    ['cannot connect now (57P03)', { code: '57P03' }, true],
    ['connection failure (08006)', { code: '08006' }, true],
    ['no socket', { code: 'ECONNREFUSED' }, true],
    ['cut mid-query', new Error('Connection terminated unexpectedly'), true],
    ['Prisma cannot reach it', { code: 'P1001' }, true],
    ['every connection slot taken (53300)', { code: '53300' }, true],
    ['connect timed out', { code: 'ETIMEDOUT' }, true],
    [
      'pg pool could not connect in time',
      new Error('timeout exceeded when trying to connect'),
      true,
    ],
    ['unique violation', { code: '23505' }, false],
    ['bad input', { code: '22P02' }, false],
    ['a plain error', new Error('boom'), false],
    ['not an error at all', undefined, false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });

  it('retries while unavailable and returns what the write returns', async () => {
    let calls = 0;
    const result = await retryWhileUnavailable(async () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('shutting down'), { code: '57P01' });
      return 'written';
    }, 5_000);
    expect(result).toBe('written');
    expect(calls).toBe(3);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    const failing = retryWhileUnavailable(async () => {
      calls++;
      throw Object.assign(new Error('duplicate'), { code: '23505' });
    }, 5_000);
    await expect(failing).rejects.toThrow('duplicate');
    expect(calls).toBe(1);
  });

  it('gives up once the budget is spent', async () => {
    let calls = 0;
    const started = Date.now();
    const failing = retryWhileUnavailable(async () => {
      calls++;
      throw Object.assign(new Error('down'), { code: 'ECONNREFUSED' });
    }, 400);
    await expect(failing).rejects.toThrow('down');
    expect(calls).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

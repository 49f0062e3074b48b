import { describe, expect, it } from 'vitest';
import {
  AUTO_DISABLE_REASON,
  type AutoDisableRule,
  recordFailure,
} from '../../src/domain/auto-disable.ts';

const rule: AutoDisableRule = { threshold: 6, windowMs: 60_000 };
const t0 = Date.parse('2026-11-23T12:00:00.000Z');
const at = (ms: number) => new Date(t0 + ms);

/** Feed failures at the given offsets, returning what recordFailure said each time. */
function failAt(offsets: number[], r: AutoDisableRule = rule) {
  let recent: Date[] = [];
  return offsets.map((ms) => {
    const result = recordFailure(recent, at(ms), r);
    recent = result.recent;
    return result;
  });
}

describe('auto-disable (Kazoo: ≥ 6 failed attempts within 60 s)', () => {
  it('the reason is Kazoo\'s "too many failed attempts"', () => {
    expect(AUTO_DISABLE_REASON).toBe('too many failed attempts');
  });

  it('a webhook with 6 failures in 60 s is disabled on the 6th', () => {
    const results = failAt([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(results.map((r) => r.disable)).toEqual([false, false, false, false, false, true]);
    expect(results[5].recent).toHaveLength(6);
  });

  it('5 failures in 60 s are not enough', () => {
    const results = failAt([0, 1_000, 2_000, 3_000, 4_000]);
    expect(results.every((r) => !r.disable)).toBe(true);
    expect(results[4].recent).toHaveLength(5);
  });

  it('failures spread over more than the window are not counted together', () => {
    // Six failures, but the first is 60 s old when the sixth arrives.
    const results = failAt([0, 20_000, 30_000, 40_000, 50_000, 60_000]);
    expect(results[5].disable).toBe(false);
    expect(results[5].recent.map((d) => d.getTime() - t0)).toEqual([
      20_000, 30_000, 40_000, 50_000, 60_000,
    ]);
  });

  it('entries older than the window are dropped from the stored list', () => {
    const { recent, disable } = recordFailure([at(0), at(5_000)], at(70_000), rule);
    expect(disable).toBe(false);
    expect(recent).toEqual([at(70_000)]);
  });

  it('a success resets the count: start again from an empty list', () => {
    const first = failAt([0, 1_000, 2_000, 3_000, 4_000]);
    expect(first[4].disable).toBe(false);
    // After a success the caller stores [], so the next failure is the first again.
    expect(recordFailure([], at(5_000), rule)).toEqual({ recent: [at(5_000)], disable: false });
  });

  it('the stored list never grows beyond the threshold', () => {
    const results = failAt(Array.from({ length: 20 }, (_, i) => i * 100));
    expect(results[19].recent).toHaveLength(6);
    expect(results[19].recent[5]).toEqual(at(1_900));
    expect(results[19].disable).toBe(true);
  });

  it('does not mutate the list it is given, and keeps it sorted', () => {
    const given = [at(3_000), at(1_000)];
    const { recent } = recordFailure(given, at(2_000), rule);
    expect(given).toEqual([at(3_000), at(1_000)]);
    expect(recent).toEqual([at(1_000), at(2_000), at(3_000)]);
  });

  it('follows a configured rule (3 within 10 s)', () => {
    const r = { threshold: 3, windowMs: 10_000 };
    expect(failAt([0, 4_000, 9_999], r).map((x) => x.disable)).toEqual([false, false, true]);
    expect(failAt([0, 4_000, 10_000], r).map((x) => x.disable)).toEqual([false, false, false]);
  });

  it('threshold 0 turns auto-disable off', () => {
    const results = failAt([0, 1, 2, 3, 4, 5, 6, 7], { threshold: 0, windowMs: 60_000 });
    expect(results.some((r) => r.disable)).toBe(false);
  });
});

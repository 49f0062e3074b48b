import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayOf,
  dayOfPartition,
  daysAhead,
  expiredDays,
  partitionOf,
  retentionCutoff,
} from '../../src/domain/partition-days.ts';

describe('day partitions: the rules', () => {
  it('a day is the UTC date, whatever the instant’s hour', () => {
    expect(dayOf(new Date('2026-12-06T00:00:00.000Z'))).toBe('2026-12-06');
    expect(dayOf(new Date('2026-12-06T23:59:59.999Z'))).toBe('2026-12-06');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('today and the next two days are made ahead', () => {
    expect(daysAhead(new Date('2026-12-31T22:00:00Z'))).toEqual([
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });

  it('names a day’s partition of each table, and reads the day back', () => {
    expect(partitionOf('attempts', '2026-12-06')).toBe('attempts_p20261206');
    expect(dayOfPartition('deliveries_p20261206')).toBe('2026-12-06');
    expect(dayOfPartition('events_default')).toBeUndefined();
  });

  it('a day expires once every instant of it is older than the retention period', () => {
    const now = new Date('2026-12-06T10:00:00Z');
    expect(retentionCutoff(now, 30)).toEqual(new Date('2026-11-06T10:00:00Z'));
    const days = ['2026-11-07', '2026-11-04', '2026-11-06', '2026-11-05', '2026-12-06'];
    // 11-06 ends after the cutoff (it holds events younger than 30 days): kept.
    expect(expiredDays(days, now, 30)).toEqual(['2026-11-04', '2026-11-05']);
    // At midnight the day before ends exactly at the cutoff.
    expect(expiredDays(days, new Date('2026-12-06T00:00:00Z'), 30)).toEqual([
      '2026-11-04',
      '2026-11-05',
    ]);
    expect(expiredDays(days, now, 0)).toEqual([]);
  });
});

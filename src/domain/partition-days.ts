/**
 * The days events, deliveries and attempts are partitioned by: one partition of each per UTC day
 * of the event's creation, named `<table>_pYYYYMMDD`. Days are written 'YYYY-MM-DD'.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** How many days after today have their partitions made ahead, so midnight never waits on DDL. */
export const DAYS_AHEAD = 2;

/** The UTC day of an instant. */
export function dayOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** The day `n` days after `day` (before, when negative). */
export function addDays(day: string, n: number): string {
  return dayOf(new Date(startOf(day).getTime() + n * DAY_MS));
}

/** The first instant of a day. */
export function startOf(day: string): Date {
  return new Date(`${day}T00:00:00.000Z`);
}

/** Today and the DAYS_AHEAD days after it: the days whose partitions must exist at `now`. */
export function daysAhead(now: Date, ahead = DAYS_AHEAD): string[] {
  const today = dayOf(now);
  return Array.from({ length: ahead + 1 }, (_, i) => addDays(today, i));
}

/** The day of a day partition's name (`events_p20261206` → '2026-12-06'); undefined for others. */
export function dayOfPartition(name: string): string | undefined {
  const match = /_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

/** A day's partition of `table`. */
export function partitionOf(table: 'events' | 'deliveries' | 'attempts', day: string): string {
  return `${table}_p${day.replaceAll('-', '')}`;
}

/** The instant before which events have outlived a retention of `retentionDays` at `now`. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/**
 * The days among `days` that have wholly outlived the retention period: every event of the day is
 * older than the cutoff (the day ended before it). Oldest first. None when retention is off (0).
 */
export function expiredDays(days: string[], now: Date, retentionDays: number): string[] {
  if (retentionDays <= 0) return [];
  const cutoff = retentionCutoff(now, retentionDays).getTime();
  return days.filter((day) => startOf(addDays(day, 1)).getTime() <= cutoff).sort();
}

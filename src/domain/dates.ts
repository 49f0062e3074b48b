const FIRST = new Date('0001-01-01T00:00:00Z').getTime();
const LAST = new Date('9999-12-31T23:59:59.999Z').getTime();

/**
 * Dates every layer agrees on: years 1 to 9999. Postgres's timestamptz reaches further, but
 * ISO 8601 text has four year digits and the pg driver writes other years in forms Postgres
 * refuses — so a date outside this range is a 400, never a database error.
 */
export function isStorableDate(date: Date): boolean {
  const time = date.getTime();
  return !Number.isNaN(time) && time >= FIRST && time <= LAST;
}

/** An RFC 3339 date-time that is also a real, storable instant ("23:59:60" is not one for Date). */
export function parseStorableDate(text: string): Date | undefined {
  const date = new Date(text);
  return isStorableDate(date) ? date : undefined;
}

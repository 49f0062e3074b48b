import { isStorableDate, parseStorableDate } from './dates.ts';

/** Seconds between 0000-01-01 and 1970-01-01: Kazoo counts time in Gregorian seconds. */
export const GREGORIAN_UNIX_OFFSET = 62_167_219_200;

export function gregorianSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) + GREGORIAN_UNIX_OFFSET;
}

/**
 * Reads a created_from / created_to value as Kazoo clients and people send it: ISO 8601, Unix
 * seconds, or Kazoo's Gregorian seconds (any integer above year ~3900 in Unix seconds). Returns
 * undefined when the text is none of those, or names a time outside years 1–9999.
 */
export function parseTimeFilter(value: string): Date | undefined {
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    const unix = seconds >= GREGORIAN_UNIX_OFFSET ? seconds - GREGORIAN_UNIX_OFFSET : seconds;
    const date = new Date(unix * 1000);
    return isStorableDate(date) ? date : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  return parseStorableDate(value);
}

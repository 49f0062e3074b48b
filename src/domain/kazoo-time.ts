/** Seconds between 0000-01-01 and 1970-01-01: Kazoo counts time in Gregorian seconds. */
export const GREGORIAN_UNIX_OFFSET = 62_167_219_200;

export function gregorianSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) + GREGORIAN_UNIX_OFFSET;
}

/**
 * Reads a created_from / created_to value as Kazoo clients and people send it: ISO 8601, Unix
 * seconds, or Kazoo's Gregorian seconds (any integer above year ~3900 in Unix seconds). Returns
 * undefined when the text is none of those.
 */
export function parseTimeFilter(value: string): Date | undefined {
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    const unix = seconds >= GREGORIAN_UNIX_OFFSET ? seconds - GREGORIAN_UNIX_OFFSET : seconds;
    return new Date(unix * 1000);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

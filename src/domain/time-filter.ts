/** Seconds between 0000-01-01 and 1970-01-01: Kazoo timestamps are Gregorian seconds. */
export const GREGORIAN_OFFSET_SECONDS = 62_167_219_200;

/**
 * Reads a created_from / created_to value as Kazoo clients and people send it: ISO 8601, Unix
 * seconds, or Kazoo's Gregorian seconds (any integer above year ~3900 in Unix seconds). Returns
 * undefined when the text is none of those.
 */
export function parseTimeFilter(value: string): Date | undefined {
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    const unix = seconds >= GREGORIAN_OFFSET_SECONDS ? seconds - GREGORIAN_OFFSET_SECONDS : seconds;
    return new Date(unix * 1000);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

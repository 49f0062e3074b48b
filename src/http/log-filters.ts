import { parseStorableDate } from '../domain/dates.ts';
import { ERROR_CODE_OF_KAZOO_NAME } from '../domain/kazoo-attempt.ts';
import { parseTimeFilter } from '../domain/kazoo-time.ts';
import type { LogFilter, NewestFirstCursor } from '../domain/log-filter.ts';
import { fieldError } from './errors.ts';
import { decodeCursor } from './pagination.ts';

/** The delivery log's filters as a query string or a replay's body gives them (schema-checked). */
export interface LogFilterInput {
  created_from?: string;
  created_to?: string;
  event_type?: string;
  type?: string;
  event_id?: string;
  call_id?: string;
  result?: 'success' | 'failure';
  status_code?: number;
  error_code?: string;
}

function timeBound(input: LogFilterInput, field: 'created_from' | 'created_to'): Date | undefined {
  const raw = input[field];
  if (raw === undefined) return undefined;
  const date = parseTimeFilter(raw);
  if (!date) throw fieldError(field, 'format', 'expected ISO 8601 or seconds', 'date-time');
  return date;
}

/**
 * The filters the schema let through, parsed: times read as ISO 8601, Unix or Gregorian seconds
 * (a 400 `format` otherwise), an error code in Kazoo's spelling read as ours.
 */
export function logFilterOf(input: LogFilterInput): LogFilter {
  const createdFrom = timeBound(input, 'created_from');
  const createdTo = timeBound(input, 'created_to');
  if (createdFrom && createdTo && createdFrom > createdTo) {
    throw fieldError('created_from', 'maximum', 'created_from must not be after created_to');
  }
  const eventType = input.event_type ?? input.type;
  const errorCode =
    input.error_code === undefined
      ? undefined
      : (ERROR_CODE_OF_KAZOO_NAME.get(input.error_code) ?? input.error_code);
  return {
    ...(createdFrom ? { createdFrom } : {}),
    ...(createdTo ? { createdTo } : {}),
    ...(eventType !== undefined ? { eventType } : {}),
    ...(input.event_id !== undefined ? { eventId: input.event_id } : {}),
    ...(input.call_id !== undefined ? { callId: input.call_id } : {}),
    ...(input.result !== undefined ? { result: input.result } : {}),
    ...(input.status_code !== undefined ? { statusCode: input.status_code } : {}),
    ...(errorCode !== undefined ? { errorCode } : {}),
  };
}

/** A newest-first list's start_key: the (created, id) it encodes, or a 400 on start_key. */
export function newestFirstCursorOf(startKey: string | undefined): NewestFirstCursor | undefined {
  const cursor = decodeCursor(startKey, 2) as [string, string] | undefined;
  if (!cursor) return undefined;
  const created = parseStorableDate(cursor[0]);
  if (!created) throw fieldError('start_key', 'format', 'invalid start_key');
  return { created, id: cursor[1] };
}

/** The start_key that follows a newest-first row. */
export const newestFirstKey = (row: { created: Date; id: string }) => [
  row.created.toISOString(),
  row.id,
];

import { Type, type Static } from '@sinclair/typebox';
import type { Limits } from '../config.ts';
import { textProblem } from '../domain/json-text.ts';
import { fieldError } from './errors.ts';

/**
 * Crossbar's paging: page_size (default 50, max 1000 — or less, SWITCHBOARD_MAX_PAGE_SIZE),
 * start_key, next_start_key (opaque).
 */
export const PageQuery = Type.Object({
  page_size: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 50,
      description: 'served at most at the configured maximum page size',
    }),
  ),
  start_key: Type.Optional(Type.String({ maxLength: 512 })),
});
export type PageQuery = Static<typeof PageQuery>;

export const DEFAULT_PAGE_SIZE = 50;

/**
 * Lists that Kazoo's UI asks for whole (sub-accounts, webhooks, the attempts of a time range) also
 * take paginate=false: one answer up to a bound (SWITCHBOARD_MAX_UNPAGED_RESULTS); past it,
 * next_start_key still leads on.
 */
export const ListQuery = Type.Object({
  ...PageQuery.properties,
  paginate: Type.Optional(
    Type.Boolean({
      description: 'false: the whole list in one answer, up to the configured bound (1000)',
    }),
  ),
});
export type ListQuery = Static<typeof ListQuery>;

/** How many rows one page holds, within the configured bounds. */
export function pageSizeOf(
  query: { page_size?: number; paginate?: boolean },
  limits: Pick<Limits, 'maxPageSize' | 'maxUnpagedResults'>,
): number {
  if (query.paginate === false) return limits.maxUnpagedResults;
  return Math.min(query.page_size ?? DEFAULT_PAGE_SIZE, limits.maxPageSize);
}

export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * Decodes a start_key; a tampered or foreign one is a 400, never a 500 — including one whose
 * text Postgres could not compare (NUL, a lone surrogate).
 */
export function decodeCursor(startKey: string | undefined, arity: number): unknown[] | undefined {
  if (startKey === undefined || startKey === '') return undefined;
  try {
    const values: unknown = JSON.parse(Buffer.from(startKey, 'base64url').toString('utf8'));
    if (
      Array.isArray(values) &&
      values.length === arity &&
      values.every((v) => typeof v === 'string' && textProblem(v) === undefined)
    ) {
      return values;
    }
  } catch {
    // falls through to the 400 below
  }
  throw fieldError('start_key', 'format', 'start_key is not a key this API returned');
}

/**
 * Given up to pageSize + 1 rows (fetch one extra to learn whether there is a next page), returns
 * the page and the envelope's paging fields.
 */
export function pageOf<T>(
  rows: T[],
  pageSize: number,
  startKey: string | undefined,
  keyOf: (row: T) => string[],
): { items: T[]; paging: Record<string, unknown> } {
  const items = rows.slice(0, pageSize);
  const paging: Record<string, unknown> = { page_size: items.length };
  if (startKey) paging.start_key = startKey;
  if (rows.length > pageSize) paging.next_start_key = encodeCursor(keyOf(items[items.length - 1]));
  return { items, paging };
}

import { Type, type Static } from '@sinclair/typebox';
import { fieldError } from './errors.ts';

/** Crossbar's paging: page_size (default 50, max 1000), start_key, next_start_key (opaque). */
export const PageQuery = Type.Object({
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  start_key: Type.Optional(Type.String({ maxLength: 512 })),
});
export type PageQuery = Static<typeof PageQuery>;

export const DEFAULT_PAGE_SIZE = 50;

/** The most one unpaginated answer holds; past it, next_start_key still leads on. */
export const UNPAGED_LIMIT = 10_000;

/**
 * Lists whose rows are small and few per account (sub-accounts, webhooks) also take Kazoo's
 * paginate=false: everything in one answer, up to UNPAGED_LIMIT.
 */
export const ListQuery = Type.Object({
  ...PageQuery.properties,
  paginate: Type.Optional(
    Type.Boolean({ description: 'false: the whole list in one answer (up to 10,000)' }),
  ),
});
export type ListQuery = Static<typeof ListQuery>;

export function pageSizeOf(query: { page_size?: number; paginate?: boolean }): number {
  return query.paginate === false ? UNPAGED_LIMIT : (query.page_size ?? DEFAULT_PAGE_SIZE);
}

export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** Decodes a start_key; a tampered or foreign one is a 400, never a 500. */
export function decodeCursor(startKey: string | undefined, arity: number): unknown[] | undefined {
  if (startKey === undefined || startKey === '') return undefined;
  try {
    const values: unknown = JSON.parse(Buffer.from(startKey, 'base64url').toString('utf8'));
    if (
      Array.isArray(values) &&
      values.length === arity &&
      values.every((v) => typeof v === 'string')
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

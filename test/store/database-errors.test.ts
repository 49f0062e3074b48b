import { describe, expect, it } from 'vitest';
import {
  databaseErrorCode,
  isDataException,
  isDuplicateDatabase,
  isForeignKeyViolation,
  isRowGone,
  isUniqueViolation,
} from '../../src/store/database-errors.ts';

/** What Prisma's driver adapter throws: Postgres's SQLSTATE under meta, its own code on top. */
const viaPrisma = (originalCode: string) => ({
  code: 'P2010',
  meta: { driverAdapterError: { cause: { originalCode } } },
});

describe('database errors', () => {
  it.each<[string, unknown, string | undefined]>([
    ['pg', { code: '23505' }, '23505'],
    ['Prisma over the pg adapter', viaPrisma('23505'), '23505'],
    ['Prisma alone', { code: 'P2025' }, 'P2025'],
    ['a numeric code', { code: 5 }, undefined],
    ['not an error', undefined, undefined],
  ])('the code of a %s error', (_name, error, code) => {
    expect(databaseErrorCode(error)).toBe(code);
  });

  it.each<[string, unknown, Record<string, boolean>]>([
    ['unique violation', viaPrisma('23505'), { unique: true }],
    ['database exists', { code: '42P04' }, { duplicateDatabase: true }],
    ['row gone', { code: 'P2025' }, { rowGone: true }],
    ['still referenced (Prisma)', { code: 'P2003' }, { foreignKey: true }],
    ['still referenced (over the adapter)', viaPrisma('23503'), { foreignKey: true }],
    ['still referenced (pg)', { code: '23503' }, { foreignKey: true }],
    ['invalid text', viaPrisma('22P02'), { data: true }],
    ['numeric out of range', { code: '22003' }, { data: true }],
    ['something else', { code: '42601' }, {}],
  ])('%s is recognised as such and as nothing else', (_name, error, expected) => {
    expect({
      unique: isUniqueViolation(error),
      duplicateDatabase: isDuplicateDatabase(error),
      rowGone: isRowGone(error),
      foreignKey: isForeignKeyViolation(error),
      data: isDataException(error),
    }).toEqual({
      unique: false,
      duplicateDatabase: false,
      rowGone: false,
      foreignKey: false,
      data: false,
      ...expected,
    });
  });
});

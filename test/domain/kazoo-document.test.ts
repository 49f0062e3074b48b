import { describe, expect, it } from 'vitest';
import {
  checkExtraSize,
  coerceKnownFields,
  mergeExtra,
  splitDocument,
} from '../../src/domain/kazoo-document.ts';

const fields = {
  retries: { type: 'integer' },
  rate_limit: { type: ['integer', 'null'] },
  enabled: { type: 'boolean' },
  name: { type: 'string' },
};

describe("Kazoo's document rules", () => {
  it.each([
    [{ retries: '2' }, { retries: 2 }],
    [{ retries: '-1' }, { retries: -1 }],
    [{ rate_limit: '10' }, { rate_limit: 10 }],
    [{ enabled: 'true' }, { enabled: true }],
    [{ enabled: 'false' }, { enabled: false }],
    [{ retries: 'two' }, { retries: 'two' }],
    [{ retries: '1.5' }, { retries: '1.5' }],
    [{ enabled: 'yes' }, { enabled: 'yes' }],
    [{ name: '12' }, { name: '12' }],
    [{ other: '12' }, { other: '12' }],
  ])('coerces %j to %j', (input, output) => {
    expect(coerceKnownFields(input, fields)).toEqual(output);
  });

  it('splits known fields from kept ones, dropping read-only and private properties', () => {
    expect(
      splitDocument(
        { name: 'n', id: 'x', _rev: '1', pvt_type: 'webhook', group: 'g', ui_metadata: {} },
        new Set(['name']),
        new Set(['id']),
      ),
    ).toEqual({ known: { name: 'n' }, extra: { group: 'g', ui_metadata: {} } });
  });

  it('a PATCH of kept properties merges, null removes', () => {
    expect(mergeExtra({ a: 1, b: 2 }, { b: null, c: 3 })).toEqual({ a: 1, c: 3 });
  });

  it('bounds kept properties in bytes of JSON', () => {
    expect(checkExtraSize({ a: 'x' }, 100)).toBeUndefined();
    expect(checkExtraSize({ a: 'x'.repeat(100) }, 100)).toEqual({
      a: { maxSize: { message: expect.any(String), target: 100 } },
    });
  });
});

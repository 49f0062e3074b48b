import { describe, expect, it } from 'vitest';
import { isStorableDate, parseStorableDate } from '../../src/domain/dates.ts';
import { keyPrefix } from '../../src/domain/ids.ts';
import { screenJson, textProblem } from '../../src/domain/json-text.ts';
import { parseTimeFilter } from '../../src/domain/kazoo-time.ts';
import { maskPassword, unmaskPassword } from '../../src/domain/uri.ts';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
  return value;
}

describe('text Postgres can store', () => {
  it.each([
    ['plain', undefined],
    ['emoji 😀', undefined],
    ['a\u0000b', 'NUL character'],
    ['\udc00', 'lone surrogate'],
    ['😀'.slice(0, 1), 'lone surrogate'],
    ['\\u0000 as text', undefined],
  ])('%j → %s', (text, expected) => {
    expect(textProblem(text)).toBe(expected);
  });
});

describe('screening a parsed JSON value', () => {
  it.each([
    ['a clean document', { data: { name: 'x', list: [1, 'two', { three: true }] } }, undefined],
    ['NUL in a nested value', { data: { a: [{ b: 'x\u0000' }] } }, ['data', 'a', 0, 'b']],
    ['a lone surrogate in a key', { data: { ['k\udc00']: 1 } }, ['data', 'k\udc00']],
    ['a key named like a built-in is fine', { constructor: 'x', toString: 'y' }, undefined],
  ])('%s', (_name, value, path) => {
    expect(screenJson(value, 32)?.path).toEqual(path);
  });

  it.each([
    [32, 32, undefined],
    [33, 32, 'maxDepth'],
    [100_000, 32, 'maxDepth'],
  ])('a value nested %i deep, limit %i → %s', (depth, limit, code) => {
    expect(screenJson(nested(depth), limit)?.code).toBe(code);
  });
});

describe('dates every layer can hold', () => {
  it.each([
    ['2026-11-23T12:00:00Z', true],
    ['0001-01-01T00:00:00Z', true],
    ['9999-12-31T23:59:59Z', true],
    ['2016-12-31T23:59:60Z', false],
    ['0000-01-01T00:00:00Z', false],
    ['+010000-01-01T00:00:00Z', false],
    ['not a date', false],
  ])('%s → %s', (text, expected) => {
    expect(parseStorableDate(text) !== undefined).toBe(expected);
  });

  it.each([
    ['1700000000', '2023-11-14T22:13:20.000Z'],
    ['63900000000', '2024-11-28T08:00:00.000Z'],
    ['9'.repeat(40), undefined],
    ['99999999999999', undefined],
    ['0000-01-01', undefined],
  ])('created_from=%s → %s', (value, expected) => {
    expect(parseTimeFilter(value)?.toISOString()).toBe(expected);
  });

  it('an invalid Date is not storable', () => {
    expect(isStorableDate(new Date(Number.NaN))).toBe(false);
  });
});

describe('stored key prefixes', () => {
  it.each([
    ['sbk_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'sbk_abcd'],
    ['x'.repeat(32), 'xxxxxxxx'],
    ['changeme', 'ch'],
    ['abc', ''],
  ])('%s → %j', (key, prefix) => {
    expect(keyPrefix(key)).toBe(prefix);
    expect(keyPrefix(key).length).toBeLessThanOrEqual(8);
    expect(keyPrefix(key)).not.toBe(key);
  });
});

describe('uri passwords on read and write', () => {
  it.each([
    ['https://user:secret@hooks.example.com/x', 'https://user:****@hooks.example.com/x'],
    ['https://user@hooks.example.com/x', 'https://user@hooks.example.com/x'],
    ['https://hooks.example.com/x?token=1', 'https://hooks.example.com/x?token=1'],
  ])('%s reads as %s', (stored, shown) => {
    expect(maskPassword(stored)).toBe(shown);
  });

  it('the masked uri written back keeps the stored password; anything else is taken as given', () => {
    const stored = 'https://user:secret@hooks.example.com/x';
    expect(unmaskPassword('https://user:****@hooks.example.com/x', stored)).toBe(stored);
    expect(unmaskPassword('https://user:new@hooks.example.com/x', stored)).toBe(
      'https://user:new@hooks.example.com/x',
    );
    expect(unmaskPassword('https://user:****@elsewhere.example.com/x', stored)).toBe(
      'https://user:****@elsewhere.example.com/x',
    );
  });
});

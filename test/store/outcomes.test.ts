import { describe, expect, it } from 'vitest';
import { withoutNul } from '../../src/store/deliveries.ts';

/** Postgres cannot store NUL in text or jsonb; a receiver's answer may contain it. */
describe('withoutNul', () => {
  it.each([
    ['a NUL escape is dropped', JSON.stringify({ b: 'a\u0000b' }), { b: 'ab' }],
    [
      'several, nested',
      JSON.stringify({ h: { x: '\u0000\u0000y' }, l: ['\u0000'] }),
      { h: { x: 'y' }, l: [''] },
    ],
    ['a literal backslash + "u0000" is kept', JSON.stringify({ b: '\\u0000' }), { b: '\\u0000' }],
    [
      'an escaped backslash before a real NUL keeps the backslash',
      JSON.stringify({ b: '\\\u0000' }),
      { b: '\\' },
    ],
    [
      'text without NUL is unchanged',
      JSON.stringify({ b: 'plain \\ text' }),
      { b: 'plain \\ text' },
    ],
  ])('%s', (_name, json, expected) => {
    expect(JSON.parse(withoutNul(json))).toEqual(expected);
  });
});

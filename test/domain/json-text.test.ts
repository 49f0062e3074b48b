import { describe, expect, it } from 'vitest';
import { storableJson, unstorable } from '../../src/domain/json-text.ts';

/** Postgres cannot store NUL or a lone surrogate in text or jsonb; a receiver's answer may hold them. */
describe('storableJson', () => {
  it.each([
    ['a NUL escape is dropped', { b: 'a\u0000b' }, { b: 'ab' }],
    ['several, nested', { h: { x: '\u0000\u0000y' }, l: ['\u0000'] }, { h: { x: 'y' }, l: [''] }],
    ['a literal backslash + "u0000" is kept', { b: '\\u0000' }, { b: '\\u0000' }],
    ['an escaped backslash before a real NUL keeps the backslash', { b: '\\\u0000' }, { b: '\\' }],
    [
      'a cut emoji (lone high surrogate) becomes U+FFFD',
      { b: 'ok😀'.slice(0, 3) },
      { b: 'ok\ufffd' },
    ],
    ['a lone low surrogate becomes U+FFFD', { b: '\udc00x' }, { b: '\ufffdx' }],
    ['a whole emoji is kept', { b: 'ok😀' }, { b: 'ok😀' }],
    ['a literal "\\ud83d" text is kept', { b: '\\ud83d' }, { b: '\\ud83d' }],
    ['text without either is unchanged', { b: 'plain \\ text' }, { b: 'plain \\ text' }],
  ])('%s', (_name, value, expected) => {
    const json = storableJson(JSON.stringify(value));
    expect(JSON.parse(json)).toEqual(expected);
    expect(json).not.toMatch(/(?<!\\)(?:\\\\)*\\u(0000|d[89a-f])/i);
  });
});

describe('unstorable', () => {
  it.each([
    [{ s: 'a\u0000b' }, 'NUL character'],
    [{ s: '😀'.slice(0, 1) }, 'lone surrogate'],
    [{ s: 'C:\\u0000dir' }, undefined],
    [{ s: 'ok😀' }, undefined],
  ])('%j → %s', (value, expected) => {
    expect(unstorable(JSON.stringify(value))).toBe(expected);
  });
});

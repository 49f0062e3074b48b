import { fieldProblem, TooLarge } from './errors.ts';
/**
 * Postgres text and jsonb cannot hold NUL (U+0000) nor a lone UTF-16 surrogate (half an emoji).
 * JSON.stringify writes exactly those as \u escapes (valid pairs stay raw characters), so they
 * can be found — and mended — in JSON text. Only real escapes count: a literal backslash
 * followed by "u0000" is text, written as \\u0000.
 */
const NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/gi;

/** What in this JSON text Postgres would refuse, if anything (to answer a producer with a 400). */
export function unstorable(json: string): 'NUL character' | 'lone surrogate' | undefined {
  if (new RegExp(NUL.source).test(json)) return 'NUL character';
  if (new RegExp(LONE_SURROGATE.source, 'i').test(json)) return 'lone surrogate';
  return undefined;
}

/** The same JSON text made storable: NUL dropped, a lone surrogate turned into U+FFFD. */
export function storableJson(json: string): string {
  return json.replace(NUL, '$1').replace(LONE_SURROGATE, '$1\\ufffd');
}

/** What Postgres could not store in this one string, if anything. */
export function textProblem(text: string): 'NUL character' | 'lone surrogate' | undefined {
  if (text.includes('\u0000')) return 'NUL character';
  if (!text.isWellFormed()) return 'lone surrogate';
  return undefined;
}

/** Where a parsed JSON value breaks a rule: the path to it, a Kazoo error code and a message. */
export interface JsonProblem {
  path: Array<string | number>;
  code: 'format' | 'maxDepth';
  message: string;
}

/**
 * Screens a parsed JSON value before it goes anywhere near a database or a recursive function:
 * every string and object key must be storable text, and objects and arrays may nest at most
 * `maxDepth` levels (the value itself is level 1). Iterative, so a hostile depth cannot overflow
 * the stack of the screen itself.
 */
export function screenJson(value: unknown, maxDepth: number): JsonProblem | undefined {
  const pending: Array<{ value: unknown; path: Array<string | number>; depth: number }> = [
    { value, path: [], depth: 1 },
  ];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { path, depth } = next;
    if (typeof next.value === 'string') {
      const problem = textProblem(next.value);
      if (problem) return { path, code: 'format', message: `may not contain a ${problem}` };
      continue;
    }
    if (next.value === null || typeof next.value !== 'object') continue;
    if (depth > maxDepth) {
      return { path, code: 'maxDepth', message: `nested deeper than ${maxDepth} levels` };
    }
    const entries = Array.isArray(next.value)
      ? next.value.map((item, index): [string | number, unknown] => [index, item])
      : Object.entries(next.value);
    for (const [key, item] of entries) {
      const keyProblem = typeof key === 'string' ? textProblem(key) : undefined;
      if (keyProblem) {
        return {
          path: [...path, key],
          code: 'format',
          message: `name may not contain a ${keyProblem}`,
        };
      }
      pending.push({ value: item, path: [...path, key], depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * The JSON text of an event payload, which the store takes as it is rather than serialise the
 * payload again; TooLarge (413 over HTTP) when it is over `maxBytes`, `field` naming it.
 */
export function ensurePayloadFits(payload: unknown, maxBytes: number, field = 'payload'): string {
  const json = JSON.stringify(payload);
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) {
    throw new TooLarge(fieldProblem(field, 'maxLength', `payload is ${bytes} bytes`, maxBytes));
  }
  return json;
}

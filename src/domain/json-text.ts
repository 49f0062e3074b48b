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

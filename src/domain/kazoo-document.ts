/**
 * How Kazoo's Crossbar treats a document it is sent (docs/api-conventions.md, "Documents"):
 * - the properties it does not know (`ui_metadata`, `ui_flags`, `group`…) are kept and returned;
 * - private ones (`_id`, `_rev`, `pvt_*`) and read-only ones echoed back from a GET are ignored;
 * - simple type slips of known fields are fixed: `"2"` for an integer, `"true"` for a boolean
 *   (monster-ui's forms send every value as text).
 * The fields we know keep their own rules: this only decides what reaches them.
 */

import { InvalidInput, fieldProblem, problemDetail, type FieldProblems } from './errors.ts';

interface FieldSchema {
  type?: unknown;
}

function accepts(schema: FieldSchema | undefined, type: string): boolean {
  if (!schema) return false;
  return Array.isArray(schema.type) ? schema.type.includes(type) : schema.type === type;
}

const INTEGER_TEXT = /^-?\d{1,15}$/;

/** Known integer and boolean fields given as text become numbers and booleans; the rest is unchanged. */
export function coerceKnownFields(
  data: Record<string, unknown>,
  fields: Record<string, FieldSchema>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || !Object.hasOwn(fields, key)) continue;
    const schema = fields[key];
    const text = value.trim();
    if ((accepts(schema, 'integer') || accepts(schema, 'number')) && INTEGER_TEXT.test(text)) {
      out[key] = Number(text);
    } else if (accepts(schema, 'boolean') && (text === 'true' || text === 'false')) {
      out[key] = text === 'true';
    }
  }
  return out;
}

/** Kazoo's private properties: never stored from a request, never returned. */
export function isPrivateProperty(key: string): boolean {
  // `__proto__` starts with `_` too: it can never reach an object as a prototype.
  return key.startsWith('_') || key.startsWith('pvt_');
}

/**
 * Names every JavaScript object answers to (`constructor`, `toString`, `__proto__`,
 * `hasOwnProperty`…). A kept property of such a name would be read back as the object's member
 * by any client that indexes a document without an own-property check: refused, never stored.
 */
const OBJECT_MEMBER_NAMES: ReadonlySet<string> = new Set(
  Object.getOwnPropertyNames(Object.prototype),
);

/** The 400 details for document properties named like Object.prototype members, or undefined. */
export function checkPropertyNames(data: Record<string, unknown>): FieldProblems | undefined {
  const named = Object.keys(data).filter((key) => OBJECT_MEMBER_NAMES.has(key));
  if (named.length === 0) return undefined;
  // fromEntries defines own properties: even `__proto__` becomes a plain key of the details.
  return Object.fromEntries(
    named.map((key) => [
      key,
      {
        not_allowed: problemDetail(`a property may not be named ${key}, a member of every object`),
      },
    ]),
  );
}

/**
 * Splits a document into the fields we know and the properties we only keep. Read-only and
 * private properties land in neither; a property named like an Object.prototype member is refused.
 */
export function splitDocument(
  data: Record<string, unknown>,
  known: ReadonlySet<string>,
  readOnly: ReadonlySet<string>,
): { known: Record<string, unknown>; extra: Record<string, unknown> } {
  const refused = checkPropertyNames(data);
  if (refused) throw new InvalidInput(refused);
  const fields: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (readOnly.has(key) || isPrivateProperty(key)) continue;
    if (known.has(key)) fields[key] = value;
    else extra[key] = value;
  }
  return { known: fields, extra };
}

/** PATCH of kept properties: present ones replace, null removes. */
export function mergeExtra(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** Bytes of JSON the kept properties take (what SWITCHBOARD_MAX_EXTRA_PROPERTIES_BYTES bounds). */
export function extraBytes(extra: Record<string, unknown>): number {
  return Object.keys(extra).length === 0 ? 0 : Buffer.byteLength(JSON.stringify(extra));
}

/** The 400 details for kept properties over the bound, or undefined. */
export function checkExtraSize(
  extra: Record<string, unknown>,
  max: number,
): FieldProblems | undefined {
  const bytes = extraBytes(extra);
  if (bytes <= max) return undefined;
  return fieldProblem(
    Object.keys(extra)[0] ?? 'data',
    'maxSize',
    `properties the API does not know take ${bytes} bytes of JSON; at most ${max} are kept`,
    max,
  );
}

/** `extra` itself when within `max` bytes; else the same problem, thrown as InvalidInput. */
export function boundedExtra(extra: Record<string, unknown>, max: number): Record<string, unknown> {
  const tooLarge = checkExtraSize(extra, max);
  if (tooLarge) throw new InvalidInput(tooLarge);
  return extra;
}

/** A stored extra column as an object (anything else reads as none). */
export function extraOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { parseStorableDate } from '../domain/dates.ts';

/**
 * Request bodies are validated strictly (no type coercion, no silent removal of unknown fields:
 * a wrong type or an unknown field is a 400). Query strings and path params arrive as text, so
 * they are coerced ("page_size=10" → 10).
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  addFormats.default(ajv);
  // RFC 3339 allows "23:59:60" and years Postgres and Date disagree on: a date-time must also be
  // an instant the rest of the stack can hold.
  const rfc3339 = (fullFormats['date-time'] as { validate: (text: string) => boolean }).validate;
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (text: string) => rfc3339(text) && parseStorableDate(text) !== undefined,
  });
  return ajv;
}

/** Bodies: strict. */
export const bodyAjv = makeAjv(false);
/** Query strings and path params: coerced from text. */
export const paramAjv = makeAjv(true);

/** A strict validator for input checked outside a route (a normalised body, a queued job). */
export function compileBodyValidator(schema: object) {
  return bodyAjv.compile(schema);
}

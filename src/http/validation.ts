import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { ValidationDetails } from './errors.ts';

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
  return ajv;
}

const bodyAjv = makeAjv(false);
const paramAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema) as ReturnType<
    FastifySchemaCompiler<object>
  >;

const CODE_BY_KEYWORD: Record<string, string> = {
  additionalProperties: 'unknown_field',
  minLength: 'minLength',
  maxLength: 'maxLength',
  minItems: 'minItems',
  maxItems: 'maxItems',
  uniqueItems: 'uniqueItems',
};

/** Turns ajv's errors into Kazoo's {"field.path": {"code": {"message", "target"}}} shape. */
export function toValidationDetails(
  errors: ErrorObject[],
  part: string | undefined,
): ValidationDetails {
  const details: ValidationDetails = {};
  for (const error of errors) {
    const segments = error.instancePath.split('/').slice(1).map(unescape);
    let target: unknown;
    switch (error.keyword) {
      case 'required':
        segments.push(String(error.params.missingProperty));
        break;
      case 'additionalProperties':
        segments.push(String(error.params.additionalProperty));
        break;
      case 'type':
        target = error.params.type;
        break;
      case 'enum':
        target = error.params.allowedValues;
        break;
      case 'format':
        target = error.params.format;
        break;
      default:
        target = error.params.limit;
    }
    // Bodies are {"data": {...}}: fields are named as Kazoo names them, without "data.".
    if (part === 'body' && segments[0] === 'data' && segments.length > 1) segments.shift();
    const field = segments.join('.') || (part === 'querystring' ? 'query' : part ?? 'body');
    const code = CODE_BY_KEYWORD[error.keyword] ?? error.keyword;
    const message =
      error.keyword === 'additionalProperties' ? 'unknown field' : (error.message ?? 'invalid');
    details[field] ??= {};
    details[field][code] = target === undefined ? { message } : { message, target };
  }
  return details;
}

function unescape(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** A strict body validator for routes that normalise the body before checking it. */
export function compileBodyValidator(schema: object) {
  return bodyAjv.compile(schema);
}

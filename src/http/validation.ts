import type { ErrorObject } from 'ajv';
import { bodyAjv, paramAjv } from '../schemas/validator.ts';
import type { FastifySchemaCompiler } from 'fastify';
import { problemDetail, type FieldProblems } from '../domain/errors.ts';

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema) as ReturnType<
    FastifySchemaCompiler<object>
  >;

/**
 * Codes are the JSON-schema keyword, as Kazoo's kz_json_schema reports them, except an unknown
 * field, which is `unknown_field` (Kazoo says "additionalProperties"; ours names the problem).
 */
const CODE_BY_KEYWORD: Record<string, string> = { additionalProperties: 'unknown_field' };

/** Kazoo's messages (kz_json_schema:error_to_jobj), so Kazoo clients see what they know. */
function kazooMessage(error: ErrorObject): string {
  const limit = String(error.params.limit);
  switch (error.keyword) {
    case 'required':
      return 'Field is required but missing';
    case 'additionalProperties':
      return 'unknown field: strict checking is on, only fields of the schema are accepted';
    case 'type':
      return `Value did not match type(s): ${String(error.params.type)}`;
    case 'enum':
      return 'Value not found in enumerated list of values';
    case 'minimum':
      return `Value must be at least ${limit}`;
    case 'maximum':
      return `Value must be at most ${limit}`;
    case 'minLength':
      return `String must be at least ${limit} characters`;
    case 'maxLength':
      return `String must not be more than ${limit} characters`;
    case 'minItems':
      return `The list must have at least ${limit} items`;
    case 'maxItems':
      return `The list is more than ${limit} items`;
    case 'maxProperties':
      return `The object must have at most ${limit} keys`;
    case 'uniqueItems':
      return 'List of items is not unique';
    case 'format':
      return `Value is not a valid ${String(error.params.format)}`;
    case 'pattern':
      return `Failed to match pattern '${String(error.params.pattern)}'`;
    default:
      return error.message ?? 'invalid';
  }
}

function targetOf(error: ErrorObject): unknown {
  switch (error.keyword) {
    case 'required':
    case 'additionalProperties':
    case 'uniqueItems':
      return undefined;
    case 'type':
      return error.params.type;
    case 'enum':
      return error.params.allowedValues;
    case 'format':
      return error.params.format;
    case 'pattern':
      return error.params.pattern;
    default:
      return error.params.limit;
  }
}

/**
 * Turns ajv's errors into Kazoo's {"field.path": {"code": {"message", "target"}}} shape. Fields
 * are named as Kazoo names them: relative to the body's "data" (`uri`, `custom_data.a`), the
 * missing or unknown property included. A value of the wrong type reports only `type`, not the
 * rules it could not be checked against.
 */
export function problemsOfSchemaErrors(
  errors: ErrorObject[],
  part: string | undefined,
): FieldProblems {
  // No prototype: a field named "constructor" or "toString" is a field like any other.
  const details: FieldProblems = Object.create(null);
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'if') continue;
    const segments = error.instancePath.split('/').slice(1).map(unescape);
    if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
    if (error.keyword === 'additionalProperties')
      segments.push(String(error.params.additionalProperty));
    if (part === 'body' && segments[0] === 'data' && segments.length > 1) segments.shift();
    const field = segments.join('.') || (part === 'querystring' ? 'query' : (part ?? 'body'));
    const message = kazooMessage(error);
    const target = targetOf(error);
    details[field] ??= Object.create(null);
    details[field][CODE_BY_KEYWORD[error.keyword] ?? error.keyword] = problemDetail(
      message,
      target,
    );
  }
  for (const codes of Object.values(details)) {
    if (codes.type) for (const code of Object.keys(codes)) if (code !== 'type') delete codes[code];
  }
  if (Object.keys(details).length === 0)
    details[part ?? 'body'] = { invalid: { message: 'invalid' } };
  return details;
}

function unescape(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

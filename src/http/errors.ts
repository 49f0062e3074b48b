/**
 * Crossbar-style errors. Every failure leaves the API as
 * {"status":"error","error":"<code>","message":"…","data":{…},"request_id":"…"}.
 */
import { InvalidInput, type FieldProblems } from '../domain/errors.ts';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Problems with several fields: the domain's InvalidInput, which the error handler sends as 400. */
export function validationError(problems: FieldProblems): InvalidInput {
  return new InvalidInput(problems);
}

/** A single-field validation error, e.g. fieldError('re-enable', 'required', 'Field is required'). */
export function fieldError(
  field: string,
  code: string,
  message: string,
  target?: unknown,
): InvalidInput {
  return InvalidInput.of(field, code, message, target);
}

export const unauthorized = () => new ApiError(401, 'invalid_credentials');
export const forbidden = (message = 'forbidden') => new ApiError(403, message);
export const notFound = (what = 'resource') =>
  new ApiError(404, 'bad identifier', { cause: `${what} not found` });
export const conflict = (message: string) => new ApiError(409, message);

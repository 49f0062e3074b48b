/**
 * Errors of the rules, by category. Domain and store code throws these; the HTTP layer maps each
 * category to a status and the Crossbar envelope in one place (http/error-handler.ts).
 */
export abstract class DomainError extends Error {
  abstract readonly category:
    'invalid' | 'too_large' | 'limit_reached' | 'not_found' | 'conflict' | 'forbidden';
}

/** What is said under one validation code: a message, and what was expected (the target). */
export interface ProblemDetail {
  message: string;
  target?: unknown;
}

/** What the rules say about one field: Kazoo validation codes, each with its detail. */
export type FieldProblem = Record<string, ProblemDetail>;

/**
 * Kazoo's validation detail, by dotted field path:
 * {"<dotted.field>": {"<code>": {"message": "…", "target"?: …}}}.
 */
export type FieldProblems = Record<string, FieldProblem>;

/** What is said under one code: the message, and the target only when there is one. */
export function problemDetail(message: string, target?: unknown): ProblemDetail {
  return target === undefined ? { message } : { message, target };
}

/** One field's problem under one code. */
export function fieldProblem(
  field: string,
  code: string,
  message: string,
  target?: unknown,
): FieldProblems {
  return { [field]: { [code]: problemDetail(message, target) } };
}

/** Values the rules refuse, each named by its dotted field path and a Kazoo validation code. */
export class InvalidInput extends DomainError {
  readonly category = 'invalid';
  constructor(readonly problems: FieldProblems) {
    super('validation error');
  }

  /** A single field's problem, e.g. InvalidInput.of('secret', 'format', '…'). */
  static of(field: string, code: string, message: string, target?: unknown): InvalidInput {
    return new InvalidInput(fieldProblem(field, code, message, target));
  }
}

/** A value over its size limit (an event payload): the problems name the field and the limit. */
export class TooLarge extends DomainError {
  readonly category = 'too_large';
  constructor(readonly problems: FieldProblems) {
    super('payload too large');
  }
}

/** A bounded resource is full (webhooks per account, depth of the account tree…). */
export class LimitReached extends DomainError {
  readonly category = 'limit_reached';
  constructor(
    readonly limit: string,
    readonly max: number,
    message: string,
  ) {
    super(message);
  }
}

/** Nothing of that kind under the account asked about (an id of another tenant reads the same). */
export class NotFound extends DomainError {
  readonly category = 'not_found';
  constructor(readonly what: string) {
    super(`${what} not found`);
  }
}

/** The request contradicts the state it meets (an account with children, an id taken). */
export class Conflict extends DomainError {
  readonly category = 'conflict';
}

/** Allowed to reach the account, but not to do this to it. */
export class Forbidden extends DomainError {
  readonly category = 'forbidden';
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

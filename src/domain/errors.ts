/**
 * Errors of the rules, by category. Domain and store code throws these; the HTTP layer maps each
 * category to a status and the Crossbar envelope in one place (http/error-handler.ts).
 */
export abstract class DomainError extends Error {
  abstract readonly category: 'invalid' | 'limit_reached' | 'not_found' | 'conflict' | 'forbidden';
}

/** A value the rules refuse, named by its dotted field path and a Kazoo validation code. */
export class InvalidInput extends DomainError {
  readonly category = 'invalid';
  constructor(
    readonly field: string,
    readonly code: string,
    message: string,
    readonly target?: unknown,
  ) {
    super(message);
  }
}

/** Kazoo's validation detail: {"<dotted.field>": {"<code>": {"message": "…", "target"?: …}}}. */
export type FieldProblems = Record<string, Record<string, { message: string; target?: unknown }>>;

/** A document the rules refuse, with every field found wrong. */
export class InvalidFields extends DomainError {
  readonly category = 'invalid';
  constructor(readonly problems: FieldProblems) {
    super('validation error');
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

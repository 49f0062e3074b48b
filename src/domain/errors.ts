/**
 * Errors of the rules, by category. Domain and store code throws these; the HTTP layer maps each
 * category to a status and the Crossbar envelope in one place (http/error-handler.ts).
 */
export abstract class DomainError extends Error {
  abstract readonly category: 'invalid' | 'limit_reached';
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

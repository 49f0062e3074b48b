/**
 * A WHERE clause built from the filters a request gives: each condition is written with `$?`
 * placeholders, numbered here in order, so values always travel as parameters.
 */
export class SqlConditions {
  private readonly parts: string[] = [];

  /** `params`: those of an enclosing statement, when these conditions are a subquery's. */
  constructor(readonly params: unknown[] = []) {}

  /** Conditions of a subquery, numbered on with this statement's parameters. */
  nested(): SqlConditions {
    return new SqlConditions(this.params);
  }

  /** A condition; each `$?` in it takes the next of `values`. */
  add(condition: string, ...values: unknown[]): this {
    let next = 0;
    this.parts.push(condition.replace(/\$\?/g, () => this.param(values[next++])));
    return this;
  }

  /** A value as the next parameter: its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  sql(): string {
    return this.parts.length > 0 ? this.parts.join(' AND ') : 'TRUE';
  }
}

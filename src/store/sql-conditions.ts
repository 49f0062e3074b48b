/**
 * A WHERE clause built from the filters a request gives: each condition is written with `$?`
 * placeholders, numbered here in order, so values always travel as parameters.
 */
export class SqlConditions {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

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

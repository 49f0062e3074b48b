import { describe, expect, it } from 'vitest';
import { InvalidInput, fieldProblem } from '../../src/domain/errors.ts';

describe('field problems', () => {
  it.each<[string, unknown, object]>([
    ['without a target', undefined, { uri: { format: { message: 'bad' } } }],
    ['with a target', 'uri', { uri: { format: { message: 'bad', target: 'uri' } } }],
    ['with a falsy target', 0, { uri: { format: { message: 'bad', target: 0 } } }],
  ])('one field %s', (_name, target, expected) => {
    expect(fieldProblem('uri', 'format', 'bad', target)).toEqual(expected);
    expect(InvalidInput.of('uri', 'format', 'bad', target).problems).toEqual(expected);
  });

  it('InvalidInput carries every field it was given, under the validation message', () => {
    const problems = { name: { required: { message: 'm' } }, uri: { format: { message: 'n' } } };
    const error = new InvalidInput(problems);
    expect(error.problems).toBe(problems);
    expect(error.message).toBe('validation error');
    expect(error.category).toBe('invalid');
  });
});

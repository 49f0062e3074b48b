import { describe, expect, it } from 'vitest';
import { canGrant, grants, requiredScope, type Scope } from '../../src/domain/scopes.ts';

describe('what a key’s scopes grant', () => {
  it.each([
    [['read', 'manage', 'publish'], 'publish', true],
    [['read', 'manage'], 'publish', false],
    [['manage'], 'read', true],
    [['read'], 'manage', false],
    [['publish'], 'read', false],
    [['publish'], 'publish', true],
    [[], 'read', false],
    [['admin'], 'read', false],
  ] as Array<[string[], Scope, boolean]>)('%j grants %s: %s', (held, wanted, expected) => {
    expect(grants(held, wanted)).toBe(expected);
  });
});

describe('a key can grant only what it has', () => {
  it.each([
    [['read', 'manage', 'publish'], ['publish'], true],
    [['read', 'manage'], ['read', 'manage', 'publish'], false],
    [['manage'], ['read'], true],
    [['read'], ['read', 'manage'], false],
  ] as Array<[string[], Scope[], boolean]>)('%j may grant %j: %s', (held, requested, expected) => {
    expect(canGrant(held, requested)).toBe(expected);
  });
});

describe('the scope a route needs', () => {
  it.each([
    ['GET', undefined, 'read'],
    ['HEAD', undefined, 'read'],
    ['PUT', undefined, 'manage'],
    ['POST', undefined, 'manage'],
    ['PATCH', undefined, 'manage'],
    ['DELETE', undefined, 'manage'],
    ['POST', 'publish', 'publish'],
  ] as Array<[string, Scope | undefined, Scope]>)(
    '%s (declared %s) needs %s',
    (method, declared, expected) => {
      expect(requiredScope(method, declared)).toBe(expected);
    },
  );
});

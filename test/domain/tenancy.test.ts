import { describe, expect, it } from 'vitest';
import { LimitReached } from '../../src/domain/errors.ts';
import {
  childTree,
  depthOf,
  manages,
  managesOnPath,
  visibleAncestors,
} from '../../src/domain/tenancy.ts';

/** root → reseller → customer → sub; reseller → sibling. */
const root = { id: 'root', tree: ['root'] };
const reseller = { id: 'reseller', tree: ['root', 'reseller'] };
const customer = { id: 'customer', tree: ['root', 'reseller', 'customer'] };
const sub = { id: 'sub', tree: ['root', 'reseller', 'customer', 'sub'] };
const sibling = { id: 'sibling', tree: ['root', 'reseller', 'sibling'] };

describe('an account manages itself and its descendants, never ancestors or siblings', () => {
  it.each([
    [reseller, reseller, true],
    [reseller, customer, true],
    [reseller, sub, true],
    [reseller, sibling, true],
    [root, sub, true],
    [customer, sub, true],
    [customer, reseller, false],
    [customer, root, false],
    [customer, sibling, false],
    [sub, customer, false],
    [sibling, customer, false],
  ])('%s manages %s: %s', (manager, account, expected) => {
    expect(manages(manager, account)).toBe(expected);
  });
});

describe('what a viewer sees of an account’s ancestors', () => {
  it.each([
    [sub, root, ['root', 'reseller', 'customer']],
    [sub, reseller, ['reseller', 'customer']],
    [sub, customer, ['customer']],
    [sub, sub, []],
    [customer, sibling, []],
  ])('ancestors of %j seen by %j', (account, viewer, expected) => {
    expect(visibleAncestors(account, viewer)).toEqual(expected);
  });
});

describe('managing an account on an event’s path (include_subaccounts)', () => {
  const path = sub.tree;
  it.each([
    ['reseller', 'customer', true],
    ['customer', 'customer', true],
    ['customer', 'reseller', false],
    ['sub', 'customer', false],
    ['sibling', 'customer', false],
    ['root', 'sub', true],
  ])('%s manages %s on the path: %s', (manager, account, expected) => {
    expect(managesOnPath(path, manager, account)).toBe(expected);
  });
});

describe('the depth of the tree', () => {
  it('a child’s path is its parent’s plus itself', () => {
    expect(childTree(customer, 'new')).toEqual(['root', 'reseller', 'customer', 'new']);
    expect(depthOf(root)).toBe(1);
    expect(depthOf(sub)).toBe(4);
  });

  it.each([
    [reseller, 3, true],
    [customer, 3, false],
    [sub, 4, false],
    [sub, 5, true],
  ])('a child of %j with at most %i levels allowed: %s', (parent, max, allowed) => {
    const attempt = () => childTree(parent, 'new', max);
    if (allowed) expect(attempt()).toHaveLength(depthOf(parent) + 1);
    else expect(attempt).toThrow(LimitReached);
  });
});

import { LimitReached } from './errors.ts';

/**
 * The account tree's rules, in one place. Every account carries `tree`: the ids on its path from
 * the root down to itself. An account manages itself and its descendants — the accounts whose
 * path goes through it — and never an ancestor or a sibling (Kazoo's account hierarchy).
 * Queries that filter by the tree use the same rule through store/tenancy.ts.
 */
export interface TreeAccount {
  id: string;
  tree: readonly string[];
}

/** May `manager` act on `account`? */
export function manages(manager: Pick<TreeAccount, 'id'>, account: Pick<TreeAccount, 'tree'>) {
  return account.tree.includes(manager.id);
}

/** The path of a new child of `parent`; refused when the tree would grow past `maxDepth` levels. */
export function childTree(
  parent: Pick<TreeAccount, 'tree'>,
  childId: string,
  maxDepth = Infinity,
): string[] {
  if (depthOf(parent) >= maxDepth) {
    throw new LimitReached(
      'account_depth',
      maxDepth,
      `limit reached: account trees are at most ${maxDepth} levels deep`,
    );
  }
  return [...parent.tree, childId];
}

/** The level of an account in its tree: a root is level 1. */
export function depthOf(account: Pick<TreeAccount, 'tree'>): number {
  return account.tree.length;
}

/**
 * The ancestors of `account` that `viewer` may see, root-most first: from the viewer's own
 * account down to the parent. A key never learns the ids above its own account.
 */
export function visibleAncestors(
  account: Pick<TreeAccount, 'tree'>,
  viewer: Pick<TreeAccount, 'id'>,
): string[] {
  const ancestors = account.tree.slice(0, -1);
  const from = ancestors.indexOf(viewer.id);
  return from === -1 ? [] : ancestors.slice(from);
}

/**
 * Given the path of an event's account, does `managerId` manage `accountId`, an account on that
 * path (the event's own, or an ancestor's whose include_subaccounts webhook hears it)?
 */
export function managesOnPath(path: readonly string[], managerId: string, accountId: string) {
  const manager = path.indexOf(managerId);
  return manager !== -1 && manager <= path.indexOf(accountId);
}

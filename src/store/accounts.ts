import { Prisma, type Account } from '../generated/prisma/client.ts';
import type { Database } from './db.ts';
import type { Ordering } from '../domain/call-order.ts';
import { isForeignKeyViolation } from './database-errors.ts';
import { newId } from '../domain/ids.ts';
import { childTree } from '../domain/tenancy.ts';
import { managedBy } from './tenancy.ts';
import type { ScopedAccount } from './scoped.ts';

export type { Account };

/** What an account update may change. */
export interface AccountChanges {
  name?: string;
  webhookRateLimit?: number | null;
  webhookMaxInFlight?: number | null;
  webhookOrdering?: Ordering | null;
  /** Properties of the document that are not ours (Kazoo's ui_flags…), replacing the stored ones. */
  extra?: Record<string, unknown>;
}

function columns({ extra, ...rest }: AccountChanges) {
  return { ...rest, ...(extra !== undefined ? { extra: extra as Prisma.InputJsonObject } : {}) };
}

/** Accounts form a tree; `tree` is the path root..account, so descendants are one GIN lookup. */
export function accountStore({ prisma }: Database) {
  return {
    find(id: string): Promise<Account | null> {
      return prisma.account.findUnique({ where: { id } });
    },

    /** A sub-account; the tree may grow at most `maxDepth` levels deep (LimitReached). */
    async createChild(
      parent: ScopedAccount,
      name: string,
      maxDepth?: number,
      defaults: Omit<AccountChanges, 'name'> = {},
    ): Promise<Account> {
      const id = newId();
      return prisma.account.create({
        data: {
          id,
          name,
          parentId: parent.id,
          tree: childTree(parent, id, maxDepth),
          ...columns(defaults),
        },
      });
    },

    async createRoot(name: string, id = newId()): Promise<Account> {
      return prisma.account.create({ data: { id, name, tree: [id] } });
    },

    findRoot(): Promise<Account | null> {
      return prisma.account.findFirst({ where: { parentId: null }, orderBy: { created: 'asc' } });
    },

    /** Renames and/or sets the defaults its webhooks inherit (undefined: unchanged, null: none). */
    update({ id }: ScopedAccount, changes: AccountChanges): Promise<Account> {
      return prisma.account.update({ where: { id }, data: columns(changes) });
    },

    /** Children (depth 1) or all descendants of an account, ordered by id, one page at a time. */
    listBelow(account: Account, depth: 'children' | 'descendants', take: number, afterId?: string) {
      return prisma.account.findMany({
        where: {
          ...(depth === 'children'
            ? { parentId: account.id }
            : { ...managedBy(account.id), NOT: { id: account.id } }),
          ...(afterId ? { id: { gt: afterId } } : {}),
        },
        orderBy: { id: 'asc' },
        take,
      });
    },

    /** Ancestors from the root down to the parent. */
    async ancestors(account: Account): Promise<Account[]> {
      const ids = account.tree.slice(0, -1);
      const rows = await prisma.account.findMany({ where: { id: { in: ids } } });
      return ids
        .map((id) => rows.find((r) => r.id === id))
        .filter((a): a is Account => a !== undefined);
    },

    async hasChildren({ id }: ScopedAccount): Promise<boolean> {
      return (await prisma.account.count({ where: { parentId: id }, take: 1 })) > 0;
    },

    /**
     * Deletes a leaf account with its keys, tokens and webhooks (cascade); events stay for the
     * log. False when it has children (the tree's foreign key restricts it).
     */
    async delete({ id }: ScopedAccount): Promise<boolean> {
      try {
        await prisma.account.deleteMany({ where: { id } });
        return true;
      } catch (error) {
        if (isForeignKeyViolation(error)) return false;
        throw error;
      }
    },
  };
}

export type AccountStore = ReturnType<typeof accountStore>;

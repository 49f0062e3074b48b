import { Prisma, type PrismaClient, type Account } from '../generated/prisma/client.ts';
import { newId } from '../domain/ids.ts';

export type { Account };

/** Accounts form a tree; `tree` is the path root..account, so descendants are one GIN lookup. */
export function accountRepository(prisma: PrismaClient) {
  return {
    find(id: string): Promise<Account | null> {
      return prisma.account.findUnique({ where: { id } });
    },

    async createChild(parent: Account, name: string, id = newId()): Promise<Account> {
      return prisma.account.create({
        data: { id, name, parentId: parent.id, tree: [...parent.tree, id] },
      });
    },

    async createRoot(name: string, id = newId()): Promise<Account> {
      return prisma.account.create({ data: { id, name, tree: [id] } });
    },

    findRoot(): Promise<Account | null> {
      return prisma.account.findFirst({ where: { parentId: null }, orderBy: { created: 'asc' } });
    },

    rename(id: string, name: string): Promise<Account> {
      return prisma.account.update({ where: { id }, data: { name } });
    },

    /** Children (depth 1) or all descendants of an account, ordered by id, one page at a time. */
    listBelow(account: Account, depth: 'children' | 'descendants', take: number, afterId?: string) {
      return prisma.account.findMany({
        where: {
          ...(depth === 'children'
            ? { parentId: account.id }
            : { tree: { has: account.id }, NOT: { id: account.id } }),
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

    async hasChildren(id: string): Promise<boolean> {
      return (await prisma.account.count({ where: { parentId: id }, take: 1 })) > 0;
    },

    /**
     * Deletes a leaf account with its keys, tokens and webhooks (cascade); events stay for the
     * log. False when it has children (the tree's foreign key restricts it).
     */
    async delete(id: string): Promise<boolean> {
      try {
        await prisma.account.deleteMany({ where: { id } });
        return true;
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003')
          return false;
        throw error;
      }
    },
  };
}

export type AccountRepository = ReturnType<typeof accountRepository>;

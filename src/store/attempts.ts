import type { Attempt } from '../generated/prisma/client.ts';

export type { Attempt };
import type { Database } from './db.ts';

export interface AttemptFilter {
  accountId: string;
  webhookId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  result?: 'success' | 'failure';
  /** Cursor: the (created, id) of the last attempt of the previous page. */
  after?: { created: Date; id: string };
  take: number;
}

/** The attempts log (written with each outcome: outcomes.ts). */
export function attemptStore({ prisma }: Database) {
  return {
    /** Newest first, on the (account|webhook, created desc, id desc) indexes. */
    list(f: AttemptFilter): Promise<Attempt[]> {
      return prisma.attempt.findMany({
        where: {
          accountId: f.accountId,
          ...(f.webhookId ? { webhookId: f.webhookId } : {}),
          ...(f.result ? { result: f.result } : {}),
          created: {
            ...(f.createdFrom ? { gte: f.createdFrom } : {}),
            ...(f.createdTo ? { lte: f.createdTo } : {}),
          },
          ...(f.after
            ? {
                OR: [
                  { created: { lt: f.after.created } },
                  { created: f.after.created, id: { lt: f.after.id } },
                ],
              }
            : {}),
        },
        orderBy: [{ created: 'desc' }, { id: 'desc' }],
        take: f.take,
      });
    },
  };
}

export type AttemptStore = ReturnType<typeof attemptStore>;

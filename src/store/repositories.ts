import type { PrismaClient } from '../generated/prisma/client.ts';
import { accountRepository } from './accounts.ts';
import { apiKeyRepository } from './api-keys.ts';
import { webhookRepository } from './webhooks.ts';

/** Every repository, built over one Prisma client. */
export function repositories(prisma: PrismaClient) {
  return {
    accounts: accountRepository(prisma),
    apiKeys: apiKeyRepository(prisma),
    webhooks: webhookRepository(prisma),
  };
}

export type Repositories = ReturnType<typeof repositories>;

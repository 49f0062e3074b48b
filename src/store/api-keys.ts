import type { PrismaClient, ApiKey, Account } from '../generated/prisma/client.ts';
import { hashToken, newId, newSecretToken } from '../domain/ids.ts';

export type { ApiKey };

/** Lifetime of a token issued by PUT /v2/api_auth. */
export const AUTH_TOKEN_TTL_MS = 60 * 60 * 1000;

export function apiKeyRepository(prisma: PrismaClient) {
  return {
    /** Creates a key; the returned `key` is the only time the secret exists in clear. */
    async create(accountId: string, name?: string, key = newSecretToken('sbk')) {
      const row = await prisma.apiKey.create({
        data: {
          id: newId(),
          accountId,
          name: name ?? null,
          prefix: key.slice(0, 10),
          hash: hashToken(key),
        },
      });
      return { row, key };
    },

    /** Idempotent: the root key from SWITCHBOARD_ROOT_KEY is created once, on first start. */
    async ensure(accountId: string, key: string, name: string): Promise<ApiKey> {
      const hash = hashToken(key);
      return prisma.apiKey.upsert({
        where: { hash },
        update: {},
        create: { id: newId(), accountId, name, prefix: key.slice(0, 10), hash },
      });
    },

    list(accountId: string): Promise<ApiKey[]> {
      return prisma.apiKey.findMany({ where: { accountId }, orderBy: { created: 'asc' } });
    },

    async revoke(accountId: string, id: string): Promise<boolean> {
      const { count } = await prisma.apiKey.deleteMany({ where: { id, accountId } });
      if (count > 0) await prisma.authToken.deleteMany({ where: { apiKeyId: id } });
      return count > 0;
    },

    /** The account an API key or an auth token stands for, or null. */
    async authenticate(token: string): Promise<Account | null> {
      const hash = hashToken(token);
      // Every API request asks this: one round trip for keys and tokens alike.
      const rows = await prisma.$queryRaw<Account[]>`
        SELECT a.id, a.name, a.parent_id AS "parentId", a.tree, a.created, a.modified
        FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = ${hash}
        UNION ALL
        SELECT a.id, a.name, a.parent_id AS "parentId", a.tree, a.created, a.modified
        FROM auth_tokens t JOIN accounts a ON a.id = t.account_id
        WHERE t.hash = ${hash} AND t.expires_at > now()
        LIMIT 1`;
      return rows[0] ?? null;
    },

    /** Exchanges an API key for a short-lived auth token (Kazoo's PUT /v2/api_auth). */
    async issueToken(apiKey: string) {
      const key = await prisma.apiKey.findUnique({
        where: { hash: hashToken(apiKey) },
        include: { account: true },
      });
      if (!key) return null;
      const token = newSecretToken('sbt');
      const expiresAt = new Date(Date.now() + AUTH_TOKEN_TTL_MS);
      await prisma.authToken.create({
        data: { hash: hashToken(token), accountId: key.accountId, apiKeyId: key.id, expiresAt },
      });
      // Expired tokens are swept here rather than by a timer: issuing is rare, this keeps the table small.
      await prisma.authToken.deleteMany({ where: { expiresAt: { lt: new Date() } } });
      return { token, account: key.account, expiresAt };
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof apiKeyRepository>;

import type { ApiKey, Account } from '../generated/prisma/client.ts';
import type { Database } from './db.ts';
import { hashToken, keyPrefix, newId, newSecretToken } from '../domain/ids.ts';
import { ALL_SCOPES, DEFAULT_KEY_SCOPES, type Scope } from '../domain/scopes.ts';
import type { ScopedAccount } from './scoped.ts';
import { inTransaction } from './transaction.ts';

export type { ApiKey };

/** Lifetime of a token issued by PUT /v2/api_auth. */
export const AUTH_TOKEN_TTL_MS = 60 * 60 * 1000;

/** Who a request's key or token stands for, and what it may do. */
export interface Credential {
  account: Account;
  keyId: string;
  scopes: string[];
  /** `key`: an API key; `token`: a token issued by PUT /v2/api_auth for a key. */
  kind: 'key' | 'token';
  /** When a token stops working; keys do not expire. */
  expiresAt: Date | null;
}

export interface NewKey {
  name?: string;
  scopes?: Scope[];
  key?: string;
  rootKey?: boolean;
}

export function apiKeyStore({ prisma, pool }: Database) {
  return {
    /** Creates a key; the returned `key` is the only time the secret exists in clear. */
    async create({ id: accountId }: ScopedAccount, options: NewKey = {}) {
      const key = options.key ?? newSecretToken('sbk');
      const row = await prisma.apiKey.create({
        data: {
          id: newId(),
          accountId,
          name: options.name ?? null,
          prefix: keyPrefix(key),
          hash: hashToken(key),
          scopes: options.scopes ?? DEFAULT_KEY_SCOPES,
          rootKey: options.rootKey ?? false,
        },
      });
      return { row, key };
    },

    /**
     * Makes `key` the root key (every scope), idempotently, and retires any other root key with
     * its tokens: changing SWITCHBOARD_ROOT_KEY takes the old one away. Returns how many retired.
     */
    async replaceRootKey(accountId: string, key: string): Promise<number> {
      const hash = hashToken(key);
      return inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ id: string }>(
          'DELETE FROM api_keys WHERE root_key AND hash <> $1 RETURNING id',
          [hash],
        );
        const ids = rows.map((r) => r.id);
        await client.query('DELETE FROM auth_tokens WHERE api_key_id = ANY($1::text[])', [ids]);
        await client.query(
          `INSERT INTO api_keys (id, account_id, name, prefix, hash, scopes, root_key)
           VALUES ($1, $2, $3, $4, $5, $6, true)
           ON CONFLICT (hash) DO UPDATE SET root_key = true, scopes = EXCLUDED.scopes`,
          [
            newId(),
            accountId,
            'root (SWITCHBOARD_ROOT_KEY)',
            keyPrefix(key),
            hash,
            [...ALL_SCOPES],
          ],
        );
        return ids.length;
      });
    },

    async hasRootKey(): Promise<boolean> {
      return (await prisma.apiKey.count({ where: { rootKey: true }, take: 1 })) > 0;
    },

    list({ id: accountId }: ScopedAccount): Promise<ApiKey[]> {
      return prisma.apiKey.findMany({ where: { accountId }, orderBy: { created: 'asc' } });
    },

    async revoke({ id: accountId }: ScopedAccount, id: string): Promise<boolean> {
      const { count } = await prisma.apiKey.deleteMany({ where: { id, accountId } });
      if (count > 0) await prisma.authToken.deleteMany({ where: { apiKeyId: id } });
      return count > 0;
    },

    /** The credential an API key or auth token (given as its SHA-256) stands for, or null. */
    async findCredential(hash: string): Promise<Credential | null> {
      // One round trip for keys and tokens alike; a token has its key's scopes, unless it is a
      // console link with scopes of its own (never more than its key's: see issueConsoleToken).
      const rows = await prisma.$queryRaw<
        Array<
          Account & {
            keyId: string;
            scopes: string[];
            kind: 'key' | 'token';
            expiresAt: Date | null;
          }
        >
      >`
        SELECT a.id, a.name, a.parent_id AS "parentId", a.tree, a.created, a.modified,
               a.webhook_rate_limit AS "webhookRateLimit",
               a.webhook_max_in_flight AS "webhookMaxInFlight",
               a.webhook_ordering AS "webhookOrdering", a.extra,
               k.id AS "keyId", k.scopes, 'key' AS kind, NULL::timestamptz AS "expiresAt"
        FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = ${hash}
        UNION ALL
        SELECT a.id, a.name, a.parent_id AS "parentId", a.tree, a.created, a.modified,
               a.webhook_rate_limit AS "webhookRateLimit",
               a.webhook_max_in_flight AS "webhookMaxInFlight",
               a.webhook_ordering AS "webhookOrdering", a.extra,
               k.id AS "keyId",
               CASE WHEN cardinality(t.scopes) > 0 THEN t.scopes ELSE k.scopes END AS scopes,
               'token' AS kind, t.expires_at AS "expiresAt"
        FROM auth_tokens t JOIN api_keys k ON k.id = t.api_key_id JOIN accounts a ON a.id = t.account_id
        WHERE t.hash = ${hash} AND t.expires_at > now()
        LIMIT 1`;
      const row = rows[0];
      if (!row) return null;
      const { keyId, scopes, kind, expiresAt, ...account } = row;
      return { account, keyId, scopes, kind, expiresAt };
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

    /**
     * A console link's token: it authenticates as `account` (which the minting key manages, so
     * the link sees that account and its subtree, never above it) with `scopes`, until `ttlMs`
     * from now. Revoking the minting key revokes it, as it does the key's other tokens.
     */
    async issueConsoleToken(
      account: ScopedAccount,
      apiKeyId: string,
      scopes: Scope[],
      ttlMs: number,
    ) {
      const token = newSecretToken('sbc');
      const expiresAt = new Date(Date.now() + ttlMs);
      await prisma.authToken.create({
        data: { hash: hashToken(token), accountId: account.id, apiKeyId, scopes, expiresAt },
      });
      await prisma.authToken.deleteMany({ where: { expiresAt: { lt: new Date() } } });
      return { token, expiresAt };
    },
  };
}

export type ApiKeyStore = ReturnType<typeof apiKeyStore>;

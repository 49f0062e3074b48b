import type { Database } from './store/db.ts';
import { repositories } from './store/repositories.ts';

/**
 * The root account and its first key exist from set-up. With SWITCHBOARD_ROOT_KEY that key is the
 * root key (created on first start, then left alone); without it a key is generated, once, and
 * returned so the caller can print it. Serialised by an advisory lock: API and worker processes
 * may start together.
 */
export async function ensureRootAccount(db: Database, rootKey: string | undefined) {
  const client = await db.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(72707370)');
    const repos = repositories(db.prisma);
    const root = (await repos.accounts.findRoot()) ?? (await repos.accounts.createRoot('root'));
    if (rootKey) {
      await repos.apiKeys.ensure(root.id, rootKey, 'root (SWITCHBOARD_ROOT_KEY)');
      return { root, generatedKey: undefined };
    }
    if ((await repos.apiKeys.list(root.id)).length > 0) return { root, generatedKey: undefined };
    const { key } = await repos.apiKeys.create(root.id, 'root (generated)');
    return { root, generatedKey: key };
  } finally {
    await client.query('SELECT pg_advisory_unlock(72707370)').catch(() => {});
    client.release();
  }
}

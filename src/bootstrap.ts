import { ALL_SCOPES } from './domain/scopes.ts';
import type { Database } from './store/db.ts';
import { stores as storesOf } from './store/stores.ts';
import { scopedAccount } from './store/scoped.ts';
import { ADVISORY_LOCKS, holdingAdvisoryLock } from './store/advisory-locks.ts';

/**
 * The root account and its key exist from set-up. With SWITCHBOARD_ROOT_KEY that key is the root
 * key, and any previous root key is retired — `announceRetired` then tells the running API
 * processes to forget it (auth cache). Without it a key is generated once, and returned so the
 * caller can print it. Serialised by an advisory lock: API and worker processes may start together.
 */
export async function ensureRootAccount(
  db: Database,
  rootKey: string | undefined,
  announceRetired: () => Promise<void> = async () => {},
) {
  const client = await db.pool.connect();
  try {
    return await holdingAdvisoryLock(client, ADVISORY_LOCKS.rootAccount, async () => {
      const stores = storesOf(db);
      const root = (await stores.accounts.findRoot()) ?? (await stores.accounts.createRoot('root'));
      if (rootKey) {
        const retired = await stores.apiKeys.replaceRootKey(root.id, rootKey);
        if (retired > 0) await announceRetired();
        return { root, generatedKey: undefined, retired };
      }
      if (await stores.apiKeys.hasRootKey()) return { root, generatedKey: undefined, retired: 0 };
      // Set-up acts for the platform itself: the root account is its own.
      const { key } = await stores.apiKeys.create(scopedAccount(root), {
        name: 'root (generated)',
        scopes: ALL_SCOPES,
        rootKey: true,
      });
      return { root, generatedKey: key, retired: 0 };
    });
  } finally {
    client.release();
  }
}

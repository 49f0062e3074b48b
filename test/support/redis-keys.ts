import type { RedisClient } from '../../src/redis.ts';
import { masters } from '../../src/redis.ts';

/** Resolves once `redis` is connected (a cluster: once it knows its nodes and slots). */
export async function whenReady(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis not ready: ${redis.status}`)), 10_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Deletes every key matching `pattern` (a SCAN MATCH glob) on one Redis or on every master of a
 * cluster. Keys are deleted one by one: on a cluster, a multi-key command with keys in different
 * hash slots fails (CROSSSLOT), even when one node serves all of them. Returns how many went.
 */
export async function deleteKeys(redis: RedisClient, pattern: string): Promise<number> {
  await whenReady(redis);
  let deleted = 0;
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) {
        const pipeline = node.pipeline();
        for (const key of keys) pipeline.unlink(key);
        for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
        deleted += keys.length;
      }
      cursor = next;
    } while (cursor !== '0');
  }
  return deleted;
}

import { Redis } from 'ioredis';

/**
 * A Redis connection. Workers block on Redis and retry forever. The API keeps ioredis's offline
 * queue (a command issued during a reconnect waits for it instead of failing at once) and bounds
 * every push in time itself: the events are already in Postgres, and the reconciler puts in line
 * whatever could not be.
 */
export function redisConnection(url: string, forWorker: boolean): Redis {
  const redis = new Redis(
    url,
    forWorker ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1 },
  );
  redis.on('error', () => {}); // reported by /readyz; ioredis reconnects by itself
  return redis;
}

import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * How processes reach Redis: one server, or a Redis Cluster. Everything that talks to Redis takes
 * a `RedisClient` and uses only what both kinds offer; anything that touches several keys at once
 * (the scheduler's scripts, BullMQ's) keeps them in one hash slot, so the same code runs on both.
 */
export type RedisClient = Redis | Cluster;

/**
 * Where Redis is, from `REDIS_URL`:
 * - `redis://[user:password@]host:port[/db]` (or `rediss://`): one server;
 * - `redis+cluster://[user:password@]host:port[,host:port…]`: a Redis Cluster, given by any of its
 *   nodes (the client learns the rest from them).
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'cluster';
      nodes: { host: string; port: number }[];
      username?: string;
      password?: string;
    };

const CLUSTER_SCHEME = 'redis+cluster://';

export function parseRedisUrl(url: string): RedisTarget {
  if (!url.startsWith(CLUSTER_SCHEME)) return { kind: 'single', url };
  const rest = url.slice(CLUSTER_SCHEME.length).replace(/\/.*$/, '');
  const at = rest.lastIndexOf('@');
  const credentials = at >= 0 ? rest.slice(0, at) : '';
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const nodes = hosts
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((hostPort) => {
      const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(hostPort);
      if (!match) throw new Error(`REDIS_URL: "${hostPort}" is not host:port`);
      return { host: match[1], port: Number(match[2]) };
    });
  if (nodes.length === 0) throw new Error('REDIS_URL: a cluster needs at least one host:port');
  const [user, password] = credentials.includes(':')
    ? [
        credentials.slice(0, credentials.indexOf(':')),
        credentials.slice(credentials.indexOf(':') + 1),
      ]
    : ['', credentials];
  return {
    kind: 'cluster',
    nodes,
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
  };
}

/** What a process logs when discoverRedisUrl found a cluster behind a plain URL. */
export const CLUSTER_FOUND = 'REDIS_URL names a node of a Redis Cluster: using the cluster';

/**
 * `REDIS_URL` as the processes should use it: a plain `redis://host:port` that names a node of a
 * Redis Cluster is taken as that cluster (`redis+cluster://host:port`, the same credentials), so
 * that pointing Switchboard at any node of a cluster works as pointing a cluster client at it
 * does. Asked once, at a process's start (`INFO cluster`); a Redis that cannot be asked within
 * `timeoutMs` (down, or no such host) is taken as one server, as the URL says. `rediss://` is
 * taken as written.
 */
export async function discoverRedisUrl(url: string, timeoutMs = 2_000): Promise<string> {
  if (!url.startsWith('redis://')) return url;
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // The ready check is an INFO of its own with no time limit; the one INFO below has one.
    enableReadyCheck: false,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    const info = await probe.info('cluster');
    return /^cluster_enabled:1\s*$/m.test(info) ? clusterUrlOf(url) : url;
  } catch {
    return url;
  } finally {
    probe.disconnect();
  }
}

/** `redis://[user:password@]host[:port][/db]` as a one-node `redis+cluster://` URL. */
export function clusterUrlOf(url: string): string {
  const parsed = new URL(url);
  const credentials =
    parsed.username || parsed.password
      ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@`
      : '';
  return `${CLUSTER_SCHEME}${credentials}${parsed.hostname}:${parsed.port || '6379'}`;
}

export function isCluster(redis: RedisClient): redis is Cluster {
  return (redis as Cluster).isCluster === true;
}

/**
 * A Redis connection (to one server or a cluster). Workers block on Redis and retry forever. The
 * API keeps ioredis's offline queue (a command issued during a reconnect waits for it instead of
 * failing at once) and bounds every push in time itself: the events are already in Postgres, and
 * the reconciler puts in line whatever could not be. `extra` adds client options (a listener's
 * connection name, no offline queue…).
 */
export function redisConnection(
  url: string,
  forWorker: boolean,
  extra: RedisOptions = {},
): RedisClient {
  const options: RedisOptions = {
    maxRetriesPerRequest: forWorker ? null : 1,
    ...extra,
  };
  const target = parseRedisUrl(url);
  const redis =
    target.kind === 'single'
      ? new Redis(target.url, options)
      : new Cluster(target.nodes, {
          redisOptions: {
            ...options,
            ...(target.username ? { username: target.username } : {}),
            ...(target.password ? { password: target.password } : {}),
          },
          enableOfflineQueue: extra.enableOfflineQueue ?? true,
          // A slot moved or a node failed over: ask again rather than fail the command.
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 200,
        });
  redis.on('error', () => {}); // reported by /readyz; ioredis reconnects by itself
  return redis;
}

/** The master nodes of `redis` (one server: itself), to run a command on every one of them. */
export function masters(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/**
 * A connection that only listens (SUBSCRIBE) and must know when it stops hearing. On a cluster,
 * PUBLISH reaches every node, so one node is enough: a plain connection to the first node given,
 * whose 'close' event says the moment it is cut off (a cluster client would quietly move its
 * subscription elsewhere, and what was published meanwhile would go unnoticed).
 */
export function listenerConnection(url: string, extra: RedisOptions = {}): Redis {
  const target = parseRedisUrl(url);
  const redis =
    target.kind === 'single'
      ? new Redis(target.url, { maxRetriesPerRequest: 1, ...extra })
      : new Redis({
          ...target.nodes[0],
          maxRetriesPerRequest: 1,
          ...(target.username ? { username: target.username } : {}),
          ...(target.password ? { password: target.password } : {}),
          ...extra,
        });
  redis.on('error', () => {});
  return redis;
}

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Queue, Worker, type Job } from 'bullmq';
import { createServer } from 'node:net';
import {
  clusterUrlOf,
  discoverRedisUrl,
  isCluster,
  masters,
  parseRedisUrl,
  redisConnection,
  type RedisClient,
} from '../../src/redis.ts';
import { deleteKeys, whenReady } from '../support/redis-keys.ts';

describe('parseRedisUrl', () => {
  it('a redis:// URL is one server, passed on as it is', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379/2')).toEqual({
      kind: 'single',
      url: 'redis://127.0.0.1:6379/2',
    });
    expect(parseRedisUrl('rediss://u:p@cache.internal:6380')).toEqual({
      kind: 'single',
      url: 'rediss://u:p@cache.internal:6380',
    });
  });

  it('redis+cluster:// with one node', () => {
    expect(parseRedisUrl('redis+cluster://127.0.0.1:7000')).toEqual({
      kind: 'cluster',
      nodes: [{ host: '127.0.0.1', port: 7000 }],
    });
  });

  it('redis+cluster:// with three nodes (spaces, a trailing path and IPv6 brackets allowed)', () => {
    expect(parseRedisUrl('redis+cluster://10.0.0.1:7000, redis-b:7001,[::1]:7002/0')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
  });

  it('credentials: user and password (percent-decoded), or a password alone', () => {
    expect(parseRedisUrl('redis+cluster://app:p%40ss%3Aword@h1:7000,h2:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 7001 },
      ],
      username: 'app',
      password: 'p@ss:word',
    });
    expect(parseRedisUrl('redis+cluster://:secret@h1:7000')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'h1', port: 7000 }],
      password: 'secret',
    });
    expect(parseRedisUrl('redis+cluster://secret@h1:7000')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'h1', port: 7000 }],
      password: 'secret',
    });
  });

  it.each([
    ['no port', 'redis+cluster://127.0.0.1', /"127\.0\.0\.1" is not host:port/],
    [
      'a port that is not a number',
      'redis+cluster://h1:7000,h2:redis',
      /"h2:redis" is not host:port/,
    ],
    ['no nodes', 'redis+cluster://', /at least one host:port/],
    ['only commas', 'redis+cluster://,,', /at least one host:port/],
  ])('%s is an error', (_, url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
  });
});

describe('clusterUrlOf', () => {
  it.each([
    ['redis://127.0.0.1:7000', 'redis+cluster://127.0.0.1:7000'],
    ['redis://cache.internal', 'redis+cluster://cache.internal:6379'],
    ['redis://[::1]:7001/0', 'redis+cluster://[::1]:7001'],
    ['redis://app:p%40ss@h1:7000', 'redis+cluster://app:p%40ss@h1:7000'],
    ['redis://:secret@h1:7000/3', 'redis+cluster://:secret@h1:7000'],
  ])('%s → %s', (url, expected) => {
    expect(clusterUrlOf(url)).toBe(expected);
    // And it reads back as the same node and credentials.
    const target = parseRedisUrl(expected);
    expect(target.kind).toBe('cluster');
  });

  it('keeps the credentials parseRedisUrl decodes', () => {
    expect(parseRedisUrl(clusterUrlOf('redis://app:p%40ss%3Aword@h1:7000'))).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'h1', port: 7000 }],
      username: 'app',
      password: 'p@ss:word',
    });
  });
});

describe('discoverRedisUrl', () => {
  const url = inject('redisUrl');
  const target = parseRedisUrl(url);

  it(`a plain redis:// URL of ${target.kind === 'cluster' ? 'a cluster node is that cluster' : 'one server stays as it is'}`, async () => {
    if (target.kind === 'cluster') {
      const node = target.nodes.at(-1)!;
      const found = await discoverRedisUrl(`redis://${node.host}:${node.port}`);
      expect(found).toBe(`redis+cluster://${node.host}:${node.port}`);
      const redis = redisConnection(found, false);
      try {
        await whenReady(redis);
        expect(isCluster(redis)).toBe(true);
        expect(masters(redis)).toHaveLength(3);
      } finally {
        redis.disconnect();
      }
    } else {
      expect(await discoverRedisUrl(url)).toBe(url);
    }
  });

  it('a redis+cluster:// or rediss:// URL is taken as written, without asking', async () => {
    expect(await discoverRedisUrl('redis+cluster://127.0.0.1:1')).toBe(
      'redis+cluster://127.0.0.1:1',
    );
    expect(await discoverRedisUrl('rediss://127.0.0.1:1')).toBe('rediss://127.0.0.1:1');
  });

  it('a Redis that cannot be asked (nothing listening, or no answer in time) is taken as one server', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    expect(await discoverRedisUrl(`redis://127.0.0.1:${closedPort}`)).toBe(
      `redis://127.0.0.1:${closedPort}`,
    );
    // A server that accepts and never answers: given up after the timeout.
    const silent = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const started = Date.now();
      expect(await discoverRedisUrl(`redis://127.0.0.1:${port}`, 300)).toBe(
        `redis://127.0.0.1:${port}`,
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      silent.close();
    }
  });
});

/**
 * The project's Redis through redisConnection: in the cluster project, the 3-master cluster its
 * global setup started; in the single project, one server. Either way the same code must work.
 */
describe(`redisConnection on the project's Redis`, () => {
  const url = inject('redisUrl');
  const onCluster = parseRedisUrl(url).kind === 'cluster';
  const prefix = `sbtest:${inject('runId')}:${randomBytes(4).toString('hex')}`;
  const opened: RedisClient[] = [];
  function connect(forWorker = false) {
    const redis = redisConnection(url, forWorker);
    opened.push(redis);
    return redis;
  }
  let redis: RedisClient;

  beforeAll(async () => {
    redis = connect();
    await whenReady(redis);
  });
  afterAll(async () => {
    await deleteKeys(redis, `*${prefix}*`);
    for (const r of opened) r.disconnect();
  });

  it(`is ${onCluster ? 'a 3-master cluster' : 'one server'}`, async () => {
    expect(isCluster(redis)).toBe(onCluster);
    const nodes = masters(redis);
    expect(nodes).toHaveLength(onCluster ? 3 : 1);
    if (onCluster) {
      for (const node of nodes) {
        const info = (await node.cluster('INFO')) as string;
        expect(info).toMatch(/cluster_state:ok/);
        expect(info).toMatch(/cluster_slots_ok:16384/);
      }
    }
  });

  it('commands round-trip on keys spread over every master; deleteKeys removes them all', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `${prefix}:k${i}`);
    for (const [i, key] of keys.entries()) expect(await redis.set(key, `v${i}`)).toBe('OK');
    for (const [i, key] of keys.entries()) expect(await redis.get(key)).toBe(`v${i}`);
    expect(await redis.incrby(`${prefix}:counter`, 5)).toBe(5);

    // Each master holds some of them (60 keys over 3 masters: never all on one or two).
    const perMaster = await Promise.all(
      masters(redis).map(async (node) => {
        let count = 0;
        let cursor = '0';
        do {
          const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}:k*`, 'COUNT', 1000);
          count += found.length;
          cursor = next;
        } while (cursor !== '0');
        return count;
      }),
    );
    expect(perMaster.reduce((a, b) => a + b, 0)).toBe(keys.length);
    for (const count of perMaster) expect(count).toBeGreaterThan(0);

    expect(await deleteKeys(redis, `${prefix}:*`)).toBe(keys.length + 1);
    for (const key of keys) expect(await redis.exists(key)).toBe(0);
  });

  it('a multi-key command across hash slots: refused on a cluster (CROSSSLOT), fine on one Redis', async () => {
    const del = redis.del(`${prefix}:a`, `${prefix}:b`, `${prefix}:c`);
    if (onCluster) await expect(del).rejects.toThrow(/CROSSSLOT/);
    else expect(await del).toBe(0);
    // Keys sharing a hash tag share a slot: fine.
    expect(await redis.del(`{${prefix}}:a`, `{${prefix}}:b`)).toBe(0);
  });

  it('PUBLISH on any master reaches a subscriber connected through redisConnection', async () => {
    const subscriber = connect();
    const channel = `${prefix}:announce`;
    const received: string[] = [];
    subscriber.on('message', (ch: string, message: string) => {
      if (ch === channel) received.push(message);
    });
    await subscriber.subscribe(channel);

    const publisher = connect();
    await whenReady(publisher);
    const nodes = masters(publisher);
    expect(nodes).toHaveLength(onCluster ? 3 : 1);
    const sent = nodes.map((node) => `from ${node.options.port}`);
    for (const [i, node] of nodes.entries()) await node.publish(channel, sent[i]);
    // And through the client itself, whichever node it picks.
    await publisher.publish(channel, 'from the client');

    const deadline = Date.now() + 5_000;
    while (received.length < sent.length + 1 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received.sort()).toEqual([...sent, 'from the client'].sort());
  });

  it('BullMQ: a queue and worker with a hash-tagged prefix process a job', async () => {
    const bullPrefix = `{${prefix}:bull}`;
    const queue = new Queue('conn-check', { connection: connect(true), prefix: bullPrefix });
    const done: string[] = [];
    const worker = new Worker(
      'conn-check',
      async (job: Job<{ n: number }>) => {
        done.push(job.id!);
        return job.data.n * 2;
      },
      { connection: connect(true), prefix: bullPrefix, concurrency: 1 },
    );
    try {
      await worker.waitUntilReady();
      const job = await queue.add('double', { n: 21 });
      const deadline = Date.now() + 10_000;
      let state = await job.getState();
      while (state !== 'completed' && state !== 'failed' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        state = await job.getState();
      }
      expect(state).toBe('completed');
      expect(done).toEqual([job.id]);
      expect((await queue.getJob(job.id!))?.returnvalue).toBe(42);
      expect(await queue.getJobCounts('completed', 'wait', 'active', 'failed')).toEqual({
        completed: 1,
        wait: 0,
        active: 0,
        failed: 0,
      });
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('BullMQ without a hash-tagged prefix cannot add a job on a cluster (one Redis takes it)', async () => {
    const queue = new Queue('conn-check', {
      connection: connect(true),
      prefix: `${prefix}:untagged`,
    });
    try {
      const adding = queue.add('double', { n: 1 });
      if (onCluster) await expect(adding).rejects.toThrow(/CROSSSLOT|slot/i);
      else expect((await adding).id).toEqual(expect.any(String));
    } finally {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
    }
  });
});

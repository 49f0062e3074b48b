import { inject } from 'vitest';

/**
 * Setup file of every project: REDIS_URL in each test worker is the project's Redis (the cluster
 * project's is the cluster its global setup started), for code that reads the environment — and
 * for processes tests spawn, which inherit it.
 */
process.env.REDIS_URL = inject('redisUrl');

import { defineConfig } from 'vitest/config';

/**
 * The delivery path on a real 3-master Redis Cluster (started by the cluster project's global
 * setup on free loopback ports): everything the scheduler, BullMQ and the reconciler touch.
 */
const onCluster = [
  'test/redis/**/*.test.ts',
  'test/intake/**/*.test.ts',
  'test/housekeeping/**/*.test.ts',
  'test/api/admin-queues.test.ts',
  'test/delivery/scheduler.test.ts',
  'test/delivery/scheduler-model.test.ts',
  'test/delivery/isolation.test.ts',
  'test/delivery/durability.test.ts',
  'test/delivery/retries.test.ts',
  'test/delivery/auto-disable.test.ts',
  'test/delivery/fanout-and-shapes.test.ts',
  'test/delivery/webhook-changes.test.ts',
  'test/delivery/lease.test.ts',
  'test/delivery/worker-process.test.ts',
  'test/delivery/ingest.test.ts',
  'test/delivery/attempts-log.test.ts',
  'test/delivery/call-order.test.ts',
  'test/api/auth-cache.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    // Both projects share these two workers (the machine has 2 cores).
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'single',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/redis-env.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: onCluster,
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/redis-env.ts'],
        },
      },
    ],
  },
});

import type { TestProject } from 'vitest/node';
import { createDatabase, dropDatabase, migrate } from '../../src/store/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    runId: string;
  }
}

/**
 * One fresh database per test run, migrated by the same code `npm run db:migrate` uses; each
 * test file then works in its own accounts and its own Redis prefix.
 */
export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/switchboard_test_${runId}`;
  const databaseUrl = base.toString();
  await createDatabase(databaseUrl);
  await migrate(databaseUrl);
  project.provide('databaseUrl', databaseUrl);
  project.provide('runId', runId);
  return async () => {
    if (process.env.KEEP_TEST_DATABASE !== 'true') await dropDatabase(databaseUrl);
  };
}

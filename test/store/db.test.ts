import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openDatabase } from '../../src/store/db.ts';
import { copyOfTemplate } from '../support/database.ts';

/** Publishing commits durably; a worker's pool may commit without waiting for the WAL flush. */
describe('database connections', () => {
  it.each([
    [{}, 'on'],
    [{ asyncCommit: true }, 'off'],
  ])('openDatabase(%j) commits with synchronous_commit %s', async (options, expected) => {
    const db = openDatabase(await copyOfTemplate(inject('databaseUrl')), 1, options);
    try {
      const { rows } = await db.pool.query('SHOW synchronous_commit');
      expect(rows[0].synchronous_commit).toBe(expected);
    } finally {
      await db.close();
    }
  });

  it.each([{}, { asyncCommit: true }])(
    'openDatabase(%j) plans each call of a prepared statement for its values (no generic plan fixed while a new database is empty)',
    async (options) => {
      const db = openDatabase(await copyOfTemplate(inject('databaseUrl')), 1, options);
      try {
        const { rows } = await db.pool.query('SHOW plan_cache_mode');
        expect(rows[0].plan_cache_mode).toBe('force_custom_plan');
      } finally {
        await db.close();
      }
    },
  );
});

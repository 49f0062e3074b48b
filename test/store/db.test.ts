import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { stores as storesOf } from '../../src/store/stores.ts';
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
    'openDatabase(%j): the general pool plans each statement for its values; the hot pool commits alike',
    async (options) => {
      const db = openDatabase(await copyOfTemplate(inject('databaseUrl')), 1, options);
      try {
        const { rows } = await db.pool.query('SHOW plan_cache_mode');
        expect(rows[0].plan_cache_mode).toBe('force_custom_plan');
        const hot = await db.hot.query('SHOW synchronous_commit');
        expect(hot.rows[0].synchronous_commit).toBe(options.asyncCommit ? 'off' : 'on');
      } finally {
        await db.close();
      }
    },
  );

  /** The plan a hot connection keeps, of a statement first run while the tables were empty. */
  async function keptPlan(db: Database, name: string, values: string): Promise<string> {
    const { rows } = await db.hot.query(`EXPLAIN (FORMAT JSON) EXECUTE ${name}(${values})`);
    return JSON.stringify(rows[0]['QUERY PLAN']);
  }

  it('the hot path plans its statements once per connection, by index lookups, even when first run on empty tables', async () => {
    const db = openDatabase(await copyOfTemplate(inject('databaseUrl')), 2);
    try {
      // One connection on the hot pool, used in turn: every statement below meets it.
      const stores = storesOf(db);
      await stores.deliveries.lease(['none'], 1_000);
      await stores.outcomes.write([
        {
          delivery: {
            id: 'none',
            status: 'delivered',
            tries: 1,
            nextAttemptAt: new Date(),
            lastError: null,
            eventCreated: new Date(),
          },
        },
      ]);
      const lease = await keptPlan(
        db,
        'lease_recent_unordered_deliveries',
        `'{none}', 1000, now()`,
      );
      const outcome = await keptPlan(
        db,
        'write_outcomes_known_days',
        `'[{"delivery_id":"none","status":"delivered","tries":1,"event_created":"2026-01-01T00:00:00Z"}]', '{}'`,
      );
      for (const plan of [lease, outcome]) {
        // Made on empty tables, a plan left free would scan them and hash the events (seen).
        expect(plan).not.toContain('Seq Scan');
        expect(plan).not.toContain('Hash Join');
        expect(plan).not.toContain('Merge Join');
        expect(plan).toMatch(/Index Scan|Index Only Scan/);
      }
      // Planned once: the lease's plan is the generic one, kept for every call after.
      const { rows } = await db.hot.query(
        `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'lease_recent_unordered_deliveries'`,
      );
      expect(Number(rows[0].generic_plans)).toBeGreaterThanOrEqual(1);
      expect(Number(rows[0].custom_plans)).toBe(0);
    } finally {
      await db.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type pg from 'pg';
import { openDatabase } from '../../src/store/db.ts';
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

  interface PlanNode {
    'Node Type': string;
    'Index Cond'?: string;
    'Shared Hit Blocks': number;
    'Shared Read Blocks': number;
    Plans?: PlanNode[];
  }

  /**
   * One run of a prepared statement with the plan its connection keeps: the buffers it touched,
   * and what it did that is not a lookup — a sequential scan, a hash or merge join, an index
   * read from end to end (no index condition).
   */
  async function runOf(on: pg.PoolClient, name: string, values: string) {
    const { rows } = await on.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE ${name}(${values})`,
    );
    const top: PlanNode = rows[0]['QUERY PLAN'][0].Plan;
    const notLookups: string[] = [];
    const walk = (node: PlanNode) => {
      const type = node['Node Type'];
      if (['Seq Scan', 'Hash Join', 'Merge Join'].includes(type)) notLookups.push(type);
      if (type.includes('Index') && !node['Index Cond'])
        notLookups.push(`${type} without a condition`);
      node.Plans?.forEach(walk);
    };
    walk(top);
    return { buffers: top['Shared Hit Blocks'] + top['Shared Read Blocks'], notLookups };
  }

  it('the hot path plans each statement once per connection, and that plan reads only the rows asked for, though made on empty tables', async () => {
    const db = openDatabase(await copyOfTemplate(inject('databaseUrl')), 2);
    const hot = await db.hot.connect();
    try {
      const account = 'acc00000000000000000000000000001';
      const webhook = 'wh000000000000000000000000000001';
      await db.pool.query(`INSERT INTO accounts (id, name, tree) VALUES ($1, 'a', ARRAY[$1])`, [
        account,
      ]);
      await db.pool.query(
        `INSERT INTO webhooks (id, account_id, name, uri, hook, secret)
         VALUES ($1, $2, 'w', 'http://127.0.0.1:1/', 'channel_create', 'whsec_x')`,
        [webhook, account],
      );
      let n = 0;
      const publish = (count: number) => {
        const events = [];
        const deliveries = [];
        for (let i = 0; i < count; i++, n++) {
          const id = `event-${n}`;
          events.push({ accountId: account, id, type: 'channel_create', payload: { n } });
          deliveries.push({
            id: `delivery-${n}`,
            eventAccountId: account,
            eventId: id,
            webhookId: webhook,
            accountId: account,
            trigger: 'auto' as const,
          });
        }
        return [events, deliveries] as const;
      };
      // Every hot statement runs first on this one connection while the tables are empty: its
      // plan is made then, and kept.
      const onHot = storesOf({ ...db, hot: hot as unknown as pg.Pool });
      await onHot.events.insertWithDeliveries(...publish(2));
      await onHot.deliveries.lease(['none'], 1_000); // all three looks
      const outcome = (id: string, eventCreated?: Date) => ({
        delivery: {
          id,
          status: 'pending' as const,
          tries: 0,
          nextAttemptAt: new Date(),
          lastError: null,
          eventCreated,
        },
      });
      await onHot.outcomes.write([outcome('none', new Date())]);
      await onHot.outcomes.write([outcome('none')]);
      await onHot.webhookTargets.forDelivery([webhook]);
      await onHot.webhookTargets.candidates([account]);
      const { rows: prepared } = await hot.query(
        'SELECT name, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name',
      );
      expect(prepared.map((p) => p.name)).toEqual([
        'insert_events_with_deliveries',
        'lease_older_deliveries',
        'lease_recent_deliveries',
        'lease_recent_unordered_deliveries',
        'webhook_candidates',
        'webhooks_for_delivery',
        'write_outcomes',
        'write_outcomes_known_days',
      ]);
      for (const p of prepared) expect([p.name, Number(p.custom_plans)]).toEqual([p.name, 0]);

      // The tables grow (through the general pool: these batches are large), other tenants
      // subscribe …
      for (let k = 0; k < 10; k++) await storesOf(db).events.insertWithDeliveries(...publish(1000));
      // (None of them took a hot connection: the one checked out here is the pool's only one.)
      expect(db.hot.totalCount).toBe(1);
      await db.pool.query(
        `INSERT INTO accounts (id, name, tree) SELECT 'other-' || n, 'o', ARRAY['other-' || n]
         FROM generate_series(1, 5000) n`,
      );
      await db.pool.query(
        `INSERT INTO webhooks (id, account_id, name, uri, hook, secret)
         SELECT 'wh-other-' || n, 'other-' || n, 'w', 'http://127.0.0.1:1/', 'channel_create', 'whsec_x'
         FROM generate_series(1, 5000) n`,
      );
      // … and each kept plan still reads a handful of pages for 20 deliveries, where a scan of
      // deliveries or events (what a plan made freely on empty tables does) reads thousands.
      const ids = `'{${Array.from({ length: 20 }, (_, i) => `delivery-${5000 + i}`).join(',')}}'`;
      const input = `'${JSON.stringify(
        Array.from({ length: 20 }, (_, i) => ({
          delivery_id: `delivery-${6000 + i}`,
          status: 'pending',
          tries: 0,
          next_attempt_at: new Date().toISOString(),
        })),
      )}'`;
      // Each delivery's attempt: with its day (the first form) or without (the second reads it).
      const { rows: days } = await db.pool.query(
        `SELECT id, event_created FROM deliveries WHERE id LIKE 'delivery-60%' AND length(id) = 13`,
      );
      const dayOf = new Map(
        days.map((d) => [d.id as string, (d.event_created as Date).toISOString()]),
      );
      const attempts = (withDay: boolean) =>
        `'${JSON.stringify(
          Array.from({ length: 20 }, (_, i) => ({
            id: `attempt-${withDay ? 'k' : 'u'}-${i}`,
            delivery_id: `delivery-${6000 + i}`,
            account_id: account,
            event_id: `event-${6000 + i}`,
            hook_event: 'channel_create',
            uri: 'http://127.0.0.1:1/',
            method: 'post',
            req_headers: {},
            req_body: '{}',
            try: 1,
            retries_left: 0,
            result: 'success',
            duration_ms: 1,
            created: new Date().toISOString(),
            ...(withDay ? { event_created: dayOf.get(`delivery-${6000 + i}`) } : {}),
          })),
        )}'`;
      const budget = 1_000;
      const runs = {
        leaseRecent: await runOf(
          hot,
          'lease_recent_unordered_deliveries',
          `${ids}, 1000, now() - interval '1 day'`,
        ),
        leaseOrdered: await runOf(
          hot,
          'lease_recent_deliveries',
          `${ids}, 1000, now() - interval '1 day'`,
        ),
        leaseOlder: await runOf(hot, 'lease_older_deliveries', `${ids}, 1000, now()`),
        outcomeKnownDays: await runOf(
          hot,
          'write_outcomes_known_days',
          `${input}, '{}', ${ids.replaceAll('-5', '-6')}, ${attempts(true)}, now() - interval '1 day', now()`,
        ),
        outcome: await runOf(
          hot,
          'write_outcomes',
          `${input}, '{}', ${ids.replaceAll('-5', '-6')}, ${attempts(false)}`,
        ),
        webhooks: await runOf(hot, 'webhooks_for_delivery', `'{${webhook}}'`),
        candidates: await runOf(hot, 'webhook_candidates', `'{${account}}'`),
      };
      // Both forms stored their attempts, each in its delivery's day.
      const { rows: stored } = await db.pool.query(
        `SELECT count(*)::int AS n FROM attempts a JOIN deliveries d
           ON d.id = a.delivery_id AND d.event_created = a.event_created`,
      );
      expect(stored[0].n).toBe(40);
      // Read end to end, the deliveries' index alone would cost a page per row.
      const { rows: count } = await db.pool.query('SELECT count(*)::int AS n FROM deliveries');
      expect(count[0].n).toBeGreaterThan(10 * budget);
      for (const [statement, run] of Object.entries(runs)) {
        expect([statement, run.notLookups]).toEqual([statement, []]);
        expect([statement, run.buffers < budget]).toEqual([statement, true]);
      }
      // One account's one webhook, among 5,000 of other tenants: a few pages, not all of them.
      expect(runs.candidates.buffers).toBeLessThan(50);
    } finally {
      hot.release();
      await db.close();
    }
  });
});

/**
 * A pause in traffic must not cost the next burst its connections: the hot pool never closes an
 * idle connection, and the general pool keeps a few (pg closes idle ones after 10 s by default).
 */
describe('idle connections', () => {
  it('survive a pause longer than the idle timeout: every hot one, four of the general pool', async () => {
    const db = openDatabase(await copyOfTemplate(inject('databaseUrl')), 8);
    try {
      const pids = async (pool: pg.Pool, n: number) => {
        const got = await Promise.allSettled(Array.from({ length: n }, () => pool.connect()));
        const clients = got.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        try {
          expect(clients).toHaveLength(n);
          const ids = await Promise.all(
            clients.map(async (c) => (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid),
          );
          return new Set<number>(ids);
        } finally {
          clients.forEach((c) => c.release());
        }
      };
      // Kept for ever, so probed: a connection dropped silently is found dead, not waited on.
      expect(db.hot.options).toMatchObject({ keepAlive: true, idleTimeoutMillis: 0 });
      expect(db.pool.options).toMatchObject({ keepAlive: true, min: 4 });
      const hotBefore = await pids(db.hot, 3);
      const generalBefore = await pids(db.pool, 6);
      expect(db.pool.totalCount).toBe(6);
      // pg's idle timeout is 10 s; a little more, and the pools are looked at again.
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      expect(db.hot.totalCount).toBe(3);
      expect(await pids(db.hot, 3)).toEqual(hotBefore);
      expect(db.pool.totalCount).toBe(4);
      const generalAfter = await pids(db.pool, 4);
      expect([...generalAfter].every((pid) => generalBefore.has(pid))).toBe(true);
    } finally {
      await db.close();
    }
  }, 20_000);
});

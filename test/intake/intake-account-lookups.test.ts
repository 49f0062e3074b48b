import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { startTestIntake, storedEvents } from '../support/intake.ts';
import { eventually } from '../support/receiver.ts';
import { openIntakeQueue } from '../../src/intake/intake-queue.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { stores, type Stores } from '../../src/store/stores.ts';

/**
 * Every job asks whether its account exists. The jobs a worker has in hand at once (a backlog, a
 * cold start) share that question: one query to Postgres, not one per job.
 */
describe('the intake asks for an account once, however many of its jobs arrive together', () => {
  let t: TestApp;
  let queue: Queue;
  let intakeDb: Database;
  let intake: ReturnType<typeof startTestIntake>;
  let lookups = 0;

  beforeAll(async () => {
    t = await startTestApp();
    queue = openIntakeQueue(t.redis, t.config);
    intakeDb = openDatabase(t.config.databaseUrl, 4);
    const real = stores(intakeDb);
    // Each lookup counted, and slow enough that every job taken meanwhile would ask its own.
    const counted: Stores = {
      ...real,
      accounts: {
        ...real.accounts,
        find: async (id: string) => {
          lookups++;
          await new Promise((resolve) => setTimeout(resolve, 300));
          return real.accounts.find(id);
        },
      },
    };
    intake = startTestIntake(t, counted);
  });
  afterAll(async () => {
    await intake.close();
    await intakeDb.close();
    await queue.close();
    await t.close();
  });

  it('100 jobs of one account waiting together: every event stored, the account read once', async () => {
    const accountId = (await createTenant(t.db)).account.id;
    const ids = Array.from({ length: 100 }, (_, i) => `lookup-${i}`);
    await queue.addBulk(
      ids.map((id) => ({
        name: 'sms',
        data: { account_id: accountId, id, payload: { n: id } },
        opts: { jobId: id },
      })),
    );
    const stored = await eventually(async () => {
      const rows = await storedEvents(t.db, accountId, ids);
      return rows.length === ids.length ? rows : undefined;
    }, 20_000);
    expect(stored.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(lookups).toBe(1);
  });
});

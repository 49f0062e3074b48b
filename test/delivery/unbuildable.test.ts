import { beforeAll, describe, expect, it } from 'vitest';
import { createTenant, fanOutStored, type TestApp } from '../support/app.ts';
import { eventually, type Receiver } from '../support/receiver.ts';
import { deliveryStack } from '../support/stack.ts';
import { createWebhook } from '../support/tenants.ts';

/**
 * A delivery whose request cannot be built ends failed, with an attempt that says why; it never
 * stays pending (the API refuses such payloads today, but events stored earlier, or by another
 * path, must not wedge the worker or the reconciler).
 */
describe('a delivery that cannot be built', () => {
  const stack = deliveryStack();
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(() => ({ t, receiver } = stack));

  it('a payload too deep to flatten into form-data ends failed with client_error bad_payload', async () => {
    const tenant = await createTenant(t.db);
    const hook = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/form`,
      hook: 'sms',
      format: 'form-data',
    });
    // 9,000 levels: Postgres stores it, the form encoder's recursion cannot walk it.
    const deep = '{"a":'.repeat(9000) + '1' + '}'.repeat(9000);
    await t.db.pool.query(
      `INSERT INTO events (account_id, id, type, payload) VALUES ($1, 'too-deep', 'sms', $2::jsonb)`,
      [tenant.account.id, deep],
    );
    const [deliveryId] = await fanOutStored(t, tenant.account.id, ['too-deep']);
    const row = await eventually(async () => {
      const { rows } = await t.db.pool.query(
        'SELECT status, tries, last_error FROM deliveries WHERE id = $1',
        [deliveryId],
      );
      return rows[0]?.status === 'pending' ? undefined : rows[0];
    }, 10_000);
    expect(row).toMatchObject({ status: 'failed', tries: 1 });
    expect(row.last_error).toMatch(/^request could not be built/);
    const { rows: attempts } = await t.db.pool.query(
      'SELECT result, client_error, webhook_id FROM attempts WHERE delivery_id = $1',
      [deliveryId],
    );
    expect(attempts).toEqual([
      { result: 'failure', client_error: 'bad_payload', webhook_id: hook.id },
    ]);
    expect(receiver.requests.filter((r) => r.url === '/form')).toHaveLength(0);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createWebhookCache } from '../../src/delivery/webhook-cache.ts';
import type { WebhookForDelivery } from '../../src/store/webhook-targets.ts';
import { createTenant, api, type TestApp } from '../support/app.ts';
import type { Receiver } from '../support/receiver.ts';
import { deliveryStack } from '../support/stack.ts';
import { createWebhook, publish } from '../support/tenants.ts';

/**
 * A worker keeps copies of the webhooks it delivers to; every change to a webhook, whoever makes
 * it, must show in the very next delivery.
 */

describe('the worker’s copies of webhooks', () => {
  const copy = (id: string, version: string) => ({ id, version }) as WebhookForDelivery;

  it('reads a webhook once while its version stays the same, and again when it changes', async () => {
    const reads: string[][] = [];
    const rows = new Map([
      ['a', copy('a', '1')],
      ['b', copy('b', '1')],
    ]);
    const cache = createWebhookCache(async (ids) => {
      reads.push(ids);
      return new Map(ids.flatMap((id) => (rows.has(id) ? [[id, rows.get(id)!] as const] : [])));
    });
    await cache.current(
      new Map([
        ['a', '1'],
        ['b', '1'],
      ]),
    );
    await cache.current(
      new Map([
        ['a', '1'],
        ['b', '1'],
      ]),
    );
    rows.set('b', copy('b', '2'));
    const now = await cache.current(
      new Map([
        ['a', '1'],
        ['b', '2'],
      ]),
    );
    expect(reads).toEqual([['a', 'b'], ['b']]);
    expect(now.get('b')!.version).toBe('2');
  });

  it('keeps at most maxEntries copies, dropping the oldest', async () => {
    const reads: string[][] = [];
    const cache = createWebhookCache(async (ids) => {
      reads.push(ids);
      return new Map(ids.map((id) => [id, copy(id, '1')]));
    }, 2);
    await cache.current(new Map([['a', '1']]));
    await cache.current(new Map([['b', '1']]));
    await cache.current(new Map([['c', '1']]));
    await cache.current(
      new Map([
        ['b', '1'],
        ['c', '1'],
      ]),
    );
    await cache.current(new Map([['a', '1']]));
    expect(reads).toEqual([['a'], ['b'], ['c'], ['a']]);
  });

  it('a webhook missing from the database is not returned', async () => {
    const cache = createWebhookCache(async () => new Map());
    expect((await cache.current(new Map([['gone', '1']]))).size).toBe(0);
  });
});

describe('webhook changes reach the next delivery', () => {
  const stack = deliveryStack();
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(() => ({ t, receiver } = stack));

  it('a new uri, a rotated secret and a change made straight in the database are all used at once', async () => {
    const tenant = await createTenant(t.db);
    const hook = await createWebhook(t.app, tenant.key, tenant.account.id, {
      uri: `${receiver.url}/first`,
      hook: 'sms',
    });
    await publish(t.app, tenant.key, tenant.account.id, { type: 'sms', id: 'one', payload: {} });
    await receiver.waitFor(1);
    expect(receiver.requests[0].url).toBe('/first');

    const path = `/v2/accounts/${tenant.account.id}/webhooks/${hook.id}`;
    expect(
      (await api(t.app, tenant.key).patch(path, { uri: `${receiver.url}/second` })).statusCode,
    ).toBe(200);
    const rotated = await api(t.app, tenant.key).put(`${path}/secret`, {});
    expect(rotated.statusCode).toBe(200);
    const newSecret = rotated.json().data.secret as string;
    await publish(t.app, tenant.key, tenant.account.id, { type: 'sms', id: 'two', payload: {} });
    await receiver.waitFor(2);
    const second = receiver.requests[1];
    expect(second.url).toBe('/second');
    expect(() => new Webhook(newSecret).verify(second.body, second.headers as never)).not.toThrow();

    // Another writer (here: SQL) changes the row: its version changes, the copy is not used.
    await t.db.pool.query(`UPDATE webhooks SET custom_data = '{"plan":"gold"}' WHERE id = $1`, [
      hook.id,
    ]);
    await publish(t.app, tenant.key, tenant.account.id, { type: 'sms', id: 'three', payload: {} });
    await receiver.waitFor(3);
    expect(JSON.parse(receiver.requests[2].body)).toMatchObject({ plan: 'gold' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectSuccess } from '../support/envelope.ts';

/** A uri's basic-auth password is masked on every read; writing the masked uri back keeps it. */
let t: TestApp;
let A: string;
let key: string;
const URI = 'http://crm:s3cret@127.0.0.1:9/hook';
const MASKED = 'http://crm:****@127.0.0.1:9/hook';

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t.db, 'credentials');
  A = tenant.account.id;
  key = tenant.key;
});
afterAll(() => t.close());

describe('uri credentials', () => {
  it('are masked on create, read, list and delete; the stored uri keeps them', async () => {
    const as = api(t.app, key);
    const created = expectSuccess(
      await as.put(`/v2/accounts/${A}/webhooks`, { name: 'h', uri: URI, hook: 'all' }),
      201,
    );
    expect(created.uri).toBe(MASKED);
    const read = await as.get(`/v2/accounts/${A}/webhooks/${created.id}`);
    expect(expectSuccess(read).uri).toBe(MASKED);
    const list = await as.get(`/v2/accounts/${A}/webhooks`);
    expect(list.body).not.toContain('s3cret');
    const row = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.uri).toBe(URI);
  });

  it('a document read and written back (POST replace, PATCH) keeps the real password', async () => {
    const as = api(t.app, key);
    const created = expectSuccess(
      await as.put(`/v2/accounts/${A}/webhooks`, { name: 'h', uri: URI, hook: 'all' }),
      201,
    );
    const { id, ...doc } = expectSuccess(await as.get(`/v2/accounts/${A}/webhooks/${created.id}`));
    expectSuccess(await as.post(`/v2/accounts/${A}/webhooks/${id}`, { ...doc, name: 'renamed' }));
    expectSuccess(await as.patch(`/v2/accounts/${A}/webhooks/${id}`, { uri: MASKED }));
    const row = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ name: 'renamed', uri: URI });
  });

  it('a new password replaces the stored one', async () => {
    const as = api(t.app, key);
    const created = expectSuccess(
      await as.put(`/v2/accounts/${A}/webhooks`, { name: 'h', uri: URI, hook: 'all' }),
      201,
    );
    const next = 'http://crm:n3w@127.0.0.1:9/hook';
    expectSuccess(await as.patch(`/v2/accounts/${A}/webhooks/${created.id}`, { uri: next }));
    const row = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.uri).toBe(next);
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createTenant, startTestApp, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess, expectValidation } from '../support/envelope.ts';

let t: TestApp;
let owner: { id: string; key: string };

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await createTenant(t.db, 'key owner');
  owner = { id: tenant.account.id, key: tenant.key };
});
afterAll(() => t.close());

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function createKey(name?: string) {
  const res = await api(t.app, owner.key).put(
    `/v2/accounts/${owner.id}/api_keys`,
    name === undefined ? undefined : { name },
  );
  return expectSuccess(res, 201) as {
    id: string;
    name?: string;
    prefix: string;
    account_id: string;
    api_key: string;
  };
}

describe('API keys', () => {
  it('PUT …/api_keys shows the new key once, and stores only its hash', async () => {
    const created = await createKey('ci deploys');
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'ci deploys',
      prefix: created.api_key.slice(0, 8),
      scopes: ['read', 'manage'],
      account_id: owner.id,
      created: expect.any(String),
      api_key: expect.stringMatching(/^sbk_[A-Za-z0-9_-]{40,}$/),
    });
    const row = await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.hash).toBe(sha256(created.api_key));
    expect(JSON.stringify(row)).not.toContain(created.api_key);
  });

  it('a key may be created without a body or a name', async () => {
    const created = await createKey();
    expect(created.api_key).toMatch(/^sbk_/);
    expect(created).not.toHaveProperty('name');
  });

  it('the new key authenticates as its account', async () => {
    const { api_key } = await createKey('fresh');
    expect(expectSuccess(await api(t.app, api_key).get(`/v2/accounts/${owner.id}`)).id).toBe(
      owner.id,
    );
  });

  it('GET …/api_keys lists the keys without their secrets', async () => {
    const created = await createKey('listed');
    const res = await api(t.app, owner.key).get(`/v2/accounts/${owner.id}/api_keys`);
    const keys = expectSuccess(res) as Array<Record<string, unknown>>;
    expect(keys.find((k) => k.id === created.id)).toEqual({
      id: created.id,
      name: 'listed',
      prefix: created.prefix,
      scopes: ['read', 'manage'],
      account_id: owner.id,
      created: expect.any(String),
    });
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(
        expect.arrayContaining(['account_id', 'created', 'id', 'prefix']),
      );
      expect(key).not.toHaveProperty('api_key');
      expect(key).not.toHaveProperty('hash');
    }
    expect(res.body).not.toContain(created.api_key);
    expect(res.body).not.toContain(owner.key);
  });

  it('DELETE …/api_keys/{K} revokes the key and every token issued from it', async () => {
    const created = await createKey('doomed');
    const tokenRes = await api(t.app).put('/v2/api_auth', { api_key: created.api_key });
    expectSuccess(tokenRes, 201);
    const token = tokenRes.json().auth_token as string;
    expectSuccess(await api(t.app, token).get(`/v2/accounts/${owner.id}`));

    expect(
      expectSuccess(
        await api(t.app, owner.key).delete(`/v2/accounts/${owner.id}/api_keys/${created.id}`),
      ),
    ).toEqual({
      id: created.id,
      revoked: true,
    });

    expectError(await api(t.app, created.api_key).get(`/v2/accounts/${owner.id}`), 401);
    expectError(await api(t.app, token).get(`/v2/accounts/${owner.id}`), 401);
    expectError(await api(t.app).put('/v2/api_auth', { api_key: created.api_key }), 401);
    expect(await t.db.prisma.apiKey.count({ where: { id: created.id } })).toBe(0);
    const listed = expectSuccess(
      await api(t.app, owner.key).get(`/v2/accounts/${owner.id}/api_keys`),
    ) as Array<{ id: string }>;
    expect(listed.map((k) => k.id)).not.toContain(created.id);
  });

  it('revoking the same key twice: 404 the second time', async () => {
    const created = await createKey('twice');
    expectSuccess(
      await api(t.app, owner.key).delete(`/v2/accounts/${owner.id}/api_keys/${created.id}`),
    );
    expectError(
      await api(t.app, owner.key).delete(`/v2/accounts/${owner.id}/api_keys/${created.id}`),
      404,
    );
  });

  it("revoking another tenant's key: 404 under one's own account, 403 under theirs, and the key still works", async () => {
    const other = await createTenant(t.db, 'other tenant');
    const otherKeyId = (
      await t.db.prisma.apiKey.findFirstOrThrow({ where: { accountId: other.account.id } })
    ).id;

    expectError(
      await api(t.app, owner.key).delete(`/v2/accounts/${owner.id}/api_keys/${otherKeyId}`),
      404,
    );
    expectError(
      await api(t.app, owner.key).delete(`/v2/accounts/${other.account.id}/api_keys/${otherKeyId}`),
      403,
    );
    expectSuccess(await api(t.app, other.key).get(`/v2/accounts/${other.account.id}`));
  });

  it("a parent manages its child's keys: creates, lists and revokes them", async () => {
    const child = expectSuccess(
      await api(t.app, owner.key).put(`/v2/accounts/${owner.id}`, { name: 'child' }),
      201,
    );
    const made = expectSuccess(
      await api(t.app, owner.key).put(`/v2/accounts/${child.id}/api_keys`, {}),
      201,
    );
    expect(made.account_id).toBe(child.id);
    expect(expectSuccess(await api(t.app, made.api_key).get(`/v2/accounts/${child.id}`)).id).toBe(
      child.id,
    );
    // A child's key is the child's, not the parent's.
    expectError(await api(t.app, made.api_key).get(`/v2/accounts/${owner.id}`), 403);

    const listed = expectSuccess(
      await api(t.app, owner.key).get(`/v2/accounts/${child.id}/api_keys`),
    );
    expect(listed.map((k: { id: string }) => k.id)).toEqual([made.id]);
    expectSuccess(
      await api(t.app, owner.key).delete(`/v2/accounts/${child.id}/api_keys/${made.id}`),
    );
    expectError(await api(t.app, made.api_key).get(`/v2/accounts/${child.id}`), 401);
  });

  it.each([
    [{ name: '' }, { name: 'minLength' }],
    [{ name: 'x'.repeat(129) }, { name: 'maxLength' }],
    [{ name: 1 }, { name: 'type' }],
    [{ label: 'x' }, { label: 'unknown_field' }],
  ])('a key body %j is refused: %j', async (body, fields) => {
    expectValidation(
      await api(t.app, owner.key).put(`/v2/accounts/${owner.id}/api_keys`, body),
      fields,
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRootAccount } from '../../src/bootstrap.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { announceAccessChange } from '../../src/http/auth-cache.ts';
import { api, startTestApp, type TestApp } from '../support/app.ts';
import { expectError, expectSuccess } from '../support/envelope.ts';

/** The root key: long enough, stored by its hash and a short prefix, retired when it changes. */
let t: TestApp;
const FIRST = 'first-root-key-0123456789abcdefghijklmnop';
const SECOND = 'second-root-key-0123456789abcdefghijklmno';

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** As the API process does at start, telling running processes when a key was retired. */
const ensure = (rootKey: string | undefined) =>
  ensureRootAccount(t.db, rootKey, () => announceAccessChange(t.redis, t.config.redisPrefix));

const whoAmI = (key: string, rootId: string) => api(t.app, key).get(`/v2/accounts/${rootId}`);

describe('the root key', () => {
  it.each(['changeme', 'x'.repeat(31)])(
    'SWITCHBOARD_ROOT_KEY=%s is refused with a clear message',
    (key) => {
      expect(() => loadConfig({ SWITCHBOARD_ROOT_KEY: key })).toThrow(ConfigError);
      expect(() => loadConfig({ SWITCHBOARD_ROOT_KEY: key })).toThrow(/at least 32 characters/);
      expect(loadConfig({ SWITCHBOARD_ROOT_KEY: 'x'.repeat(32) }).rootKey).toBe('x'.repeat(32));
    },
  );

  it('generated on the first start without one, once; a chosen one then retires it', async () => {
    const first = await ensure(undefined);
    expect(first.generatedKey).toMatch(/^sbk_/);
    const again = await ensure(undefined);
    expect(again.generatedKey).toBeUndefined();
    expectSuccess(await whoAmI(first.generatedKey!, first.root.id));

    const chosen = await ensure(FIRST);
    expect(chosen.retired).toBe(1);
    expectError(await whoAmI(first.generatedKey!, first.root.id), 401);
    expectSuccess(await whoAmI(FIRST, first.root.id));
  });

  it('is idempotent; changing SWITCHBOARD_ROOT_KEY retires the previous one', async () => {
    const same = await ensure(FIRST);
    expect(same.retired).toBe(0);
    const changed = await ensure(SECOND);
    expect(changed.retired).toBe(1);
    expectError(await whoAmI(FIRST, changed.root.id), 401);
    expectSuccess(await whoAmI(SECOND, changed.root.id));
  });

  it('holds every scope, and is listed by a short prefix only', async () => {
    const { root } = await ensure(SECOND);
    const keys = expectSuccess(await api(t.app, SECOND).get(`/v2/accounts/${root.id}/api_keys`));
    expect(keys).toEqual([
      expect.objectContaining({
        prefix: SECOND.slice(0, 8),
        scopes: ['read', 'manage', 'publish'],
      }),
    ]);
    const rows = await t.db.prisma.apiKey.findMany({ where: { accountId: root.id } });
    expect(JSON.stringify(rows)).not.toContain(SECOND);
  });
});

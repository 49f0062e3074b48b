import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import openapiTS, { astToString } from 'openapi-typescript';

const run = promisify(execFile);

/**
 * The committed OpenAPI document is usable by generated clients: openapi-typescript turns it into
 * types, and code written against them — the attempts log, the error envelope, a webhook's
 * circuit — compiles under strict TypeScript.
 */
describe('a client generated from openapi/openapi.json', () => {
  it('compiles, and types the attempts log, a webhook, an account, an event and the error envelope', async () => {
    const ast = await openapiTS(new URL('../../openapi/openapi.json', import.meta.url));
    const dir = await mkdtemp(path.join(tmpdir(), 'switchboard-client-'));
    try {
      await writeFile(path.join(dir, 'schema.ts'), astToString(ast));
      await writeFile(
        path.join(dir, 'use.ts'),
        `import type { components, paths } from './schema';
type Attempts =
  paths['/v2/accounts/{accountId}/webhooks/attempts']['get']['responses']['2XX']['content']['application/json'];
type Attempt = components['schemas']['Attempt'];
type ErrorEnvelope = components['schemas']['ErrorEnvelope'];
export function firstTimestamp(page: Attempts): number | undefined {
  const first: Attempt | undefined = page.data[0];
  return first?.timestamp;
}
export function errorCode(e: ErrorEnvelope): string {
  return e.error;
}
type Webhook =
  paths['/v2/accounts/{accountId}/webhooks/{webhookId}']['get']['responses']['2XX']['content']['application/json']['data'];
type Account = components['schemas']['Account'];
type Event = components['schemas']['Event'];
export function describe(a: Account, e: Event): string {
  const waiting = e.deliveries.filter((d) => d.queue_state === 'throttled').length;
  return a.name + ' ' + a.tree.length + ' ' + (a.webhook_defaults?.rate_limit ?? 0) + ' ' + e.type + ' ' + waiting;
}
export function isOpen(w: Webhook): boolean {
  const state: 'closed' | 'open' | 'half_open' | undefined = w.circuit?.state;
  return state === 'open' && (w.rate_limit ?? 0) >= 0;
}
`,
      );
      const tsc = path.resolve('node_modules/typescript/bin/tsc');
      const { stdout } = await run(process.execPath, [
        tsc,
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--module',
        'esnext',
        '--moduleResolution',
        'bundler',
        path.join(dir, 'use.ts'),
      ]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }));
      expect(stdout).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

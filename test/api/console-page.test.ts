import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { expectError } from '../support/envelope.ts';

/** /console: the built console's files, each with a strict Content-Security-Policy. */
describe('the console files', () => {
  let t: TestApp;
  let framed: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    framed = await startTestApp(
      testConfig({ SWITCHBOARD_CONSOLE_FRAME_ANCESTORS: 'https://portal.reseller.example' }),
    );
  });
  afterAll(async () => {
    await t.close();
    await framed.close();
  });

  it('serves its page and scripts with a policy that allows its own files only', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
        "frame-ancestors 'self'",
    );
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    // No inline script or style: the page loads its own files.
    expect(page.body).toContain('<script type="module" src="main.js"></script>');
    expect(page.body).not.toMatch(/<script>|<style|style=/);

    const script = await t.app.inject({ method: 'GET', url: '/console/main.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('may be framed by the origins the setting names, and then says so only in the policy', async () => {
    const page = await framed.app.inject({ method: 'GET', url: '/console/' });
    expect(page.headers['content-security-policy']).toContain(
      'frame-ancestors https://portal.reseller.example',
    );
    expect(page.headers).not.toHaveProperty('x-frame-options');
  });

  it('/console leads to /console/; an unknown file or a path out of it is a 404 in the envelope', async () => {
    const bare = await t.app.inject({ method: 'GET', url: '/console' });
    expect(bare.statusCode).toBe(301);
    expect(bare.headers.location).toBe('/console/');
    expectError(await t.app.inject({ method: 'GET', url: '/console/nope.js' }), 404);
    expectError(await t.app.inject({ method: 'GET', url: '/console/../package.json' }), 404);
    expectError(await t.app.inject({ method: 'GET', url: '/console/%2e%2e/package.json' }), 404);
    expectError(await t.app.inject({ method: 'GET', url: '/console/main.js.map' }), 404);
  });
});

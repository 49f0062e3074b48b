import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, startTestApp, testConfig, type TestApp } from '../support/app.ts';
import { launchChromium, screenshot, watchForBreakage } from '../support/browser.ts';
import { eventually, startReceiver, type Receiver } from '../support/receiver.ts';
import { startTestWorker } from '../support/worker.ts';
import { createResellerTree, createWebhook, publish } from '../support/tenants.ts';

/**
 * The console in a real browser (Debian's Chromium) against the real API, Postgres, Redis, a
 * worker and a loopback receiver: what a person does, click by click.
 */
describe('the console, in Chromium', () => {
  let t: TestApp;
  let worker: { close(): Promise<void> };
  let receiver: Receiver;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let base: string;
  let tree: Awaited<ReturnType<typeof createResellerTree>>;
  /** The receiver answers 500 while this is true (and always on /down). */
  let failing = true;

  beforeAll(async () => {
    // Three failures in a minute disable a webhook, so a tree has something to re-enable quickly.
    t = await startTestApp(testConfig({ SWITCHBOARD_AUTO_DISABLE_FAILURES: '3' }));
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    worker = await startTestWorker(t.config);
    receiver = await startReceiver((req) =>
      failing || req.url.startsWith('/down')
        ? { status: 500, body: 'receiver is down' }
        : { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' },
    );
    tree = await createResellerTree(t.app, t.db);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    problems = watchForBreakage(page);
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await receiver?.close();
    await t?.close();
  });

  const heading = (p: Page) => p.getByRole('heading', { level: 1 });
  const status = (p: Page) => p.locator('#status');
  const alert = (p: Page) => p.locator('#alert');

  it('serves the console with a strict Content-Security-Policy', async () => {
    const res = await fetch(`${base}/console/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'self'");
    expect(await res.text()).not.toMatch(/<script>(?!<)/); // no inline script
  });

  it('signs in with an API key', async () => {
    await page.goto(`${base}/console/`);
    await heading(page).getByText('Sign in').waitFor();
    await screenshot(page, '01-sign-in');
    await page.getByLabel('API key').fill('sbk_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await alert(page)
      .getByText(/no longer valid|invalid_credentials/)
      .waitFor();
    await page.getByLabel('API key').fill(tree.reseller.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page).getByText('Webhooks of reseller').waitFor();
    // The key itself is not kept in the browser, only the session token it was exchanged for.
    const stored = await page.evaluate<string>('JSON.stringify(sessionStorage)');
    expect(stored).not.toContain(tree.reseller.key);
    expect(stored).toContain('sbt_');
  });

  let hookId: string;

  it("creates a webhook, showing the API's validation messages next to their fields", async () => {
    await page.getByRole('link', { name: 'New webhook' }).click();
    await heading(page).getByText('New webhook').waitFor();
    await page.getByLabel('Name').fill('Orders');
    await page.getByLabel('URI').fill('not a url');
    await page.getByLabel('Retries').fill('9');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const uriError = page.locator('[data-field="uri"] .field-error');
    const retriesError = page.locator('[data-field="retries"] .field-error');
    await uriError.waitFor();
    // The API's own words, tied to the field for screen readers, and the focus on the first.
    const answer = await api(t.app, tree.reseller.key).put(
      `/v2/accounts/${tree.reseller.id}/webhooks`,
      { name: 'Orders', uri: 'not a url', retries: 9, hook: 'channel_create' },
    );
    const fields = answer.json().data;
    expect(await uriError.textContent()).toContain(fields.uri.format.message);
    expect(await retriesError.textContent()).toContain(fields.retries.maximum.message);
    expect(await page.getByLabel('URI').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate("document.activeElement?.getAttribute('name')")).toBe('uri');
    await screenshot(page, '02-webhook-form-errors');

    await page.getByLabel('URI').fill(`${receiver.url}/orders`);
    await page.getByLabel('Retries').fill('0');
    await page.getByLabel('Hook', { exact: true }).selectOption('channel_create');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await heading(page).getByText('Orders').waitFor();
    hookId = /webhooks\/([0-9a-f]{32})/.exec(page.url())![1];
    const stored = (
      await api(t.app, tree.reseller.key).get(`/v2/accounts/${tree.reseller.id}/webhooks/${hookId}`)
    ).json().data;
    expect(stored).toMatchObject({ name: 'Orders', uri: `${receiver.url}/orders`, retries: 0 });
  });

  it('edits it', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await heading(page).getByText('Edit Orders').waitFor();
    await page.getByLabel('Name').fill('Orders (EU)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await heading(page).getByText('Orders (EU)').waitFor();
  });

  it('shows a delivery failing, then succeeding once recovered, with each attempt readable', async () => {
    await publish(t.app, tree.reseller.key, tree.reseller.id, {
      type: 'channel_create',
      id: 'console-call-1',
      payload: { call_id: 'c-1', caller_id_number: '+15550100' },
    });
    const attemptsOf = async () =>
      (
        await api(t.app, tree.reseller.key).get(
          `/v2/accounts/${tree.reseller.id}/webhooks/${hookId}/attempts`,
        )
      ).json().data as Array<{ result: string }>;
    await eventually(async () => (await attemptsOf()).length === 1);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('.attempt.failed').first().waitFor();
    expect(await page.locator('[data-fact="Health"]').textContent()).toContain('Failing');

    // The receiver is back: recover the failed delivery from the console.
    failing = false;
    await page.getByRole('button', { name: 'Recover failed deliveries' }).click();
    await status(page).getByText('1 failed deliveries queued again.').waitFor();
    await eventually(async () => (await attemptsOf()).some((a) => a.result === 'success'));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('.attempt.ok').first().waitFor();
    expect(await page.locator('.attempt').count()).toBe(2);

    // Open the failed attempt: the request as sent and the response as received.
    const failed = page.locator('.attempt.failed').first();
    await failed.locator('summary').click();
    const text = (await failed.textContent()) ?? '';
    expect(text).toContain(`POST ${receiver.url}/orders`);
    expect(text).toContain('Status 500');
    expect(text).toContain('receiver is down');
    expect(text).toContain('webhook-signature');
    expect(text).toContain('c-1');
    expect(await page.locator('.chart svg').count()).toBe(2);
    await screenshot(page, '03-webhook-attempts');
  });

  it('searches the log by result', async () => {
    await page.getByRole('link', { name: 'Attempts' }).first().click();
    await heading(page).getByText('Attempts').waitFor();
    await page.getByLabel('Result').selectOption('failure');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/result=failure/);
    await page.getByText('1 attempt(s).').waitFor();
    expect(await page.locator('.attempt.failed').count()).toBe(1);
    expect(await page.locator('.attempt.ok').count()).toBe(0);
    await screenshot(page, '04-attempts-search');
  });

  it('reveals and rotates the signing secret', async () => {
    await page.goto(`${base}/console/#/a/${tree.reseller.id}/webhooks/${hookId}`);
    await heading(page).getByText('Orders (EU)').waitFor();
    const secretUrl = `/v2/accounts/${tree.reseller.id}/webhooks/${hookId}/secret`;
    const before = (await api(t.app, tree.reseller.key).get(secretUrl)).json().data.secret;
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.locator('.secret').getByText(before).waitFor();
    await page.getByRole('button', { name: 'Rotate' }).click();
    await status(page)
      .getByText(/Rotated: 2 secret/)
      .waitFor();
    const after = (await api(t.app, tree.reseller.key).get(secretUrl)).json().data.secret;
    expect(after).not.toBe(before);
    expect(await page.locator('.secret').textContent()).toBe(after);
  });

  it('re-enables the webhooks the system disabled across the tree', async () => {
    const sub = tree.subCustomer;
    const down = await createWebhook(t.app, sub.key, sub.id, {
      name: 'Down',
      uri: `${receiver.url}/down`,
      hook: 'sms',
      retries: 0,
    });
    await publish(
      t.app,
      sub.key,
      sub.id,
      [0, 1, 2].map((n) => ({ type: 'sms', id: `down-${n}`, payload: { n } })),
    );
    const hookUrl = `/v2/accounts/${sub.id}/webhooks/${down.id}`;
    await eventually(
      async () => (await api(t.app, sub.key).get(hookUrl)).json().data.enabled === false,
    );
    await page.goto(`${base}/console/#/a/${sub.id}/webhooks`);
    await page
      .locator(`[data-webhook="${down.id}"] .state`)
      .getByText(/too many failed/)
      .waitFor();
    await page.getByRole('link', { name: 'Accounts' }).click();
    await heading(page).getByText('Accounts').waitFor();
    // From the reseller's tree.
    await page.goto(`${base}/console/#/a/${tree.reseller.id}/tree`);
    await page.getByRole('link', { name: 'sub-customer' }).waitFor();
    await screenshot(page, '05-account-tree');
    await page.getByRole('button', { name: 'Re-enable the whole tree' }).click();
    await status(page).getByText('Re-enabled 1 webhook(s).').waitFor();
    expect((await api(t.app, sub.key).get(hookUrl)).json().data.enabled).toBe(true);
  });

  it('shows the catalogue with samples in each dialect, and sends a test event', async () => {
    await page.getByRole('link', { name: 'Catalogue' }).click();
    await heading(page).getByText('Event catalogue').waitFor();
    await page.getByLabel('Hook or event type').selectOption('call_created');
    await page.getByLabel('Dialect').selectOption('voipbin');
    await page.getByRole('button', { name: 'Show sample' }).click();
    await status(page).getByText('Sample of call_created for voipbin.').waitFor();
    expect(await page.getByLabel('Sample payload').textContent()).toContain(
      '"type": "call_created"',
    );
    await screenshot(page, '06-catalogue');

    await page.goto(`${base}/console/#/a/${tree.reseller.id}/test`);
    await heading(page).getByText('Send a test event').waitFor();
    await page.getByLabel('Event type').selectOption('channel_create');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await status(page)
      .getByText(/Accepted event/)
      .waitFor();
    const sent = /Accepted event (\S+)\./.exec((await status(page).textContent()) ?? '')![1];
    // The sample's call reaches the Orders webhook.
    const delivered = await eventually(async () =>
      receiver.requests.find((r) => r.url === '/orders' && r.body.includes('"call_id":"NDlk')),
    );
    expect(delivered.headers['webhook-id']).toEqual(expect.any(String));
    expect(sent).toMatch(/^[0-9a-f]{32}$/);
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${base}/console/`);
    await phone.getByLabel('API key').fill(tree.reseller.key);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await heading(phone).getByText('Webhooks of reseller').waitFor();
    const overflow = await phone.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone, '07-phone-webhooks');
    await phone.close();
  });

  it('opens a console link scoped to a child, read-only, that cannot see its parent', async () => {
    // Minted over HTTP, as a reseller's portal would: the link names the host it was asked on.
    const minted = await fetch(`${base}/v2/accounts/${tree.customer.id}/console_tokens`, {
      method: 'PUT',
      headers: { 'x-auth-token': tree.reseller.key, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { mode: 'read', ttl_seconds: 600 } }),
    });
    expect(minted.status).toBe(201);
    const link = ((await minted.json()) as { data: { url: string } }).data;
    expect(link.url.startsWith(`${base}/console/#token=`)).toBe(true);
    const child = await browser.newPage();
    const childProblems = watchForBreakage(child);
    await child.goto(link.url);
    await heading(child).getByText('Webhooks of customer').waitFor();
    // The token left the address bar at once.
    expect(child.url()).not.toContain('token=');
    await child.getByText('Read-only link').waitFor();
    expect(await child.getByRole('link', { name: 'New webhook' }).count()).toBe(0);
    await screenshot(child, '08-console-link-read-only');

    await child.getByRole('link', { name: 'Accounts' }).click();
    await child.getByRole('link', { name: 'sub-customer' }).waitFor();
    expect(await child.getByRole('link', { name: 'reseller' }).count()).toBe(0);
    expect(await child.locator('main').textContent()).not.toContain(tree.reseller.id);
    expect(await child.getByRole('button', { name: 'Re-enable the whole tree' }).isDisabled()).toBe(
      true,
    );

    // Its parent's pages are refused by the API, and the console says so.
    await child.goto(`${link.url.split('#')[0]}#/a/${tree.reseller.id}/webhooks`);
    await alert(child)
      .getByText(/may not do that/)
      .waitFor();
    expect(await child.locator('main').textContent()).not.toContain('Orders');
    expect(childProblems).toEqual([]);
    await child.close();
  });

  it('ran without a script error or a refused resource', () => {
    expect(problems).toEqual([]);
  });
});

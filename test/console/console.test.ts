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
  /** /billing answers 503 while this is true. */
  let billingDown = true;

  /** What each confirmation dialog asked (all are accepted). */
  const dialogs: string[] = [];

  beforeAll(async () => {
    // Three failures in a minute disable a webhook, so a tree has something to re-enable quickly.
    // Replays are moved on every 200 ms, so one completes within the test's patience.
    t = await startTestApp(
      testConfig({
        SWITCHBOARD_AUTO_DISABLE_FAILURES: '3',
        SWITCHBOARD_REPLAY_INTERVAL_MS: '200',
      }),
    );
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    worker = await startTestWorker(t.config);
    receiver = await startReceiver((req) =>
      req.url.startsWith('/billing') && billingDown
        ? { status: 503, body: 'billing is down' }
        : failing || req.url.startsWith('/down')
          ? { status: 500, body: 'receiver is down' }
          : { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' },
    );
    tree = await createResellerTree(t.app, t.db);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
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

  /** What the Billing webhook's receiver got about a call. */
  const billingRequests = (callId: string) =>
    receiver.requests.filter(
      (r) => r.url === '/billing' && r.body.includes(`"call_id":"${callId}"`),
    );

  const replayButton = () =>
    page.getByRole('button', { name: 'Replay failed deliveries matching these filters' });
  const progress = () => page.locator('.replay-progress');
  /** Waits until the replay's progress reads `text`. */
  const replayReads = (text: string) =>
    progress().locator('.replay-state').getByText(text, { exact: true }).waitFor();

  it('searches the log by status code and call id, with refused filters shown next to their field', async () => {
    await createWebhook(t.app, tree.reseller.key, tree.reseller.id, {
      name: 'Billing',
      uri: `${receiver.url}/billing`,
      hook: 'channel_create',
      retries: 0,
    });
    await publish(
      t.app,
      tree.reseller.key,
      tree.reseller.id,
      ['bill-1', 'bill-2'].map((call) => ({
        type: 'channel_create',
        id: `console-${call}`,
        payload: { call_id: call },
      })),
    );
    // Each call reaches Orders (200) and Billing (503).
    await eventually(async () => {
      const attempts = (
        await api(t.app, tree.reseller.key).get(
          `/v2/accounts/${tree.reseller.id}/webhooks/attempts?call_id=bill-1`,
        )
      ).json().data as unknown[];
      return attempts.length === 2 && billingRequests('bill-2').length === 1;
    });

    await page.goto(`${base}/console/#/a/${tree.reseller.id}/attempts`);
    await heading(page).getByText('Attempts').waitFor();
    // A status code out of range: the API's own message, under the field, which takes the focus.
    await page.getByLabel('Status code').fill('999');
    await page.getByRole('button', { name: 'Search' }).click();
    const statusError = page.locator('[data-field="status_code"] .field-error');
    await statusError.waitFor();
    const refused = await api(t.app, tree.reseller.key).get(
      `/v2/accounts/${tree.reseller.id}/webhooks/attempts?status_code=999`,
    );
    expect(refused.statusCode).toBe(400);
    expect(await statusError.textContent()).toContain(
      refused.json().data.status_code.maximum.message,
    );
    expect(await page.getByLabel('Status code').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate("document.activeElement?.getAttribute('name')")).toBe('status_code');
    await alert(page)
      .getByText(/Some fields need correcting/)
      .waitFor();
    expect(await replayButton().isDisabled()).toBe(true);
    await screenshot(page, '09-attempts-refused-filter');

    // By status code: Billing's two failures, and nothing of Orders.
    await page.getByLabel('Status code').fill('503');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/status_code=503/);
    await page.getByText('2 attempt(s).').waitFor();
    for (const text of await page.locator('.attempt').allTextContents()) {
      expect(text).toContain('status 503');
      expect(text).toContain('billing is down');
    }

    // And by call: only bill-1's.
    await page.getByLabel('Call id').fill('bill-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/call_id=bill-1/);
    await page.getByText('1 attempt(s).').waitFor();
    const only = page.locator('.attempt');
    expect(await only.count()).toBe(1);
    expect(await only.textContent()).toContain('status 503');
    await only.locator('summary').click();
    expect(await only.textContent()).toContain('"call_id": "bill-1"');
    await screenshot(page, '10-attempts-by-status-and-call');
  });

  it('replays the failed deliveries matching the search, showing its progress until it completes', async () => {
    const [failedFirst] = billingRequests('bill-1');
    const deliveryId = failedFirst.headers['webhook-id'];
    billingDown = false;
    // Still on the search for status 503 and call bill-1.
    await replayButton().click();
    expect(dialogs.at(-1)).toContain('status_code 503, call_id bill-1');
    await replayReads('Completed: 1 matched, 1 queued, 1 done.');
    expect(await progress().getAttribute('data-state')).toBe('completed');
    // The focus went to the progress, next to its Cancel button while it ran.
    expect(await page.evaluate('document.activeElement?.id')).toBe('replay-progress-h');
    expect(await progress().getByRole('button', { name: 'Cancel replay' }).isHidden()).toBe(true);
    // The replay's id is kept in the address; its progress reads the same from the API.
    const replayId = /replay=([0-9a-f]{32})/.exec(page.url())![1];
    const replay = (
      await api(t.app, tree.reseller.key).get(
        `/v2/accounts/${tree.reseller.id}/replays/${replayId}`,
      )
    ).json().data;
    expect(replay).toMatchObject({
      state: 'completed',
      matched: 1,
      queued: 1,
      done: 1,
      filter: { status_code: 503, call_id: 'bill-1' },
    });
    // The bar is full: done of queued.
    const bar = progress().locator('progress');
    expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual(['1', '1']);
    await screenshot(page, '11-replay-completed');

    // The receiver got bill-1's delivery again, under the same webhook-id; bill-2's was left alone.
    const again = billingRequests('bill-1');
    expect(again).toHaveLength(2);
    expect(again[1].headers['webhook-id']).toBe(deliveryId);
    expect(billingRequests('bill-2')).toHaveLength(1);

    // Reloaded, the page shows the same replay's outcome.
    await page.reload();
    await replayReads('Completed: 1 matched, 1 queued, 1 done.');
  });

  it('lists events by call and delivery state, each leading to its attempts', async () => {
    await page.getByRole('link', { name: 'Events' }).click();
    await heading(page).getByText('Events').waitFor();
    await page.getByLabel('Delivery state').selectOption('failed');
    await page.getByLabel('Event type').selectOption('channel_create');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/state=failed/);
    // bill-2 still has Billing's failure; bill-1 was replayed and delivered.
    const rows = page.locator('tr[data-event]');
    await page.getByText(/\d+ event\(s\)/).waitFor();
    const texts = await rows.allTextContents();
    expect(texts.some((t) => t.includes('bill-2'))).toBe(true);
    expect(texts.some((t) => t.includes('bill-1'))).toBe(false);
    expect(texts.every((t) => t.includes('Failed'))).toBe(true);

    await page.getByLabel('Delivery state').selectOption('');
    await page.getByLabel('Call id').fill('bill-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/call_id=bill-1/);
    await page.getByText('1 event(s).').waitFor();
    expect(await rows.textContent()).toContain('Delivered');
    expect(await rows.textContent()).toContain('2 delivered, 0 failed');
    await screenshot(page, '12-events');
    await rows.getByRole('link', { name: /Attempts of event/ }).click();
    await page.waitForURL(/event_id=/);
    // Bill-1's three attempts: Orders' success, Billing's 503 and its replayed success.
    await page.getByText('3 attempt(s).').waitFor();
  });

  it('cancels a replay before it queued anything: nothing is sent again', async () => {
    // No worker: nothing moves the replay on, so it is still looking for deliveries when cancelled.
    await worker.close();
    await page.goto(
      `${base}/console/#/a/${tree.reseller.id}/attempts?status_code=503&call_id=bill-2`,
    );
    await page.getByText('1 attempt(s).').waitFor();
    await replayButton().click();
    expect(dialogs.at(-1)).toContain('status_code 503, call_id bill-2');
    await replayReads('Running: 0 matched, 0 queued, 0 done.');
    await progress().getByRole('button', { name: 'Cancel replay' }).click();
    await status(page).getByText('Replay cancelled: 0 deliveries had been queued.').waitFor();
    await replayReads('Cancelled: 0 matched, 0 queued, 0 done.');
    expect(await progress().getAttribute('data-state')).toBe('cancelled');
    expect(await progress().getByRole('button', { name: 'Cancel replay' }).isHidden()).toBe(true);
    await screenshot(page, '13-replay-cancelled');

    // A worker again: the cancelled replay stays as it was, and bill-2 is not sent again.
    worker = await startTestWorker(t.config);
    const replayId = /replay=([0-9a-f]{32})/.exec(page.url())![1];
    const replayUrl = `/v2/accounts/${tree.reseller.id}/replays/${replayId}`;
    // Several housekeeping passes (every 200 ms) to prove a negative.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await api(t.app, tree.reseller.key).get(replayUrl)).json().data).toMatchObject({
      state: 'cancelled',
      matched: 0,
      queued: 0,
    });
    expect(billingRequests('bill-2')).toHaveLength(1);
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
    // A bulk replay is a change: offered, disabled, and saying why.
    await child.getByRole('link', { name: 'Attempts' }).click();
    const replay = child.getByRole('button', {
      name: 'Replay failed deliveries matching these filters',
    });
    await replay.waitFor();
    expect(await replay.isDisabled()).toBe(true);
    const why = await replay.getAttribute('aria-describedby');
    expect(await child.locator(`#${why}`).textContent()).toContain('read-only link cannot start');

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

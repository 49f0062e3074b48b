import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core: headless, no sandbox (CI runs as root), no GPU,
 * and no background traffic — the page talks to the loopback API only.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Where a test run's screenshots go (git ignores it). */
export const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'test-output', 'console');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Collects what would show that the page broke: uncaught errors, console errors (a refused
 * script or style would report a Content-Security-Policy violation there), and failed requests
 * other than the API's own 4xx answers.
 */
export function watchForBreakage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // The browser logs every 4xx a fetch receives; the tests provoke some on purpose.
    if (/status of 4\d\d/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  return problems;
}

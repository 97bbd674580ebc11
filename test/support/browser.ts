import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's chromium: playwright-core ships no browser, and tests must not download one. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** dist/test/support/browser.js → <repo>/test-artifacts/ui */
export const SCREENSHOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts', 'ui');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface WatchedPage {
  page: Page;
  /** console.error messages and uncaught exceptions, in order. */
  consoleErrors: string[];
  /** Requests that failed at the network level or got a 4xx/5xx answer: "<status|reason> <method> <url>". */
  failedRequests: string[];
  close(): Promise<void>;
}

export interface OpenPageOptions {
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** Answers that are expected (a 404 the test provokes): matching URLs are not recorded. */
  ignoreFailures?: RegExp;
}

/**
 * Opens `url` in a fresh context (no shared storage between tests) at 1280×800 by default and
 * records everything a UI test should fail on.
 */
export async function openPage(browser: Browser, url: string, opts: OpenPageOptions = {}): Promise<WatchedPage> {
  const contextOptions: BrowserContextOptions = { viewport: opts.viewport ?? { width: 1280, height: 800 } };
  if (opts.colorScheme) contextOptions.colorScheme = opts.colorScheme;
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  const ignored = (u: string): boolean => opts.ignoreFailures?.test(u) ?? false;
  page.on('console', (msg) => {
    // Chromium logs every 4xx/5xx answer as a console error too; expected ones are skipped here.
    if (msg.type() === 'error' && !ignored(msg.location().url)) consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) => {
    const reason = req.failure()?.errorText ?? 'failed';
    // Leaving a page aborts its fetches and closes the event stream: not a failure.
    if (reason === 'net::ERR_ABORTED' || ignored(req.url())) return;
    failedRequests.push(`${reason} ${req.method()} ${req.url()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !ignored(res.url())) failedRequests.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  await page.goto(url);
  return { page, consoleErrors, failedRequests, close: () => context.close() };
}

/** Saves a full-page PNG as test-artifacts/ui/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

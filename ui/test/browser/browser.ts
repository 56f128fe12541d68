// Headless Chromium (Debian's, never a downloaded build) driven by playwright-core,
// with the fake shell injected before the app's own scripts run.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import type { FakeShellConfig } from '../harness/fake-shell';

export const CHROMIUM = process.env.DESK_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set DESK_CHROMIUM`);
  }
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface AppPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught errors and CSP violations seen by the page; a clean run has none. */
  problems: string[];
}

export interface OpenOptions {
  mock?: FakeShellConfig;
  locale?: string;
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  /** Serve the page without the app's CSP (XSS test only). */
  withoutCsp?: boolean;
}

export async function openApp(browser: Browser, options: OpenOptions = {}): Promise<AppPage> {
  const context = await browser.newContext({
    // The app window's default size (tauri.conf.json).
    viewport: options.viewport ?? { width: 1360, height: 860 },
    locale: options.locale ?? 'en-US',
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  // Fail a step in seconds, not at the 30 s test timeout, so the report names the step.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  await page.addInitScript((config) => {
    window.__DESK_MOCK_CONFIG__ = config;
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  }, options.mock ?? {});
  await page.addInitScript({ path: inject('harnessPath') });
  // Tauri runs with freezePrototype: the app must not patch Object.prototype.
  await page.addInitScript(() => Object.freeze(Object.prototype));
  await page.goto(inject('baseUrl') + (options.withoutCsp ? '?csp=off' : ''));
  return { page, context, problems };
}

export async function signIn(page: Page, password = 'desk-demo-pass'): Promise<void> {
  await page.getByTestId('email').fill('chen.jing@desk.example');
  await page.getByTestId('password').fill(password);
  await page.getByTestId('password').press('Enter');
}

/** One browser for a test file and one page per test, closed after it: registers the hooks
 * and returns `open`. Every flow must end without uncaught errors, console errors or CSP
 * violations, which fails the test that caused them. */
export function pagePerTest(): (options?: OpenOptions) => Promise<Page> {
  let browser: Browser | undefined;
  let current: AppPage | undefined;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    const problems = current?.problems ?? [];
    await current?.context.close();
    current = undefined;
    expect(problems, 'the page logged errors or CSP violations').toEqual([]);
  });
  return async (options = {}) => {
    current = await openApp(browser!, options);
    return current.page;
  };
}

/** The arguments of every call the page made to the fake shell's command `cmd`. */
export function callsOf(page: Page, cmd: string): Promise<unknown[]> {
  return page.evaluate((cmd) => window.__deskMock!.shell.calls.filter((c) => c.cmd === cmd).map((c) => c.args), cmd);
}

/** The data-testid of the focused element (or its tag when it has none). */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el?.getAttribute('data-testid') ?? el?.tagName.toLowerCase() ?? '';
  });
}

/** The command palette's items for `query`, by id; the palette is closed again. */
export async function paletteItems(page: Page, query: string): Promise<string[]> {
  await page.keyboard.press('Control+k');
  await page.getByTestId('palette-input').fill(query);
  const ids = await page.getByTestId('palette-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-command') ?? ''));
  await page.keyboard.press('Escape');
  await page.getByTestId('palette').waitFor({ state: 'detached' });
  return ids;
}

// The public web form's suggested articles, end to end: the real desk-server (seeded with
// the demo's knowledge base) serving its form page and script to headless Chromium, a
// customer typing, the help articles their words point to listed before they send
// (DESIGN.md §11, "FAQ first, then a person"). Nothing faked: the page, the script, the
// policy and the answers are the server's.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ARTIFACTS, launch } from './browser';

/** `cargo xtask test` names the build's server; by hand, the default target directory's. */
const SERVER_BIN =
  process.env.DESK_SERVER_BIN ?? fileURLToPath(new URL('../../../target/debug/desk-server', import.meta.url));
const SUPERVISOR = 'kb.editor@desk.test';
const PASSWORD = 'form-test-password-2026';

let dir = '';
let server: ChildProcess | undefined;
let base = '';
let browser: Browser;

async function startServer(): Promise<string> {
  server = spawn(SERVER_BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DESK_LOG: 'warn' },
  });
  const lines = createInterface({ input: server.stdout! });
  for await (const line of lines) {
    if (line.startsWith('listening on ')) return line.slice('listening on '.length).trim();
    throw new Error(`unexpected first line from desk-server: ${line}`);
  }
  throw new Error('desk-server exited before listening');
}

/** A published article written as a supervisor writes one, over the API. */
async function putArticle(id: string, translations: Record<string, { title: string; body: string }>): Promise<void> {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: SUPERVISOR, password: PASSWORD, device_name: 'form test' }),
  });
  expect(login.status).toBe(200);
  const { access_token } = (await login.json()) as { access_token: string };
  const put = await fetch(`${base}/api/v1/kb/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
    body: JSON.stringify({ status: 'published', translations }),
  });
  expect(put.status, await put.clone().text()).toBe(200);
}

/** The form page, with every console error and refused script or request collected. */
async function openForm(lang: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ locale: lang === 'en' ? 'en-US' : 'zh-CN' });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${base}/form?lang=${lang}`);
  return { page, problems };
}

const suggested = (page: Page) =>
  page.locator('#suggestions li a').evaluateAll((links) =>
    links.map((a) => ({ text: a.textContent, href: a.getAttribute('href'), target: a.getAttribute('target') })),
  );

describe('the web form suggests articles while the customer types', () => {
  beforeAll(async () => {
    if (!existsSync(SERVER_BIN)) {
      throw new Error(`no desk-server at ${SERVER_BIN}: build it (cargo build -p desk-server) or set DESK_SERVER_BIN`);
    }
    dir = mkdtempSync(join(tmpdir(), 'desk-form-'));
    execFileSync(
      SERVER_BIN,
      ['agent', 'add', '--data-dir', dir, '--email', SUPERVISOR, '--name', 'KB editor', '--role', 'supervisor', '--password-stdin'],
      { input: `${PASSWORD}\n`, stdio: ['pipe', 'ignore', 'inherit'] },
    );
    execFileSync(SERVER_BIN, ['seed-demo', '--data-dir', dir, '--tickets', '5', '--now-ms', String(Date.now())], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    base = await startServer();
    await putArticle('kb-hostile-title', {
      'zh-CN': { title: '<img src=x onerror="window.__pwned=1">手续费退还', body: '手续费退还说明。' },
      en: { title: '<img src=x onerror="window.__pwned=1">Fee refunds', body: 'About fee refunds.' },
    });
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a Chinese customer asking about a missing deposit is shown the article on it', async () => {
    const { page, problems } = await openForm('zh-CN');
    const box = page.locator('#suggestions');
    expect(await box.isHidden(), 'nothing typed, nothing shown').toBe(true);
    await page.fill('#subject', '充值一直没到账');
    await page.locator('#message').pressSequentially('你好，昨天充值的USDT到现在还没有到账，区块浏览器显示成功');
    await page.locator('#suggestions li a').first().waitFor();
    expect(await box.locator('h2').textContent()).toBe('这些文章也许能解答您的问题：');
    const links = await suggested(page);
    // Both articles on money not arrived lead; the deposit one among them.
    expect(links.slice(0, 2).map((l) => l.href).sort()).toEqual([
      '/help/kb-deposit-not-arrived?lang=zh-CN',
      '/help/kb-network-confirmations?lang=zh-CN',
    ]);
    expect(links.find((l) => l.href?.startsWith('/help/kb-deposit-not-arrived'))).toEqual({
      text: '充值未到账怎么查？',
      href: '/help/kb-deposit-not-arrived?lang=zh-CN',
      target: '_blank',
    });
    expect(links.some((l) => l.text?.includes('草稿')), 'never a draft').toBe(false);
    await page.screenshot({ path: `${ARTIFACTS}webform-suggestions-zh-CN.png`, fullPage: true });
    // The link opens the article; what was typed stays in the form.
    const [article] = await Promise.all([
      page.waitForEvent('popup'),
      page.locator('#suggestions li a', { hasText: '充值未到账怎么查？' }).click(),
    ]);
    await article.waitForLoadState();
    expect(await article.locator('h1').textContent()).toBe('充值未到账怎么查？');
    expect(await page.inputValue('#subject')).toBe('充值一直没到账');
    expect(problems, 'no script error and nothing the policy refused').toEqual([]);
  });

  test('an English customer locked out is shown the article on locked accounts; greetings suggest nothing', async () => {
    const { page, problems } = await openForm('en');
    await page.locator('#message').pressSequentially('Hello, thanks');
    // Longer than the script's wait, then nothing is listed.
    await page.waitForTimeout(1_500);
    expect(await page.locator('#suggestions').isHidden()).toBe(true);
    await page.locator('#message').pressSequentially(' my account is locked after a wrong password');
    await page.locator('#suggestions li a').first().waitFor();
    const links = await suggested(page);
    expect(links[0]?.text).toBe('My account is locked');
    expect(links[0]?.href).toBe('/help/kb-account-locked?lang=en');
    await page.screenshot({ path: `${ARTIFACTS}webform-suggestions-en.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  test('a hostile article title is shown as text and runs nothing', async () => {
    const { page, problems } = await openForm('en');
    await page.fill('#subject', 'fee refunds');
    await page.locator('#message').pressSequentially('Can I get the network fee refunds?');
    const hostile = page.locator('#suggestions li a', { hasText: 'Fee refunds' });
    await hostile.waitFor();
    expect(await hostile.textContent()).toBe('<img src=x onerror="window.__pwned=1">Fee refunds');
    expect(await page.locator('#suggestions img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
  });
});

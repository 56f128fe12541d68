// The console end to end: the built app in headless Chromium, the Tauri IPC answered by
// the fake shell (test/harness). Expected rows and counts come from the same fixtures,
// computed here in Node, so a change in the data cannot silently weaken an assertion.
import { describe, expect, inject, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { InboxView } from '../../src/lib/bindings';
import { FakeShell, type FakeShellConfig } from '../harness/fake-shell';
import { CANARY, XSS_MARK } from '../harness/fixtures';
import { ARTIFACTS, pagePerTest, signIn, type OpenOptions } from './browser';

const open = pagePerTest();

/** Ticket ids of a view, newest activity first, as the shell answers them. */
function expectedIds(view: InboxView, config: FakeShellConfig = {}): string[] {
  const shell = new FakeShell({ ...config, signedIn: true });
  return shell
    .inView(view)
    .slice()
    .sort((a, b) => b.last_message_at - a.last_message_at)
    .map((t) => t.id);
}

async function rowIds(page: Page): Promise<string[]> {
  return page.getByTestId('ticket-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket-id') ?? ''));
}

async function selectedId(page: Page): Promise<string | null> {
  return page.evaluate(
    () => document.querySelector('[data-testid="ticket-row"][aria-selected="true"]')?.getAttribute('data-ticket-id') ?? null,
  );
}

async function listShows(page: Page, ids: string[]): Promise<void> {
  await expect.poll(() => rowIds(page), { timeout: 5000 }).toEqual(ids);
}

async function openInbox(options: OpenOptions = {}): Promise<Page> {
  const page = await open({ ...options, mock: { signedIn: true, ...options.mock } });
  await page.getByTestId('ticket-row').first().waitFor();
  return page;
}

describe('sign-in', () => {
  test('a wrong password shows an inline error; the right one opens the inbox', async () => {
    const page = await open({ mock: { latencyMs: 150 } });
    await expect(page.getByTestId('server-url').inputValue()).resolves.toBe('http://127.0.0.1:8080');

    await signIn(page, 'not-the-password');
    // Busy while the shell works: the button cannot be pressed twice.
    await expect.poll(() => page.getByTestId('sign-in').isDisabled()).toBe(true);
    const error = page.getByTestId('sign-in-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code'), 'the form branches on the error code').toBe('invalid_credentials');
    expect(await error.textContent()).toContain('Wrong email or password');
    expect(await page.getByTestId('ticket-list').count(), 'a failed sign-in must not open the console').toBe(0);

    await signIn(page);
    await page.getByTestId('ticket-list').waitFor();
    expect(await page.getByTestId('agent-name').textContent()).toBe('Chen Jing');
    expect(await page.getByTestId('connectivity').getAttribute('data-state')).toBe('online');
    expect(await page.getByTestId('offline-banner').count(), 'online: no offline banner').toBe(0);
  });

  test('an unreachable server is reported as such, not as a wrong password', async () => {
    const page = await open();
    await page.getByTestId('server-url').fill('http://unreachable.invalid:8080');
    await signIn(page);
    const error = page.getByTestId('sign-in-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('offline');
    expect(await error.textContent()).toContain('reach the server');
  });

  test('a cache the console had to start afresh is explained on the sign-in page', async () => {
    const page = await open({ mock: { cacheReset: 'device_revoked' }, locale: 'zh-CN' });
    const notice = page.getByTestId('cache-reset');
    await notice.waitFor();
    expect(await notice.getAttribute('data-reason')).toBe('device_revoked');
    expect(await notice.textContent(), 'in the agent\'s language, saying what was lost').toContain('已删除本机保存的工单');
  });

  test('a cache key missing from the keychain is named as the reason', async () => {
    const page = await open({ mock: { cacheReset: 'key_missing' } });
    const notice = page.getByTestId('cache-reset');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('missing from the system keychain');
  });

  test('sign out returns to the sign-in screen', async () => {
    const page = await openInbox();
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in').waitFor();
    expect(await page.getByTestId('ticket-list').count()).toBe(0);
  });
});

describe('inbox', () => {
  test('the list shows the open view newest first, with counts for every view', async () => {
    const page = await openInbox();
    await listShows(page, expectedIds('open'));
    for (const view of ['open', 'mine', 'unassigned', 'awaiting_confirmation', 'all'] as const) {
      const count = page.getByTestId(`view-${view}`).getByTestId('view-count');
      await expect.poll(() => count.textContent(), { message: `count of ${view}` }).toBe(String(expectedIds(view).length));
    }
    const first = page.getByTestId('ticket-row').first();
    expect(await first.textContent()).toContain('#1042');
    expect(await first.textContent()).toContain('王磊');
    expect(await first.textContent()).toContain('VIP');
  });

  test('opening a ticket shows the Chinese conversation and the customer with a stuck transaction', async () => {
    const page = await openInbox();
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1042"]').click();
    const detail = page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1042"]');
    await detail.waitFor();
    expect(await page.getByTestId('ticket-subject').textContent()).toBe('提币一直显示等待确认，是不是卡住了？');

    const kinds = await page.getByTestId('message').evaluateAll((ms) => ms.map((m) => m.getAttribute('data-kind')));
    expect(kinds, 'oldest first, every kind shown').toEqual([
      'public_reply',
      'system_event',
      'public_reply',
      'internal_note',
      'public_reply',
    ]);
    const firstBody = await page.getByTestId('message-body').first().textContent();
    expect(firstBody).toContain('5000 USDT');
    expect(firstBody).toContain('等待确认');
    // Line breaks in a reply survive as text (pre-wrap), not collapsed.
    const reply = page.locator('[data-testid="message"][data-author="agent"][data-kind="public_reply"] [data-testid="message-body"]');
    expect(await reply.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre-wrap');
    expect(await reply.textContent()).toContain('\n\n');

    const panel = page.getByTestId('customer-panel');
    expect(await panel.getByTestId('customer-name').textContent()).toBe('王磊');
    expect(await panel.getByTestId('customer-tier').textContent()).toBe('VIP');
    expect(await panel.getByTestId('customer-kyc').textContent()).toBe('L2');
    expect(await panel.textContent()).toContain('wechat:wanglei_88');

    const awaiting = panel.locator('[data-testid="transaction"][data-status="awaiting_customer_confirmation"]');
    expect(await awaiting.count()).toBe(1);
    expect(await awaiting.getByTestId('awaiting-confirmation').isVisible(), 'the stuck transaction is called out').toBe(true);
    expect(await awaiting.getByTestId('tx-confirmations').textContent()).toBe('0 / 20');
    const hash = awaiting.getByTestId('tx-hash');
    expect(await hash.getAttribute('title')).toBe('b3c1f09a7d5e4e21a8f6c0d93b7e21f45a9c3d8e6f1b2a4c5d7e8f9a0b1c2d3e');
    expect(await hash.textContent()).toBe('b3c1f0…2d3e');
    const highlighted = await awaiting.evaluate((el) => getComputedStyle(el).backgroundColor);
    const plain = await panel
      .locator('[data-testid="transaction"][data-status="confirmed"]')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(highlighted, 'awaiting confirmation looks different from a settled transaction').not.toBe(plain);
  });

  test('views switch by click and by g-shortcuts, asking the shell for the right view', async () => {
    const page = await openInbox();
    await page.getByTestId('view-mine').click();
    await listShows(page, expectedIds('mine'));
    expect(await page.getByTestId('view-mine').getAttribute('aria-current')).toBe('page');

    await page.keyboard.press('g');
    await page.keyboard.press('u');
    await listShows(page, expectedIds('unassigned'));

    await page.keyboard.press('g');
    await page.keyboard.press('c');
    await listShows(page, expectedIds('awaiting_confirmation'));

    await page.keyboard.press('g');
    await page.keyboard.press('a');
    await listShows(page, expectedIds('all'));

    const views = await page.evaluate(() =>
      window.__deskMock!.shell.calls.filter((c) => c.cmd === 'list_tickets').map((c) => (c.args as { view: string }).view),
    );
    expect(views.slice(-4)).toEqual(['mine', 'unassigned', 'awaiting_confirmation', 'all']);
  });

  test('j/k move the selection, Enter opens; keys typed into the filter stay text', async () => {
    const page = await openInbox();
    const ids = expectedIds('open');
    await listShows(page, ids);
    expect(await selectedId(page), 'the first row starts selected').toBe(ids[0]);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    expect(await selectedId(page)).toBe(ids[2]);
    await page.keyboard.press('k');
    expect(await selectedId(page)).toBe(ids[1]);
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="ticket-detail"][data-ticket-id="${ids[1]}"]`).waitFor();

    // With the list focused by a click, Enter opens once (list and window must not both act).
    await page.locator(`[data-testid="ticket-row"][data-ticket-id="${ids[0]}"]`).click();
    await page.locator(`[data-testid="ticket-detail"][data-ticket-id="${ids[0]}"]`).waitFor();
    const opens = () => page.evaluate(() => window.__deskMock!.commands().filter((c) => c === 'get_ticket').length);
    const before = await opens();
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="ticket-detail"][data-ticket-id="${ids[1]}"]`).waitFor();
    expect(await opens(), 'one Enter, one get_ticket').toBe(before + 1);

    await page.keyboard.press('f');
    const filter = page.getByTestId('ticket-filter');
    expect(await filter.evaluate((el) => el === document.activeElement), 'f focuses the filter (/ is search)').toBe(true);
    await page.keyboard.type('Emily jk');
    expect(await filter.inputValue(), 'j and k are typed, not swallowed').toBe('Emily jk');
    await filter.fill('Emily');
    await listShows(
      page,
      ids.filter((id) => id === 't-1041'),
    );
    await page.keyboard.press('Escape');
    await listShows(page, ids);
  });

  test('a session-changed event refreshes list and counts (background sync pulled a ticket)', async () => {
    const page = await openInbox();
    const before = expectedIds('open').length;
    const id = await page.evaluate(() => window.__deskMock!.receiveTicket('Cannot withdraw to a new address'));
    await expect.poll(() => rowIds(page).then((ids) => ids[0])).toBe(id);
    await expect
      .poll(() => page.getByTestId('view-open').getByTestId('view-count').textContent())
      .toBe(String(before + 1));
  });

  test('an evicted conversation opened offline says where the rest is', async () => {
    const page = await openInbox();
    await page.evaluate(() => window.__deskMock!.shell.evicted.add('t-1042'));
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1042"]').click();
    await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1042"]').waitFor();
    expect(await page.getByTestId('conversation-on-server').textContent()).toContain('kept on the server');
    await page.locator('[data-testid="ticket-row"]').nth(1).click();
    await expect.poll(() => page.getByTestId('conversation-on-server').count(), { message: 'a whole conversation has no note' }).toBe(0);
  });

  test('a bootstrap shows its progress instead of the inbox, then the inbox', async () => {
    const page = await openInbox();
    const emit = (phase: string, done: number, bootstrap = true) =>
      page.evaluate(
        ([phase, done, bootstrap]) =>
          window.__deskMock!.emitProgress({
            phase: phase as 'receiving',
            bootstrap: bootstrap as boolean,
            done: done as number,
            total: 12_000,
          }),
        [phase, done, bootstrap] as const,
      );
    await emit('receiving', 3_000);
    const bar = page.getByTestId('first-sync-bar');
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuenow')).toBe('25');
    expect(await page.getByTestId('first-sync-label').textContent()).toBe('Receiving 3,000 of 12,000 changes');
    expect(await page.getByTestId('ticket-row').count(), 'no half-filled inbox behind the bar').toBe(0);

    await emit('preparing', 12_000);
    await expect.poll(() => page.getByTestId('first-sync-label').textContent()).toBe('Preparing the inbox…');
    expect(await page.getByTestId('first-sync-percent').textContent()).toBe('100%');

    await emit('done', 12_000);
    await page.getByTestId('ticket-row').first().waitFor();
    expect(await page.getByTestId('first-sync').count()).toBe(0);

    await emit('indexing', 6_000, false);
    await expect.poll(() => page.getByTestId('indexing').textContent()).toContain('Indexing for search 50%');
    await emit('done', 12_000, false);
    await page.getByTestId('indexing').waitFor({ state: 'detached' });
  });

  test('going offline shows the banner; coming back removes it', async () => {
    const page = await openInbox();
    expect(await page.getByTestId('offline-banner').count()).toBe(0);
    await page.evaluate(() => window.__deskMock!.emitSession({ connectivity: 'offline' }));
    const banner = page.getByTestId('offline-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Offline — showing cached tickets');
    expect(await page.getByTestId('connectivity').getAttribute('data-state')).toBe('offline');
    expect((await rowIds(page)).length, 'cached tickets stay visible offline').toBe(expectedIds('open').length);

    await page.evaluate(() => window.__deskMock!.emitSession({ connectivity: 'online' }));
    await banner.waitFor({ state: 'detached' });
    expect(await page.getByTestId('connectivity').getAttribute('data-state')).toBe('online');
  });

  test('Sync now asks the shell and shows what it answers', async () => {
    const page = await openInbox({ mock: { serverDown: true } });
    await page.getByTestId('offline-banner').waitFor();
    await page.evaluate(() => window.__deskMock!.setServerDown(false));
    await page.getByTestId('sync-now').click();
    await page.getByTestId('offline-banner').waitFor({ state: 'detached' });
    expect(await page.getByTestId('connectivity').getAttribute('data-state')).toBe('online');
    expect(await page.evaluate(() => window.__deskMock!.commands().includes('sync_now'))).toBe(true);
  });
});

describe('language and theme', () => {
  test('the language switch turns the chrome Chinese and is remembered', async () => {
    const page = await openInbox();
    const shellLanguage = () => page.evaluate(() => window.__deskMock!.shell.uiLanguage);
    expect(await page.getByTestId('view-open').textContent()).toContain('Open');
    // The shell learns the language for its notifications, on start and on a switch.
    await expect.poll(shellLanguage).toBe('en');
    await page.getByTestId('lang-toggle').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await expect.poll(shellLanguage).toBe('zh-CN');
    expect(await page.getByTestId('view-open').textContent()).toContain('未解决');
    expect(await page.getByTestId('view-awaiting_confirmation').textContent()).toContain('等待确认');
    expect(await page.getByTestId('sign-out').textContent()).toContain('退出登录');
    expect(await page.getByTestId('sync-now').textContent()).toContain('立即同步');
    expect(await page.getByTestId('connectivity').textContent()).toContain('在线');
    expect(await page.getByTestId('lang-toggle').textContent()).toContain('English');

    await page.reload();
    await page.getByTestId('ticket-row').first().waitFor();
    expect(await page.getByTestId('view-open').textContent(), 'the choice survives a restart').toContain('未解决');
  });

  test('a Chinese system language starts the UI in Chinese', async () => {
    const page = await open({ locale: 'zh-CN' });
    await page.getByTestId('sign-in').waitFor();
    expect(await page.getByTestId('sign-in').textContent()).toContain('登录');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
  });

  test('the theme follows the system, and the toggle overrides it', async () => {
    const page = await openInbox({ colorScheme: 'dark' });
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(darkBg);
  });
});

describe('hostile content', () => {
  test('markup in subjects, names and messages renders as inert text', async () => {
    // Served without CSP, so nothing but the UI's own escaping stops a script.
    const page = await openInbox({ mock: { hostile: true }, withoutCsp: true });
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-6666"]').click();
    await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-6666"]').waitFor();
    const body = await page.getByTestId('message-body').first().textContent();
    expect(body).toContain(`<img src=x onerror="window.${XSS_MARK}='img'">`);
    expect(body).toContain(`<script>window.${XSS_MARK}='script'</script>`);
    expect(await page.getByTestId('ticket-subject').textContent()).toContain('<img src=x');
    expect(await page.getByTestId('customer-name').textContent()).toContain('<script>');

    const injected = await page.evaluate(() => ({
      img: document.querySelectorAll('#app img').length,
      script: document.querySelectorAll('#app script').length,
      anchor: document.querySelectorAll('#app a').length,
      bold: document.querySelectorAll('#app b, #app i').length,
    }));
    expect(injected, 'no element was created from customer text').toEqual({ img: 0, script: 0, anchor: 0, bold: 0 });
    await page.getByTestId('customer-panel').hover();
    await page.waitForTimeout(300);
    expect(await page.evaluate((mark) => (window as unknown as Record<string, unknown>)[mark], XSS_MARK)).toBeUndefined();
  });
});

describe('customer HTML', () => {
  test('an email shows its formatting, and its links ask before they open outside the app', async () => {
    const page = await openInbox();
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1041"]').click();
    const body = page.locator('[data-testid="message-body"][data-format="html"]');
    await body.waitFor();
    expect(await body.locator('b').first().textContent()).toBe('0.85 ETH');
    expect(await body.locator('li').count()).toBe(2);
    expect(await body.locator('blockquote').count()).toBe(1);
    const guide = body.getByTestId('customer-link').first();
    expect(await guide.textContent()).toBe('your deposit guide');

    await guide.click();
    const dialog = page.getByTestId('link-confirm');
    await dialog.waitFor();
    expect(await page.getByTestId('link-confirm-host').textContent()).toBe('help.wallet.example');
    expect(await page.getByTestId('link-confirm-address').textContent()).toBe('https://help.wallet.example/deposits#eth');
    expect(await page.getByTestId('link-confirm-deceptive').count(), 'an honest link is not called deceptive').toBe(0);
    expect(await page.evaluate(() => location.href), 'the window did not follow the link').toBe(new URL(inject('baseUrl')).href);
    // Cancel has the focus, and the console's shortcuts do not act behind the dialog.
    await page.keyboard.press('j');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const opened = () =>
      page.evaluate(() => window.__deskMock!.shell.calls.filter((c) => c.cmd === 'open_link').map((c) => c.args));
    expect(await opened(), 'nothing opens without the confirmation').toEqual([]);
    expect(await page.locator('[data-testid="ticket-detail"]').getAttribute('data-ticket-id')).toBe('t-1041');

    await body.getByTestId('customer-link').nth(1).click();
    await page.getByTestId('link-confirm-open').click();
    await dialog.waitFor({ state: 'detached' });
    expect(await opened()).toEqual([{ url: 'https://etherscan.io/tx/0x9f2c4b7e0ce41a' }]);
  });

  test('an email’s quoted history is folded under its text and opens from the keyboard', async () => {
    const page = await openInbox({ locale: 'zh-CN' });
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1039"]').click();
    const first = page.getByTestId('message').first();
    const toggle = first.getByTestId('message-quoted-toggle');
    await toggle.waitFor();
    expect(await first.getByTestId('message-quoted').count(), 'folded at first').toBe(0);
    expect(await toggle.textContent()).toContain('显示引用内容');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.focus();
    await page.keyboard.press('Enter');
    const quoted = first.getByTestId('message-quoted');
    await quoted.waitFor();
    expect(await quoted.textContent()).toContain('> large withdrawals can be announced a day ahead');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await first.getByTestId('message-body').textContent(), 'the text shown is only what is new').not.toContain(
      'announced a day ahead',
    );
    await page.screenshot({ path: `${ARTIFACTS}message-quoted-zh-CN-light.png` });
    await page.keyboard.press('Enter');
    await quoted.waitFor({ state: 'detached' });
    expect(
      await page.getByTestId('message').nth(1).getByTestId('message-quoted-toggle').count(),
      'a message that quoted nothing has no toggle',
    ).toBe(0);
  });

  test('Chinese UI: a link whose text names another site is called out', async () => {
    const page = await openInbox({ mock: { hostile: true }, locale: 'zh-CN' });
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-6668"]').click();
    await page.getByTestId('customer-link').first().click();
    expect(await page.getByTestId('link-confirm-host').textContent()).toBe('wallet-example.help');
    expect(await page.getByTestId('link-confirm-address').textContent()).toBe('https://wallet-example.help/verify');
    expect(await page.getByTestId('link-confirm-deceptive').textContent()).toContain(
      '链接文字显示为 wallet.example，实际打开的是 wallet-example.help',
    );
    expect(await page.getByTestId('link-confirm-open').textContent()).toContain('在浏览器中打开');
  });

  test('a hostile corpus, past every other wall, neither runs nor loads anything', async () => {
    // No CSP, and the HTML as the fixture wrote it: only the UI's own renderer stands
    // between the corpus and the page.
    const page = await open({ mock: { signedIn: true, hostile: true }, withoutCsp: true });
    const base = inject('baseUrl');
    const strays: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:')) strays.push(r.url());
    });
    await page.getByTestId('ticket-row').first().waitFor();
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-6667"]').click();
    const body = page.locator('[data-testid="message-body"][data-format="html"]');
    await body.waitFor();
    await body.getByText('hover me').hover();
    await body.getByText('cell').click();
    await body.getByText('js link').click();
    await body.getByText('end').click();
    await page.waitForTimeout(500);

    expect(await page.evaluate((mark) => (window as unknown as Record<string, unknown>)[mark], XSS_MARK)).toBeUndefined();
    expect(strays, `no request may leave for ${CANARY}`).toEqual([]);
    const found = await body.evaluate((el) => {
      const tags = new Set(Array.from(el.querySelectorAll('*'), (e) => e.localName));
      const attrs = new Set(Array.from(el.querySelectorAll('*'), (e) => e.getAttributeNames()).flat());
      return {
        tags: [...tags].sort(),
        attrs: [...attrs].sort(),
        links: Array.from(el.querySelectorAll('a'), (a) => a.getAttribute('href')),
        spans: Array.from(el.querySelectorAll('[colspan], [rowspan]'), (c) => `${c.getAttribute('colspan')}/${c.getAttribute('rowspan')}`),
      };
    });
    expect(found.tags).toEqual(['a', 'b', 'div', 'p', 'table', 'tbody', 'td', 'tr']);
    expect(found.attrs).toEqual(['colspan', 'data-href', 'data-testid', 'href', 'rel']);
    expect(found.links, 'only the web link survives; javascript:, data: and user-name links are text').toEqual([
      'https://wallet-example.help/login',
    ]);
    expect(found.spans).toEqual(['2/null']);
    expect(await body.textContent()).toContain('Verify wallet');
    expect(await page.evaluate(() => document.querySelectorAll('#app').length), 'no id from the HTML').toBe(1);
    expect(await page.evaluate(() => location.href)).toBe(new URL('?csp=off', base).href);
  });
});

describe('large lists', () => {
  test('5,000 tickets: only a window of rows exists, and scrolling reaches the end', async () => {
    const config = { bulk: 5000 };
    const page = await openInbox({ mock: config });
    await page.getByTestId('view-all').click();
    const all = expectedIds('all', config);
    expect(all.length).toBeGreaterThan(5000);
    const list = page.getByTestId('ticket-list');
    // A first page only: the rest is loaded as the list is scrolled towards it.
    await expect.poll(() => list.getAttribute('data-count')).toBe('200');
    const asked = () =>
      page.evaluate(() =>
        window.__deskMock!.shell.calls.filter((c) => c.cmd === 'list_tickets').map((c) => (c.args as { limit: number }).limit),
      );
    expect(await asked()).not.toContain(10_000);

    const rendered = await page.getByTestId('ticket-row').count();
    expect(rendered, 'rows in the DOM').toBeGreaterThan(5);
    expect(rendered, 'rows in the DOM').toBeLessThan(40);
    expect((await rowIds(page))[0]).toBe(all[0]);

    // Each scroll to the bottom loads more, until the whole view is there.
    await expect
      .poll(async () => {
        await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
        return list.getAttribute('data-count');
      })
      .toBe(String(all.length));
    await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect.poll(() => rowIds(page).then((ids) => ids.at(-1))).toBe(all.at(-1));
    expect(await page.getByTestId('ticket-row').count()).toBeLessThan(40);

    // Keyboard to the top again: the selection is scrolled into view.
    await page.keyboard.press('Home');
    await expect.poll(() => selectedId(page)).toBe(all[0]);
    await page.keyboard.press('End');
    await expect.poll(() => selectedId(page)).toBe(all.at(-1));
  });
});

// Suggested knowledge for the open ticket, end to end: KB articles and macros from the
// cache (offline), reached with s, each inserted into the reply from the keyboard (an
// article's link or text, a macro as the composer's picker inserts it); the built app in
// headless Chromium against the fake shell.
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { KbArticle } from '../../src/lib/bindings';
import { XSS_MARK } from '../harness/fixtures';
import { ARTIFACTS, pagePerTest } from './browser';

const open = pagePerTest();

const SERVER = 'http://127.0.0.1:8080';
const ZH_TITLE = '如何在 App 中确认提币';
const ZH_LINK = `${ZH_TITLE}: ${SERVER}/help/confirm-withdrawal?lang=zh-CN`;
/** The zh-CN body of the seeded article (test/harness/knowledge.ts), as plain text. */
const ZH_TEXT =
  '确认提币\n\n1. 打开 App，进入“资产”。\n2. 点击等待确认的提币。\n3. 核对地址后确认。\n\n更多说明见 帮助中心 (https://help.wallet.example/confirm)。';

/** English only: found by "USDT" in an English ticket. */
const USDT_LIMITS: KbArticle = {
  id: 'usdt-limits',
  translations: {
    en: { title: 'USDT withdrawal limits', body: 'Withdrawals above **100,000 USDT** are reviewed first.' },
  },
  tags: ['usdt'],
  categories: ['large_transaction'],
  updated_at: 1,
  status: 'published',
};

/** Found by 王磊's latest words ("网络繁忙"), fewer of them, and for no category: second. */
const NETWORK_BUSY: KbArticle = {
  id: 'network-busy',
  translations: {
    'zh-CN': { title: '提示“网络繁忙”时怎么办', body: '网络繁忙时，请稍等几分钟再试。' },
    en: { title: 'When the app says the network is busy', body: 'Wait a few minutes, then try again.' },
  },
  tags: [],
  categories: [],
  updated_at: 1,
  status: 'published',
};

const HOSTILE: KbArticle = {
  id: 'hostile',
  translations: {
    en: {
      title: `<img src=x onerror="window.${XSS_MARK}='kb-title'">提币 fees`,
      body: `<img src=x onerror="window.${XSS_MARK}='kb-body'"> 提币 <script>window.${XSS_MARK}='kb-script'</script>`,
    },
  },
  tags: [],
  categories: [],
  updated_at: 1,
  status: 'published',
};

async function addArticles(page: Page, articles: KbArticle[]): Promise<void> {
  await page.evaluate((list) => window.__deskMock!.shell.knowledge.articles.push(...list), articles);
}

async function openTicket(page: Page, id: string): Promise<void> {
  await page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`).click();
  await page.locator(`[data-testid="ticket-detail"][data-ticket-id="${id}"]`).waitFor();
}

const listedArticles = (page: Page) =>
  page
    .getByTestId('suggested-article')
    .evaluateAll((els) => els.map((el) => `${el.getAttribute('data-article-id')} ${el.getAttribute('data-language')}`));
/** The entry the keyboard is on: an article's or macro's id, else the focused test id. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    const card = el?.closest('[data-testid="suggested-article"], [data-testid="suggested-macro"]');
    if (card) return card.getAttribute('data-article-id') ?? card.getAttribute('data-macro-id');
    return el?.getAttribute('data-testid') ?? null;
  });
const reply = (page: Page) => page.getByTestId('composer-body').inputValue();

async function pressOutside(page: Page, key: string): Promise<void> {
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press(key);
}

const WORDS = {
  en: {
    articles: 'Suggested articles',
    macros: 'Suggested macros',
    same: 'Same category',
    key: 'Suggested knowledge',
    chips: ['Status → Pending customer', 'Priority → Normal', 'Tag +guide'],
  },
  'zh-CN': {
    articles: '推荐文章',
    macros: '推荐快捷回复',
    same: '同类问题',
    key: '推荐文章与快捷回复',
    chips: ['状态 → 等待客户', '优先级 → 普通', '标签 +guide'],
  },
} as const;

describe('suggested knowledge', () => {
  for (const locale of ['en', 'zh-CN'] as const) {
    test(`王磊's ticket: the Chinese article first, its link, its text and a macro from the keyboard, offline (${locale})`, async () => {
      const words = WORDS[locale];
      // Offline: suggestions are computed from the cache.
      const page = await open({ locale: locale === 'en' ? 'en-US' : 'zh-CN', mock: { signedIn: true, serverDown: true } });
      await page.getByTestId('offline-banner').waitFor();
      await addArticles(page, [USDT_LIMITS, NETWORK_BUSY]);
      await openTicket(page, 't-1042');
      const section = page.getByTestId('suggestions');
      await section.getByTestId('suggested-article').first().waitFor();
      expect(await section.locator('h3').first().textContent()).toContain(words.articles);
      expect(await listedArticles(page), 'in the ticket’s language, the best first; nothing for the English-only one').toEqual([
        'confirm-withdrawal zh-CN',
        'network-busy zh-CN',
      ]);
      const first = section.getByTestId('suggested-article').first();
      expect(await first.getByTestId('suggestion-title').textContent()).toBe(ZH_TITLE);
      const why = await first.locator('.word').allTextContents();
      expect(why.length, 'at most four words say why').toBeLessThanOrEqual(4);
      expect(why, 'found by the subject’s words').toContain('确认');
      expect(await first.getByTestId('suggestion-same-category').textContent()).toContain(words.same);
      expect(await section.getByTestId('suggested-article').nth(1).getByTestId('suggestion-same-category').count()).toBe(0);
      expect(await section.locator('h3').nth(1).textContent()).toContain(words.macros);
      expect(await section.getByTestId('suggested-macro').evaluateAll((els) => els.map((el) => el.getAttribute('data-macro-id')))).toEqual([
        'macro-confirm',
      ]);
      expect(await page.locator('nav.sidebar').textContent(), 'the shortcut is in the sidebar’s help').toContain(words.key);

      // s: to the first article; Enter inserts its link, and the composer takes the focus.
      await pressOutside(page, 's');
      await expect.poll(() => focused(page)).toBe('confirm-withdrawal');
      await page.screenshot({ path: `/tmp/suggestions-${locale === 'en' ? 'en-zh-ticket' : 'zh'}.png` });
      await page.screenshot({ path: `${ARTIFACTS}suggestions-${locale}-light.png` });
      await page.keyboard.press('Enter');
      await expect.poll(() => reply(page)).toBe(ZH_LINK);
      expect(await focused(page), 'the composer has the focus').toBe('composer-body');
      expect(await page.locator('[data-testid="ticket-row"][aria-selected="true"]').getAttribute('data-ticket-id')).toBe('t-1042');

      // Back with s (the same entry), t: its text as plain text, after a blank line.
      await page.keyboard.press('Escape');
      await page.keyboard.press('s');
      await expect.poll(() => focused(page)).toBe('confirm-withdrawal');
      await page.keyboard.press('t');
      await expect.poll(() => reply(page)).toBe(`${ZH_LINK}\n\n${ZH_TEXT}`);

      // ↓ to the second article, l: its link; End to the macro, Enter: as the picker.
      await page.keyboard.press('Escape');
      await page.keyboard.press('s');
      await expect.poll(() => focused(page)).toBe('confirm-withdrawal');
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => focused(page)).toBe('network-busy');
      expect(await page.locator('[data-testid="ticket-row"][aria-selected="true"]').getAttribute('data-ticket-id'), 'the arrow moved here, not in the inbox').toBe('t-1042');
      await page.keyboard.press('l');
      await expect.poll(() => reply(page)).toMatch(/\n\n提示“网络繁忙”时怎么办: http:\/\/127\.0\.0\.1:8080\/help\/network-busy\?lang=zh-CN$/);
      await page.keyboard.press('Escape');
      await page.keyboard.press('s');
      await page.keyboard.press('End');
      await expect.poll(() => focused(page)).toBe('macro-confirm');
      await page.keyboard.press('Enter');
      await expect.poll(() => reply(page)).toContain('王磊您好');
      expect(await page.getByTestId('macro-action-label').allTextContents(), 'its actions wait under the text, as from the picker').toEqual(words.chips);
      expect(await reply(page), 'the macro goes after the text, as the picker puts it').toMatch(/lang=zh-CN\n\n王磊您好/);
      await page.screenshot({ path: `${ARTIFACTS}suggestions-inserted-${locale}-light.png` });
    });
  }

  test('an English ticket in the English console (screenshot)', async () => {
    const page = await open({ mock: { signedIn: true } });
    await addArticles(page, [USDT_LIMITS]);
    await openTicket(page, 't-1039');
    await page.getByTestId('suggested-article').first().waitFor();
    expect(await listedArticles(page)).toEqual(['usdt-limits en', 'confirm-withdrawal en']);
    await pressOutside(page, 's');
    await expect.poll(() => focused(page)).toBe('usdt-limits');
    await page.screenshot({ path: '/tmp/suggestions-en.png' });
  });

  test('in a note too, and by mouse', async () => {
    const page = await open({ mock: { signedIn: true } });
    await openTicket(page, 't-1042');
    await page.getByTestId('suggested-article').first().waitFor();
    await pressOutside(page, 'n');
    await expect.poll(() => page.getByTestId('composer').getAttribute('data-mode')).toBe('note');
    await page.getByTestId('composer-body').fill('内部：先发指引。');
    await page.getByTestId('suggestion-insert-link').first().click();
    await expect.poll(() => reply(page)).toBe(`内部：先发指引。\n\n${ZH_LINK}`);
    expect(await page.getByTestId('composer').getAttribute('data-mode'), 'still a note: the agent chose').toBe('note');

    // A cursor left within the text: the insertion goes there.
    await page.getByTestId('composer-body').evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(3, 3));
    await page.getByTestId('suggestion-insert-text').first().click();
    await expect.poll(() => reply(page)).toBe(`内部：\n\n${ZH_TEXT}\n\n先发指引。\n\n${ZH_LINK}`);
  });

  test('without a known server an article offers its text only', async () => {
    const page = await open({ mock: { signedIn: true } });
    await page.evaluate(() => {
      const shell = window.__deskMock!.shell;
      shell.state = { ...shell.state, server_url: null };
    });
    await openTicket(page, 't-1042');
    const first = page.getByTestId('suggested-article').first();
    await first.waitFor();
    expect(await first.getByTestId('suggestion-insert-link').count(), 'no address to link to').toBe(0);
    await pressOutside(page, 's');
    await expect.poll(() => focused(page)).toBe('confirm-withdrawal');
    await page.keyboard.press('l');
    expect(await reply(page), 'l has nothing to insert').toBe('');
    await page.keyboard.press('Enter');
    await expect.poll(() => reply(page)).toBe(ZH_TEXT);
  });

  test('a ticket nothing fits says so, and s still lands there', async () => {
    const page = await open({ mock: { signedIn: true } });
    await openTicket(page, 't-1040');
    await page.getByTestId('suggestions-none').waitFor();
    expect(await page.getByTestId('suggestions-none').textContent()).toBe('No article or macro fits this ticket');
    await pressOutside(page, 's');
    await expect.poll(() => focused(page)).toBe('suggestions');
  });

  test('an article’s markup is text, in the list and in the reply', async () => {
    const page = await open({ mock: { signedIn: true }, withoutCsp: true });
    await addArticles(page, [HOSTILE]);
    await openTicket(page, 't-1042');
    const hostile = page.locator('[data-testid="suggested-article"][data-article-id="hostile"]');
    await hostile.waitFor();
    expect(await hostile.getByTestId('suggestion-title').textContent()).toBe(HOSTILE.translations.en!.title);
    expect(await page.getByTestId('suggestions').locator('img, script').count(), 'no element made from the article').toBe(0);
    await hostile.getByTestId('suggestion-insert-text').click();
    await expect.poll(() => reply(page)).toBe(HOSTILE.translations.en!.body);
    await hostile.getByTestId('suggestion-insert-link').click();
    await expect.poll(() => reply(page)).toContain(`\n\n${HOSTILE.translations.en!.title}: ${SERVER}/help/hostile?lang=en`);
    expect(await page.evaluate((mark) => (window as unknown as Record<string, unknown>)[mark], XSS_MARK)).toBeUndefined();
  });
});

// Macros and knowledge-base articles in the console (issue 24): supervisors create, edit
// and delete them; a plain agent is offered neither screen (the fake shell refuses too).
// The server's refusals are shown with its reason and the form keeps what was typed; an
// article's preview is desk-core's rendering (here the fake's stand-in), copied in from
// the allowlist, so hostile Markdown stays inert. Escape closes a form, Enter opens the
// focused row.
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { Role } from '../../src/lib/bindings';
import { XSS_MARK } from '../harness/fixtures';
import { ARTIFACTS, pagePerTest, type OpenOptions, callsOf, focused, paletteItems } from './browser';

const open = pagePerTest();

async function consoleAs(role: Role, options: OpenOptions = {}): Promise<Page> {
  const page = await open({ ...options, mock: { signedIn: true, role, ...options.mock } });
  await page.getByTestId('ticket-row').first().waitFor();
  return page;
}

const macroRow = (page: Page, id: string) => page.locator(`[data-testid="macro-row"][data-macro-id="${id}"]`);
const articleRow = (page: Page, id: string) => page.locator(`[data-testid="article-row"][data-article-id="${id}"]`);

async function openMacros(page: Page): Promise<void> {
  await page.getByTestId('view-admin_macros').click();
  await page.getByTestId('macros-table').waitFor();
}

async function openArticles(page: Page): Promise<void> {
  await page.getByTestId('view-admin_articles').click();
  await page.getByTestId('articles-table').waitFor();
}

describe('macros (supervisors)', () => {
  test('a supervisor writes a macro in two languages with actions and sees it listed', async () => {
    const page = await consoleAs('supervisor');
    await openMacros(page);
    await expect.poll(() => page.getByTestId('macro-row').count()).toBe(2);

    await page.getByTestId('macro-new').click();
    const form = page.getByTestId('macro-form');
    expect(await focused(page), 'the title takes focus').toBe('macro-title');
    await page.getByTestId('macro-title').fill('Withdrawal delayed by network congestion');
    expect(await page.getByTestId('macro-id').inputValue(), 'the id follows the title').toBe('withdrawal-delayed-by-network-congestion');
    expect(await page.getByTestId('lang-tab').evaluateAll((tabs) => tabs.map((t) => t.getAttribute('data-language')))).toEqual([
      'zh-CN',
      'en',
    ]);

    // zh-CN: a variable goes in at the caret, between what was typed.
    const body = page.getByTestId('macro-body');
    expect(await body.getAttribute('data-language')).toBe('zh-CN');
    await body.fill('您好，网络拥堵，您的提币稍后到账。');
    await body.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(2, 2));
    await page.locator('[data-testid="macro-variable"][data-variable="customer.name"]').click();
    expect(await body.inputValue()).toBe('您好{{customer.name}}，网络拥堵，您的提币稍后到账。');
    expect(await focused(page), 'back in the text, to go on typing').toBe('macro-body');
    await page.keyboard.type('！');
    expect(await body.inputValue()).toBe('您好{{customer.name}}！，网络拥堵，您的提币稍后到账。');
    await body.fill('{{customer.name}}您好，网络拥堵，您的提币稍后到账。');

    await page.locator('[data-testid="lang-tab"][data-language="en"]').click();
    expect(await body.getAttribute('data-language')).toBe('en');
    expect(await body.inputValue(), 'each language has its own text').toBe('');
    await body.fill('Hi {{customer.name}}, the network is congested; your withdrawal will arrive later.');

    await page.getByTestId('macro-action-add').click();
    await page.getByTestId('macro-action-type').nth(0).selectOption('set_status');
    await page.getByTestId('macro-action-value').nth(0).selectOption('on_hold');
    await page.getByTestId('macro-action-add').click();
    await page.getByTestId('macro-action-type').nth(1).selectOption('add_tags');
    await page.getByTestId('macro-action-tags').fill('congestion, 拥堵');
    await page.locator('[data-testid="macro-category"][data-category="funds_not_arrived"]').check();
    await page.getByTestId('macro-form-submit').click();
    await form.waitFor({ state: 'detached' });

    expect(await callsOf(page, 'admin_put_macro')).toEqual([
      {
        macroId: 'withdrawal-delayed-by-network-congestion',
        input: {
          title: 'Withdrawal delayed by network congestion',
          bodies: {
            'zh-CN': '{{customer.name}}您好，网络拥堵，您的提币稍后到账。',
            en: 'Hi {{customer.name}}, the network is congested; your withdrawal will arrive later.',
          },
          actions: [
            { type: 'set_status', status: 'on_hold' },
            { type: 'add_tags', tags: ['congestion', '拥堵'] },
          ],
          categories: ['funds_not_arrived'],
        },
      },
    ]);
    const row = macroRow(page, 'withdrawal-delayed-by-network-congestion');
    await row.waitFor();
    expect(await row.getByTestId('macro-row-languages').textContent()).toBe('zh-CNen');
    expect(await row.getByTestId('macro-row-actions').textContent()).toContain('2 actions');
    expect(await page.getByTestId('macro-done').textContent()).toContain('Withdrawal delayed by network congestion');
    expect(await focused(page), 'the saved row has focus').toBe('macro-row');
    // Read again after the next sync: the cache has it.
    await page.evaluate(() => window.__deskMock!.emitSession({ last_synced_at: Date.now() }));
    await expect.poll(() => page.getByTestId('macro-row').count()).toBe(3);
  });

  test('Enter opens the focused macro to edit; Escape closes forms; a deletion is confirmed', async () => {
    const page = await consoleAs('supervisor');
    await openMacros(page);
    const confirm = macroRow(page, 'macro-confirm');
    await confirm.focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-macro-id')), 'arrows move between rows').toBe('macro-kyc');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    const form = page.getByTestId('macro-form');
    await form.waitFor();
    expect(await form.getAttribute('data-mode')).toBe('edit');
    expect(await page.getByTestId('macro-id').getAttribute('readonly'), 'an id stays').not.toBeNull();
    expect(await page.getByTestId('macro-title').inputValue()).toBe('Confirm the withdrawal in the app / 在 App 中确认提币');

    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-macro-id')), 'focus back on its row').toBe('macro-confirm');
    expect(await callsOf(page, 'admin_put_macro'), 'nothing saved').toEqual([]);

    await confirm.getByTestId('macro-edit').click();
    await page.getByTestId('macro-title').fill('在 App 中确认提币');
    await page.getByTestId('macro-action-remove').nth(1).click();
    await page.getByTestId('macro-form-submit').click();
    await form.waitFor({ state: 'detached' });
    const saved = (await callsOf(page, 'admin_put_macro'))[0] as { macroId: string; input: { title: string; actions: unknown[] } };
    expect(saved.macroId).toBe('macro-confirm');
    expect(saved.input.title).toBe('在 App 中确认提币');
    expect(saved.input.actions, 'the priority action is gone').toEqual([
      { type: 'set_status', status: 'pending_customer' },
      { type: 'add_tags', tags: ['guide'] },
    ]);
    expect(await confirm.getByTestId('macro-row-title').textContent()).toBe('在 App 中确认提币');
    expect(await confirm.getByTestId('macro-row-actions').textContent()).toContain('2 actions');

    await confirm.getByTestId('macro-delete').click();
    const prompt = page.getByTestId('macro-delete-prompt');
    expect(await prompt.textContent()).toContain('在 App 中确认提币');
    expect(await focused(page), 'the safe choice has focus').toBe('macro-delete-cancel');
    await page.keyboard.press('Escape');
    await prompt.waitFor({ state: 'detached' });
    expect(await callsOf(page, 'admin_delete_macro')).toEqual([]);
    await confirm.getByTestId('macro-delete').click();
    await page.getByTestId('macro-delete-confirm').click();
    await confirm.waitFor({ state: 'detached' });
    expect(await callsOf(page, 'admin_delete_macro')).toEqual([{ macroId: 'macro-confirm' }]);
    expect(await page.getByTestId('macro-done').textContent()).toContain('was deleted');
    await page.evaluate(() => window.__deskMock!.emitSession({ last_synced_at: Date.now() }));
    // Gone from the cache too.
    await expect.poll(() => page.getByTestId('macro-row').count()).toBe(1);
  });

  test('the server’s refusal is shown with its reason and the form keeps what was typed', async () => {
    const page = await consoleAs('supervisor');
    await openMacros(page);
    // Written before the console filled placeholders: {{kyc.reference}} is not one it can fill.
    await macroRow(page, 'macro-kyc').getByTestId('macro-edit').click();
    await page.getByTestId('macro-title').fill('KYC documents needed (ID)');
    await page.getByTestId('macro-action-add').click();
    await page.getByTestId('macro-action-type').selectOption('add_tags');
    await page.getByTestId('macro-form-submit').click();
    const problem = page.getByTestId('macro-form-error');
    expect(await problem.textContent(), 'checked before asking').toContain('Each tag action needs at least one tag');
    await page.getByTestId('macro-action-type').selectOption('set_priority');
    await page.getByTestId('macro-form-submit').click();
    await expect.poll(() => problem.getAttribute('data-code')).toBe('bad_request');
    expect(await problem.textContent()).toContain('the en body uses {{kyc.reference}}, which the console cannot fill');
    expect(await page.getByTestId('macro-title').inputValue(), 'the title as typed').toBe('KYC documents needed (ID)');
    expect(await page.getByTestId('macro-action-type').inputValue()).toBe('set_priority');
    await page.locator('[data-testid="lang-tab"][data-language="en"]').click();
    const body = page.getByTestId('macro-body');
    await body.fill((await body.inputValue()).replace(' Your reference: {{kyc.reference}}.', ''));
    await page.getByTestId('macro-form-submit').click();
    await page.getByTestId('macro-form').waitFor({ state: 'detached' });
    expect(await macroRow(page, 'macro-kyc').getByTestId('macro-row-title').textContent()).toBe('KYC documents needed (ID)');

    // A new macro asking for the recovery phrase: the server's guard refuses it.
    await page.getByTestId('macro-new').click();
    await page.getByTestId('macro-title').fill('Verify wallet');
    await page.getByTestId('macro-body').fill('请提供您的助记词以便核实');
    await page.getByTestId('macro-form-submit').click();
    await expect.poll(() => problem.textContent()).toContain('support never asks for one');
    expect(await page.getByTestId('macro-body').inputValue()).toBe('请提供您的助记词以便核实');
    await page.screenshot({ path: `${ARTIFACTS}knowledge-macro-refused-en.png` });
  });

  test('every control of the form is reached with Tab; languages are added and removed', async () => {
    const page = await consoleAs('supervisor');
    await page.keyboard.press('g');
    await page.keyboard.press('q');
    await page.getByTestId('admin-macros').waitFor();
    await page.getByTestId('macro-new').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('macro-action-add').click();
    await page.getByTestId('macro-title').focus();
    const reached = new Set<string>();
    for (let i = 0; i < 40; i++) {
      reached.add(await focused(page));
      await page.keyboard.press('Tab');
    }
    for (const control of [
      'macro-id',
      'lang-tab',
      'lang-add',
      'lang-remove',
      'macro-body',
      'macro-variable',
      'macro-action-type',
      'macro-action-value',
      'macro-action-remove',
      'macro-action-add',
      'macro-category',
      'macro-form-submit',
      'macro-form-cancel',
    ]) {
      expect(reached, control).toContain(control);
    }

    await page.getByTestId('lang-add').click();
    expect(await focused(page)).toBe('lang-new');
    await page.keyboard.type('zh');
    await page.keyboard.press('Enter');
    await page.getByTestId('lang-new').waitFor({ state: 'detached' });
    expect(await page.getByTestId('lang-problem').count(), 'zh is a tag of its own beside zh-CN').toBe(0);
    expect(await page.getByTestId('lang-tab').evaluateAll((tabs) => tabs.map((t) => t.getAttribute('data-language')))).toEqual([
      'zh-CN',
      'en',
      'zh',
    ]);
    expect(await focused(page), 'the new language is shown').toBe('lang-tab');
    await page.getByTestId('lang-add').click();
    await page.keyboard.type('EN');
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('lang-problem').textContent()).toContain('en is already there');
    await page.keyboard.press('Escape');
    await page.getByTestId('lang-new').waitFor({ state: 'detached' });
    expect(await page.getByTestId('macro-form').count(), 'Escape closed the tag field, not the form').toBe(1);
    await page.locator('[data-testid="lang-tab"][data-language="zh"]').click();
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-language')), 'arrows move between tabs').toBe('en');
    await page.locator('[data-testid="lang-tab"][data-language="zh"]').click();
    await page.getByTestId('lang-remove').click();
    expect(await page.getByTestId('lang-tab').count()).toBe(2);

    await page.getByTestId('macro-title').focus();
    await page.keyboard.press('Escape');
    await page.getByTestId('macro-form').waitFor({ state: 'detached' });
    expect(await focused(page), 'focus back on New').toBe('macro-new');
  });
});

describe('knowledge-base articles (supervisors)', () => {
  test('an article saved as a draft shows as a draft, then is published', async () => {
    const page = await consoleAs('supervisor');
    await openArticles(page);
    await expect.poll(() => page.getByTestId('article-row').count()).toBe(2);
    expect(await articleRow(page, 'tron-delays').getByTestId('article-row-status').textContent()).toContain('Draft');

    await page.getByTestId('article-new').click();
    expect(await page.getByTestId('article-status-draft').isChecked(), 'a new article starts as a draft').toBe(true);
    await page.getByTestId('article-title').fill('如何重置两步验证');
    expect(await page.getByTestId('article-id').inputValue(), 'no Latin words: a made-up id').toMatch(/^article-[0-9a-z]+$/);
    await page.getByTestId('article-id').fill('reset-2fa');
    await page.getByTestId('article-body').fill('# 重置两步验证\n\n1. 联系客服\n2. 完成**身份验证**');
    const preview = page.getByTestId('article-preview');
    await preview.locator('h1').waitFor();
    expect(await preview.locator('h1').textContent()).toBe('重置两步验证');
    expect(await preview.locator('strong').textContent()).toBe('身份验证');
    await page.getByTestId('article-tags').fill('2fa, 安全');
    await page.locator('[data-testid="article-category"][data-category="security"]').check();
    await page.getByTestId('article-form-submit').click();
    await page.getByTestId('article-form').waitFor({ state: 'detached' });

    expect(await callsOf(page, 'admin_put_article')).toEqual([
      {
        articleId: 'reset-2fa',
        input: {
          translations: { 'zh-CN': { title: '如何重置两步验证', body: '# 重置两步验证\n\n1. 联系客服\n2. 完成**身份验证**' } },
          tags: ['2fa', '安全'],
          categories: ['security'],
          status: 'draft',
        },
      },
    ]);
    const row = articleRow(page, 'reset-2fa');
    expect(await row.getAttribute('data-status')).toBe('draft');
    expect(await row.getByTestId('article-row-status').textContent()).toContain('Draft');
    expect(await row.getByTestId('article-row-title').textContent(), 'its only title, whatever the UI language').toBe('如何重置两步验证');

    await page.locator('[data-testid="article-filter"][data-filter="published"]').click();
    expect(await row.count(), 'a draft is not among the published').toBe(0);
    await page.locator('[data-testid="article-filter"][data-filter="draft"]').click();
    expect(await page.getByTestId('article-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-article-id')))).toEqual([
      'reset-2fa',
      'tron-delays',
    ]);

    await row.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('article-status-published').check();
    await page.getByTestId('article-form-submit').click();
    await page.getByTestId('article-form').waitFor({ state: 'detached' });
    expect(((await callsOf(page, 'admin_put_article'))[1] as { input: { status: string } }).input.status).toBe('published');
    // The filter follows the saved article, which is no draft any more.
    await expect.poll(() => page.locator('[data-testid="article-filter"][aria-pressed="true"]').getAttribute('data-filter')).toBe('all');
    expect(await row.getAttribute('data-status')).toBe('published');
    expect(await row.getByTestId('article-row-status').textContent()).toContain('Published');

    await row.getByTestId('article-delete').click();
    await page.getByTestId('article-delete-confirm').click();
    await row.waitFor({ state: 'detached' });
    expect(await callsOf(page, 'admin_delete_article')).toEqual([{ articleId: 'reset-2fa' }]);
  });

  test('hostile Markdown in the preview renders inert, and its links open only after confirmation', async () => {
    const page = await consoleAs('supervisor');
    await openArticles(page);
    await page.getByTestId('article-new').click();
    await page.getByTestId('article-title').fill('Hostile');
    await page
      .getByTestId('article-body')
      .fill(
        [
          `<script>window.${XSS_MARK}='script'</script>`,
          '',
          '[click me](javascript:window.__deskXss="link")',
          '',
          `<img src=x onerror="window.${XSS_MARK}='img'">`,
          '',
          '![tracker](https://evil.example/pixel.png)',
          '',
          'Read [the guide](https://help.wallet.example/confirm).',
        ].join('\n'),
      );
    const preview = page.getByTestId('article-preview');
    await preview.locator('a', { hasText: 'the guide' }).waitFor();
    expect(await preview.locator('script, img, iframe, object, embed').count(), 'no element runs or loads anything').toBe(0);
    expect(await preview.locator('[onerror], [onclick], [style]').count()).toBe(0);
    const hrefs = await preview.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs, 'only the web link is a link').toEqual(['https://help.wallet.example/confirm']);
    expect(await preview.textContent(), 'written HTML shows as the text it is').toContain(`<script>window.${XSS_MARK}='script'</script>`);
    expect(await preview.textContent(), 'a script link is only its text').toContain('click me');

    await preview.getByText('click me').click();
    expect(await page.getByTestId('link-confirm').count(), 'nothing to open').toBe(0);
    await preview.locator('a', { hasText: 'the guide' }).click();
    await page.getByTestId('link-confirm').waitFor();
    expect(await page.getByTestId('link-confirm-address').textContent()).toBe('https://help.wallet.example/confirm');
    await page.getByTestId('link-confirm-cancel').click();
    expect(await page.evaluate((mark) => (window as unknown as Record<string, unknown>)[mark], XSS_MARK)).toBeUndefined();
    expect(page.url(), 'the window never left the console').toContain('127.0.0.1');
    expect(await callsOf(page, 'open_link')).toEqual([]);
  });

  test('offline, a save is refused with the reason and the form keeps the article', async () => {
    const page = await consoleAs('supervisor');
    await openArticles(page);
    await articleRow(page, 'confirm-withdrawal').getByTestId('article-edit').click();
    await page.locator('[data-testid="lang-tab"][data-language="en"]').click();
    await page.getByTestId('article-body').fill('# Confirm a withdrawal\n\nOpen the app.');
    await page.getByTestId('article-tags').fill('withdrawal');
    await page.evaluate(() => window.__deskMock!.setServerDown(true));
    await page.getByTestId('article-form-submit').click();
    const problem = page.getByTestId('article-form-error');
    await expect.poll(() => problem.getAttribute('data-code')).toBe('offline');
    expect(await problem.textContent()).toContain('cannot reach the server');
    expect(await page.getByTestId('article-body').inputValue()).toBe('# Confirm a withdrawal\n\nOpen the app.');
    expect(await page.getByTestId('article-tags').inputValue()).toBe('withdrawal');
    await page.evaluate(() => window.__deskMock!.setServerDown(false));
    await page.getByTestId('article-form-submit').click();
    await page.getByTestId('article-form').waitFor({ state: 'detached' });
    const saved = (await callsOf(page, 'admin_put_article')).at(-1) as { input: { translations: Record<string, { body: string }>; tags: string[] } };
    expect(saved.input.translations.en!.body).toBe('# Confirm a withdrawal\n\nOpen the app.');
    expect(saved.input.translations['zh-CN']!.body, 'the other language unchanged').toContain('确认提币');
    expect(saved.input.tags).toEqual(['withdrawal']);
  });
});

describe('who sees the editors', () => {
  test('a plain agent sees neither screen: not in the sidebar, the palette, nor by key', async () => {
    const page = await consoleAs('agent');
    expect(await page.getByTestId('view-admin_macros').count()).toBe(0);
    expect(await page.getByTestId('view-admin_articles').count()).toBe(0);
    const offered = await paletteItems(page, '');
    expect(offered.filter((id) => /macro|article/.test(id))).toEqual([]);
    for (const key of ['q', 'k']) {
      await page.keyboard.press('g');
      await page.keyboard.press(key);
    }
    expect(await page.getByTestId('admin-macros').count()).toBe(0);
    expect(await page.getByTestId('admin-articles').count()).toBe(0);

    await page.evaluate(() => localStorage.setItem('desk.view', 'admin_articles'));
    await page.reload();
    await page.getByTestId('ticket-row').first().waitFor();
    expect(await page.getByTestId('admin-articles').count(), 'a remembered screen is not shown either').toBe(0);
    expect(
      await page.evaluate(() => window.__deskMock!.commands().filter((c) => c.startsWith('admin_') || c === 'kb_articles')),
    ).toEqual([]);
  });

  test('a supervisor finds both in the palette, with New', async () => {
    const page = await consoleAs('supervisor');
    const offered = await paletteItems(page, '');
    for (const id of ['view-admin_macros', 'view-admin_articles', 'admin-new-macro', 'admin-new-article']) expect(offered).toContain(id);
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill('New knowledge');
    await page.keyboard.press('Enter');
    await page.getByTestId('article-form').waitFor();
    expect(await focused(page)).toBe('article-title');
  });
});

describe('screenshots', () => {
  for (const [locale, colorScheme] of [
    ['en', 'light'],
    ['zh-CN', 'light'],
    ['zh-CN', 'dark'],
  ] as const) {
    test(`both screens with a form open (${locale}, ${colorScheme})`, async () => {
      const page = await consoleAs('supervisor', { locale, colorScheme });
      await openMacros(page);
      await page.screenshot({ path: `/tmp/knowledge-macros-${locale}-${colorScheme}.png` });
      await macroRow(page, 'macro-confirm').getByTestId('macro-edit').click();
      await page.getByTestId('macro-form').waitFor();
      await page.screenshot({ path: `/tmp/knowledge-macro-form-${locale}-${colorScheme}.png` });
      await page.screenshot({ path: `${ARTIFACTS}knowledge-macro-form-${locale}-${colorScheme}.png` });
      await page.keyboard.press('Escape');
      await macroRow(page, 'macro-confirm').getByTestId('macro-delete').click();
      await page.screenshot({ path: `/tmp/knowledge-macro-delete-${locale}-${colorScheme}.png` });

      await openArticles(page);
      await page.screenshot({ path: `/tmp/knowledge-articles-${locale}-${colorScheme}.png` });
      await articleRow(page, 'confirm-withdrawal').getByTestId('article-edit').click();
      await page.getByTestId('article-preview').locator('h1').waitFor();
      await page.screenshot({ path: `/tmp/knowledge-article-form-${locale}-${colorScheme}.png` });
      await page.screenshot({ path: `${ARTIFACTS}knowledge-article-form-${locale}-${colorScheme}.png` });
      await page.getByTestId('article-form').screenshot({ path: `/tmp/knowledge-article-form-full-${locale}-${colorScheme}.png` });
      // Nothing sticks out sideways: the screen fits the window.
      const overflow = await page.evaluate(() => {
        const el = document.querySelector('.adm-scroll');
        return el ? el.scrollWidth - el.clientWidth : -1;
      });
      expect(overflow, 'no horizontal overflow').toBe(0);
    });
  }
});

// Screenshots of the console for a person to look at (ui/test-artifacts/, not committed):
// inbox with a ticket open, in both languages and both themes, plus sign-in.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, launch, openApp } from './browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('screenshots', () => {
  for (const locale of ['en', 'zh-CN'] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      test(`inbox and ticket, ${locale}, ${scheme}`, async () => {
        const { page, context, problems } = await openApp(browser, {
          mock: { signedIn: true },
          locale: locale === 'en' ? 'en-US' : 'zh-CN',
          colorScheme: scheme,
        });
        await page.getByTestId('ticket-row').first().waitFor();
        await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1042"]').click();
        await page.getByTestId('customer-panel').waitFor();
        expect(await page.evaluate(() => document.documentElement.lang)).toBe(locale);
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
        await page.screenshot({ path: `${ARTIFACTS}console-${locale}-${scheme}.png` });
        expect(problems).toEqual([]);
        await context.close();
      });
    }
  }

  test('sign-in with an error, en and zh-CN', async () => {
    for (const locale of ['en-US', 'zh-CN']) {
      const { page, context, problems } = await openApp(browser, { locale, viewport: { width: 1100, height: 720 } });
      await page.getByTestId('email').fill('chen.jing@desk.example');
      await page.getByTestId('password').fill('wrong');
      await page.getByTestId('sign-in').click();
      await page.getByTestId('sign-in-error').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}sign-in-${locale}.png` });
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  test('a smaller window (1280×800), zh-CN, dark, security ticket', async () => {
    const { page, context, problems } = await openApp(browser, {
      mock: { signedIn: true },
      locale: 'zh-CN',
      colorScheme: 'dark',
      viewport: { width: 1280, height: 800 },
    });
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1038"]').click();
    await page.getByTestId('customer-panel').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}console-zh-CN-dark-1280.png` });
    expect(problems).toEqual([]);
    await context.close();
  });

  test('first sync, en light and zh-CN dark', async () => {
    for (const [locale, scheme] of [
      ['en-US', 'light'],
      ['zh-CN', 'dark'],
    ] as const) {
      const { page, context, problems } = await openApp(browser, {
        mock: { signedIn: true },
        locale,
        colorScheme: scheme,
      });
      await page.getByTestId('ticket-row').first().waitFor();
      await page.evaluate(() =>
        window.__deskMock!.emitProgress({ phase: 'receiving', bootstrap: true, done: 412_000, total: 1_104_300 }),
      );
      await page.getByTestId('first-sync-bar').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}first-sync-${locale}-${scheme}.png` });
      await page.evaluate(() =>
        window.__deskMock!.emitProgress({ phase: 'done', bootstrap: true, done: 1_104_300, total: 1_104_300 }),
      );
      await page.evaluate(() =>
        window.__deskMock!.emitProgress({ phase: 'indexing', bootstrap: false, done: 300_000, total: 1_000_000 }),
      );
      await page.getByTestId('indexing').waitFor();
      await page.evaluate(() => window.__deskMock!.shell.evicted.add('t-1042'));
      await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1042"]').click();
      await page.getByTestId('conversation-on-server').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}indexing-evicted-${locale}-${scheme}.png` });
      expect(problems).toEqual([]);
      await context.close();
    }
  });

  test('offline, awaiting-confirmation view', async () => {
    const { page, context, problems } = await openApp(browser, { mock: { signedIn: true, serverDown: true } });
    await page.getByTestId('offline-banner').waitFor();
    await page.getByTestId('view-awaiting_confirmation').click();
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1035"]').click();
    await page.getByTestId('customer-panel').waitFor();
    await page.screenshot({ path: `${ARTIFACTS}offline-awaiting-en-light.png` });
    expect(problems).toEqual([]);
    await context.close();
  });

  for (const locale of ['en', 'zh-CN'] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      test(`an HTML email and the link confirmation, ${locale}, ${scheme}`, async () => {
        const { page, context, problems } = await openApp(browser, {
          mock: { signedIn: true, hostile: true },
          locale: locale === 'en' ? 'en-US' : 'zh-CN',
          colorScheme: scheme,
        });
        await page.getByTestId('ticket-row').first().waitFor();
        await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1041"]').click();
        await page.locator('[data-testid="message-body"][data-format="html"]').waitFor();
        await page.screenshot({ path: `${ARTIFACTS}email-html-${locale}-${scheme}.png` });
        await page.locator('[data-testid="ticket-row"][data-ticket-id="t-6668"]').click();
        await page.getByTestId('customer-link').first().click();
        await page.getByTestId('link-confirm-deceptive').waitFor();
        await page.screenshot({ path: `${ARTIFACTS}link-confirm-${locale}-${scheme}.png` });
        expect(problems).toEqual([]);
        await context.close();
      });

      test(`outbox and search, ${locale}, ${scheme}`, async () => {
        const { page, context, problems } = await openApp(browser, {
          mock: { signedIn: true },
          locale: locale === 'en' ? 'en-US' : 'zh-CN',
          colorScheme: scheme,
        });
        await page.getByTestId('ticket-row').first().waitFor();
        // Work queued offline: a reply the server held, one it refused, one still pending.
        await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1042"]').click();
        await page.getByTestId('composer-body').fill(locale === 'en' ? 'We have escalated this, thank you for waiting.' : '已为您加急处理，感谢耐心等待。');
        await page.getByTestId('composer-send').click();
        await page.getByTestId('outbox-pending').waitFor();
        await page.evaluate(() => window.__deskMock!.holdReply('ticket #1042 has a message after the one this reply saw'));
        await page.getByTestId('edit-priority').selectOption('urgent');
        await page.getByTestId('outbox-pending').waitFor();
        await page.evaluate(() => window.__deskMock!.rejectOldest('conflict', 'ticket #1042 was merged into #1050'));
        await page.getByTestId('add-tag').fill('vip-callback');
        await page.getByTestId('add-tag').press('Enter');
        await page.getByTestId('outbox-pending').waitFor();
        await page.getByTestId('view-outbox').click();
        await page.locator('[data-testid="outbox-entry"][data-state="held"]').waitFor();
        await page.locator('[data-testid="outbox-entry"][data-state="rejected"]').waitFor();
        await page.screenshot({ path: `${ARTIFACTS}outbox-${locale}-${scheme}.png` });

        await page.getByTestId('view-open').click();
        await page.getByTestId('search-input').fill(locale === 'en' ? 'withdrawal' : '确认');
        await page.getByTestId('search-input').press('Enter');
        await page.getByTestId('search-hit').first().click();
        await page.getByTestId('ticket-detail').waitFor();
        await page.screenshot({ path: `${ARTIFACTS}search-${locale}-${scheme}.png` });

        await page.keyboard.press('Control+k');
        await page.getByTestId('palette-input').fill(locale === 'en' ? 'go' : '前往');
        await page.screenshot({ path: `${ARTIFACTS}palette-${locale}-${scheme}.png` });
        expect(problems).toEqual([]);
        await context.close();
      });
    }
  }
});

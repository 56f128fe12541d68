// The customer's earlier tickets in the customer panel, end to end: listed newest first
// without the open one, reached with h, walked with the arrows and opened with Enter; the
// built app in headless Chromium against the fake shell.
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, pagePerTest } from './browser';

const open = pagePerTest();

const listed = (page: Page) =>
  page.getByTestId('history-ticket').evaluateAll((els) => els.map((el) => el.getAttribute('data-ticket-id')));
const focusedTicket = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el?.getAttribute('data-testid') === 'history-ticket' ? el.getAttribute('data-ticket-id') : null;
  });
const selectedRow = (page: Page) =>
  page.evaluate(() => document.querySelector('[data-testid="ticket-row"][aria-selected="true"]')?.getAttribute('data-ticket-id') ?? null);

const WORDS = {
  en: { title: 'Earlier tickets', closed: 'Closed', key: 'Earlier tickets' },
  'zh-CN': { title: '历史工单', closed: '已关闭', key: '历史工单' },
} as const;

describe('earlier tickets', () => {
  for (const locale of ['en', 'zh-CN'] as const) {
    test(`王磊's other tickets are listed and opened from the keyboard, offline (${locale})`, async () => {
      const words = WORDS[locale];
      // Offline: the history is read from the cache.
      const page = await open({ locale: locale === 'en' ? 'en-US' : 'zh-CN', mock: { signedIn: true, serverDown: true } });
      await page.getByTestId('offline-banner').waitFor();
      await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1042"]').click();
      await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1042"]').waitFor();
      const section = page.getByTestId('customer-history');
      await section.getByTestId('history-ticket').first().waitFor();
      expect(await section.locator('h3').textContent()).toContain(words.title);
      expect(await listed(page), 'newest first, the open one left out').toEqual(['t-local-1', 't-1012']);
      const older = page.locator('[data-testid="history-ticket"][data-ticket-id="t-1012"]');
      expect(await older.getByTestId('history-subject').textContent()).toBe('提币地址填错了，还能追回吗？');
      expect(await older.textContent()).toContain('#1012');
      expect(await older.textContent()).toContain(words.closed);
      expect(await page.locator('nav.sidebar').textContent(), 'the shortcut is in the sidebar’s help').toContain(words.key);

      // h: to the list; ↓ moves within it and not the ticket list; Enter opens.
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('h');
      await expect.poll(() => focusedTicket(page)).toBe('t-local-1');
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => focusedTicket(page)).toBe('t-1012');
      expect(await selectedRow(page), 'the arrow moved in the history, not the inbox').toBe('t-1042');
      await page.screenshot({ path: `${ARTIFACTS}history-${locale}-light.png` });

      await page.keyboard.press('Enter');
      await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1012"]').waitFor();
      expect(await page.getByTestId('ticket-subject').textContent()).toBe('提币地址填错了，还能追回吗？');
      await expect.poll(() => listed(page), { message: 'now the others, t-1042 among them' }).toEqual(['t-1042', 't-local-1']);
      await page.screenshot({ path: `${ARTIFACTS}history-opened-${locale}-light.png` });

      // h again, Enter: back to the first.
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('h');
      await expect.poll(() => focusedTicket(page)).toBe('t-1042');
      await page.keyboard.press('Enter');
      await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1042"]').waitFor();
    });
  }

  test('a customer with no other ticket says so, and h still lands there', async () => {
    const page = await open({ mock: { signedIn: true } });
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1040"]').click();
    await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1040"]').waitFor();
    await page.getByTestId('history-none').waitFor();
    expect(await page.getByTestId('history-none').textContent()).toBe('No other tickets from this customer');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('h');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null))
      .toBe('customer-history');
  });
});

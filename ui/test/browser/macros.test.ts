// A macro's actions end to end: inserted with its text, shown under the composer as
// removable chips (kept in the draft), and applied with the reply in one `reply_and_edit`
// call, all or nothing; the built app in headless Chromium against the fake shell.
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, pagePerTest, type OpenOptions, callsOf } from './browser';

const open = pagePerTest();

async function openInbox(options: OpenOptions = {}): Promise<Page> {
  const page = await open({ ...options, mock: { signedIn: true, ...options.mock } });
  await page.getByTestId('ticket-row').first().waitFor();
  return page;
}

async function openTicket(page: Page, id: string): Promise<void> {
  await page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`).click();
  await page.locator(`[data-testid="ticket-detail"][data-ticket-id="${id}"]`).waitFor();
}

const chips = (page: Page) => page.getByTestId('macro-action-label').allTextContents();
const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

const WORDS = {
  en: {
    lead: 'Will also:',
    chips: ['Status → Pending customer', 'Priority → Normal', 'Tag +guide'],
    status: 'Pending customer',
    priority: 'High',
  },
  'zh-CN': {
    lead: '发送后还将：',
    chips: ['状态 → 等待客户', '优先级 → 普通', '标签 +guide'],
    status: '等待客户',
    priority: '高',
  },
} as const;

describe('macro actions', () => {
  for (const locale of ['en', 'zh-CN'] as const) {
    test(`inserted, one removed by keyboard, kept across tickets and applied with the reply (${locale})`, async () => {
      const words = WORDS[locale];
      const page = await openInbox({ locale: locale === 'en' ? 'en-US' : 'zh-CN' });
      await openTicket(page, 't-1042');
      await page.getByTestId('macro-select').selectOption('macro-confirm');
      await page.getByTestId('macro-actions').waitFor();
      expect(await page.getByTestId('macro-actions').textContent()).toContain(words.lead);
      expect(await chips(page), 'each action of the macro, in its order').toEqual(words.chips);

      // From the text, Tab reaches each chip's remove button; Enter removes the priority.
      await page.getByTestId('composer-body').focus();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      const priority = page.getByTestId('macro-action').nth(1).getByTestId('macro-action-remove');
      expect(await priority.evaluate((el) => el === document.activeElement), 'Tab, Tab: the second chip').toBe(true);
      expect(await priority.getAttribute('aria-label')).toContain(words.chips[1]);
      await page.keyboard.press('Enter');
      await expect.poll(() => chips(page)).toEqual([words.chips[0], words.chips[2]]);
      expect(await focusedTestId(page), 'the keyboard stays in the list').toBe('macro-action-remove');

      // Another ticket and back: the draft kept its actions.
      await openTicket(page, 't-1041');
      expect(await page.getByTestId('macro-action').count(), 'another ticket, another draft').toBe(0);
      await openTicket(page, 't-1042');
      await expect.poll(() => chips(page)).toEqual([words.chips[0], words.chips[2]]);
      await page.screenshot({ path: `${ARTIFACTS}macro-actions-${locale}-light.png` });

      await page.getByTestId('composer-body').focus();
      await page.keyboard.press('Control+Enter');
      await page.locator('[data-testid="message"][data-unsent="pending"]').waitFor();
      const calls = (await callsOf(page, 'reply_and_edit')) as { head: { ticket_id: string; body: string; internal: boolean; actions: unknown[] } }[];
      expect(calls, 'one call carries the reply and its actions').toHaveLength(1);
      expect(calls[0]!.head.ticket_id).toBe('t-1042');
      expect(calls[0]!.head.internal).toBe(false);
      expect(calls[0]!.head.body).toContain('王磊您好');
      expect(calls[0]!.head.actions, 'the removed one is not sent').toEqual([
        { type: 'set_status', status: 'pending_customer' },
        { type: 'add_tags', tags: ['guide'] },
      ]);
      expect(await callsOf(page, 'reply'), 'not sent a second way').toEqual([]);

      await expect.poll(() => page.getByTestId('ticket-status').textContent(), { message: 'the status changed with the reply' }).toBe(words.status);
      await page.locator('[data-testid="tag"][data-tag="guide"]').waitFor();
      expect(await page.getByTestId('ticket-priority').textContent(), 'the removed action was not applied').toBe(words.priority);
      expect(await page.getByTestId('macro-action').count(), 'sent: the chips go with the text').toBe(0);
      expect(await page.getByTestId('composer-body').inputValue()).toBe('');
      await page.screenshot({ path: `${ARTIFACTS}macro-actions-sent-${locale}-light.png` });
    });
  }

  test('emptying the text drops the actions', async () => {
    const page = await openInbox();
    await openTicket(page, 't-1042');
    await page.getByTestId('macro-select').selectOption('macro-confirm');
    await page.getByTestId('macro-actions').waitFor();
    await page.getByTestId('composer-body').fill('');
    await page.getByTestId('macro-actions').waitFor({ state: 'detached' });
    await page.getByTestId('composer-body').fill('Hi, checking now');
    expect(await page.getByTestId('macro-action').count(), 'they do not come back with new text').toBe(0);
  });

  test('a refusal is shown, nothing is queued, and the draft and its actions stay', async () => {
    const page = await openInbox();
    await page.getByTestId('view-all').click();
    await openTicket(page, 't-1021');
    await page.getByTestId('macro-select').selectOption('macro-confirm');
    await page.getByTestId('macro-actions').waitFor();
    const messages = await page.getByTestId('message').count();
    await page.getByTestId('composer-send').click();
    const notice = page.getByTestId('notice');
    await notice.waitFor();
    expect(await notice.getAttribute('data-code')).toBe('conflict');
    expect(await notice.textContent()).toContain('ticket #1021 is closed');
    expect(await page.evaluate(() => window.__deskMock!.shell.outboxEntries.length), 'nothing queued').toBe(0);
    expect(await page.getByTestId('message').count(), 'no unsent reply shown').toBe(messages);
    expect(await page.getByTestId('macro-action').count(), 'the actions wait for another try').toBe(3);
    expect(await page.getByTestId('composer-body').inputValue()).toContain('您好');
  });
});

describe('macros written elsewhere', () => {
  test('a macro a supervisor wrote on another console is offered after the next sync', async () => {
    const page = await openInbox();
    await openTicket(page, 't-1042');
    const options = () => page.getByTestId('macro-select').locator('option').allTextContents();
    await expect.poll(options, { message: 'the macros are loaded' }).not.toHaveLength(1);
    expect(await options()).not.toContain('新的指引');
    // The server has a new macro; this console learns of it with its next sync.
    await page.evaluate(() => {
      const shell = window.__deskMock!.shell;
      shell.data.macros.push({
        id: 'macro-new',
        title: '新的指引',
        bodies: { 'zh-CN': '您好，请查看新的指引。', en: 'Hello, see the new guide.' },
        variables: [],
        actions: [],
        categories: [],
        updated_at: Date.now(),
      });
    });
    expect(await options(), 'not before a sync').not.toContain('新的指引');
    await page.evaluate(() => window.__deskMock!.receiveTicket('another question'));
    await expect.poll(options, { message: 'offered after the sync' }).toContain('新的指引');
  });
});

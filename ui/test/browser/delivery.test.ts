// Deliveries end to end (DESIGN.md §11): under each reply the server has taken, where it
// went and how far it got; a bounced email retried to a corrected address from the
// keyboard; a reply still in the outbox without one. Screenshots in both languages.
import { describe, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { ARTIFACTS, pagePerTest, type OpenOptions } from './browser';

const open = pagePerTest();

async function openTicket(id: string, options: OpenOptions = {}): Promise<Page> {
  const page = await open({ ...options, mock: { signedIn: true, ...options.mock } });
  await page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`).click();
  await page.locator(`[data-testid="ticket-detail"][data-ticket-id="${id}"]`).waitFor();
  return page;
}

/** The delivery line under the `n`th message (0-based) of the open conversation. */
function deliveryOf(page: Page, n: number): Locator {
  return page.getByTestId('message').nth(n).getByTestId('delivery');
}

function retryCalls(page: Page) {
  return page.evaluate(() => window.__deskMock!.shell.calls.filter((c) => c.cmd === 'retry_delivery').map((c) => c.args));
}

/** Whether the focused element shows a focus ring (`:focus-visible` with an outline). */
function focusRingOn(page: Page): Promise<{ testid: string | null; ring: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      testid: el?.dataset.testid ?? null,
      ring: !!el && el.matches(':focus-visible') && getComputedStyle(el).outlineStyle !== 'none',
    };
  });
}

describe('delivery', () => {
  test('each reply says where it went and how far it got; notes and the customer’s messages say nothing', async () => {
    const page = await openTicket('t-1042', { locale: 'zh-CN' });
    // t-1042: the customer, a system event, Chen's reply (sent by WeChat), a note, the customer.
    const lines = page.getByTestId('delivery');
    await expect.poll(() => lines.count(), { message: 'one reply by the desk, one delivery line' }).toBe(1);
    const sent = deliveryOf(page, 2);
    expect(await sent.getAttribute('data-state'), 'the WeChat reply went out').toBe('sent');
    expect(await sent.getByTestId('delivery-state').textContent(), 'its state in Chinese').toContain('已发送');
    expect(await sent.getByTestId('delivery-route').textContent(), 'a chat reply names its channel only').toContain('微信');
    expect(await sent.getByTestId('delivery-retry').count(), 'nothing to retry on a sent reply').toBe(0);

    // A retry waiting after a transient failure says when and why.
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1037"]').click();
    await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1037"]').waitFor();
    const waiting = deliveryOf(page, 1);
    expect(await waiting.getAttribute('data-state'), 'the fixture waits for a retry').toBe('queued');
    const text = (await waiting.getByTestId('delivery-state').textContent()) ?? '';
    expect(text, 'queued, the time of the next attempt and the last error').toMatch(/排队中 — 将于 \d\d:\d\d 重试（上次错误：421/);
    expect(await waiting.getByTestId('delivery-route').textContent(), 'an email names its address').toContain(
      '发往 yuki.sato@example.jp',
    );
    await waiting.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}delivery-queued-zh-CN-light.png` });
  });

  test('a bounced email is resent to a corrected address from the keyboard, Escape cancelling first', async () => {
    const page = await openTicket('t-1039');
    const line = deliveryOf(page, 1);
    expect(await line.getAttribute('data-state'), 'the fixture reply bounced').toBe('failed');
    expect(await line.getByTestId('delivery-state').textContent(), 'the failure says why, in the server’s words').toContain(
      'Failed: 550 5.1.1 <treasury@bauer-capital.example>: Recipient address rejected',
    );
    expect(await line.getByTestId('delivery-route').textContent(), 'and where it was going').toContain(
      'Email to treasury@bauer-capital.example',
    );
    await page.screenshot({ path: `${ARTIFACTS}delivery-failed-en-light.png` });

    // Reached with Tab, opened with Enter: the address field takes focus, filled in.
    await line.getByTestId('delivery-retry').focus();
    await page.keyboard.press('Tab');
    expect(await focusRingOn(page), 'the edit button is next, its focus visible').toEqual({
      testid: 'delivery-edit-address',
      ring: true,
    });
    await page.keyboard.press('Enter');
    const address = line.getByTestId('delivery-address');
    await address.waitFor();
    expect(await address.evaluate((el) => el === document.activeElement), 'the field takes focus').toBe(true);
    expect(await address.inputValue(), 'starts from the address that bounced').toBe('treasury@bauer-capital.example');
    await page.keyboard.press('Escape');
    await address.waitFor({ state: 'detached' });
    expect((await focusRingOn(page)).testid, 'Escape closes it and gives focus back').toBe('delivery-edit-address');
    expect(
      await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1039"]').count(),
      'Escape in the form does not close the ticket',
    ).toBe(1);

    // Not an address: said under the field, nothing queued.
    await page.keyboard.press('Enter');
    await address.fill('treasury at bauer-capital');
    await page.keyboard.press('Enter');
    await expect.poll(() => address.getAttribute('aria-invalid'), { message: 'the field is marked invalid' }).toBe('true');
    expect(await line.getByTestId('delivery-address-hint').textContent(), 'the hint turns into the problem').toContain(
      'Enter one email address',
    );
    expect(await retryCalls(page), 'a malformed address never reaches the shell').toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}delivery-edit-address-en-light.png` });

    await address.fill('  ops@bauer-capital.example ');
    await page.keyboard.press('Enter');
    await expect.poll(() => line.getAttribute('data-state'), { message: 'shown queued at once' }).toBe('queued');
    expect(await retryCalls(page), 'one retry, to the trimmed address').toEqual([
      { ticketId: 't-1039', messageId: 't-1039-m2', recipient: 'ops@bauer-capital.example' },
    ]);
    expect(await line.getByTestId('delivery-route').textContent(), 'to the new address').toContain(
      'ops@bauer-capital.example',
    );
    expect(await line.getByTestId('delivery-retry').count(), 'no second retry while one is queued').toBe(0);
    await expect
      .poll(() => page.getByTestId('outbox-pending').textContent(), { message: 'the retry waits in the outbox' })
      .toBe('1 pending');

    // The sync hands it to the server, which is sending it.
    await page.getByTestId('sync-now').click();
    await expect.poll(() => line.getAttribute('data-state'), { message: 'the sync handed it over' }).toBe('sending');
    expect(await line.getByTestId('delivery-state').textContent(), 'in words').toContain('Sending…');
  });

  test('Retry resends to the same address; a refusal shows in the notice bar', async () => {
    const page = await openTicket('t-1039', { locale: 'zh-CN', colorScheme: 'dark' });
    const line = deliveryOf(page, 1);
    expect(await line.getByTestId('delivery-retry').textContent(), 'Retry in Chinese').toContain('重试');
    expect(await line.getByTestId('delivery-edit-address').textContent(), 'edit in Chinese').toContain('修改地址并重发');
    expect(await line.getByTestId('delivery-state').textContent(), 'failed in Chinese').toContain('发送失败：550');
    await line.getByTestId('delivery-edit-address').click();
    await line.getByTestId('delivery-address').fill('treasury@bauer');
    await line.getByTestId('delivery-resend').click();
    expect(await line.getByTestId('delivery-address-hint').textContent(), 'a domain without a dot is refused').toContain(
      '请输入一个邮箱地址',
    );
    await page.screenshot({ path: `${ARTIFACTS}delivery-edit-address-zh-CN-dark.png` });
    await line.getByRole('button', { name: '取消' }).click();

    // The server moved it meanwhile (a colleague retried it): the shell refuses.
    await page.evaluate(() => {
      const d = window.__deskMock!.shell.data.deliveries.find((x) => x.id === 't-1039-m2')!;
      d.state = 'sending';
    });
    await line.getByTestId('delivery-retry').click();
    const notice = page.getByTestId('notice');
    await notice.waitFor();
    expect(await notice.getAttribute('data-code'), 'the UI branches on the code').toBe('conflict');
    expect(await notice.textContent(), 'the notice names the action').toContain('无法重发回复');
    await expect
      .poll(() => line.getAttribute('data-state'), { message: 're-read: what the server says now' })
      .toBe('sending');
    await page.screenshot({ path: `${ARTIFACTS}delivery-zh-CN-dark.png` });
  });

  test('a reply in the outbox shows its pending state and no delivery until the server has it', async () => {
    const page = await openTicket('t-1041', { locale: 'zh-CN' });
    await page.getByTestId('composer-body').fill('Hi Emily, the deposit is confirmed on chain; it shows within minutes.');
    await page.getByTestId('composer-send').click();
    const unsent = page.locator('[data-testid="message"][data-unsent="pending"]');
    await unsent.waitFor();
    expect(await unsent.getByTestId('delivery').count(), 'queued here: not yet anyone’s delivery').toBe(0);
    await page.getByTestId('sync-now').click();
    await expect
      .poll(() => page.locator('[data-testid="message"][data-unsent]').count(), { message: 'the sync sent the reply' })
      .toBe(0);
    const line = page.getByTestId('message').last().getByTestId('delivery');
    await line.waitFor();
    expect(await line.getByTestId('delivery-state').textContent(), 'the server is sending it').toContain('发送中');
    expect(await line.getByTestId('delivery-route').textContent(), 'to the customer’s address').toContain(
      '发往 emily.carter@example.com',
    );
    await line.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}delivery-sending-zh-CN-light.png` });
  });
});

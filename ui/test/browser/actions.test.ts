// The console's actions end to end: the built app in headless Chromium against the fake
// shell. Reply and note, ticket edits, bulk edits, the outbox (confirm, edit, discard a
// held reply; retry a rejected action), search highlights and the command palette.
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { XSS_MARK } from '../harness/fixtures';
import { pagePerTest, type OpenOptions, callsOf } from './browser';

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

/** What the fake shell holds for a ticket (what the Rust side would have cached). */
function shellTicket(page: Page, id: string) {
  return page.evaluate((id) => structuredClone(window.__deskMock!.shell.data.tickets.find((t) => t.id === id)!), id);
}

describe('replying', () => {
  test('r opens the reply composer; the reply shows at once, marked unsent, and counts as pending', async () => {
    const page = await openInbox();
    await openTicket(page, 't-1042');
    await page.keyboard.press('r');
    const body = page.getByTestId('composer-body');
    expect(await body.evaluate((el) => el === document.activeElement), 'r focuses the composer').toBe(true);
    expect(await page.getByTestId('composer').getAttribute('data-mode')).toBe('reply');
    await page.keyboard.type('王先生您好，请在 App 里点击确认。');
    await page.keyboard.press('Control+Enter');

    const unsent = page.locator('[data-testid="message"][data-unsent="pending"]');
    await unsent.waitFor();
    expect(await unsent.getByTestId('message-body').textContent()).toBe('王先生您好，请在 App 里点击确认。');
    expect(await unsent.getAttribute('data-kind')).toBe('public_reply');
    expect(await unsent.getByTestId('message-unsent').textContent()).toContain('Not sent yet');
    expect(await body.inputValue(), 'the composer empties once queued').toBe('');
    await expect.poll(() => page.getByTestId('outbox-pending').textContent()).toBe('1 pending');
    expect(await callsOf(page, 'reply')).toEqual([{ ticketId: 't-1042', body: '王先生您好，请在 App 里点击确认。', internal: false }]);

    // n: an internal note, styled as one.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('n');
    expect(await page.getByTestId('composer').getAttribute('data-mode')).toBe('note');
    await page.keyboard.type('VIP，优先处理');
    await page.getByTestId('composer-send').click();
    await page.locator('[data-testid="message"][data-kind="internal_note"][data-unsent="pending"]').waitFor();
    await expect.poll(() => page.getByTestId('outbox-pending').textContent()).toBe('2 pending');

    // A sync delivers both: the marks go.
    await page.getByTestId('sync-now').click();
    await expect.poll(() => page.locator('[data-testid="message"][data-unsent]').count()).toBe(0);
    await page.getByTestId('outbox-pill').waitFor({ state: 'detached' });
  });

  test('a reply asking for a seed phrase is refused with a localized reason, and kept in the composer', async () => {
    const page = await openInbox({ locale: 'zh-CN' });
    await openTicket(page, 't-1042');
    await page.getByTestId('composer-body').fill('您好，麻烦把助记词发给我们核实一下');
    await page.getByTestId('composer-send').click();
    const notice = page.getByTestId('notice');
    await notice.waitFor();
    expect(await notice.getAttribute('data-code')).toBe('blocked');
    expect(await notice.textContent(), 'a Chinese lead before the server’s English').toContain('无法保存回复：已拦截');
    expect(await page.getByTestId('composer-body').inputValue()).toBe('您好，麻烦把助记词发给我们核实一下');
  });

  test('drafts are kept per ticket on this device, across a reload', async () => {
    const page = await openInbox();
    await openTicket(page, 't-1041');
    await page.getByTestId('composer-body').fill('Hi Emily, checking the deposit now');
    await openTicket(page, 't-1042');
    expect(await page.getByTestId('composer-body').inputValue(), 'another ticket, another draft').toBe('');
    await openTicket(page, 't-1041');
    expect(await page.getByTestId('composer-body').inputValue()).toBe('Hi Emily, checking the deposit now');
    const keys = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('desk.draft:')));
    expect(keys, 'keyed by server, agent and ticket').toEqual([
      `desk.draft:${encodeURIComponent('http://127.0.0.1:8080')}:agent-chen:t-1041`,
    ]);
    await page.reload();
    await openTicket(page, 't-1041');
    expect(await page.getByTestId('composer-body').inputValue()).toBe('Hi Emily, checking the deposit now');
  });

  test('a macro fills its variables from the customer, ticket and linked transaction, in the ticket language', async () => {
    const page = await openInbox();
    await openTicket(page, 't-1042');
    const select = page.getByTestId('macro-select');
    await expect.poll(() => select.locator('option').count(), { message: 'only macros with a Chinese body' }).toBe(2);
    await select.selectOption('macro-confirm');
    const text = await page.getByTestId('composer-body').inputValue();
    expect(text).toContain('王磊您好');
    expect(text).toContain('#1042');
    expect(text).toContain('5000.00 USDT');
    expect(text).not.toContain('{{');
    expect(await page.getByTestId('macro-missing').count()).toBe(0);

    await openTicket(page, 't-1041');
    await page.getByTestId('macro-select').selectOption('macro-kyc');
    expect(await page.getByTestId('composer-body').inputValue()).toContain('Hi Emily Carter');
    expect(await page.getByTestId('macro-missing').textContent()).toContain('kyc.reference');
  });
});

describe('editing', () => {
  test('status, priority, tags, claim and e change the ticket at once and are queued', async () => {
    const page = await openInbox();
    await openTicket(page, 't-1041');
    await page.getByTestId('edit-status').selectOption('pending_customer');
    await expect.poll(() => page.getByTestId('ticket-status').textContent()).toBe('Pending customer');
    await page.getByTestId('edit-priority').selectOption('urgent');
    await expect.poll(() => page.getByTestId('ticket-priority').textContent()).toBe('Urgent');
    await page.getByTestId('add-tag').fill('eth-deposit');
    await page.getByTestId('add-tag').press('Enter');
    await page.locator('[data-testid="tag"][data-tag="eth-deposit"]').waitFor();
    await page.getByTestId('claim').click();
    await expect.poll(() => page.getByTestId('ticket-assignee').textContent()).toContain('Chen Jing');
    await page.locator('[data-testid="tag"][data-tag="eth-deposit"]').getByTestId('remove-tag').click();
    await page.locator('[data-testid="tag"][data-tag="eth-deposit"]').waitFor({ state: 'detached' });

    const t = await shellTicket(page, 't-1041');
    expect([t.status, t.priority, t.assignee_id, t.tags]).toEqual(['pending_customer', 'urgent', 'agent-chen', []]);
    const edits = (await callsOf(page, 'edit_ticket')) as { edit: Record<string, unknown> }[];
    expect(edits.map((e) => Object.entries(e.edit).filter(([, v]) => v !== null && v !== false && !(Array.isArray(v) && v.length === 0)))).toEqual([
      [['status', 'pending_customer']],
      [['priority', 'urgent']],
      [['add_tags', ['eth-deposit']]],
      [['claim', true]],
      [['remove_tags', ['eth-deposit']]],
    ]);
    await expect.poll(() => page.getByTestId('outbox-pending').textContent()).toBe('5 pending');

    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('e');
    await expect.poll(() => page.getByTestId('ticket-status').textContent(), { message: 'e solves' }).toBe('Solved');
  });

  test('a refused change names the rule in the UI language', async () => {
    const page = await openInbox();
    await page.getByTestId('view-all').click();
    await openTicket(page, 't-1021');
    await page.getByTestId('edit-priority').selectOption('high');
    const notice = page.getByTestId('notice');
    await notice.waitFor();
    expect(await notice.getAttribute('data-code')).toBe('conflict');
    expect(await notice.textContent()).toContain('Couldn’t change the ticket: Conflict');
    expect(await notice.textContent()).toContain('ticket #1021 is closed');
  });

  test('a opens the assignee picker; reassigning names the agent', async () => {
    const page = await openInbox();
    await openTicket(page, 't-1042');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('a');
    const picker = page.getByTestId('edit-assignee');
    expect(await picker.evaluate((el) => el === document.activeElement), 'a focuses the assignee picker').toBe(true);
    const offered = () => picker.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(await offered(), '李娜 works in cn-support (中文一线), the group of t-1042').toContain('agent-lina');
    await picker.selectOption('agent-omar');
    await expect.poll(() => page.getByTestId('ticket-assignee').textContent()).toContain('Omar Haddad');

    // Handing the ticket to another team leaves it unassigned for them, offline too.
    const group = page.getByTestId('edit-group');
    expect(await group.inputValue()).toBe('cn-support');
    await group.selectOption('');
    await expect.poll(() => page.getByTestId('ticket-assignee').textContent()).not.toContain('Omar Haddad');
    expect(JSON.stringify((await callsOf(page, 'edit_ticket')).at(-1))).toContain('"ungroup":true');
    expect((await shellTicket(page, 't-1042')).group).toBeNull();

    // A ticket of another group does not offer her: the server would refuse.
    await openTicket(page, 't-1041');
    expect(await offered(), 't-1041 is in global-support').not.toContain('agent-lina');
    expect(await offered()).toContain('agent-omar');
  });
});

describe('bulk actions', () => {
  test('x and shift-click pick tickets; assign, tag and status apply to all of them', async () => {
    const page = await openInbox();
    const ids = await page.getByTestId('ticket-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket-id')!));
    await page.keyboard.press('x');
    await page.locator(`[data-testid="ticket-row"][data-ticket-id="${ids[2]}"]`).click({ modifiers: ['Shift'] });
    await expect.poll(() => page.getByTestId('bulk-count').textContent()).toBe('3 selected');
    const picked = ids.slice(0, 3);
    expect(
      await page.locator('[data-testid="row-check"][data-checked="true"]').evaluateAll((els) =>
        els.map((e) => e.closest('[data-ticket-id]')!.getAttribute('data-ticket-id')),
      ),
    ).toEqual(picked);

    await page.getByTestId('bulk-assign').selectOption('agent-omar');
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain('3 tickets updated');
    await page.getByTestId('bulk-tag').fill('incident-42');
    await page.getByTestId('bulk-tag-add').click();
    await page.getByTestId('bulk-status').selectOption('on_hold');
    await expect.poll(async () => (await shellTicket(page, picked[2]!)).status).toBe('on_hold');
    for (const id of picked) {
      const t = await shellTicket(page, id);
      expect([t.assignee_id, t.tags.includes('incident-42'), t.status], id).toEqual(['agent-omar', true, 'on_hold']);
    }
    const bulk = (await callsOf(page, 'bulk_edit')) as { ticketIds: string[] }[];
    expect(bulk.map((b) => b.ticketIds)).toEqual([picked, picked, picked]);

    // x again on the first unpicks it; Escape clears the rest.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Escape');
    await page.getByTestId('bulk-bar').waitFor({ state: 'detached' });
  });

  test('one refused ticket does not stop the others, and is reported', async () => {
    const page = await openInbox();
    await page.getByTestId('view-all').click();
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1030"] [data-testid="row-check"]').click();
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1041"] [data-testid="row-check"]').click();
    await page.getByTestId('bulk-status').selectOption('closed');
    const failed = page.getByTestId('bulk-failed');
    await failed.waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain('1 tickets updated');
    expect(await failed.textContent()).toContain('1 could not be changed: Conflict');
    expect((await shellTicket(page, 't-1030')).status, 'the solved ticket closes').toBe('closed');
    expect((await shellTicket(page, 't-1041')).status, 'a new ticket is solved before it is closed').toBe('new');
  });
});

describe('outbox', () => {
  async function heldReply(page: Page, text: string): Promise<void> {
    await openTicket(page, 't-1042');
    await page.getByTestId('composer-body').fill(text);
    await page.getByTestId('composer-send').click();
    await page.locator('[data-testid="message"][data-unsent="pending"]').waitFor();
    await page.evaluate(() => window.__deskMock!.holdReply('ticket #1042 has a message after the one this reply saw'));
    await page.getByTestId('outbox-held').waitFor();
  }

  test('a held reply waits for the agent and is sent as written once confirmed', async () => {
    const page = await openInbox();
    await heldReply(page, '已为您加急处理');
    await expect.poll(() => page.locator('[data-testid="message"][data-unsent="held"]').count(), { message: 'the conversation says it is held' }).toBe(1);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('g');
    await page.keyboard.press('o');
    const entry = page.locator('[data-testid="outbox-entry"][data-state="held"]');
    await entry.waitFor();
    expect(await entry.getByTestId('outbox-lead').textContent()).toContain('someone answered this ticket meanwhile');
    expect(await entry.getByTestId('outbox-reason').textContent()).toContain('has a message after');
    expect(await entry.getByTestId('outbox-body').textContent()).toBe('已为您加急处理');
    await entry.getByTestId('outbox-release').click();
    await page.locator('[data-testid="outbox-entry"][data-state="pending"]').waitFor();
    expect(await page.locator('[data-testid="outbox-entry"][data-state="held"]').count()).toBe(0);
    expect(await callsOf(page, 'release_held')).toHaveLength(1);
  });

  test('a held reply can be edited, then sent; the conversation shows the new text', async () => {
    const page = await openInbox();
    await heldReply(page, '请稍候');
    await page.getByTestId('outbox-pill').click();
    const entry = page.locator('[data-testid="outbox-entry"][data-state="held"]');
    await entry.getByTestId('outbox-edit').click();
    await entry.getByTestId('outbox-edit-body').fill('看到您已确认，问题已解决，谢谢！');
    await entry.getByTestId('outbox-send-edited').click();
    const pending = page.locator('[data-testid="outbox-entry"][data-state="pending"]');
    await pending.waitFor();
    expect(await pending.getByTestId('outbox-body').textContent()).toBe('看到您已确认，问题已解决，谢谢！');
    await pending.getByTestId('outbox-open').click();
    await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1042"]').waitFor();
    expect(await page.locator('[data-testid="message"][data-unsent="pending"] [data-testid="message-body"]').textContent()).toBe(
      '看到您已确认，问题已解决，谢谢！',
    );
  });

  test('a discarded reply leaves the outbox and the conversation; rejections read in Chinese first', async () => {
    const page = await openInbox({ locale: 'zh-CN' });
    await heldReply(page, '这条不用发了');
    await page.getByTestId('view-outbox').click();
    await page.locator('[data-testid="outbox-entry"][data-state="held"]').getByTestId('outbox-discard').click();
    await page.getByTestId('outbox-empty').waitFor();
    await page.getByTestId('view-open').click();
    await openTicket(page, 't-1042');
    expect(await page.locator('[data-testid="message-body"]', { hasText: '这条不用发了' }).count()).toBe(0);

    await page.getByTestId('edit-priority').selectOption('low');
    await page.getByTestId('outbox-pending').waitFor();
    await page.evaluate(() => window.__deskMock!.rejectOldest('conflict', 'ticket #1042 was merged into #1050'));
    await page.getByTestId('view-outbox').click();
    const rejected = page.locator('[data-testid="outbox-entry"][data-state="rejected"]');
    await rejected.waitFor();
    expect(await rejected.getByTestId('outbox-lead').textContent()).toContain('服务器拒绝了此操作：冲突');
    expect(await rejected.getByTestId('outbox-reason').textContent()).toBe('服务器说明：ticket #1042 was merged into #1050');
    expect(await page.getByTestId('outbox-rejected').textContent()).toBe('1 条被拒绝');
    expect(await rejected.getByTestId('outbox-retry').textContent()).toContain('重试');
  });

  test('a rejected action shows its reason and is sent again with Retry, from the keyboard', async () => {
    const page = await openInbox();
    await openTicket(page, 't-1042');
    await page.getByTestId('edit-priority').selectOption('low');
    await page.getByTestId('outbox-pending').waitFor();
    // A server bug answering the push: a refusal, shown as one, not a retry for ever.
    const refused = await page.evaluate(() => window.__deskMock!.rejectOldest('internal', 'internal server error'));
    await page.getByTestId('view-outbox').click();
    const rejected = page.locator('[data-testid="outbox-entry"][data-state="rejected"]');
    await rejected.waitFor();
    expect(await rejected.getByTestId('outbox-lead').textContent()).toContain('The server refused this');
    expect(await rejected.getByTestId('outbox-reason').textContent()).toBe('Server’s note: internal server error');
    const retry = rejected.getByTestId('outbox-retry');
    expect(await retry.textContent()).toContain('Retry');
    await retry.focus();
    await page.keyboard.press('Enter');
    const pending = page.locator('[data-testid="outbox-entry"][data-state="pending"]');
    await pending.waitFor();
    expect(await page.locator('[data-testid="outbox-entry"][data-state="rejected"]').count(), 'the rejection is replaced by its retry').toBe(0);
    expect(await pending.getAttribute('data-mutation-id'), 'the retry is a new action').not.toBe(refused);
    expect(await callsOf(page, 'retry_rejected')).toEqual([{ mutationId: refused }]);
  });
});

describe('search', () => {
  test('a two-character Chinese query finds tickets, with the match highlighted as text', async () => {
    const page = await openInbox();
    await page.keyboard.press('/');
    const input = page.getByTestId('search-input');
    expect(await input.evaluate((el) => el === document.activeElement), '/ focuses search').toBe(true);
    await page.keyboard.type('确认');
    await page.keyboard.press('Enter');
    await page.getByTestId('search-hit').first().waitFor();
    const marks = await page.getByTestId('search-mark').allTextContents();
    expect(marks.length).toBeGreaterThan(0);
    expect(new Set(marks)).toEqual(new Set(['确认']));
    const snippet = await page.getByTestId('search-snippet').first().textContent();
    expect(snippet, 'no marker characters leak into the text').not.toMatch(/[\uE000\uE001]/);
    await page.getByTestId('search-hit').first().click();
    await page.getByTestId('ticket-detail').waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.getByTestId('ticket-list').waitFor();
  });

  test('hostile text in a snippet stays text', async () => {
    const page = await open({ mock: { signedIn: true, hostile: true }, withoutCsp: true });
    await page.getByTestId('ticket-row').first().waitFor();
    await page.getByTestId('search-input').fill('quote');
    await page.getByTestId('search-input').press('Enter');
    const hit = page.locator('[data-testid="search-hit"][data-ticket-id="t-6666"]');
    await hit.waitFor();
    expect(await hit.getByTestId('search-snippet').textContent()).toContain('here</a> & "quote"');
    expect(await hit.getByTestId('search-mark').textContent()).toBe('quote');
    expect(await hit.locator('a, img, script').count(), 'no element came from the snippet').toBe(0);
    expect(await page.evaluate((mark) => (window as unknown as Record<string, unknown>)[mark], XSS_MARK)).toBeUndefined();
  });

  test('nothing found says so', async () => {
    const page = await openInbox();
    await page.getByTestId('search-input').fill('zzqqxx');
    await page.getByTestId('search-input').press('Enter');
    expect(await page.getByTestId('search-none').textContent()).toContain('Nothing in the cache matches “zzqqxx”');
  });
});

describe('command palette', () => {
  test('Ctrl+K opens it, typing narrows it, Enter runs the command', async () => {
    const page = await openInbox();
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette').waitFor();
    await page.keyboard.type('outbox');
    const items = await page.getByTestId('palette-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-command')));
    expect(items[0]).toBe('view-outbox');
    await page.keyboard.press('Enter');
    await page.getByTestId('outbox-view').waitFor();
    expect(await page.getByTestId('palette').count()).toBe(0);
  });

  test('in the Chinese UI, English command names still find commands; Escape closes', async () => {
    const page = await openInbox({ locale: 'zh-CN' });
    await openTicket(page, 't-1041');
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill('solved');
    const first = page.getByTestId('palette-item').first();
    expect(await first.getAttribute('data-command')).toBe('status-solved');
    expect(await first.textContent()).toContain('设置状态：已解决');
    await page.keyboard.press('Escape');
    await page.getByTestId('palette').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill('claim');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await shellTicket(page, 't-1041')).assignee_id).toBe('agent-chen');
  });
});

describe('incidents', () => {
  test('an active incident is a sidebar view of its open tickets, counted', async () => {
    const page = await openInbox();
    const item = page.locator('[data-testid="view-incident"][data-incident-id="inc-tron"]');
    await item.waitFor();
    expect(await item.getByTestId('view-count').textContent()).toBe('2');
    await item.click();
    await expect
      .poll(() => page.getByTestId('ticket-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket-id'))))
      .toEqual(['t-1042', 't-1035']);
    expect(await page.locator('.list-pane h2').textContent()).toContain('TRON 提币确认延迟');
    const queries = (await callsOf(page, 'query_tickets')) as { query: { filter: { incident_id: string } } }[];
    expect(queries.at(-1)?.query.filter.incident_id).toBe('inc-tron');
  });
});

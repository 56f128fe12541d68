// Groups in the console (issue 24): admins create, rename and delete the desk's teams,
// named in each language; a group still in use is refused with the server's reason and
// stays; the server's refusals keep what was typed. Every console shows a ticket's group
// by its name in the UI language, and offers the defined groups to hand a ticket to.
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { Role } from '../../src/lib/bindings';
import { ARTIFACTS, pagePerTest, type OpenOptions, callsOf, focused, paletteItems } from './browser';

const open = pagePerTest();

async function consoleAs(role: Role, options: OpenOptions = {}): Promise<Page> {
  const page = await open({ ...options, mock: { signedIn: true, role, ...options.mock } });
  await page.getByTestId('ticket-row').first().waitFor();
  return page;
}

const groupRow = (page: Page, id: string) => page.locator(`[data-testid="group-row"][data-group-id="${id}"]`);

async function openGroups(page: Page): Promise<void> {
  await page.getByTestId('view-admin_groups').click();
  await page.getByTestId('groups-table').waitFor();
}

async function texts(page: Page, testid: string): Promise<string[]> {
  return page.getByTestId(testid).evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
}

describe('groups (admins)', () => {
  test('an admin lists the groups with their names and agents, and creates one in two languages', async () => {
    const page = await consoleAs('admin');
    await openGroups(page);
    expect(await texts(page, 'group-row-name'), 'by name in the UI language').toEqual(['Chinese tier 1', 'Global tier 1', 'Security', 'VIP desk']);
    expect((await groupRow(page, 'cn-support').getByTestId('group-row-agents').textContent())?.trim(), '李娜 works in it').toBe('1');
    expect(await groupRow(page, 'cn-support').getByTestId('group-row-names').textContent()).toContain('中文一线');

    await page.getByTestId('group-new').click();
    const form = page.getByTestId('group-form');
    expect(await focused(page), 'the first name takes focus').toBe('group-name');
    const names = form.getByTestId('group-name');
    expect(await names.evaluateAll((els) => els.map((e) => e.getAttribute('data-language')))).toEqual(['zh-CN', 'en']);
    await names.nth(0).fill('中文二线');
    await names.nth(1).fill('Chinese tier 2');
    expect(await form.getByTestId('group-id').inputValue(), 'the id follows the English name').toBe('chinese-tier-2');
    await form.getByTestId('group-id').fill('cn-tier2');
    await names.nth(1).fill('Chinese tier 2 (escalations)');
    expect(await form.getByTestId('group-id').inputValue(), 'a typed id stays').toBe('cn-tier2');
    // A third language, added and then named.
    await form.getByTestId('group-add-language').click();
    expect(await focused(page)).toBe('group-language');
    await page.keyboard.type('ja');
    await names.nth(2).fill('中国語二次対応');
    await form.getByTestId('group-description').fill('疑难工单与升级');
    await form.getByTestId('group-save').click();

    await groupRow(page, 'cn-tier2').waitFor();
    expect(await page.getByTestId('group-done').textContent()).toContain('Chinese tier 2 (escalations)');
    expect(await callsOf(page, 'admin_put_group')).toEqual([
      {
        groupId: 'cn-tier2',
        input: { names: { 'zh-CN': '中文二线', en: 'Chinese tier 2 (escalations)', ja: '中国語二次対応' }, description: '疑难工单与升级' },
      },
    ]);
    expect(await focused(page), 'back on the new row').toBe('group-row');
    expect((await groupRow(page, 'cn-tier2').getByTestId('group-row-agents').textContent())?.trim()).toBe('0');
  });

  test('what the form or the server refuses is shown, and the form keeps every value', async () => {
    const page = await consoleAs('admin');
    await openGroups(page);
    await page.getByTestId('group-new').click();
    const form = page.getByTestId('group-form');
    await form.getByTestId('group-save').click();
    expect(await form.getByTestId('group-form-problem').textContent()).toContain('Name the group in at least one language');
    expect(await focused(page)).toBe('group-name');

    await form.getByTestId('group-name').nth(1).fill('Payments');
    await form.getByTestId('group-id').fill('Payments');
    await form.getByTestId('group-save').click();
    expect(await form.getByTestId('group-form-problem').textContent()).toContain('lowercase letters');
    await form.getByTestId('group-id').fill('security');
    await form.getByTestId('group-save').click();
    expect(await form.getByTestId('group-form-problem').textContent(), 'a new group never replaces one').toContain('security exists already');

    // Offline: the server's answer, with the typed values still there.
    await form.getByTestId('group-id').fill('payments');
    await page.evaluate(() => window.__deskMock!.setServerDown(true));
    await form.getByTestId('group-save').click();
    const problem = form.getByTestId('group-form-problem');
    await expect.poll(() => problem.getAttribute('data-code')).toBe('offline');
    expect(await problem.textContent()).toContain('Server unreachable');
    expect(await form.getByTestId('group-name').nth(1).inputValue()).toBe('Payments');
    expect(await form.getByTestId('group-id').inputValue()).toBe('payments');
    await page.screenshot({ path: `${ARTIFACTS}groups-refused-en-light.png` });

    await page.evaluate(() => window.__deskMock!.setServerDown(false));
    await form.getByTestId('group-save').click();
    await groupRow(page, 'payments').waitFor();
    await page.getByTestId('group-form').waitFor({ state: 'detached' });
  });

  test('an admin renames a group: its id stays, every place shows the new name', async () => {
    const page = await consoleAs('admin');
    await openGroups(page);
    await groupRow(page, 'cn-support').focus();
    await page.keyboard.press('Enter');
    const form = page.getByTestId('group-form');
    expect(await form.getByTestId('group-id').getAttribute('readonly'), 'tickets and agents carry the id').not.toBeNull();
    await form.getByTestId('group-name').nth(1).fill('China desk');
    await form.getByTestId('group-name').nth(1).press('Enter');
    await expect.poll(() => groupRow(page, 'cn-support').getByTestId('group-row-name').textContent()).toBe('China desk');

    await page.getByTestId('view-open').click();
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1042"]').click();
    // The console reads the groups again after the sync the write woke.
    await page.evaluate(() => window.__deskMock!.emitSession({ last_synced_at: Date.now() }));
    await expect.poll(() => page.getByTestId('ticket-group').textContent()).toBe('China desk');
  });

  test('a group in use is kept with the reason; an unused one is deleted', async () => {
    const page = await consoleAs('admin');
    await openGroups(page);
    await groupRow(page, 'cn-support').getByTestId('group-delete').click();
    const prompt = page.getByTestId('group-delete-prompt');
    expect(await focused(page), 'Cancel is the safe default').toBe('group-delete-cancel');
    expect(await prompt.getByTestId('group-delete-members').textContent()).toContain('Agents working in it: 1');
    await prompt.getByTestId('group-delete-confirm').click();
    const refused = prompt.getByTestId('group-delete-error');
    await expect.poll(() => refused.getAttribute('data-code')).toBe('conflict');
    expect(await refused.textContent()).toContain('Still in use');
    expect(await refused.textContent(), 'the server says how many').toContain('1 enabled agent(s) and 1 open ticket(s)');
    await page.screenshot({ path: `${ARTIFACTS}groups-in-use-en-light.png` });
    await page.keyboard.press('Escape');
    await prompt.waitFor({ state: 'detached' });
    expect(await focused(page)).toBe('group-row');
    await groupRow(page, 'cn-support').waitFor();

    await groupRow(page, 'security').getByTestId('group-delete').click();
    await page.getByTestId('group-delete-confirm').click();
    await groupRow(page, 'security').waitFor({ state: 'detached' });
    expect(await page.getByTestId('group-done').textContent()).toContain('Group “Security” was deleted');
    expect(await callsOf(page, 'admin_delete_group')).toEqual([{ groupId: 'cn-support' }, { groupId: 'security' }]);
  });

  test('g p and the palette lead admins to groups; a supervisor is offered neither', async () => {
    const page = await consoleAs('admin');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('g');
    await page.keyboard.press('p');
    await page.getByTestId('admin-groups').waitFor();
    await page.getByTestId('view-open').click();
    expect(await paletteItems(page, 'new group')).toContain('admin-new-group');
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill('new group');
    await page.keyboard.press('Enter');
    await page.getByTestId('group-form').waitFor();
    expect(await focused(page)).toBe('group-name');

    const supervisor = await consoleAs('supervisor');
    expect(await supervisor.getByTestId('view-admin_groups').count()).toBe(0);
    await supervisor.locator('body').click({ position: { x: 5, y: 5 } });
    await supervisor.keyboard.press('g');
    await supervisor.keyboard.press('p');
    expect(await supervisor.getByTestId('admin-groups').count(), 'g p does nothing for a supervisor').toBe(0);
    expect(await paletteItems(supervisor, 'group')).not.toContain('admin-new-group');
  });
});

describe('a ticket’s group, in every console', () => {
  for (const [locale, name, other] of [
    ['en', 'Chinese tier 1', 'Global tier 1'],
    ['zh-CN', '中文一线', '国际一线'],
  ] as const) {
    test(`shown by name and offered by name (${locale})`, async () => {
      // A plain agent: groups are everyone's to read.
      const page = await consoleAs('agent', { locale });
      await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1042"]').click();
      const shown = page.getByTestId('ticket-group');
      expect(await shown.textContent()).toBe(name);
      expect(await shown.getAttribute('title'), 'the id is one hover away').toBe('cn-support');
      const select = page.getByTestId('edit-group');
      expect(await select.inputValue()).toBe('cn-support');
      const options = await select.locator('option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]));
      expect(options.map(([value]) => value).sort(), 'the defined groups, and no group').toEqual(['', 'cn-support', 'global-support', 'security', 'vip-desk']);
      expect(options).toContainEqual(['global-support', other]);
      await select.selectOption('global-support');
      await expect.poll(() => shown.textContent()).toBe(other);
      expect(JSON.stringify((await callsOf(page, 'edit_ticket')).at(-1)), 'the id goes to the server').toContain('"group":"global-support"');
    });
  }
});

describe('screenshots', () => {
  for (const [locale, colorScheme] of [
    ['en', 'light'],
    ['zh-CN', 'light'],
    ['zh-CN', 'dark'],
  ] as const) {
    test(`the groups screen with a form open (${locale}, ${colorScheme})`, async () => {
      const page = await consoleAs('admin', { locale, colorScheme });
      await openGroups(page);
      await page.screenshot({ path: `${ARTIFACTS}groups-${locale}-${colorScheme}.png` });
      await groupRow(page, 'vip-desk').getByTestId('group-edit').click();
      await page.getByTestId('group-form').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}groups-form-${locale}-${colorScheme}.png` });
      await page.keyboard.press('Escape');
      await groupRow(page, 'cn-support').getByTestId('group-delete').click();
      await page.getByTestId('group-delete-prompt').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}groups-delete-${locale}-${colorScheme}.png` });
      const overflow = await page.evaluate(() => {
        const el = document.querySelector('[data-testid="admin-groups"] .adm-scroll') ?? document.querySelector('[data-testid="admin-groups"]');
        return el ? el.scrollWidth - el.clientWidth : -1;
      });
      expect(overflow, 'no horizontal overflow').toBe(0);
    });
  }
});

// Presence on the open ticket, end to end: the built app in headless Chromium against the
// fake shell. Colleagues on the ticket are named in its header in the UI's language; the
// console announces viewing, then replying once the composer has focus, and nothing
// when the server is away.
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { PresenceEntry } from '../../src/lib/bindings';
import { ARTIFACTS, pagePerTest, type OpenOptions } from './browser';

const open = pagePerTest();

const OMAR: PresenceEntry = { agent_id: 'agent-omar', agent_name: 'Omar Haddad', state: 'replying' };
const LINA: PresenceEntry = { agent_id: 'agent-lina', agent_name: '李娜', state: 'viewing' };

async function inboxWithColleagues(options: OpenOptions, others: PresenceEntry[]): Promise<Page> {
  const page = await open({ ...options, mock: { signedIn: true, ...options.mock } });
  await page.getByTestId('ticket-row').first().waitFor();
  await page.evaluate((others) => window.__deskMock!.shell.presence.set('t-1042', others), others);
  return page;
}

async function openTicket(page: Page, id: string): Promise<void> {
  await page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`).click();
  await page.locator(`[data-testid="ticket-detail"][data-ticket-id="${id}"]`).waitFor();
}

const announced = (page: Page) => page.evaluate(() => window.__deskMock!.shell.announced);

describe('presence', () => {
  test('colleagues on the ticket are named in its header; opening announces viewing, the composer replying', async () => {
    const page = await inboxWithColleagues({}, [OMAR, LINA]);
    await openTicket(page, 't-1042');
    const line = page.getByTestId('ticket-presence');
    await line.waitFor();
    expect(await line.textContent()).toContain('Omar Haddad is replying');
    expect(await line.textContent()).toContain('李娜 is viewing');
    await page.screenshot({ path: `${ARTIFACTS}presence-en-light.png` });
    await expect.poll(() => announced(page)).toEqual({ ticketId: 't-1042', state: 'viewing' });

    // Focus in the composer is replying; an empty composer left is viewing again.
    await page.getByTestId('composer-body').focus();
    await expect.poll(() => announced(page)).toEqual({
      ticketId: 't-1042',
      state: 'replying',
    });
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await expect.poll(() => announced(page)).toEqual({
      ticketId: 't-1042',
      state: 'viewing',
    });

    await openTicket(page, 't-1041');
    await expect.poll(() => announced(page)).toEqual({ ticketId: 't-1041', state: 'viewing' });
    expect(await page.getByTestId('ticket-presence').count(), "t-1042's colleagues are not shown on t-1041").toBe(0);
  });

  test('in Chinese', async () => {
    const page = await inboxWithColleagues({ locale: 'zh-CN', colorScheme: 'dark' }, [OMAR, LINA]);
    await openTicket(page, 't-1042');
    const line = page.getByTestId('ticket-presence');
    await line.waitFor();
    expect(await line.textContent()).toContain('Omar Haddad 正在回复');
    expect(await line.textContent()).toContain('李娜 正在查看');
    await page.screenshot({ path: `${ARTIFACTS}presence-zh-CN-dark.png` });
  });

  test('offline nothing is announced and nobody is shown', async () => {
    const page = await inboxWithColleagues({ mock: { serverDown: true } }, [OMAR]);
    await openTicket(page, 't-1042');
    await page.getByTestId('composer-body').focus();
    const calls = await page.evaluate(() => window.__deskMock!.shell.calls.filter((c) => c.cmd === 'announce_presence'));
    expect(calls, 'offline, the console does not wait on the network for presence').toEqual([]);
    expect(await page.getByTestId('ticket-presence').count()).toBe(0);
  });
});

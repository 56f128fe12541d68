// Roles in the console (DESIGN.md §3): what the signed-in agent's role does not allow is
// not offered, and says why; the server refuses it anyway (its own tests).
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { Role } from '../../src/lib/bindings';
import { ARTIFACTS, pagePerTest } from './browser';

const open = pagePerTest();

async function openTicketAs(role: Role, id: string, locale = 'en'): Promise<Page> {
  const page = await open({ locale, mock: { signedIn: true, role } });
  await page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`).click();
  await page.locator(`[data-testid="ticket-detail"][data-ticket-id="${id}"]`).waitFor();
  return page;
}

describe('roles', () => {
  test('an agent cannot hand on or move a colleague’s ticket, and is told why', async () => {
    // t-1040 is Omar's.
    const page = await openTicketAs('agent', 't-1040');
    const assignee = page.getByTestId('edit-assignee');
    const group = page.getByTestId('edit-group');
    expect(await assignee.isDisabled(), 'the assignee cannot be changed').toBe(true);
    expect(await group.isDisabled(), 'nor the team, which would unassign it').toBe(true);
    const why = await page.locator('label.field', { has: assignee }).getAttribute('title');
    expect(why).toBe('Assigned to a colleague: only a supervisor can hand it on or move it');
    expect(await page.getByTestId('edit-status').isDisabled(), 'everyday edits stay open').toBe(false);
    await page.getByTestId('ticket-actions').screenshot({ path: `${ARTIFACTS}roles-agent-locked-en-light.png` });

    // Their own ticket (t-1042 is Chen's, who is signed in) they hand on freely.
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1042"]').click();
    await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1042"]').waitFor();
    expect(await page.getByTestId('edit-assignee').isDisabled()).toBe(false);
    expect(await page.getByTestId('edit-group').isDisabled()).toBe(false);
  });

  test('a supervisor may hand on anyone’s ticket; the Chinese reason reads as Chinese', async () => {
    const page = await openTicketAs('supervisor', 't-1040', 'zh-CN');
    expect(await page.getByTestId('edit-assignee').isDisabled()).toBe(false);
    expect(await page.getByTestId('edit-group').isDisabled()).toBe(false);

    const agent = await openTicketAs('agent', 't-1040', 'zh-CN');
    const why = await agent.locator('label.field', { has: agent.getByTestId('edit-assignee') }).getAttribute('title');
    expect(why).toBe('已分配给同事：只有主管可以转派或转交给其他小组');
  });
});

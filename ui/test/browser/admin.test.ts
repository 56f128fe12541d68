// Administration in the console (DESIGN.md §3, §6): the Agents screen for admins, the
// Audit log for supervisors, offered only with the capability (the server refuses
// anyway: the fake shell does too). The server's refusals are shown with its reason;
// every control is reached by Tab, Escape closes a form.
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { AuditQuery, Role } from '../../src/lib/bindings';
import { CATEGORIES } from '../../src/lib/enums';
import { XSS_MARK } from '../harness/fixtures';
import { FakeShell } from '../harness/fake-shell';
import { ARTIFACTS, pagePerTest, type OpenOptions, callsOf, focused, paletteItems } from './browser';

const open = pagePerTest();

async function consoleAs(role: Role, options: OpenOptions = {}): Promise<Page> {
  const page = await open({ ...options, mock: { signedIn: true, role, ...options.mock } });
  await page.getByTestId('ticket-row').first().waitFor();
  return page;
}

async function lastQuery(page: Page): Promise<AuditQuery> {
  return ((await callsOf(page, 'audit_log')).at(-1) as { query: AuditQuery }).query;
}

const AUDIT_ROWS = new FakeShell({ signedIn: true }).admin.audit.length;
const ACCOUNTS = new FakeShell({ signedIn: true }).admin.accounts.length;

describe('agents (admins)', () => {
  test('an admin adds an agent and changes a role; demoting the last admin is refused with its reason', async () => {
    const page = await consoleAs('admin');
    await page.getByTestId('view-admin_agents').click();
    await expect.poll(() => page.getByTestId('agent-row').count()).toBe(ACCOUNTS);
    expect(await page.locator('[data-testid="agent-row"][data-agent-id="agent-sofia"]').getAttribute('data-disabled')).toBe('true');

    await page.getByTestId('agent-add').click();
    const form = page.getByTestId('agent-add-form');
    await page.getByTestId('agent-form-name').fill('赵敏');
    await page.getByTestId('agent-form-email').fill('zhao.min@desk.example');
    await page.getByTestId('agent-form-role').selectOption('agent');
    await page.getByTestId('agent-form-groups').fill('中文一线，VIP');
    // A defined group by its name: its button adds its id, a second press takes it out.
    const option = page.getByTestId('agent-form-group-option').first();
    const optionId = (await option.getAttribute('data-group')) ?? '';
    await option.click();
    expect(await page.getByTestId('agent-form-groups').inputValue()).toBe(`中文一线, VIP, ${optionId}`);
    expect(await option.getAttribute('aria-pressed')).toBe('true');
    await option.click();
    expect(await page.getByTestId('agent-form-groups').inputValue()).toBe('中文一线, VIP');
    await page.getByTestId('agent-form-languages').fill('zh-CN, en');
    await page.locator('[data-testid="agent-form-skill"][data-skill="security"]').check();
    await page.locator('[data-testid="agent-form-skill"][data-skill="account_locked"]').check();
    await page.getByTestId('agent-form-capacity').fill('0');
    // A first password instead of the invitation offered by default.
    expect(await page.getByTestId('agent-form-invite').isChecked(), 'an invitation is the default').toBe(true);
    expect(await page.getByTestId('agent-form-password').count(), 'no password field while inviting').toBe(0);
    await page.getByTestId('agent-form-invite').uncheck();
    await page.getByTestId('agent-form-password').fill('short');
    await page.getByTestId('agent-form-submit').click();
    expect(await page.getByTestId('agent-form-error').textContent(), 'checked before asking').toContain('at least 8 characters');
    await page.getByTestId('agent-form-password').fill('first-pass-1');
    await page.getByTestId('agent-form-submit').click();
    expect(await page.getByTestId('agent-form-error').textContent(), 'a capacity of 0 is no capacity').toContain('from 1 to 500');
    expect(await callsOf(page, 'admin_add_agent')).toEqual([]);
    await page.getByTestId('agent-form-capacity').fill('30');
    await page.getByTestId('agent-form-submit').click();
    await form.waitFor({ state: 'detached' });
    expect(await callsOf(page, 'admin_add_agent')).toEqual([
      {
        agent: {
          email: 'zhao.min@desk.example',
          name: '赵敏',
          role: 'agent',
          languages: ['zh-CN', 'en'],
          groups: ['中文一线', 'VIP'],
          skills: ['account_locked', 'security'],
          capacity: 30,
          password: 'first-pass-1',
        },
      },
    ]);
    const added = page.locator('[data-testid="agent-row"]', { hasText: '赵敏' });
    await added.waitFor();
    expect(await added.getByTestId('agent-groups').textContent()).toContain('中文一线');
    expect(await added.getByTestId('agent-skills').textContent()).toContain('Account locked');
    expect(await added.getByTestId('agent-capacity').textContent()).toBe('up to 30 open');
    expect(await added.getByTestId('agent-status').getAttribute('data-status'), 'a password: active at once').toBe('active');
    expect(await page.getByTestId('agent-done').textContent()).toContain('赵敏 was added');
    expect(await page.getByTestId('invitation-issued').count(), 'no code for an agent with a password').toBe(0);

    // The same email again: the server's refusal, in the form, with its reason.
    await page.getByTestId('agent-add').click();
    await page.getByTestId('agent-form-name').fill('Zhao Min');
    await page.getByTestId('agent-form-email').fill('ZHAO.MIN@desk.example');
    await page.getByTestId('agent-form-submit').click();
    const taken = page.getByTestId('agent-form-error');
    await expect.poll(() => taken.getAttribute('data-code')).toBe('conflict');
    expect(await taken.textContent()).toContain('already exists');
    await page.getByTestId('agent-form-cancel').click();

    // Omar becomes a supervisor: only the role is sent.
    const omar = page.locator('[data-testid="agent-row"][data-agent-id="agent-omar"]');
    await page.locator('[data-testid="agent-edit"][data-agent-id="agent-omar"]').click();
    await page.getByTestId('agent-form-role').selectOption('supervisor');
    await page.getByTestId('agent-form-submit').click();
    await expect.poll(() => omar.getAttribute('data-role')).toBe('supervisor');
    expect(await callsOf(page, 'admin_update_agent')).toEqual([{ agentId: 'agent-omar', update: { role: 'supervisor' } }]);
    expect(await omar.getByTestId('agent-role').textContent()).toBe('Supervisor');

    // Chen, signed in, is the desk's only admin: the server refuses the demotion.
    const chen = page.locator('[data-testid="agent-row"][data-agent-id="agent-chen"]');
    await page.locator('[data-testid="agent-edit"][data-agent-id="agent-chen"]').click();
    await page.getByTestId('agent-form-role').selectOption('agent');
    await page.getByTestId('agent-form-submit').click();
    const refusal = page.getByTestId('agent-form-error');
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-code')).toBe('conflict');
    expect(await refusal.textContent()).toBe(
      "Not saved (Conflict): the desk's last enabled admin cannot be given another role",
    );
    expect(await chen.getAttribute('data-role'), 'nothing changed').toBe('admin');
    await page.getByTestId('admin-agents').screenshot({ path: `${ARTIFACTS}admin-agents-refused-en-light.png` });

    // Disabling oneself is refused too, with the server's reason.
    await page.getByTestId('agent-form-role').selectOption('admin');
    await page.getByTestId('agent-form-disabled').check();
    await page.getByTestId('agent-form-submit').click();
    await expect.poll(() => refusal.textContent()).toContain('you cannot disable your own account');
    expect(await chen.getAttribute('data-disabled')).toBe('false');
  });
});

describe('invitations (admins)', () => {
  test('an agent added with an invitation gets a code shown once to hand over; a lost or expired one is replaced', async () => {
    const page = await consoleAs('admin');
    // What the Copy button writes, without touching the machine's clipboard.
    await page.evaluate(() => {
      const copied: string[] = [];
      (window as unknown as { __copied: string[] }).__copied = copied;
      Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (text: string) => void copied.push(text) } });
    });
    await page.getByTestId('view-admin_agents').click();
    await expect.poll(() => page.getByTestId('agent-row').count()).toBe(ACCOUNTS);

    await page.getByTestId('agent-add').click();
    await page.getByTestId('agent-form-name').fill('Mei Lin');
    await page.getByTestId('agent-form-email').fill('mei.lin@desk.example');
    await page.getByTestId('agent-form-submit').click();
    const issued = page.getByTestId('invitation-issued');
    await issued.waitFor();
    expect(await callsOf(page, 'admin_add_agent')).toEqual([
      { agent: { email: 'mei.lin@desk.example', name: 'Mei Lin', role: 'agent', languages: [], groups: [], skills: [] } },
    ]);
    const meiId = await issued.getAttribute('data-agent-id');
    const held = () =>
      page.evaluate((id) => window.__deskMock!.shell.admin.invitations.get(id!)?.code ?? null, meiId);
    const code = await page.getByTestId('invitation-code').textContent();
    expect(code, 'the code the server made, shown as it is').toBe(await held());
    expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
    expect(await issued.textContent()).toContain('not in an email to mei.lin@desk.example');
    expect(await page.getByTestId('agent-done').textContent()).toContain('Hand over the invitation code');
    // Focus moves to the code, so a screen reader reads it out.
    await expect.poll(() => focused(page)).toBe('invitation-issued');
    await page.getByTestId('invitation-copy').click();
    await expect.poll(() => page.getByTestId('invitation-copy').textContent()).toContain('Copied');
    expect(await page.evaluate(() => (window as unknown as { __copied: string[] }).__copied)).toEqual([code]);
    const mei = page.locator(`[data-testid="agent-row"][data-agent-id="${meiId}"]`);
    expect(await mei.getByTestId('agent-status').getAttribute('data-status')).toBe('invited');
    await page.screenshot({ path: `${ARTIFACTS}admin-invitation-en-light.png` });
    await page.getByTestId('invitation-done').click();
    expect(await page.getByTestId('invitation-issued').count(), 'dismissed, the code is gone for good').toBe(0);

    // Lost: a new invitation; the old code no longer works.
    await mei.getByTestId('agent-reissue').click();
    await issued.waitFor();
    const fresh = await page.getByTestId('invitation-code').textContent();
    expect(fresh).not.toBe(code);
    expect(fresh).toBe(await held());
    expect(await callsOf(page, 'admin_reissue_invitation')).toEqual([{ agentId: meiId }]);

    // Priya's invitation expired unused: the row says so and offers a new one.
    const priya = page.locator('[data-testid="agent-row"][data-agent-id="agent-priya"]');
    expect(await priya.getByTestId('agent-status').getAttribute('data-status')).toBe('invitation_expired');
    await priya.getByTestId('agent-reissue').click();
    await expect.poll(() => issued.getAttribute('data-agent-id')).toBe('agent-priya');
    await expect.poll(() => priya.getByTestId('agent-status').getAttribute('data-status')).toBe('invited');
    // Agents who chose a password are not offered one.
    expect(await page.locator('[data-testid="agent-reissue"][data-agent-id="agent-omar"]').count()).toBe(0);
  });
});

describe('who sees administration', () => {
  test('a supervisor sees the Audit log but not Agents, in the sidebar, the palette and by key', async () => {
    const page = await consoleAs('supervisor');
    await page.getByTestId('view-admin_audit').waitFor();
    expect(await page.getByTestId('view-admin_agents').count()).toBe(0);
    const offered = await paletteItems(page, '');
    expect(offered).toContain('view-admin_audit');
    expect(offered).toContain('admin-verify-audit');
    expect(offered).not.toContain('view-admin_agents');
    expect(offered).not.toContain('admin-add-agent');
    await page.keyboard.press('g');
    await page.keyboard.press('t');
    expect(await page.getByTestId('admin-agents').count(), 'g t offers nothing to a supervisor').toBe(0);
    await page.keyboard.press('g');
    await page.keyboard.press('l');
    await page.getByTestId('admin-audit').waitFor();
    expect(await callsOf(page, 'admin_agents')).toEqual([]);
  });

  test('an agent sees neither, even with a screen remembered from another sign-in', async () => {
    const page = await consoleAs('agent');
    expect(await page.getByTestId('admin-views').count()).toBe(0);
    const offered = await paletteItems(page, '');
    expect(offered.filter((id) => id.includes('admin'))).toEqual([]);
    expect((await paletteItems(page, 'audit')).filter((id) => id.includes('admin'))).toEqual([]);
    await page.keyboard.press('g');
    await page.keyboard.press('l');
    expect(await page.getByTestId('admin-audit').count()).toBe(0);

    await page.evaluate(() => localStorage.setItem('desk.view', 'admin_audit'));
    await page.reload();
    await page.getByTestId('ticket-row').first().waitFor();
    expect(await page.getByTestId('admin-audit').count()).toBe(0);
    expect(await page.getByTestId('view-open').getAttribute('aria-current')).toBe('page');
    expect(await page.evaluate(() => window.__deskMock!.commands().filter((c) => c.startsWith('audit_') || c.startsWith('admin_')))).toEqual(
      [],
    );
  });
});

describe('audit log (supervisors)', () => {
  test('filters shape the query, pages load newest first, the chain verifies, exports save', async () => {
    const page = await consoleAs('supervisor');
    await page.getByTestId('view-admin_audit').click();
    const rows = page.getByTestId('audit-row');
    await expect.poll(() => rows.count()).toBe(50);
    expect(await lastQuery(page)).toEqual({ limit: 50 });
    const seqs = () => rows.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-seq'))));
    const first = await seqs();
    expect(first[0], 'newest first').toBe(AUDIT_ROWS);

    await page.getByTestId('audit-more').click();
    await expect.poll(() => rows.count()).toBe(AUDIT_ROWS);
    expect(await lastQuery(page)).toEqual({ limit: 50, before: first.at(-1) });
    const all = await seqs();
    expect(all).toEqual([...all].sort((a, b) => b - a));
    await page.getByTestId('audit-end').waitFor();
    expect(await page.getByTestId('audit-more').count()).toBe(0);

    // Actors by name; customer-controlled details as text, never markup.
    expect(await rows.getByTestId('audit-actor').allTextContents()).toContain('李娜');
    const hostile = page.locator('[data-testid="audit-row"]', { hasText: 'onerror' });
    expect(await hostile.getByTestId('audit-details').textContent()).toContain('<img src=x onerror=');
    expect(await page.getByTestId('audit-table').locator('img, b').count(), 'no element made from details').toBe(0);
    expect(await page.evaluate((mark) => (window as unknown as Record<string, unknown>)[mark], XSS_MARK)).toBeUndefined();

    await page.getByTestId('audit-filter-agent').selectOption('agent-omar');
    await expect.poll(() => lastQuery(page)).toEqual({ actor: 'agent:agent-omar', limit: 50 });
    await expect.poll(async () => new Set(await rows.getByTestId('audit-actor').allTextContents())).toEqual(new Set(['Omar Haddad']));

    await page.getByTestId('audit-filter-action').selectOption('push.');
    await expect.poll(() => lastQuery(page)).toEqual({ actor: 'agent:agent-omar', action: 'push.', limit: 50 });
    await page.getByTestId('audit-filter-ticket').fill('#1042');
    await page.getByTestId('audit-filter-ticket').press('Enter');
    await expect.poll(() => lastQuery(page)).toEqual({ actor: 'agent:agent-omar', action: 'push.', subject: 'ticket:t-1042', limit: 50 });
    expect(new Set(await rows.getByTestId('audit-subject').allTextContents())).toEqual(new Set(['#1042']));

    await page.getByTestId('audit-filter-since').fill('2020-03-02');
    await page.getByTestId('audit-filter-until').fill('2020-03-05');
    const [since, until] = await page.evaluate(() => [new Date(2020, 2, 2).getTime(), new Date(2020, 2, 6).getTime()]);
    await expect.poll(() => lastQuery(page)).toEqual({
      actor: 'agent:agent-omar',
      action: 'push.',
      subject: 'ticket:t-1042',
      since,
      until,
      limit: 50,
    });
    await page.getByTestId('audit-empty').waitFor();

    await page.getByTestId('audit-filter-clear').click();
    await expect.poll(() => lastQuery(page)).toEqual({ limit: 50 });
    await expect.poll(() => rows.count()).toBe(50);

    await page.getByTestId('audit-verify').click();
    const chain = page.getByTestId('audit-chain');
    await expect.poll(() => chain.getAttribute('data-intact')).toBe('true');
    expect(await chain.textContent()).toContain(`Chain intact: ${AUDIT_ROWS} rows checked`);
    await page.evaluate(() => {
      window.__deskMock!.shell.admin.broken = { seq: 42, reason: "row 42's hash does not match its contents" };
    });
    await page.getByTestId('audit-verify').click();
    await expect.poll(() => chain.getAttribute('data-intact')).toBe('false');
    expect(await chain.textContent()).toContain("Chain broken at row 42: row 42's hash does not match its contents");

    await page.getByTestId('audit-filter-action').selectOption('agent.');
    await page.getByTestId('audit-export-csv').click();
    const saved = page.getByTestId('audit-exported');
    await expect.poll(() => saved.textContent()).toContain('/home/chen/Downloads/desk-audit-log.csv');
    expect((await callsOf(page, 'audit_export')).at(-1), 'every row the filters select: no page limit').toEqual({
      format: 'csv',
      query: { action: 'agent.' },
    });
    await page.getByTestId('audit-export-jsonl').click();
    await expect.poll(() => saved.textContent()).toContain('desk-audit-log.jsonl');
    await page.getByTestId('audit-export-csv').click();
    await expect.poll(() => saved.textContent()).toContain('desk-audit-log (1).csv');
    const csv = await page.evaluate(() =>
      new TextDecoder().decode(window.__deskMock!.shell.saved.get('/home/chen/Downloads/desk-audit-log.csv')),
    );
    expect(csv.split('\n')[0]).toBe('seq,at,actor,action,subject,details,hash');
    expect(csv).toContain('agent.add');
  });

  test('offline, the log is the server’s answer and says so', async () => {
    const page = await consoleAs('supervisor', { mock: { serverDown: true } });
    await page.getByTestId('view-admin_audit').click();
    const error = page.getByTestId('audit-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('offline');
    expect(await error.textContent()).toContain('Server unreachable');
  });
});

describe('keyboard', () => {
  test('Tab reaches every control, Escape closes the forms and focus comes back', async () => {
    const page = await consoleAs('admin');
    // The palette opens the add form straight away.
    await page.keyboard.press('Control+k');
    await page.getByTestId('palette-input').fill('add an agent');
    await page.keyboard.press('Enter');
    await page.getByTestId('agent-add-form').waitFor();
    await expect.poll(() => focused(page)).toBe('agent-form-name');
    const skills = Array<string>(CATEGORIES.length).fill('agent-form-skill');
    // The defined groups' buttons follow the groups field.
    const groupCount = await page.getByTestId('agent-form-group-option').count();
    expect(groupCount, 'the fake desk defines groups').toBeGreaterThan(0);
    const groupOptions = Array<string>(groupCount).fill('agent-form-group-option');
    const order = [
      'agent-form-email',
      'agent-form-role',
      'agent-form-groups',
      ...groupOptions,
      'agent-form-languages',
      'agent-form-capacity',
      ...skills,
      'agent-form-invite',
      'agent-form-submit',
      'agent-form-cancel',
    ];
    for (const id of order) {
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe(id);
    }
    await page.keyboard.press('Escape');
    await page.getByTestId('agent-add-form').waitFor({ state: 'detached' });
    expect(await focused(page), 'focus returns to the button that opened the form').toBe('agent-add');
    const outline = await page.getByTestId('agent-add').evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline, 'focus is visible').toBe('solid');

    await page.keyboard.press('Enter');
    await page.getByTestId('agent-add-form').waitFor();
    await expect.poll(() => focused(page)).toBe('agent-form-name');
    await page.keyboard.press('Escape');
    await page.getByTestId('agent-add-form').waitFor({ state: 'detached' });

    // Tab goes on into the table: each row's Edit.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('agent-edit');
    const editing = await page.evaluate(() => document.activeElement?.getAttribute('data-agent-id'));
    await page.keyboard.press('Enter');
    await page.getByTestId('agent-edit-form').waitFor();
    await expect.poll(() => focused(page)).toBe('agent-form-name');
    for (const id of [
      'agent-form-role',
      'agent-form-groups',
      ...groupOptions,
      'agent-form-languages',
      'agent-form-capacity',
      ...skills,
      'agent-form-password',
      'agent-form-disabled',
      'agent-form-submit',
    ]) {
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe(id);
    }
    await page.keyboard.press('Escape');
    await page.getByTestId('agent-edit-form').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-agent-id'))).toBe(editing);

    // The audit log by its key; its controls in reading order.
    await page.keyboard.press('g');
    await page.keyboard.press('l');
    await page.getByTestId('audit-row').first().waitFor();
    await page.getByTestId('audit-verify').focus();
    const controls = ['audit-export-csv', 'audit-export-jsonl', 'audit-filter-agent', 'audit-filter-ticket', 'audit-filter-action', 'audit-filter-since', 'audit-filter-until'];
    for (const id of controls) {
      await page.keyboard.press('Tab');
      // A date input's day, month and year are one control to Tab through in parts.
      for (let i = 0; i < 3 && (await focused(page)) !== id; i++) await page.keyboard.press('Tab');
      expect(await focused(page)).toBe(id);
    }
    await page.getByTestId('audit-more').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(AUDIT_ROWS);
  });
});

describe('screenshots', () => {
  for (const [locale, scheme] of [
    ['en', 'light'],
    ['zh-CN', 'light'],
    ['zh-CN', 'dark'],
  ] as const) {
    test(`agents and audit log, ${locale}, ${scheme}`, async () => {
      const page = await consoleAs('admin', { locale: locale === 'en' ? 'en-US' : 'zh-CN', colorScheme: scheme });
      await page.getByTestId('view-admin_agents').click();
      await expect.poll(() => page.getByTestId('agent-row').count()).toBe(ACCOUNTS);
      await page.locator('[data-testid="agent-edit"][data-agent-id="agent-lina"]').click();
      await page.getByTestId('agent-edit-form').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}admin-agents-${locale}-${scheme}.png` });
      await page.keyboard.press('Escape');
      await page.getByTestId('agent-add').click();
      await page.getByTestId('agent-form-name').fill(locale === 'en' ? 'Zhao Min' : '赵敏');
      await page.getByTestId('agent-form-email').fill('zhao.min@desk.example');
      await page.locator('[data-testid="agent-form-skill"][data-skill="security"]').check();
      await page.getByTestId('agent-form-capacity').fill('600');
      await page.getByTestId('agent-form-submit').click();
      await page.getByTestId('agent-form-error').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}admin-agents-add-${locale}-${scheme}.png` });
      await page.getByTestId('agent-form-capacity').fill('30');
      await page.getByTestId('agent-form-submit').click();
      await page.getByTestId('invitation-issued').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}admin-agents-invited-${locale}-${scheme}.png` });

      await page.getByTestId('view-admin_audit').click();
      await expect.poll(() => page.getByTestId('audit-row').count()).toBe(50);
      await page.getByTestId('audit-verify').click();
      await page.getByTestId('audit-chain').waitFor();
      await page.getByTestId('audit-export-csv').click();
      await page.getByTestId('audit-exported').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}admin-audit-${locale}-${scheme}.png` });
    });
  }
});

// Accepting an invitation on the sign-in screen (DESIGN.md §3): an agent an admin added
// without a password types the code they were handed, chooses a password (twice) and is
// signed in; a code that does not work says so without saying why, and what can be
// checked here is checked before anything is sent.
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, pagePerTest, callsOf } from './browser';

const open = pagePerTest();
const PRIYA = 'priya.shah@desk.example';

/** An admin issued Priya a fresh invitation elsewhere: its code, as handed to her. */
function issue(page: Page): Promise<string> {
  return page.evaluate((email) => window.__deskMock!.shell.admin.issueFor(email).code, PRIYA);
}

describe('accepting an invitation', () => {
  test('the code and a new password typed twice sign the invited agent in; a wrong code is refused', async () => {
    const page = await open();
    const code = await issue(page);
    await page.getByTestId('invitation-toggle').click();
    await page.getByTestId('invitation-intro').waitFor();
    expect(await page.getByTestId('sign-in').textContent()).toContain('Set password and sign in');
    await page.getByTestId('email').fill(PRIYA);
    const error = page.getByTestId('sign-in-error');

    // Checked here first: every field, the length, the same password twice.
    await page.getByTestId('sign-in').click();
    expect(await error.getAttribute('data-code')).toBe('missing');
    await page.getByTestId('invitation-code-input').fill('0000-0000-0000-0000-0000');
    await page.getByTestId('password').fill('short');
    await page.getByTestId('password-repeat').fill('short');
    await page.getByTestId('sign-in').click();
    expect(await error.getAttribute('data-code')).toBe('short');
    await page.getByTestId('password').fill('priya chose this');
    await page.getByTestId('password-repeat').fill('priya chose thus');
    await page.getByTestId('sign-in').click();
    expect(await error.getAttribute('data-code')).toBe('mismatch');
    expect(await error.textContent()).toContain('not the same');
    expect(await callsOf(page, 'accept_invitation'), 'nothing sent yet').toEqual([]);

    // A code that does not work: the server's answer, and the code to type again.
    await page.getByTestId('password-repeat').fill('priya chose this');
    await page.getByTestId('password-repeat').press('Enter');
    await expect.poll(() => error.getAttribute('data-code')).toBe('invalid_invitation');
    expect(await error.textContent()).toContain('mistyped, expired or already used');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('invitation-code-input');
    expect(await page.getByTestId('password').inputValue(), 'the chosen password is kept').toBe('priya chose this');
    await page.screenshot({ path: `${ARTIFACTS}sign-in-invitation-refused-en-light.png` });

    // Typed as people type it: lower case, spaces.
    await page.getByTestId('invitation-code-input').fill(code.toLowerCase().replaceAll('-', ' '));
    await page.getByTestId('sign-in').click();
    await page.getByTestId('ticket-list').waitFor();
    expect(await page.getByTestId('agent-name').textContent()).toBe('Priya Shah');
    expect((await callsOf(page, 'accept_invitation')).at(-1)).toEqual({
      serverUrl: 'http://127.0.0.1:8080',
      email: PRIYA,
      code: code.toLowerCase().replaceAll('-', ' '),
      password: 'priya chose this',
    });
  });

  test('in Chinese, and back to signing in with a password', async () => {
    const page = await open({ locale: 'zh-CN' });
    await page.getByTestId('invitation-toggle').click();
    await page.getByTestId('invitation-intro').waitFor();
    expect(await page.getByTestId('invitation-intro').textContent()).toContain('接受邀请');
    expect(await page.getByTestId('sign-in').textContent()).toContain('设置密码并登录');
    await page.getByTestId('email').fill(PRIYA);
    await page.getByTestId('invitation-code-input').fill('7KQ2-M9XD-0000-0000-0000');
    await page.getByTestId('password').fill('一个足够长的密码');
    await page.getByTestId('password-repeat').fill('一个足够长的密码');
    await page.screenshot({ path: `${ARTIFACTS}sign-in-invitation-zh-CN-light.png` });
    await page.getByTestId('sign-in').click();
    const error = page.getByTestId('sign-in-error');
    await expect.poll(() => error.getAttribute('data-code')).toBe('invalid_invitation');
    expect(await error.textContent()).toContain('邀请码无效');

    await page.getByTestId('invitation-toggle').click();
    expect(await page.getByTestId('invitation-code-input').count()).toBe(0);
    expect(await page.getByTestId('password-repeat').count()).toBe(0);
    expect(await page.getByTestId('sign-in').textContent()).toContain('登录');
    expect(await page.getByTestId('password').inputValue(), 'the invitation password is not reused').toBe('');
  });
});

// Files both ways (DESIGN.md §11), end to end in the built console: a message's images
// previewed inline (from blob: URLs the CSP allows), other files saved into Downloads with
// the path shown, an SVG never rendered; the composer's Attach reached from the keyboard,
// over-limit files refused before anything is queued, and a reply with files queued
// offline showing its files at once. Screenshots in both languages.
import { describe, expect, test } from 'vitest';
import type { FileChooser, Locator, Page } from 'playwright-core';
import { ARTIFACTS, pagePerTest, type OpenOptions } from './browser';
import { RECEIPT_PNG } from '../harness/files';

const open = pagePerTest();

async function openTicket(id: string, options: OpenOptions = {}): Promise<Page> {
  const page = await open({ ...options, mock: { signedIn: true, ...options.mock } });
  await page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`).click();
  await page.locator(`[data-testid="ticket-detail"][data-ticket-id="${id}"]`).waitFor();
  return page;
}

/** The `n`th file (0-based) under the `m`th message of the open conversation. */
function fileOf(page: Page, m: number, n: number): Locator {
  return page.getByTestId('message').nth(m).getByTestId('attachment').nth(n);
}

/** Whether the preview `<img>` decoded real pixels (a CSP refusal leaves it empty). */
function decoded(img: Locator): Promise<{ width: number; src: string }> {
  return img.evaluate((el) => ({ width: (el as HTMLImageElement).naturalWidth, src: (el as HTMLImageElement).src }));
}

function focused(page: Page): Promise<{ testid: string | null; ring: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      testid: el?.dataset.testid ?? null,
      ring: !!el && el.matches(':focus-visible') && getComputedStyle(el).outlineStyle !== 'none',
    };
  });
}

const GUIDE = Buffer.from('确认步骤：打开钱包 → 资产 → 待确认交易，核对地址后确认。\n', 'utf8');

describe('attachments', () => {
  for (const [locale, saved] of [
    ['en-US', 'Saved to /home/chen/Downloads/交易凭证.pdf'],
    ['zh-CN', '已保存到 /home/chen/Downloads/交易凭证.pdf'],
  ] as const) {
    test(`a customer's screenshot shows inline and the PDF saves to Downloads, ${locale}`, async () => {
      const page = await openTicket('t-1042', { locale });
      // t-1042's fifth message: the customer's screenshot and a PDF voucher.
      const shot = fileOf(page, 4, 0);
      const pdf = fileOf(page, 4, 1);
      expect(await shot.getAttribute('data-kind'), 'a PNG is an image').toBe('image');
      const img = shot.getByTestId('attachment-preview');
      await img.waitFor();
      await expect
        .poll(async () => (await decoded(img)).width, { message: 'the thumbnail decoded: the CSP allowed its blob: URL' })
        .toBe(240);
      expect((await decoded(img)).src, 'shown from a URL the console made, never a remote one').toMatch(/^blob:/);
      expect(await shot.getByTestId('attachment-name').textContent()).toBe('确认失败截图.png');

      expect(await pdf.getAttribute('data-kind'), 'a PDF is not previewed').toBe('pdf');
      expect(await pdf.getByTestId('attachment-preview').count()).toBe(0);
      expect(await pdf.getByTestId('attachment-detail').textContent(), 'its kind and size').toMatch(/PDF.* · \d+ B/);
      await pdf.getByTestId('attachment-save').click();
      const where = pdf.getByTestId('attachment-saved');
      await where.waitFor();
      expect(await where.textContent(), 'the console says where the file went').toBe(saved);
      await pdf.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${ARTIFACTS}attachments-message-${locale}-light.png` });

      // Saved again: a new name, the first file untouched.
      await pdf.getByTestId('attachment-save').click();
      await expect.poll(() => where.textContent(), { message: 'a second save never overwrites' }).toContain('交易凭证 (1).pdf');
    });
  }

  test('an SVG is never rendered, and a file not yet downloaded says so offline', async () => {
    const page = await openTicket('t-1038', { mock: { serverDown: true } });
    const svg = fileOf(page, 0, 0);
    expect(await svg.getAttribute('data-kind'), 'desk-core sniffed the SVG as text').toBe('text');
    expect(await page.locator('[data-testid="attachment"] img').count(), 'no image element for it at all').toBe(0);
    await svg.getByTestId('attachment-save').click();
    const problem = svg.getByTestId('attachment-problem');
    await problem.waitFor();
    expect(await problem.getAttribute('data-code'), 'the UI branches on the code').toBe('offline');
    expect(await problem.textContent()).toContain('Not downloaded to this computer yet');

    // The customer's receipt on t-1041 was never fetched: no preview offline, and why.
    await page.locator('[data-testid="ticket-row"][data-ticket-id="t-1041"]').click();
    await page.locator('[data-testid="ticket-detail"][data-ticket-id="t-1041"]').waitFor();
    const receipt = fileOf(page, 0, 0);
    await expect
      .poll(() => receipt.getByTestId('attachment-problem').getAttribute('data-code'), { message: 'the preview waits for the network' })
      .toBe('offline');
    // Back online: the preview loads by itself.
    await page.evaluate(() => window.__deskMock!.setServerDown(false));
    await page.evaluate(() => window.__deskMock!.emitSession({ connectivity: 'online', last_error: null }));
    const img = receipt.getByTestId('attachment-preview');
    await img.waitFor();
    await expect.poll(async () => (await decoded(img)).width, { message: 'decoded once online' }).toBe(240);
  });

  for (const locale of ['en-US', 'zh-CN'] as const) {
    test(`files attached from the keyboard, an over-limit one refused, queued offline with the reply, ${locale}`, async () => {
      const page = await openTicket('t-1042', { locale, mock: { serverDown: true } });
      // Listening from the start: the browser intercepts the chooser only once told to.
      const choosers: FileChooser[] = [];
      page.on('filechooser', (c) => choosers.push(c));
      await page.getByTestId('composer-body').fill(
        locale === 'en-US' ? 'Here are the confirmation steps; see the attached guide.' : '王先生您好，确认步骤见附件，请按图操作。',
      );
      // Tab from the text reaches Attach, its focus visible; Enter opens the chooser.
      await page.keyboard.press('Tab');
      expect(await focused(page), 'Attach comes right after the text').toEqual({ testid: 'attach-button', ring: true });
      await page.keyboard.press('Enter');
      await expect.poll(() => choosers.length, { message: 'Enter on Attach opens the file chooser' }).toBe(1);
      await choosers[0]!.setFiles([
        { name: '确认步骤.png', mimeType: 'image/png', buffer: Buffer.from(RECEIPT_PNG) },
        { name: 'guide.txt', mimeType: 'text/plain', buffer: GUIDE },
        { name: '录屏.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(25 * 1024 * 1024 + 1) },
      ]);
      const chosen = page.getByTestId('chosen-file');
      await expect.poll(() => chosen.count(), { message: 'two files fit; the recording does not' }).toBe(2);
      const refused = page.getByTestId('attach-refused');
      expect(await refused.textContent(), 'why, before anything is queued').toContain(
        locale === 'en-US' ? '录屏.mp4 is 25 MB; a file can be at most 25 MB.' : '录屏.mp4 大小为 25 MB，单个文件不能超过 25 MB。',
      );
      expect(await page.evaluate(() => window.__deskMock!.commands()), 'nothing reached the shell yet').not.toContain(
        'reply_with_files',
      );
      await page.screenshot({ path: `${ARTIFACTS}attachments-composer-${locale}-light.png` });

      // A note cannot carry them: said, and Send waits.
      await page.getByTestId('mode-note').click();
      await page.getByTestId('files-on-note').waitFor();
      expect(await page.getByTestId('composer-send').isDisabled(), 'a note with files is not sent').toBe(true);
      await page.getByTestId('mode-reply').click();

      // Remove the text file from the keyboard; focus stays in the list.
      const removeGuide = chosen.nth(1).getByTestId('chosen-remove');
      expect(await removeGuide.getAttribute('aria-label'), 'the button names the file').toContain('guide.txt');
      await removeGuide.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => chosen.count()).toBe(1);
      expect((await focused(page)).testid, 'focus moves to the remaining file’s remove button').toBe('chosen-remove');

      await page.getByTestId('composer-send').click();
      const unsent = page.locator('[data-testid="message"][data-unsent="pending"]');
      await unsent.waitFor();
      expect(await chosen.count(), 'the composer is empty again').toBe(0);
      const queued = unsent.getByTestId('attachment');
      expect(await queued.count(), 'the unsent reply shows the file it carries').toBe(1);
      const img = queued.getByTestId('attachment-preview');
      await img.waitFor();
      await expect
        .poll(async () => (await decoded(img)).width, { message: 'offline, from the cache the reply was queued with' })
        .toBe(240);
      const calls = await page.evaluate(() => window.__deskMock!.shell.calls.filter((c) => c.cmd === 'reply_with_files'));
      expect(calls, 'one raw call carrying the text and the file').toHaveLength(1);
      await expect
        .poll(() => page.getByTestId('outbox-pending').textContent(), { message: 'the reply waits in the outbox' })
        .toMatch(/1/);
      await unsent.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${ARTIFACTS}attachments-queued-offline-${locale}-light.png` });
    });
  }
});

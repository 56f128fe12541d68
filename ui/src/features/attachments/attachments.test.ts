// The composer's limits, the preview rule, sizes, the raw IPC frame, the fake shell's
// file commands, and the CSP that lets previews show and nothing remote load.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { translate } from '../../lib/i18n';
import { frameReply, parseReplyFrame } from '../../lib/frame';
import { FakeShell } from '../../../test/harness/fake-shell';
import { RECEIPT_PNG } from '../../../test/harness/files';
import { admit, fileKind, formatSize, imageType, MAX_FILE_BYTES, MAX_FILES, previewable } from './attachments';

const MiB = 1024 * 1024;
const file = (name: string, size: number) => ({ name, size });

describe('admit', () => {
  test('files within the limits are added in order', () => {
    const { accepted, refused } = admit([], [file('截图.png', 200_000), file('guide.pdf', 3 * MiB)], 'zh-CN');
    expect(accepted.map((f) => f.name), 'both fit').toEqual(['截图.png', 'guide.pdf']);
    expect(refused).toEqual([]);
  });

  test('a file over 25 MiB is refused, naming the file, its size and the limit, in both languages', () => {
    const { accepted, refused } = admit([], [file('录屏.mp4', MAX_FILE_BYTES + 1), file('ok.txt', 10)], 'en');
    expect(accepted.map((f) => f.name), 'the others still join').toEqual(['ok.txt']);
    expect(refused).toHaveLength(1);
    const r = refused[0]!;
    expect(translate('en', r.key, r.params), 'the agent reads why before anything is queued').toBe(
      '录屏.mp4 is 25 MB; a file can be at most 25 MB.',
    );
    const zh = admit([], [file('录屏.mp4', 30 * MiB)], 'zh-CN').refused[0]!;
    expect(translate('zh-CN', zh.key, zh.params)).toBe('录屏.mp4 大小为 30 MB，单个文件不能超过 25 MB。');
  });

  test('the 21st file and the one past 40 MiB together are refused; empty and repeated files too', () => {
    const twenty = Array.from({ length: MAX_FILES }, (_, i) => file(`${i}.txt`, 1));
    expect(admit(twenty, [file('21.txt', 1)], 'en').refused[0]?.key, 'at most 20 files').toBe('attach.refused_count');
    const big = [file('a.bin', 20 * MiB), file('b.bin', 15 * MiB)];
    const over = admit(big, [file('c.bin', 6 * MiB)], 'en').refused[0]!;
    expect(over.key, '41 MiB together is over a reply’s 40').toBe('attach.refused_total');
    expect(translate('en', over.key, over.params)).toContain('41 MB');
    expect(admit([], [file('blank.txt', 0)], 'en').refused[0]?.key).toBe('attach.refused_empty');
    expect(admit([file('a.png', 5)], [file('a.png', 5)], 'en').refused[0]?.key, 'chosen twice').toBe('attach.refused_duplicate');
  });
});

describe('previews', () => {
  test('only raster images are previewed, and only when their bytes are that image', () => {
    expect(previewable('image/png') && previewable('image/webp')).toBe(true);
    expect(previewable('image/svg+xml'), 'SVG runs script: never an image here').toBe(false);
    expect(previewable('text/plain') || previewable('text/html')).toBe(false);
    expect(imageType(RECEIPT_PNG)).toBe('image/png');
    expect(imageType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    const svg = new TextEncoder().encode('<svg onload="alert(1)"/>');
    expect(imageType(svg), 'an SVG is text, whatever it is called').toBeNull();
    expect(imageType(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
  });

  test('sizes and kinds read as people expect', () => {
    expect(formatSize(812, 'en')).toBe('812 B');
    expect(formatSize(12_595, 'en')).toBe('12.3 KB');
    expect(formatSize(4.25 * MiB, 'zh-CN')).toBe('4.3 MB');
    expect(fileKind('application/pdf')).toBe('pdf');
    expect(fileKind('image/gif')).toBe('image');
    expect(fileKind('application/octet-stream')).toBe('other');
  });
});

describe('the raw IPC frame', () => {
  test('a reply and its files go as one body and come back whole', () => {
    const files = [
      { name: '提币截图.png', bytes: RECEIPT_PNG },
      { name: 'empty-name-next', bytes: new Uint8Array([0, 1, 2, 255]) },
    ];
    const frame = frameReply('t-1042', '您好，见附件', files);
    const { head, files: back } = parseReplyFrame(frame);
    expect(head).toEqual({
      ticket_id: 't-1042',
      body: '您好，见附件',
      files: [
        { name: '提币截图.png', size: RECEIPT_PNG.length },
        { name: 'empty-name-next', size: 4 },
      ],
    });
    expect(back.map((b) => [...b]), 'the bytes as they were, in order').toEqual(files.map((f) => [...f.bytes]));
    // src-tauri reads the length as a big-endian u32 before the head's JSON.
    const length = new DataView(frame.buffer).getUint32(0, false);
    expect(new TextDecoder().decode(frame.subarray(4, 4 + length))).toContain('"ticket_id":"t-1042"');
    expect(() => parseReplyFrame(frame.subarray(0, frame.length - 1)), 'a cut body is refused').toThrow();
  });
});

describe('the fake shell keeps to the file contract', () => {
  test('files queued offline open from the cache; others say offline, then not_found online', () => {
    const shell = new FakeShell({ signedIn: true, serverDown: true });
    const mutation = shell.handle(
      'reply_with_files',
      frameReply('t-1042', '见附件', [{ name: 'C:\\Users\\chen\\截图.png', bytes: RECEIPT_PNG }]),
    ) as { op: { attachments: { file_name: string; content_type: string; sha256: string }[] } };
    const [attached] = mutation.op.attachments;
    expect(attached?.file_name, 'the name loses its path').toBe('截图.png');
    expect(attached?.content_type, 'sniffed from the bytes').toBe('image/png');
    const bytes = new Uint8Array(shell.handle('attachment_bytes', { ticketId: 't-1042', sha256: attached!.sha256 }) as ArrayBuffer);
    expect([...bytes], 'a queued file opens offline').toEqual([...RECEIPT_PNG]);
    // The customer's PDF (their screenshot is the same bytes as the one just attached,
    // so the same address, already cached).
    const onServer = shell.data.messages.find((m) => m.id === 't-1042-m5')!.attachments[1]!;
    expect(() => shell.handle('attachment_bytes', { ticketId: 't-1042', sha256: onServer.sha256 })).toThrow(
      expect.objectContaining({ code: 'offline' }),
    );
    shell.serverDown = false;
    expect(() => shell.handle('attachment_bytes', { ticketId: 't-1042', sha256: '0'.repeat(64) })).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
    const first = shell.handle('save_attachment', { ticketId: 't-1042', sha256: onServer.sha256, fileName: onServer.file_name });
    const second = shell.handle('save_attachment', { ticketId: 't-1042', sha256: onServer.sha256, fileName: onServer.file_name });
    expect([first, second], 'saving twice never overwrites').toEqual([
      '/home/chen/Downloads/交易凭证.pdf',
      '/home/chen/Downloads/交易凭证 (1).pdf',
    ]);
  });

  test('an over-limit file is refused with payload_too_large', () => {
    const shell = new FakeShell({ signedIn: true });
    const big = new Uint8Array(MAX_FILE_BYTES + 1);
    expect(() => shell.handle('reply_with_files', frameReply('t-1042', '录屏', [{ name: 'a.mp4', bytes: big }]))).toThrow(
      expect.objectContaining({ code: 'payload_too_large' }),
    );
  });
});

describe('the CSP', () => {
  const conf = JSON.parse(readFileSync(new URL('../../../../tauri.conf.json', import.meta.url), 'utf8')) as {
    app: { security: { csp: Record<string, string> } };
  };
  const csp = conf.app.security.csp;

  test('previews may load from blob: URLs the console made, and images from nowhere remote', () => {
    const sources = csp['img-src']!.split(/\s+/);
    expect(sources, 'blob: is what previews use; data: was already allowed').toEqual(["'self'", 'data:', 'blob:']);
    expect(
      sources.filter((s) => /^(https?:|\*|\w+:\/\/)/.test(s)),
      'no remote origin: a customer’s HTML cannot fetch a tracking pixel',
    ).toEqual([]);
    expect(csp['script-src'], 'blob: is for images only, never scripts').toBe("'self'");
    expect(csp['default-src']).toBe("'self'");
    expect(csp['object-src']).toBe("'none'");
  });

  test('the browser tests serve the same img-src', async () => {
    const { APP_CSP } = await import('../../../test/browser/static-server');
    expect(APP_CSP).toContain(`img-src ${csp['img-src']}`);
  });
});

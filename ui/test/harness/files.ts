// File bytes for the fake shell's messages (DESIGN.md §11): a real PNG (a drawn payment
// receipt, so a thumbnail shows something), a PDF, and an SVG that is text, as desk-core
// sniffs it. Their addresses are the fake's own, not SHA-256: the fake stores by them.
import type { Attachment } from '../../src/lib/bindings';

const RECEIPT_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAPAAAACgCAIAAAC9uXYyAAAC7ElEQVR42u3csVECQRgFYKowNDOwBgpw5nIrMLIfO6AJMgohI2I0' +
  'sQJUcuaAWzjf7n5vXoaJzDfM7r+3t9jtv1Wb6cJXoECrAq0KtCrQCnRVfXr70hkKNNBAAw000EAr0EAr0EADDTTQQAMNNNBAn+pm' +
  'ewgs0EADDTTQQAMNNNBAAw000EADDTTQQAMNNNAOVhRooIEGGmiggQYaaKAVaKAVaKCBBhpooIE+9kdmCdBAAw000EADLUADLUAD' +
  'DTTQQAMNNNBAAy1AAy1AAw000EADDXSroB9WA9BAVwz6T/B4gQa6DtBnKdfCGmigr9Mcbhro3kFP0JxsGuiuQU/WHGsa6H5BF2rO' +
  'NA10p6BvRTnNNNBAF/0wAw10U0vntIUH0ECXagYa6BZGdZlbQ6CBLtUMNNB1Hw0mD++A7g70+MhiguYo00D7hR4u/zT/eAVooIeR' +
  'v7lwoQI00HFr6JJlN9BAh24Kp20igQY6espx7UgEaKDrMF3dA3dAA93UE6RAex7a89BAu7HixgrQjZnO/HeAduvbrW+gvZcDaKDz' +
  '481JQHu3HdBAC9BAC9BAAw000EADDTTQQAvQQAvQQAMNNNBAA31/0I/PyyYLNNBAAw000EADDTTQQAMNNNBAG9sJ0EADDTTQQAMN' +
  'NNBAC9BAC9Ctgv5YraMKNNBAAw000EADDTTQNoU2hUAL0EAL0EADDTTQQAMNNNBAC9BAC9BAAw000EADfTvQtRxBv7y+/0uBBhpo' +
  'oIEGGmiggQZabAqBFqCBBhpooIEGGmiggRagje1SLqsa2wENNNBAAw000EADbVNoUwg00EADLUADLUADDTTQQAMNdI9juzlHeEAD' +
  'DTTQQAMNNNBAAy02hUAL0EADDTTQQAMNNNBAC9BAC9BAAw30nKC3nwcdKdBAAw000EADDTTQQAMNNNBAAw000EADDTTQQAMNNNBA' +
  'O/oWoIEGGmiggQYaaKCBFqCBFqBVgVYFWhVoBVoVaNWQ/gISctIxi73dBQAAAABJRU5ErkJggg==';

export function decodeBase64(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export const RECEIPT_PNG = decodeBase64(RECEIPT_PNG_BASE64);

const VOUCHER_PDF = new TextEncoder().encode(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
);

/** An SVG with a script: desk-core sniffs it as text, so it is never previewed. */
const QR_SVG = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><script>alert(1)</script></svg>',
);

/**
 * A content address for the fake: 64 hex digits from four FNV-1a hashes of the bytes.
 * Equal bytes, equal address, as with SHA-256; nothing else is claimed.
 */
export function fakeAddress(bytes: Uint8Array): string {
  let out = '';
  for (const seed of [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b]) {
    let h = seed >>> 0;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    h = Math.imul(h ^ bytes.length, 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0').repeat(2);
  }
  return out;
}

/** desk-core's `sniff`, for the types the fixtures and tests use. */
export function sniff(bytes: Uint8Array): string {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'application/zip';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, 4096));
    return bytes.subarray(0, 4096).includes(0) ? 'application/octet-stream' : 'text/plain';
  } catch {
    return 'application/octet-stream';
  }
}

export function describe(name: string, bytes: Uint8Array): Attachment {
  return { sha256: fakeAddress(bytes), file_name: name.split(/[\\/]/).pop() || 'attachment', content_type: sniff(bytes), size: bytes.length };
}

/** The files each fixture message carries, by message id, with their bytes. */
export function fixtureFiles(): Map<string, { attachment: Attachment; bytes: Uint8Array }[]> {
  const file = (name: string, bytes: Uint8Array) => ({ attachment: describe(name, bytes), bytes });
  return new Map([
    ['t-1041-m1', [file('exchange-withdrawal-receipt.png', RECEIPT_PNG)]],
    ['t-1042-m5', [file('确认失败截图.png', RECEIPT_PNG), file('交易凭证.pdf', VOUCHER_PDF)]],
    ['t-1038-m1', [file('客服二维码.svg', QR_SVG)]],
  ]);
}

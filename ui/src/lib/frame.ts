// The body of `reply_with_files`, the one command whose input is raw bytes (Tauri's binary
// IPC, no base64): a 4-byte big-endian length, that many bytes of UTF-8 JSON saying the
// ticket, the text and each file's name and size, then the files' bytes one after another.
// src-tauri `commands::reply_frame` reads it back.

export interface FrameFile {
  name: string;
  bytes: Uint8Array;
}

export interface FrameHead {
  ticket_id: string;
  body: string;
  files: { name: string; size: number }[];
}

export function frameReply(ticketId: string, body: string, files: readonly FrameFile[]): Uint8Array<ArrayBuffer> {
  const head: FrameHead = {
    ticket_id: ticketId,
    body,
    files: files.map((f) => ({ name: f.name, size: f.bytes.byteLength })),
  };
  const json = new TextEncoder().encode(JSON.stringify(head));
  const total = 4 + json.byteLength + files.reduce((sum, f) => sum + f.bytes.byteLength, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, json.byteLength, false);
  out.set(json, 4);
  let at = 4 + json.byteLength;
  for (const f of files) {
    out.set(f.bytes, at);
    at += f.bytes.byteLength;
  }
  return out;
}

/** The inverse of {@link frameReply}; throws on a body that is not one. */
export function parseReplyFrame(frame: Uint8Array): { head: FrameHead; files: Uint8Array[] } {
  if (frame.byteLength < 4) throw new Error('no head length');
  const length = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, false);
  if (4 + length > frame.byteLength) throw new Error('head cut short');
  const head = JSON.parse(new TextDecoder().decode(frame.subarray(4, 4 + length))) as FrameHead;
  const files: Uint8Array[] = [];
  let at = 4 + length;
  for (const f of head.files) {
    if (at + f.size > frame.byteLength) throw new Error(`file ${f.name} cut short`);
    files.push(frame.subarray(at, at + f.size));
    at += f.size;
  }
  if (at !== frame.byteLength) throw new Error('bytes after the last file');
  return { head, files };
}

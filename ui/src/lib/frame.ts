// The body of `reply_with_files` and `reply_and_edit`, the commands whose input is raw
// bytes (Tauri's binary IPC, no base64): a 4-byte big-endian length, that many bytes of
// UTF-8 JSON saying the ticket, the text and each file's name and size (for
// `reply_and_edit` also whether it is a note and the inserted macros' actions), then the
// files' bytes one after another. src-tauri `commands::reply_frame` and
// `reply_and_edit_frame` read it back.
import type { MacroAction } from './bindings';

export interface FrameFile {
  name: string;
  bytes: Uint8Array;
}

export interface FrameHead {
  ticket_id: string;
  body: string;
  files: { name: string; size: number }[];
  /** `reply_and_edit` only: a note rather than a public reply. */
  internal?: boolean;
  /** `reply_and_edit` only: the macros' actions, applied with the reply, in order. */
  actions?: MacroAction[];
}

export function frameReply(ticketId: string, body: string, files: readonly FrameFile[]): Uint8Array<ArrayBuffer> {
  return frame({ ticket_id: ticketId, body, files: sizes(files) }, files);
}

/** `reply_and_edit`'s body: the reply (or note), its files, and the actions to apply with it. */
export function frameReplyAndEdit(
  ticketId: string,
  body: string,
  internal: boolean,
  actions: readonly MacroAction[],
  files: readonly FrameFile[],
): Uint8Array<ArrayBuffer> {
  return frame({ ticket_id: ticketId, body, internal, actions: [...actions], files: sizes(files) }, files);
}

function sizes(files: readonly FrameFile[]): FrameHead['files'] {
  return files.map((f) => ({ name: f.name, size: f.bytes.byteLength }));
}

function frame(head: FrameHead, files: readonly FrameFile[]): Uint8Array<ArrayBuffer> {
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

/** The inverse of {@link frameReply} and {@link frameReplyAndEdit}; throws on a body that is not one. */
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

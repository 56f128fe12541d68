// A message's files, fetched through the shell: previews kept as blob: URLs (the CSP's
// img-src allows `blob:` and no remote origin), and saves into the Downloads folder.
// The bytes come from the encrypted cache, or from the server once and cached there.
import type { ApiError, Attachment } from '../../lib/bindings';
import { api, toApiError } from '../../lib/api';
import { imageType, previewable } from './attachments';

/** Previews kept at once; the oldest URL is revoked past this (an image already shown
 * stays on screen: it was decoded when it loaded). */
const MAX_PREVIEWS = 48;

/** By file address, oldest first. */
const urls = new Map<string, string>();
const pending = new Map<string, Promise<string>>();

export type Preview = { url: string } | { error: ApiError };

/**
 * A blob: URL showing `file`, a raster image, for an `<img>`. Refused (`bad_request`)
 * unless its bytes are the image type it carries: SVG, HTML and whatever else claims an
 * image type never get an image URL.
 */
export async function preview(ticketId: string, file: Attachment): Promise<Preview> {
  const kept = urls.get(file.sha256);
  if (kept !== undefined) {
    urls.delete(file.sha256);
    urls.set(file.sha256, kept);
    return { url: kept };
  }
  let loading = pending.get(file.sha256);
  if (!loading) {
    loading = load(ticketId, file).finally(() => pending.delete(file.sha256));
    pending.set(file.sha256, loading);
  }
  try {
    return { url: await loading };
  } catch (e) {
    return { error: toApiError(e) };
  }
}

async function load(ticketId: string, file: Attachment): Promise<string> {
  if (!previewable(file.content_type)) throw { code: 'bad_request', message: `${file.file_name} is not an image` };
  const bytes = await api.attachmentBytes(ticketId, file.sha256);
  const type = imageType(bytes);
  if (type !== file.content_type) throw { code: 'bad_request', message: `${file.file_name} is not a ${file.content_type}` };
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  urls.set(file.sha256, url);
  while (urls.size > MAX_PREVIEWS) {
    const [oldest, old] = urls.entries().next().value as [string, string];
    urls.delete(oldest);
    URL.revokeObjectURL(old);
  }
  return url;
}

/** Saves `file` into the Downloads folder; where it went, or why not. */
export async function save(ticketId: string, file: Attachment): Promise<{ path: string } | { error: ApiError }> {
  try {
    return { path: await api.saveAttachment(ticketId, file.sha256, file.file_name) };
  } catch (e) {
    return { error: toApiError(e) };
  }
}

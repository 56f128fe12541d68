// Files on messages (DESIGN.md §11), as the console shows and chooses them. Pure: the
// components pass files and the locale. The limits are desk-core's (`attachment.rs`), so
// the composer refuses what the shell would, before anything is queued; the shell checks
// again.
import type { Locale, MessageKey, Params } from '../../lib/i18n';
import type { IconName } from '../../lib/icons';

/** Largest file a reply may carry (desk-core `MAX_FILE_BYTES`). */
export const MAX_FILE_BYTES = 25 * 1024 * 1024;
/** Most files on one reply (`MAX_FILES_PER_MESSAGE`). */
export const MAX_FILES = 20;
/** Most bytes of files on one reply (`MAX_MESSAGE_BYTES`). */
export const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

/** What the composer knows of a chosen file before reading it (a `File` is one). */
export interface Chosen {
  readonly name: string;
  readonly size: number;
}

export interface Refusal {
  name: string;
  key: MessageKey;
  params: Params;
}

/**
 * Which of `adding` join `chosen` within the limits, in order; each refused one with why.
 * A file already chosen (same name and size) is not added twice.
 */
export function admit<T extends Chosen>(
  chosen: readonly T[],
  adding: readonly T[],
  locale: Locale,
): { accepted: T[]; refused: Refusal[] } {
  const accepted: T[] = [];
  const refused: Refusal[] = [];
  let count = chosen.length;
  let total = chosen.reduce((sum, f) => sum + f.size, 0);
  const size = (bytes: number) => formatSize(bytes, locale);
  for (const file of adding) {
    const name = file.name;
    if ([...chosen, ...accepted].some((f) => f.name === name && f.size === file.size)) {
      refused.push({ name, key: 'attach.refused_duplicate', params: { name } });
    } else if (file.size === 0) {
      refused.push({ name, key: 'attach.refused_empty', params: { name } });
    } else if (file.size > MAX_FILE_BYTES) {
      refused.push({ name, key: 'attach.refused_file_size', params: { name, size: size(file.size), limit: size(MAX_FILE_BYTES) } });
    } else if (count + 1 > MAX_FILES) {
      refused.push({ name, key: 'attach.refused_count', params: { name, limit: MAX_FILES } });
    } else if (total + file.size > MAX_MESSAGE_BYTES) {
      refused.push({
        name,
        key: 'attach.refused_total',
        params: { name, size: size(total + file.size), limit: size(MAX_MESSAGE_BYTES) },
      });
    } else {
      accepted.push(file);
      count += 1;
      total += file.size;
    }
  }
  return { accepted, refused };
}

/** Whether the console shows the file inline as an image: raster types a webview shows
 * without running anything (desk-core `previewable`); never SVG or HTML. */
export function previewable(contentType: string): boolean {
  return contentType === 'image/png' || contentType === 'image/jpeg' || contentType === 'image/gif' || contentType === 'image/webp';
}

/**
 * The image type `bytes` really are, from their first bytes; `null` for anything else.
 * A preview is made only when this agrees with the type the message carries, so bytes
 * that are not a raster image never reach an `<img>` under an image type.
 */
export function imageType(bytes: Uint8Array): string | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) {
    return 'image/webp';
  }
  return null;
}

const sizeFormats = new Map<Locale, Intl.NumberFormat>();

/** "812 B", "12.3 KB", "4.2 MB" (units of 1024, as the CLI prints them). */
export function formatSize(bytes: number, locale: Locale): string {
  let f = sizeFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    sizeFormats.set(locale, f);
  }
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${f.format(bytes / 1024)} KB`;
  return `${f.format(bytes / 1024 / 1024)} MB`;
}

export type FileKind = 'image' | 'pdf' | 'text' | 'archive' | 'other';

/** What kind of file the sniffed type says it is, for its icon and label. */
export function fileKind(contentType: string): FileKind {
  if (previewable(contentType)) return 'image';
  if (contentType === 'application/pdf') return 'pdf';
  if (contentType === 'text/plain') return 'text';
  if (contentType === 'application/zip' || contentType === 'application/gzip') return 'archive';
  return 'other';
}

export const KIND_ICON: Record<FileKind, IconName> = {
  image: 'image',
  pdf: 'fileText',
  text: 'fileText',
  archive: 'file',
  other: 'file',
};

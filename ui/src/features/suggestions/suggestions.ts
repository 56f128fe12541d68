// Suggested knowledge for the open ticket (DESIGN.md §11): what an entry offers, what each
// key does on it, and the text it puts into the reply. Pure; the suggestions themselves
// come from the cache (`suggest_knowledge`), so all of it works offline.
import type { ArticleSuggestion, Macro, MacroSuggestion } from '../../lib/bindings';

/** Words shown for why an entry is suggested; the first are the most telling. */
export const WHY_LIMIT = 4;

/** One entry of the section, in the order the keyboard walks them: articles, then macros. */
export type Entry = { kind: 'article'; article: ArticleSuggestion } | { kind: 'macro'; macro: MacroSuggestion };

/** What an entry puts into the reply. */
export type Insert = 'link' | 'text' | 'macro';

export function why(matched: readonly string[]): string[] {
  return matched.slice(0, WHY_LIMIT);
}

/** The macros the composer can insert as its picker does: those it has loaded for the
 * reply language (none before they are loaded). The cache answers for the ticket's language
 * and the composer for its reply language; they differ only for a ticket whose language is
 * unknown, and a suggestion that would insert nothing is not offered. */
export function offeredMacros(suggested: readonly MacroSuggestion[], loaded: readonly Macro[] | undefined): MacroSuggestion[] {
  const ids = new Set((loaded ?? []).map((m) => m.id));
  return suggested.filter((m) => ids.has(m.macro_id));
}

export function entriesOf(articles: readonly ArticleSuggestion[], macros: readonly MacroSuggestion[]): Entry[] {
  return [...articles.map((article): Entry => ({ kind: 'article', article })), ...macros.map((macro): Entry => ({ kind: 'macro', macro }))];
}

/** What a key does on a focused entry, or null when it is not the entry's. Enter is the
 * entry's first offer: an article's link, or its text when it has no address (the console
 * does not know its server). */
export function keyAction(e: Entry, key: string): Insert | null {
  if (e.kind === 'macro') return key === 'Enter' ? 'macro' : null;
  const linkable = e.article.url !== undefined;
  switch (key) {
    case 'Enter':
      return linkable ? 'link' : 'text';
    case 'l':
      return linkable ? 'link' : null;
    case 't':
      return 'text';
    default:
      return null;
  }
}

/** The line a link inserts: replies are plain text, so no Markdown link, just the title
 * and the address the customer's mail or chat app will make clickable. */
export function linkLine(a: ArticleSuggestion): string | null {
  return a.url === undefined ? null : `${a.title}: ${a.url}`;
}

/**
 * An article's Markdown as the plain text of a reply. Replies are sent and shown as plain
 * text, so marks that only format (`#` headings, `**bold**`, `_emphasis_`, backticks, code
 * fences, `[label](url)`) would reach the customer as noise; they are taken off. What reads
 * as well in plain text as rendered (numbered and bulleted lists, quotes, line breaks) is
 * left as written, and a link keeps its address after its label so nothing is lost. Raw
 * HTML is left as text: the reply is never rendered as HTML.
 */
export function plainText(markdown: string): string {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== null) {
      // Code stays exactly as written; only the fences go.
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      else out.push(line);
      continue;
    }
    if (marker !== undefined) {
      fence = marker;
      continue;
    }
    // A rule, or a setext heading's underline: a blank line reads the same.
    if (/^\s{0,3}(?:([-*_])(?:\s*\1){2,}|=+)\s*$/.test(line)) {
      out.push('');
      continue;
    }
    const heading = /^\s{0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/.exec(line);
    out.push(inline(heading ? (heading[1] ?? '') : line));
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Inline marks off one line. Escaped characters, code and addresses are set aside first
 * (as numbered placeholders in the private-use area) so their `*` and `_` stay. */
function inline(line: string): string {
  const kept: string[] = [];
  const keep = (text: string) => `\uE000${kept.push(text) - 1}\uE001`;
  const stripped = line
    .replace(/\\([!-/:-@[-`{-~])/g, (_, c: string) => keep(c))
    .replace(/(`+)(?!`)(.+?)(?<!`)\1(?!`)/g, (_, _ticks: string, code: string) => keep(code.trim()))
    .replace(/!\[([^\]]*)\]\(\s*<?[^)\s>]*>?(?:\s+"[^"]*")?\s*\)/g, (_, alt: string) => alt)
    .replace(/\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g, (_, label: string, url: string) =>
      label.trim() === url ? keep(url) : `${label} (${keep(url)})`,
    )
    .replace(/<((?:https?|mailto):[^>\s]+)>/gi, (_, url: string) => keep(url))
    .replace(/\*\*(?=\S)(.*?\S)\*\*/g, '$1')
    // Underscores mark emphasis only at word edges: `max_retry_count`, `window.__x` stay.
    .replace(/(^|[^\w])__(?=\S)(.*?\S)__(?!\w)/g, '$1$2')
    .replace(/~~(?=\S)(.*?\S)~~/g, '$1')
    .replace(/(^|[^\w*])\*([^\s*](?:[^*]*[^\s*])?)\*(?![\w*])/g, '$1$2')
    .replace(/(^|[^\w])_([^\s_](?:[^_]*[^\s_])?)_(?!\w)/g, '$1$2');
  let text = stripped;
  // Kept pieces may hold placeholders of their own (an escape inside a label): twice is
  // enough. One already in the article that names nothing kept stays as it was.
  for (let pass = 0; pass < 2; pass++) text = text.replace(/\uE000(\d+)\uE001/g, (whole, i: string) => kept[Number(i)] ?? whole);
  return text;
}

/**
 * `text` put into a reply `body` whose cursor is at `caret` (null: not known, as when the
 * composer was not focused since its draft was loaded). An empty reply becomes the text;
 * a cursor at the end (or none) appends it after a blank line, as a macro is; a cursor
 * within puts it there, apart from its neighbours by a space (one line) or a blank line
 * (several). Answers the new body and the cursor after the inserted text.
 */
export function insertText(body: string, text: string, caret: number | null): { body: string; caret: number } {
  const piece = text.trim();
  if (body.trim() === '') return { body: piece, caret: piece.length };
  const end = body.trimEnd().length;
  if (caret === null || caret >= end) {
    const head = `${body.trimEnd()}\n\n`;
    return { body: head + piece, caret: head.length + piece.length };
  }
  const at = Math.max(0, caret);
  const before = body.slice(0, at);
  const after = body.slice(at);
  const block = piece.includes('\n');
  const lead = before === '' ? '' : block ? newlinesBefore(before) : /\s$/.test(before) ? '' : ' ';
  const trail = block ? newlinesAfter(after) : /^\s/.test(after) ? '' : ' ';
  const head = before + lead + piece;
  return { body: head + trail + after, caret: head.length };
}

function newlinesBefore(before: string): string {
  return before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
}

function newlinesAfter(after: string): string {
  return after.startsWith('\n\n') ? '' : after.startsWith('\n') ? '\n' : '\n\n';
}

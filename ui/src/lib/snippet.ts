// Search snippets mark highlights with two private-use characters (desk-core search.rs:
// U+E000 opens, U+E001 closes). Splitting on them yields pieces rendered as text, so a
// customer's message can never smuggle markup through a highlight.
export const HIGHLIGHT_START = '\uE000';
export const HIGHLIGHT_END = '\uE001';

export interface SnippetPiece {
  text: string;
  hit: boolean;
}

export function splitSnippet(snippet: string): SnippetPiece[] {
  const pieces: SnippetPiece[] = [];
  let hit = false;
  let text = '';
  const flush = () => {
    if (text) pieces.push({ text, hit });
    text = '';
  };
  for (const ch of snippet) {
    if (ch === HIGHLIGHT_START) {
      flush();
      hit = true;
    } else if (ch === HIGHLIGHT_END) {
      flush();
      hit = false;
    } else {
      text += ch;
    }
  }
  flush();
  return pieces;
}

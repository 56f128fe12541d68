// The command palette (Ctrl/Cmd+K): every console action by name, in both languages'
// labels. Pure: matching and ranking.
export interface PaletteCommand {
  id: string;
  label: string;
  /** Shortcut shown beside the label. */
  hint?: string;
  /** Other words that find it (e.g. the English name under the Chinese UI). */
  keywords?: string[];
}

/** A query's letters must appear in order (`asg` finds "Assign"); a match at a word start
 * or as a plain substring ranks first. Empty query: every command, in order. */
export function matchScore(text: string, query: string): number | null {
  const hay = text.toLowerCase();
  const q = query.toLowerCase().trim();
  if (!q) return 0;
  const at = hay.indexOf(q);
  if (at === 0) return 1000;
  if (at > 0) return (/[\s/·-]/.test(hay[at - 1] ?? '') ? 800 : 600) - at;
  let i = 0;
  let gaps = 0;
  let last = -1;
  for (const ch of q) {
    const found = hay.indexOf(ch, i);
    if (found < 0) return null;
    if (last >= 0 && found > last + 1) gaps++;
    last = found;
    i = found + 1;
  }
  return 300 - gaps * 10 - last;
}

export function filterCommands<C extends PaletteCommand>(commands: readonly C[], query: string): C[] {
  const scored: { c: C; score: number; index: number }[] = [];
  commands.forEach((c, index) => {
    let best: number | null = null;
    for (const text of [c.label, ...(c.keywords ?? [])]) {
      const s = matchScore(text, query);
      if (s !== null && (best === null || s > best)) best = s;
    }
    if (best !== null) scored.push({ c, score: best, index });
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.map((s) => s.c);
}

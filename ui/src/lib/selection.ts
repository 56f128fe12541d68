// Multi-select for bulk actions: x toggles the current ticket, shift-click selects the
// range from the last one toggled. Pure over the visible ids, in list order.
export function toggle(selected: readonly string[], id: string): string[] {
  return selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id];
}

/** Adds every id between `anchor` and `id` (inclusive) in `order`; without an anchor in
 * the list, just `id`. */
export function selectRange(selected: readonly string[], order: readonly string[], anchor: string | null, id: string): string[] {
  const to = order.indexOf(id);
  const from = anchor === null ? -1 : order.indexOf(anchor);
  if (to < 0) return [...selected];
  const [lo, hi] = from < 0 ? [to, to] : [Math.min(from, to), Math.max(from, to)];
  const out = [...selected];
  for (const x of order.slice(lo, hi + 1)) if (!out.includes(x)) out.push(x);
  return out;
}

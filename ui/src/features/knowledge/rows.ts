// Moving between a list's focusable rows with the arrow keys, Home and End. Not j/k: those
// are the second key of a `g` shortcut (lib/keyboard.ts), which must still reach the console.

/** Focuses the row the key asks for among `container`'s rows with `data-testid=testid`;
 * true when the key was one of these (the caller then prevents its default). */
export function moveRowFocus(event: KeyboardEvent, container: HTMLElement | undefined, testid: string): boolean {
  if (!container || event.altKey || event.ctrlKey || event.metaKey) return false;
  const rows = [...container.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)];
  const at = rows.indexOf(event.currentTarget as HTMLElement);
  let to: number;
  switch (event.key) {
    case 'ArrowDown':
      to = Math.min(at + 1, rows.length - 1);
      break;
    case 'ArrowUp':
      to = Math.max(at - 1, 0);
      break;
    case 'Home':
      to = 0;
      break;
    case 'End':
      to = rows.length - 1;
      break;
    default:
      return false;
  }
  rows[to]?.focus();
  return true;
}

// A list the keyboard moves through with one tab stop (a roving tabindex), as the customer
// panel's suggested knowledge and earlier tickets are: ↑/↓ (j/k), Home and End move, and a
// key of the console's (s, h) brings the keyboard to the list.
import { tick } from 'svelte';

/** Where a key moves the focus in a list of `length` entries, or null when the key is not
 * the list's (it then goes on to the console's own shortcuts). */
export function moveIndex(current: number, key: string, length: number): number | null {
  if (length === 0) return null;
  switch (key) {
    case 'ArrowDown':
    case 'j':
      return Math.min(current + 1, length - 1);
    case 'ArrowUp':
    case 'k':
      return Math.max(current - 1, 0);
    case 'Home':
      return 0;
    case 'End':
      return length - 1;
    default:
      return null;
  }
}

export class RovingList {
  /** The entry the list's one tab stop is on. */
  active = $state(0);
  /** `active`, kept within the list when it shrinks. */
  readonly current = $derived.by(() => Math.min(this.active, Math.max(0, this.count() - 1)));

  /** `count`: how many entries; `entries`: their focusable elements, in order. */
  constructor(
    private count: () => number,
    private entries: () => ArrayLike<HTMLElement> | undefined,
  ) {}

  focusAt(index: number): void {
    this.active = index;
    this.entries()?.[index]?.focus();
  }

  /** Where `key` moves the focus from the current entry, or null when it is not the list's. */
  next(key: string): number | null {
    return moveIndex(this.current, key, this.count());
  }

  /** Called in a component's script: each time `request` changes (its key was pressed),
   * brings `section` into sight and the keyboard to the list, or to the section itself
   * when the list is empty. */
  reachOn(request: () => number, section: () => HTMLElement | undefined): void {
    let seen = request();
    $effect(() => {
      const asked = request();
      if (asked === seen) return;
      seen = asked;
      void tick().then(() => {
        const element = section();
        element?.scrollIntoView({ block: 'nearest' });
        if (this.count() > 0) this.focusAt(this.current);
        else element?.focus();
      });
    });
  }
}

// Keyboard-first triage: j/k move, Enter opens, / searches, f filters, g then a letter
// switches view, r/n/e/a/x act on the ticket, h goes to the customer's earlier tickets,
// s to the suggested articles and macros, Ctrl/Cmd+K opens the command palette.
// Pure logic so it can be tested without a DOM; Console.svelte feeds it keydowns.
import type { ConsoleView } from './views';

export type KeyAction =
  | { type: 'move'; delta: 1 | -1 }
  | { type: 'first' }
  | { type: 'last' }
  | { type: 'open' }
  | { type: 'focus-filter' }
  | { type: 'focus-search' }
  | { type: 'reply' }
  | { type: 'note' }
  | { type: 'solve' }
  | { type: 'assign' }
  | { type: 'history' }
  | { type: 'suggestions' }
  | { type: 'toggle-select' }
  | { type: 'palette' }
  | { type: 'escape' }
  | { type: 'view'; view: ConsoleView };

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** The event's target is a text field or editable element: typing, not commanding. */
  editable: boolean;
  /** The target is a button or link, which owns Enter and Space itself. */
  interactive?: boolean;
  /** Milliseconds, monotonic enough for the `g` prefix timeout. */
  time: number;
  shiftKey?: boolean;
}

/** `g` then one of these letters. */
export const GO_TO_VIEW: Readonly<Record<string, ConsoleView>> = {
  i: 'open',
  m: 'mine',
  u: 'unassigned',
  c: 'awaiting_confirmation',
  a: 'all',
  r: 'sla_at_risk',
  b: 'sla_breached',
  o: 'outbox',
  // Administration, offered only with the capability (Console checks `mayShow`).
  t: 'admin_agents',
  // `g` would be vim's "to the top": groups take the p of "grouPs".
  p: 'admin_groups',
  l: 'admin_audit',
  // `c` is taken (awaiting confirmation): macros are the "quick replies" (快捷回复).
  q: 'admin_macros',
  k: 'admin_articles',
};

/** How long a pending `g` waits for its second key. */
export const SEQUENCE_TIMEOUT_MS = 1500;

export class KeyHandler {
  private pendingGoAt: number | null = null;

  /** Whether a `g` is waiting for its second key (for a hint in the UI). */
  pending(time: number): boolean {
    return this.pendingGoAt !== null && time - this.pendingGoAt <= SEQUENCE_TIMEOUT_MS;
  }

  /** The action for one keydown, or null to let the event through untouched. */
  handle(input: KeyInput): KeyAction | null {
    // The palette opens from anywhere, a text field included: it is how a keyboard user
    // gets out of one. Ctrl on Linux and Windows, Cmd on macOS.
    if ((input.ctrlKey || input.metaKey) && !input.altKey && input.key.toLowerCase() === 'k') {
      this.pendingGoAt = null;
      return { type: 'palette' };
    }
    if (input.editable || input.ctrlKey || input.metaKey || input.altKey) {
      this.pendingGoAt = null;
      return null;
    }
    if (this.pending(input.time)) {
      this.pendingGoAt = null;
      const view = GO_TO_VIEW[input.key];
      if (view) return { type: 'view', view };
      // Any other key cancels the sequence and is then handled on its own.
    } else {
      this.pendingGoAt = null;
    }
    switch (input.key) {
      case 'j':
      case 'ArrowDown':
        return { type: 'move', delta: 1 };
      case 'k':
      case 'ArrowUp':
        return { type: 'move', delta: -1 };
      case 'Home':
        return { type: 'first' };
      case 'End':
      case 'G':
        return { type: 'last' };
      case 'Enter':
        return input.interactive ? null : { type: 'open' };
      case 'o':
        return { type: 'open' };
      case '/':
        return { type: 'focus-search' };
      case 'f':
        return { type: 'focus-filter' };
      case 'r':
        return { type: 'reply' };
      case 'n':
        return { type: 'note' };
      case 'e':
        return { type: 'solve' };
      case 'a':
        return { type: 'assign' };
      case 'h':
        return { type: 'history' };
      case 's':
        return { type: 'suggestions' };
      case 'x':
        return { type: 'toggle-select' };
      case 'Escape':
        return { type: 'escape' };
      case 'g':
        this.pendingGoAt = input.time;
        return null;
      default:
        return null;
    }
  }
}

interface MaybeEditable {
  tagName?: string;
  isContentEditable?: boolean;
  type?: string;
}

const NON_TEXT_INPUTS = new Set(['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image']);

/** True when keys typed at `target` are text for it, not shortcuts for the console. */
export function isEditableTarget(target: unknown): boolean {
  if (!target || typeof target !== 'object') return false;
  const el = target as MaybeEditable;
  if (el.isContentEditable) return true;
  const tag = el.tagName?.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return !NON_TEXT_INPUTS.has((el.type ?? 'text').toLowerCase());
  return false;
}

/** Buttons and links handle Enter themselves; a shortcut must not fire twice. */
export function isInteractiveTarget(target: unknown): boolean {
  if (!target || typeof target !== 'object') return false;
  const el = target as { tagName?: string; getAttribute?: (name: string) => string | null };
  const tag = el.tagName?.toUpperCase();
  if (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY') return true;
  const role = el.getAttribute?.('role');
  return role === 'button' || role === 'link' || role === 'menuitem' || role === 'tab';
}

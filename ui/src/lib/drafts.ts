// Composer drafts, kept on this device only (localStorage), keyed by server, agent and
// ticket: another agent signing in on this machine, or the same agent on another server,
// never sees them. Pure apart from the Storage passed in.
import type { MacroAction } from './bindings';
import { CATEGORIES, PRIORITIES, TICKET_STATUSES } from './enums';

export interface Draft {
  body: string;
  internal: boolean;
  /** The inserted macros' actions, to apply when the draft is sent; absent when none. */
  actions?: MacroAction[];
}

const PREFIX = 'desk.draft';

export function draftKey(serverUrl: string, agentId: string, ticketId: string): string {
  // Encoded so a ':' in any part cannot make two different triples collide.
  return [PREFIX, serverUrl, agentId, ticketId].map(encodeURIComponent).join(':');
}

export function loadDraft(storage: Pick<Storage, 'getItem'>, key: string): Draft | null {
  try {
    const raw = storage.getItem(key);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<Draft>;
    if (typeof value.body !== 'string') return null;
    const actions = macroActions(value.actions);
    const draft: Draft = { body: value.body, internal: value.internal === true };
    return actions.length > 0 ? { ...draft, actions } : draft;
  } catch {
    return null;
  }
}

const isOneOf = <T extends string>(values: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (values as readonly string[]).includes(v);

/** A saved draft's actions, only well-formed ones: storage outlives console versions, and
 * drafts saved before actions were kept have none. */
function macroActions(value: unknown): MacroAction[] {
  if (!Array.isArray(value)) return [];
  const out: MacroAction[] = [];
  for (const v of value as unknown[]) {
    if (!v || typeof v !== 'object') continue;
    const a = v as Record<string, unknown>;
    if (a.type === 'set_status' && isOneOf(TICKET_STATUSES, a.status)) out.push({ type: 'set_status', status: a.status });
    else if (a.type === 'set_priority' && isOneOf(PRIORITIES, a.priority)) out.push({ type: 'set_priority', priority: a.priority });
    else if (a.type === 'set_category' && isOneOf(CATEGORIES, a.category)) out.push({ type: 'set_category', category: a.category });
    else if ((a.type === 'add_tags' || a.type === 'remove_tags') && Array.isArray(a.tags) && a.tags.every((x) => typeof x === 'string')) {
      out.push({ type: a.type, tags: [...(a.tags as string[])] });
    }
  }
  return out;
}

/** Saves, or removes when the body is blank (an emptied composer leaves no draft behind). */
export function saveDraft(storage: Pick<Storage, 'setItem' | 'removeItem'>, key: string, draft: Draft): void {
  try {
    if (draft.body.trim() === '') storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(draft.actions?.length ? draft : { body: draft.body, internal: draft.internal }));
  } catch {
    // Storage full or disabled: the draft lives until the ticket is closed, as before.
  }
}

export function clearDraft(storage: Pick<Storage, 'removeItem'>, key: string): void {
  try {
    storage.removeItem(key);
  } catch {
    // Nothing to clear.
  }
}

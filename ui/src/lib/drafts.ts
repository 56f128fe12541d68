// Composer drafts, kept on this device only (localStorage), keyed by server, agent and
// ticket: another agent signing in on this machine, or the same agent on another server,
// never sees them. Pure apart from the Storage passed in.
export interface Draft {
  body: string;
  internal: boolean;
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
    return { body: value.body, internal: value.internal === true };
  } catch {
    return null;
  }
}

/** Saves, or removes when the body is blank (an emptied composer leaves no draft behind). */
export function saveDraft(storage: Pick<Storage, 'setItem' | 'removeItem'>, key: string, draft: Draft): void {
  try {
    if (draft.body.trim() === '') storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(draft));
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

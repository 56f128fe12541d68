// Small pure helpers between the wire types and what the console draws.
import type { Agent, Message, SessionState, SyncProgress, TicketSummary, TxDirection, WalletTransaction } from './bindings';

/** `#1234`, or null when the server has not numbered the ticket yet. */
export function ticketNumber(n: number | null | undefined): string | null {
  return n === null || n === undefined ? null : `#${n}`;
}

/** `0x3f5c…9b1e`: enough to recognise, the full value goes in `title`. */
export function shortHash(hash: string, head = 6, tail = 4): string {
  if (hash.length <= head + tail + 1) return hash;
  return `${hash.slice(0, head)}…${hash.slice(-tail)}`;
}

/**
 * Groups the integer digits of a decimal string ("250000.5" → "250,000.5") without
 * going through a float: money amounts are text on the wire for a reason.
 */
export function groupDigits(amount: string): string {
  const m = /^([+-]?)(\d+)(\.\d+)?$/.exec(amount.trim());
  if (!m) return amount;
  const [, sign = '', int = '', frac = ''] = m;
  return sign + int.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + frac;
}

/** `+` for money coming in, `−` for money going out, nothing for internal transfers. */
export function directionSign(direction: TxDirection): string {
  return direction === 'deposit' ? '+' : direction === 'withdrawal' ? '−' : '';
}

/** Progress of on-chain confirmations, 0..1; a tx needing none counts as done. */
export function confirmationProgress(tx: Pick<WalletTransaction, 'confirmations' | 'required_confirmations'>): number {
  if (tx.required_confirmations <= 0) return 1;
  return Math.min(1, Math.max(0, tx.confirmations / tx.required_confirmations));
}

export function isAwaitingCustomer(tx: Pick<WalletTransaction, 'status'>): boolean {
  return tx.status === 'awaiting_customer_confirmation';
}

/** One or two letters for an avatar: "Wang Lei" → "WL", "王磊" → "王". */
export function initials(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) return '?';
  const first = [...trimmed][0] ?? '?';
  if (/\p{Script=Han}/u.test(first)) return first;
  const words = trimmed.split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0]];
  return letters
    .map((w) => [...(w ?? '')][0] ?? '')
    .join('')
    .toUpperCase();
}

/** Short language label for a list row: `zh-CN` → `ZH`, `en` → `EN`. */
export function languageShort(tag: string): string {
  const primary = tag.split(/[-_]/)[0] ?? '';
  return primary.toUpperCase() || '—';
}

const displayNames = new Map<string, Intl.DisplayNames>();

/** `zh-CN` → "Chinese (China)" / "中文（中国）"; falls back to the tag itself. */
export function languageName(tag: string, uiLocale: string): string {
  try {
    let names = displayNames.get(uiLocale);
    if (!names) {
      names = new Intl.DisplayNames([uiLocale], { type: 'language' });
      displayNames.set(uiLocale, names);
    }
    return names.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/**
 * Case-insensitive filter over subject, customer name and number (`#1234` or `1234`).
 * Every whitespace-separated term must match somewhere.
 */
export function filterTickets(tickets: readonly TicketSummary[], query: string): readonly TicketSummary[] {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return tickets;
  return tickets.filter((t) => {
    const haystack = `${t.subject}\n${t.customer_name}\n${t.number === null ? '' : `#${t.number}`}`.toLowerCase();
    return terms.every((term) => haystack.includes(term));
  });
}

/** Messages oldest first; the store sends them so, but a stable sort costs nothing. */
export function conversationOrder<M extends Message>(messages: readonly M[]): M[] {
  return messages
    .map((m, i) => ({ m, i }))
    .sort((a, b) => a.m.created_at - b.m.created_at || a.i - b.i)
    .map(({ m }) => m);
}

/**
 * The id to select after the list changed: the same ticket if it is still there,
 * else the row that now sits where it was, else the first row.
 */
export function reconcileSelection(
  list: readonly { id: string }[],
  selectedId: string | null,
  previousIndex: number,
): string | null {
  if (list.length === 0) return null;
  if (selectedId !== null && list.some((t) => t.id === selectedId)) return selectedId;
  const index = Math.min(Math.max(0, previousIndex), list.length - 1);
  return list[index]?.id ?? null;
}

/** Move the selection by `delta` rows, clamped to the list; from nothing, start at the top. */
export function moveSelection(list: readonly { id: string }[], selectedId: string | null, delta: number): string | null {
  if (list.length === 0) return null;
  const current = selectedId === null ? -1 : list.findIndex((t) => t.id === selectedId);
  if (current === -1) return list[0]?.id ?? null;
  const next = Math.min(list.length - 1, Math.max(0, current + delta));
  return list[next]?.id ?? null;
}

/**
 * Whether the console is filling an empty cache, so it shows the first-sync screen rather
 * than an inbox that is still arriving: a bootstrap still receiving or preparing, or a
 * fresh sign-in whose first sync has not reported yet. A first sync that failed shows the
 * (empty) inbox with the error instead, so the agent is never stuck behind a bar.
 */
export function isFirstSync(session: SessionState | null, progress: SyncProgress | null): boolean {
  if (!session?.signed_in) return false;
  if (progress) {
    return progress.bootstrap && (progress.phase === 'receiving' || progress.phase === 'preparing');
  }
  return (
    session.last_synced_at === null &&
    session.cached_tickets === 0 &&
    session.last_error === null &&
    session.connectivity !== 'offline'
  );
}

/** Whole percent done, rounded down (100 only when done), or null without a total. */
export function progressPercent(progress: Pick<SyncProgress, 'done' | 'total'>): number | null {
  if (progress.total === null) return null;
  if (progress.total === 0) return 100;
  return Math.floor((Math.min(progress.done, progress.total) / progress.total) * 100);
}

/**
 * Whether `agent` may be given a ticket of `group`: the server refuses an assignee who
 * would not receive the ticket (an agent with groups, none of them the ticket's).
 * Mirrors `Agent::sees_group` in desk-core.
 */
export function canTake(agent: Pick<Agent, 'role' | 'groups'>, group: string | null): boolean {
  return agent.role !== 'agent' || agent.groups.length === 0 || group === null || agent.groups.includes(group);
}

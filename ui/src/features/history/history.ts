// The customer's earlier tickets beside the open one (the customer panel). Pure: which
// entries to list (the keys that move in them are lib/roving.svelte.ts's).
import type { CustomerHistory, HistoryEntry } from '../../lib/bindings';

/** Earlier tickets shown at most; one more is asked for, as the open one is among them. */
export const HISTORY_LIMIT = 20;

/** The customer's tickets other than the open one, newest first (as the cache answers). */
export function earlierTickets(history: CustomerHistory | null, customerId: string, openId: string | null): HistoryEntry[] {
  if (history === null || history.customer.id !== customerId) return [];
  return history.tickets.filter((e) => e.ticket.id !== openId).slice(0, HISTORY_LIMIT);
}

// The customer's earlier tickets beside the open one (the customer panel). Pure: which
// entries to list and where the arrow keys move in them.
import type { CustomerHistory, HistoryEntry } from '../../lib/bindings';

/** Earlier tickets shown at most; one more is asked for, as the open one is among them. */
export const HISTORY_LIMIT = 20;

/** The customer's tickets other than the open one, newest first (as the cache answers). */
export function earlierTickets(history: CustomerHistory | null, customerId: string, openId: string | null): HistoryEntry[] {
  if (history === null || history.customer.id !== customerId) return [];
  return history.tickets.filter((e) => e.ticket.id !== openId).slice(0, HISTORY_LIMIT);
}

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

// What the sidebar can show: the store's inbox views, the two SLA views (open tickets
// filtered by the store's SLA state), and the outbox. Pure.
import type { InboxView, SlaState, TicketQuery } from './bindings';
import { INBOX_VIEWS } from './enums';

export type SlaView = 'sla_at_risk' | 'sla_breached';
export type ConsoleView = InboxView | SlaView | 'outbox';

export const SLA_VIEWS: readonly SlaView[] = ['sla_at_risk', 'sla_breached'];
export const CONSOLE_VIEWS: readonly ConsoleView[] = [...INBOX_VIEWS, ...SLA_VIEWS, 'outbox'];

export function isInboxView(view: ConsoleView): view is InboxView {
  return (INBOX_VIEWS as readonly string[]).includes(view);
}

export function isSlaView(view: ConsoleView): view is SlaView {
  return view === 'sla_at_risk' || view === 'sla_breached';
}

export function isConsoleView(value: unknown): value is ConsoleView {
  return typeof value === 'string' && (CONSOLE_VIEWS as readonly string[]).includes(value);
}

/** The store query behind an SLA view: open tickets, soonest due first. */
export function slaQuery(view: SlaView, limit: number): TicketQuery {
  const sla: SlaState = view === 'sla_at_risk' ? 'at_risk' : 'breached';
  return { view: 'open', filter: { ...EMPTY_FILTER, sla }, sort: 'sla_due', after: null, limit };
}

const EMPTY_FILTER = {
  statuses: [],
  priorities: [],
  categories: [],
  tag: null,
  customer_id: null,
  incident_id: null,
  assignee_id: null,
  sla: null,
};

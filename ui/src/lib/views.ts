// What the sidebar can show: the store's inbox views, the two SLA views (open tickets
// filtered by the store's SLA state), the outbox, and the administration screens the
// agent's capabilities allow. Pure.
import type { Capability, InboxView, SlaState, TicketQuery } from './bindings';
import { INBOX_VIEWS } from './enums';

export type SlaView = 'sla_at_risk' | 'sla_breached';
/** The open tickets of one incident (outage), by the incident's id. */
export type IncidentViewKey = `incident:${string}`;
/** The views with a fixed name (and a `g` shortcut). */
export type NamedView = InboxView | SlaView | 'outbox';
/** The administration screens (features/admin, features/knowledge, features/groups),
 * each offered only with its capability. */
export type AdminView = 'admin_agents' | 'admin_groups' | 'admin_audit' | 'admin_macros' | 'admin_articles';
export type ConsoleView = NamedView | IncidentViewKey | AdminView;

export const SLA_VIEWS: readonly SlaView[] = ['sla_at_risk', 'sla_breached'];
export const CONSOLE_VIEWS: readonly NamedView[] = [...INBOX_VIEWS, ...SLA_VIEWS, 'outbox'];
export const ADMIN_VIEWS: readonly AdminView[] = ['admin_agents', 'admin_groups', 'admin_audit', 'admin_macros', 'admin_articles'];

/** What each administration screen needs (desk-core's access table: agents and groups
 * are an admin's; the audit log, macros and KB articles a supervisor's). */
export const ADMIN_CAPABILITY: Readonly<Record<AdminView, Capability>> = {
  admin_agents: 'manage_agents',
  admin_groups: 'manage_groups',
  admin_audit: 'view_audit',
  admin_macros: 'manage_macros',
  admin_articles: 'manage_knowledge',
};

export function isAdminView(view: ConsoleView): view is AdminView {
  return (ADMIN_VIEWS as readonly string[]).includes(view);
}

/** Whether the console offers `view` to an agent with `capabilities`: every view but an
 * administration screen is everyone's. The server refuses the rest anyway. */
export function mayShow(view: ConsoleView, capabilities: readonly Capability[]): boolean {
  return !isAdminView(view) || capabilities.includes(ADMIN_CAPABILITY[view]);
}

export function incidentView(id: string): IncidentViewKey {
  return `incident:${id}`;
}

/** The incident a view shows, or null for the named views. */
export function incidentOf(view: ConsoleView): string | null {
  return view.startsWith('incident:') ? view.slice('incident:'.length) : null;
}

/** The store query behind an incident's view: its open tickets, latest activity first. */
export function incidentQuery(id: string, limit: number): TicketQuery {
  return { view: 'open', filter: { ...EMPTY_FILTER, incident_id: id }, sort: 'last_activity', after: null, limit };
}

export function isInboxView(view: ConsoleView): view is InboxView {
  return (INBOX_VIEWS as readonly string[]).includes(view);
}

export function isSlaView(view: ConsoleView): view is SlaView {
  return view === 'sla_at_risk' || view === 'sla_breached';
}

export function isConsoleView(value: unknown): value is ConsoleView {
  if (typeof value !== 'string') return false;
  return (
    (CONSOLE_VIEWS as readonly string[]).includes(value) ||
    (ADMIN_VIEWS as readonly string[]).includes(value) ||
    (value.startsWith('incident:') && value.length > 9)
  );
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

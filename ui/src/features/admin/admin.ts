// Administration (DESIGN.md §3, §6): what the Agents and Audit log screens decide without
// a DOM. Pure: the forms' values in, desk-core's wire shapes out; audit rows in, the words
// a person reads out. Who may use which screen is `lib/views.ts` `mayShow`.
import type {
  Agent,
  AgentAccount,
  AgentUpdate,
  AuditQuery,
  Category,
  NewAgentRequest,
  Role,
  TicketSummary,
} from '../../lib/bindings';
import { CATEGORIES } from '../../lib/enums';
import type { MessageKey, Params } from '../../lib/i18n';

/** Rows per audit page (the server allows 1–1,000). */
export const AUDIT_PAGE = 50;

/** The action families the filter offers; the server matches a value ending in a dot as
 * a prefix (`push.` finds `push.applied`, `push.rejected`…). */
export const ACTION_FAMILIES = ['push.', 'agent.', 'auth.', 'ingest.', 'delivery.'] as const;
export type ActionFamily = (typeof ACTION_FAMILIES)[number];

/** The audit filters as the screen holds them: form values, not wire values. */
export interface AuditFilters {
  /** An agent's id, or '' for anyone. */
  agentId: string;
  /** A ticket's id or `#number`, as typed. */
  ticket: string;
  family: ActionFamily | '';
  /** `yyyy-mm-dd` from a date input (local days), or ''. */
  since: string;
  until: string;
}

export const NO_FILTERS: Readonly<AuditFilters> = { agentId: '', ticket: '', family: '', since: '', until: '' };

/** Local midnight starting a `yyyy-mm-dd` day, in ms; null when empty or not a date. */
export function dayStart(date: string, plusDays = 0): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) return null;
  const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
  return Number.isNaN(at.getTime()) ? null : at.getTime();
}

/** The ticket id a typed value names: `#1042` or `1042` is the ticket with that number
 * when this console has seen it, anything else is taken as an id. Empty: null. */
export function ticketIdOf(typed: string, known: Iterable<TicketSummary>): string | null {
  const value = typed.trim();
  if (value === '') return null;
  const number = /^#?(\d+)$/.exec(value);
  if (number) {
    const n = Number(number[1]);
    for (const t of known) if (t.number === n) return t.id;
  }
  return value.replace(/^#/, '');
}

/** The reading the filters ask for: only the fields given (the server refuses an empty
 * number), `until` a whole day inclusive. `before`: the previous page's `next_before`;
 * `limit` null for an export (the server's export limit then applies). */
export function auditQuery(
  filters: AuditFilters,
  known: Iterable<TicketSummary>,
  before: number | null = null,
  limit: number | null = AUDIT_PAGE,
): AuditQuery {
  const query: AuditQuery = {};
  if (filters.agentId) query.actor = `agent:${filters.agentId}`;
  const ticket = ticketIdOf(filters.ticket, known);
  if (ticket !== null) query.subject = `ticket:${ticket}`;
  if (filters.family) query.action = filters.family;
  const since = dayStart(filters.since);
  if (since !== null) query.since = since;
  const until = dayStart(filters.until, 1);
  if (until !== null) query.until = until;
  if (before !== null) query.before = before;
  if (limit !== null) query.limit = limit;
  return query;
}

/** The filters ask for an empty span (from after to): said before the server is asked. */
export function emptySpan(filters: AuditFilters): boolean {
  const since = dayStart(filters.since);
  const until = dayStart(filters.until, 1);
  return since !== null && until !== null && since >= until;
}

export type Translate = (key: MessageKey, params?: Params) => string;

/** Who acted, for people: an agent by name (its id when this console does not know it),
 * an operator, an integration, or the system. `raw` is what the log stores. */
export function actorLabel(actor: string, agents: readonly Agent[], t: Translate): { text: string; raw: string } {
  const [kind, ...rest] = actor.split(':');
  const id = rest.join(':');
  switch (kind) {
    case 'agent':
      return { text: agents.find((a) => a.id === id)?.name ?? id, raw: actor };
    case 'operator':
      // The server's own subcommands name the OS user when the environment tells it.
      return {
        text: id && id !== 'unknown' ? t('admin.actor.operator', { name: id }) : t('admin.actor.operator_unnamed'),
        raw: actor,
      };
    case 'ingest':
      return { text: t('admin.actor.ingest', { key: id }), raw: actor };
    case 'system':
      return { text: t('admin.actor.system'), raw: actor };
    default:
      return { text: actor, raw: actor };
  }
}

/** What a row is about, for people: an agent by name, a ticket by number when known, a
 * macro, article or group by the title `titles` has for it (keyed by the whole subject,
 * `macro:ID`); anything else as stored. */
export function subjectLabel(
  subject: string,
  agents: readonly Agent[],
  known: ReadonlyMap<string, TicketSummary>,
  titles: ReadonlyMap<string, string> = new Map(),
): string {
  const title = titles.get(subject);
  if (title) return title;
  const colon = subject.indexOf(':');
  const kind = colon < 0 ? subject : subject.slice(0, colon);
  const id = colon < 0 ? '' : subject.slice(colon + 1);
  if (kind === 'agent') {
    const name = agents.find((a) => a.id === id)?.name;
    if (name) return name;
  }
  if (kind === 'ticket') {
    const number = known.get(id)?.number;
    if (number !== null && number !== undefined) return `#${number}`;
  }
  return subject;
}

/** A row's details as JSON text on one line, spaced after each comma and colon so it
 * wraps between fields rather than inside them. They hold customer-controlled strings (a
 * mail's subject, a sender's name): only ever shown as text, never parsed as markup. */
export function detailsText(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details === 'string') return details;
  if (typeof details === 'object' && Object.keys(details).length === 0) return '';
  // Indented JSON has line breaks only between tokens (a string's own are escaped).
  return JSON.stringify(details, null, 1).replace(/\n\s*/g, ' ');
}

/** Teams or languages as typed: split on commas (ASCII, full-width, 、) and line breaks,
 * trimmed, empty ones and repeats dropped. Languages also split on spaces. */
/** `text` (a list as splitList reads it) with `item` added at the end, or taken out when
 * it is there: a defined group's button beside the groups field. */
export function toggleListed(text: string, item: string): string {
  const list = splitList(text);
  const at = list.indexOf(item);
  if (at < 0) list.push(item);
  else list.splice(at, 1);
  return list.join(', ');
}

export function splitList(text: string, { spaces = false } = {}): string[] {
  const parts = text.split(spaces ? /[,，、\n\s]+/ : /[,，、\n]+/);
  const out: string[] = [];
  for (const part of parts) {
    const value = part.trim();
    if (value !== '' && !out.includes(value)) out.push(value);
  }
  return out;
}

/** The most open tickets an agent may be given as a capacity (desk-core `MAX_CAPACITY`). */
export const MAX_CAPACITY = 500;

/** The values of the agent form, as typed. */
export interface AgentFormValues {
  name: string;
  email: string;
  role: Role;
  groups: string;
  languages: string;
  /** The ticket categories they handle. */
  skills: Category[];
  /** The most open tickets at once, as typed; empty: no limit. */
  capacity: string;
  /** Adding: an invitation instead of a first password. */
  invite: boolean;
  /** The first password (add without an invitation), or a new one (edit; empty keeps the
   * current one). */
  password: string;
  disabled: boolean;
}

export function blankAgentForm(): AgentFormValues {
  return {
    name: '',
    email: '',
    role: 'agent',
    groups: '',
    languages: '',
    skills: [],
    capacity: '',
    invite: true,
    password: '',
    disabled: false,
  };
}

export function agentFormOf(account: AgentAccount): AgentFormValues {
  return {
    name: account.name,
    email: account.email,
    role: account.role,
    groups: account.groups.join(', '),
    languages: account.languages.join(', '),
    skills: [...account.skills],
    capacity: account.capacity === null ? '' : String(account.capacity),
    invite: false,
    password: '',
    disabled: account.disabled,
  };
}

/** A capacity as typed: null for no limit (empty), a whole number 1–500, or 'invalid'. */
export function capacityOf(typed: string): number | null | 'invalid' {
  const text = typed.trim();
  if (text === '') return null;
  if (!/^\d+$/.test(text)) return 'invalid';
  const n = Number(text);
  return n >= 1 && n <= MAX_CAPACITY ? n : 'invalid';
}

/** Skills in the categories' order, each once: as the server keeps them. */
export function orderedSkills(skills: readonly Category[]): Category[] {
  return CATEGORIES.filter((c) => skills.includes(c));
}

export function newAgentRequest(form: AgentFormValues): NewAgentRequest {
  const request: NewAgentRequest = {
    email: form.email.trim(),
    name: form.name.trim(),
    role: form.role,
    languages: splitList(form.languages, { spaces: true }),
    groups: splitList(form.groups),
    skills: orderedSkills(form.skills),
  };
  const capacity = capacityOf(form.capacity);
  if (typeof capacity === 'number') request.capacity = capacity;
  // Without a password the server makes the invitation.
  if (!form.invite) request.password = form.password;
  return request;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Only what the form changed of `account`: the server leaves absent fields as they are,
 * so an unchanged field is never sent (and never audited as a change). */
export function agentUpdate(account: AgentAccount, form: AgentFormValues): AgentUpdate {
  const update: AgentUpdate = {};
  const name = form.name.trim();
  if (name !== account.name) update.name = name;
  if (form.role !== account.role) update.role = form.role;
  const groups = splitList(form.groups);
  if (!sameList(groups, account.groups)) update.groups = groups;
  const languages = splitList(form.languages, { spaces: true });
  if (!sameList(languages, account.languages)) update.languages = languages;
  const skills = orderedSkills(form.skills);
  if (!sameList(skills, account.skills)) update.skills = skills;
  const capacity = capacityOf(form.capacity);
  if (capacity !== 'invalid' && capacity !== account.capacity) update.capacity = capacity;
  if (form.disabled !== account.disabled) update.disabled = form.disabled;
  if (form.password !== '') update.password = form.password;
  return update;
}

export function isEmptyUpdate(update: AgentUpdate): boolean {
  return Object.keys(update).length === 0;
}

/** Where an account's invitation stands at `now`: none (the agent has a password), pending
 * until it expires, or expired (a new one is needed). */
export type InvitationStatus = { kind: 'none' } | { kind: 'pending'; until: number } | { kind: 'expired' };

export function invitationStatus(account: AgentAccount, now: number): InvitationStatus {
  if (!account.invitation_pending) return { kind: 'none' };
  const until = account.invited_until;
  return until !== null && until > now ? { kind: 'pending', until } : { kind: 'expired' };
}

/** Enabled accounts first, each part by name as the UI language sorts it. */
export function sortAccounts(accounts: readonly AgentAccount[], locale: string): AgentAccount[] {
  return [...accounts].sort(
    (a, b) => Number(a.disabled) - Number(b.disabled) || a.name.localeCompare(b.name, locale),
  );
}

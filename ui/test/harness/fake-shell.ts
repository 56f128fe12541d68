// A stand-in for the Rust side of the IPC contract, over the fixtures: the same
// commands, argument names, answers and `{code, message}` rejections. The browser tests
// drive the real built UI against it; `vite dev` uses it outside the desktop shell.
import type {
  ApiError,
  ErrorCode,
  InboxView,
  Message,
  SessionState,
  SyncProgress,
  Ticket,
  TicketDetail,
  TicketSummary,
  ViewCounts,
} from '../../src/lib/bindings';
import { buildDataset, DEMO_PASSWORD, type Dataset } from './fixtures';

export interface FakeShellConfig {
  /** Start signed in (skips the sign-in screen). */
  signedIn?: boolean;
  /** Pretend the server is down: sign-in fails `offline`, sync reports offline. */
  serverDown?: boolean;
  hostile?: boolean;
  bulk?: number;
  /** Simulated command latency, ms. */
  latencyMs?: number;
  now?: number;
}

function reject(code: ErrorCode, message: string): never {
  // Tauri rejects with the serialized error value, a plain object.
  throw { code, message } satisfies ApiError;
}

const isOpen = (t: Ticket) => t.status !== 'solved' && t.status !== 'closed';

export class FakeShell {
  data: Dataset;
  private revision = 0;
  private current!: SessionState;
  /** Every assignment is a new revision, as in the real shell. */
  get state(): SessionState {
    return this.current;
  }
  set state(next: SessionState) {
    this.current = { ...next, revision: ++this.revision };
  }
  serverDown: boolean;
  /** What `sync_progress` answers: the last step a sync reported. */
  progress: SyncProgress | null = null;
  /** Tickets whose conversation `get_ticket` says is on the server (evicted, offline). */
  evicted = new Set<string>();
  calls: { cmd: string; args: unknown }[] = [];
  private now: number;

  constructor(private config: FakeShellConfig = {}) {
    this.now = config.now ?? Date.now();
    this.data = buildDataset({ now: this.now, hostile: config.hostile, bulk: config.bulk });
    this.serverDown = config.serverDown ?? false;
    this.state = config.signedIn ? this.signedInState('http://127.0.0.1:8080') : this.signedOutState(null);
  }

  private signedInState(serverUrl: string): SessionState {
    return {
      revision: 0,
      signed_in: true,
      server_url: serverUrl,
      agent: this.data.me,
      connectivity: this.serverDown ? 'offline' : 'online',
      last_synced_at: this.now - 2 * 60_000,
      last_error: this.serverDown ? { code: 'offline', message: 'connect to server failed' } : null,
      cached_tickets: this.data.tickets.length,
      cache_reset: null,
    };
  }

  private signedOutState(serverUrl: string | null): SessionState {
    return {
      revision: 0,
      signed_in: false,
      server_url: serverUrl,
      agent: null,
      connectivity: 'unknown',
      last_synced_at: null,
      last_error: null,
      cached_tickets: 0,
      cache_reset: null,
    };
  }

  inView(view: InboxView): Ticket[] {
    const awaiting = new Set(
      this.data.transactions.filter((t) => t.status === 'awaiting_customer_confirmation').map((t) => t.id),
    );
    const all = this.data.tickets;
    switch (view) {
      case 'all':
        return all;
      case 'open':
        return all.filter(isOpen);
      case 'mine':
        return all.filter((t) => isOpen(t) && t.assignee_id === this.data.me.id);
      case 'unassigned':
        return all.filter((t) => isOpen(t) && t.assignee_id === null);
      case 'awaiting_confirmation':
        return all.filter((t) => isOpen(t) && t.linked_transaction_ids.some((id) => awaiting.has(id)));
    }
  }

  summary(t: Ticket): TicketSummary {
    const customer = this.data.customers.find((c) => c.id === t.customer_id);
    const assignee = this.data.agents.find((a) => a.id === t.assignee_id);
    const last = this.latestMessages().get(t.id);
    return {
      id: t.id,
      number: t.number,
      subject: t.subject,
      customer_name: customer?.name ?? '',
      customer_tier: customer?.tier ?? null,
      channel: t.channel,
      status: t.status,
      priority: t.priority,
      category: t.category,
      language: t.language,
      tags: t.tags,
      assignee_name: assignee?.name ?? null,
      preview: (last?.body_text ?? '').replace(/\s+/g, ' ').slice(0, 140),
      last_message_at: t.last_message_at,
      first_response_due_at: t.first_response_due_at,
    };
  }

  private latestCache: { size: number; map: Map<string, Message> } | null = null;

  /** Latest non-system message per ticket, rebuilt when messages were added. */
  private latestMessages(): Map<string, Message> {
    const messages = this.data.messages;
    if (this.latestCache?.size === messages.length) return this.latestCache.map;
    const map = new Map<string, Message>();
    for (const m of messages) {
      if (m.kind === 'system_event') continue;
      const seen = map.get(m.ticket_id);
      if (!seen || m.created_at >= seen.created_at) map.set(m.ticket_id, m);
    }
    this.latestCache = { size: messages.length, map };
    return map;
  }

  requireSignedIn(): void {
    if (!this.state.signed_in) reject('not_signed_in', 'no agent is signed in');
  }

  handle(cmd: string, args: Record<string, unknown> = {}): unknown {
    this.calls.push({ cmd, args });
    switch (cmd) {
      case 'session_state':
        return this.state;
      case 'sync_progress':
        return this.progress;
      case 'sign_in': {
        const { serverUrl, email, password } = args as { serverUrl?: string; email?: string; password?: string };
        if (!serverUrl || !/^https?:\/\//.test(serverUrl) || !email?.includes('@')) {
          reject('bad_request', `invalid sign-in input for ${String(email)}`);
        }
        if (this.serverDown || serverUrl.includes('unreachable')) reject('offline', `connect to ${serverUrl} failed`);
        if (email.startsWith('disabled')) reject('account_disabled', `account ${email} is disabled`);
        if (password !== DEMO_PASSWORD) reject('invalid_credentials', `wrong password for ${email}`);
        this.state = this.signedInState(serverUrl);
        return this.state;
      }
      case 'sign_out':
        this.state = this.signedOutState(this.state.server_url);
        return this.state;
      case 'sync_now':
        this.requireSignedIn();
        this.state = this.serverDown
          ? { ...this.state, connectivity: 'offline', last_error: { code: 'offline', message: 'connect failed' } }
          : { ...this.state, connectivity: 'online', last_synced_at: Date.now(), last_error: null };
        return this.state;
      case 'list_tickets': {
        this.requireSignedIn();
        const { view, limit } = args as { view: InboxView; limit: number };
        if (typeof limit !== 'number' || !view) reject('bad_request', 'list_tickets needs view and limit');
        return this.inView(view)
          .slice()
          .sort((a, b) => b.last_message_at - a.last_message_at)
          .slice(0, limit)
          .map((t) => this.summary(t));
      }
      case 'view_counts': {
        this.requireSignedIn();
        const counts: ViewCounts = {
          open: this.inView('open').length,
          mine: this.inView('mine').length,
          unassigned: this.inView('unassigned').length,
          awaiting_confirmation: this.inView('awaiting_confirmation').length,
          all: this.inView('all').length,
        };
        return counts;
      }
      case 'get_ticket': {
        this.requireSignedIn();
        const { id } = args as { id: string };
        const ticket = this.data.tickets.find((t) => t.id === id);
        if (!ticket) reject('not_found', `ticket ${id} not found`);
        const customer = this.data.customers.find((c) => c.id === ticket.customer_id) ?? null;
        const linked = new Set(ticket.linked_transaction_ids);
        const detail: TicketDetail = {
          ticket,
          customer,
          assignee: this.data.agents.find((a) => a.id === ticket.assignee_id) ?? null,
          messages: this.data.messages
            .filter((m) => m.ticket_id === id)
            .sort((a, b) => a.created_at - b.created_at),
          transactions: this.data.transactions
            .filter((t) => t.customer_id === ticket.customer_id)
            .sort((a, b) => Number(linked.has(b.id)) - Number(linked.has(a.id)) || b.created_at - a.created_at),
          conversation_on_server: this.evicted.has(id),
        };
        return detail;
      }
      default:
        reject('internal', `unknown command ${cmd}`);
    }
  }

  /** A ticket arrives from the server (as a background sync would bring it). */
  receiveTicket(subject: string, customerId = 'cust-1002'): Ticket {
    const at = Date.now();
    const number = Math.max(0, ...this.data.tickets.map((t) => t.number ?? 0)) + 1;
    const ticket: Ticket = {
      id: `t-${number}`,
      number,
      subject,
      customer_id: customerId,
      channel: 'email',
      status: 'new',
      priority: 'normal',
      category: 'other',
      tags: [],
      assignee_id: null,
      group: null,
      language: 'en',
      first_response_due_at: at + 2 * 3_600_000,
      resolution_due_at: null,
      linked_transaction_ids: [],
      incident_id: null,
      merged_into: null,
      deleted_at: null,
      secret_exposed_at: null,
      csat: null,
      created_at: at,
      updated_at: at,
      last_message_at: at,
    };
    this.data.tickets.push(ticket);
    this.data.messages.push({
      id: `${ticket.id}-m1`,
      ticket_id: ticket.id,
      kind: 'public_reply',
      author: { kind: 'customer', id: customerId, name: 'Emily Carter' },
      body_text: subject,
      body_html: null,
      attachments: [],
      created_at: at,
    });
    this.state = { ...this.state, cached_tickets: this.data.tickets.length, last_synced_at: at };
    return ticket;
  }
}

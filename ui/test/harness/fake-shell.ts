// A stand-in for the Rust side of the IPC contract, over the fixtures: the same
// commands, argument names, answers and `{code, message}` rejections. The browser tests
// drive the real built UI against it; `vite dev` uses it outside the desktop shell.
import type {
  ApiError,
  CacheReset,
  BulkOutcome,
  Capability,
  Channel,
  CustomerHistory,
  Delivery,
  ErrorCode,
  InboxView,
  MacroAction,
  Message,
  Mutation,
  MutationOp,
  OutboxCounts,
  OutboxEntry,
  PresenceEntry,
  Role,
  SearchHit,
  SearchQuery,
  SessionState,
  SyncProgress,
  Ticket,
  TicketDetail,
  TicketEdit,
  TicketQuery,
  TicketSummary,
  ViewCounts,
} from '../../src/lib/bindings';
import { plausibleEmail } from '../../src/features/delivery/delivery';
import { MAX_FILE_BYTES, MAX_FILES, MAX_MESSAGE_BYTES } from '../../src/features/attachments/attachments';
import { parseReplyFrame } from '../../src/lib/frame';
import { FakeAdmin } from './admin';
import { FakeKnowledge } from './knowledge';
import { FakeGroups } from './groups';
import { suggestKnowledge } from './suggestions';
import { describe } from './files';
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
  /** Start signed out with this reason the cache was started afresh. */
  cacheReset?: CacheReset;
  now?: number;
  /** Sign in as Chen Jing with this role instead of a supervisor's. */
  role?: Role;
}

/** desk-core's `access` table, mirrored for the harness: the real shell sends the list
 * the core computes with the session. */
const SUPERVISOR_CAPABILITIES: Capability[] = [
  'delete_tickets',
  'reassign_others',
  'merge_tickets',
  'manage_incidents',
  'approve',
  'manage_compensation',
  'manage_macros',
  'manage_knowledge',
  'view_audit',
];
const CAPABILITIES: Record<Role, Capability[]> = {
  agent: [],
  supervisor: SUPERVISOR_CAPABILITIES,
  admin: [...SUPERVISOR_CAPABILITIES, 'manage_agents', 'manage_groups', 'manage_settings'],
};

function reject(code: ErrorCode, message: string): never {
  // Tauri rejects with the serialized error value, a plain object.
  throw { code, message } satisfies ApiError;
}

const isOpen = (t: Ticket) => t.status !== 'solved' && t.status !== 'closed';

/** What `calls` records of a raw body: its size and, for a reply frame, its head. */
function rawArgs(input: Uint8Array): { bytes: number; head?: ReturnType<typeof parseReplyFrame>['head'] } {
  try {
    return { bytes: input.byteLength, head: parseReplyFrame(input).head };
  } catch {
    return { bytes: input.byteLength };
  }
}

/** desk-core's `TicketEdit::from_macro_actions`: the last status, priority and category
 * win; adding a tag undoes an earlier removal of it, and the other way round. */
export function editFromMacroActions(actions: readonly MacroAction[]): TicketEdit {
  const edit: TicketEdit = {
    status: null,
    priority: null,
    category: null,
    claim: false,
    assignee_id: null,
    unassign: false,
    group: null,
    ungroup: false,
    add_tags: [],
    remove_tags: [],
  };
  for (const a of actions) {
    switch (a.type) {
      case 'set_status':
        edit.status = a.status;
        break;
      case 'set_priority':
        edit.priority = a.priority;
        break;
      case 'set_category':
        edit.category = a.category;
        break;
      case 'add_tags':
        edit.remove_tags = edit.remove_tags.filter((t) => !a.tags.includes(t));
        edit.add_tags.push(...a.tags);
        break;
      case 'remove_tags':
        edit.add_tags = edit.add_tags.filter((t) => !a.tags.includes(t));
        edit.remove_tags.push(...a.tags);
        break;
    }
  }
  return edit;
}

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
  /** Other agents on each ticket, as the server would answer; tests set it. */
  presence = new Map<string, PresenceEntry[]>();
  /** What this console last announced: a ticket and a state, or `null` after leaving. */
  announced: { ticketId: string; state: string } | null = null;
  /** What the UI last told the shell its language is (for OS notifications). */
  uiLanguage: string | null = null;
  /** The agent's queued work, oldest first, as the store keeps it. */
  outboxEntries: OutboxEntry[] = [];
  /** Files in this console's cache (attached here, or fetched once): they open offline. */
  cachedFiles = new Set<string>();
  /** What `save_attachment` wrote, by path: the Downloads folder of the fake. */
  saved = new Map<string, Uint8Array>();
  private seq = 0;
  private now: number;
  /** Agents' accounts and the audit log, as the server holds them (online only). */
  admin: FakeAdmin;
  /** Macros and KB articles as supervisors write them (online only); articles cached. */
  knowledge: FakeKnowledge;
  /** The desk's groups (cached by every console; written by admins, online only). */
  groups: FakeGroups;

  constructor(private config: FakeShellConfig = {}) {
    this.now = config.now ?? Date.now();
    this.data = buildDataset({ now: this.now, hostile: config.hostile, bulk: config.bulk });
    if (config.role) this.data.me = { ...this.data.me, role: config.role };
    this.serverDown = config.serverDown ?? false;
    this.state = config.signedIn ? this.signedInState('http://127.0.0.1:8080') : this.signedOutState(null);
    this.admin = new FakeAdmin(this, this.now);
    this.knowledge = new FakeKnowledge(this, this.now);
    // Getters: the session and the outage change while the shell runs.
    const shell = this;
    this.groups = new FakeGroups(
      {
        get state() {
          return shell.state;
        },
        get serverDown() {
          return shell.serverDown;
        },
        requireSignedIn: () => this.requireSignedIn(),
        tickets: () => this.data.tickets,
        enabledAgentGroups: () => this.admin.accounts.filter((a) => !a.disabled).map((a) => a.groups),
      },
      this.now,
    );
  }

  /** Writes into the fake Downloads folder under a name that overwrites nothing
   * (`name (1).ext`…), as desk-sync's `save_into`; answers the path. */
  saveDownload(fileName: string, bytes: Uint8Array): string {
    const name = fileName.split(/[\\/]/).pop() || 'attachment';
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let path = `/home/chen/Downloads/${name}`;
    for (let n = 1; this.saved.has(path); n++) path = `/home/chen/Downloads/${stem} (${n})${ext}`;
    this.saved.set(path, bytes);
    return path;
  }

  private signedInState(serverUrl: string): SessionState {
    return {
      revision: 0,
      signed_in: true,
      server_url: serverUrl,
      agent: this.data.me,
      capabilities: CAPABILITIES[this.data.me.role],
      connectivity: this.serverDown ? 'offline' : 'online',
      last_synced_at: this.now - 2 * 60_000,
      last_error: this.serverDown ? { code: 'offline', message: 'connect to server failed' } : null,
      cached_tickets: this.data.tickets.length,
      outbox: this.outboxCounts(),
      cache_reset: null,
    };
  }

  private signedOutState(serverUrl: string | null): SessionState {
    return {
      revision: 0,
      signed_in: false,
      server_url: serverUrl,
      agent: null,
      capabilities: [],
      connectivity: 'unknown',
      last_synced_at: null,
      last_error: null,
      cached_tickets: 0,
      outbox: { pending: 0, held: 0, rejected: 0 },
      cache_reset: this.config.cacheReset ?? null,
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
      // As the store computes it: the earlier due time, while the clock runs.
      sla_due_at:
        (t.status === 'new' || t.status === 'open') && (t.first_response_due_at ?? t.resolution_due_at) !== null
          ? Math.min(t.first_response_due_at ?? Infinity, t.resolution_due_at ?? Infinity)
          : null,
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

  handle(cmd: string, input: Record<string, unknown> | Uint8Array = {}): unknown {
    this.calls.push({ cmd, args: input instanceof Uint8Array ? rawArgs(input) : input });
    if (cmd === 'reply_with_files') return this.replyWithFiles(input);
    if (cmd === 'reply_and_edit') return this.replyAndEdit(input);
    const args = input instanceof Uint8Array ? reject('bad_request', `${cmd} takes named arguments`) : input;
    if (FakeAdmin.COMMANDS.has(cmd)) return this.admin.handle(cmd, args);
    if (FakeKnowledge.COMMANDS.has(cmd)) return this.knowledge.handle(cmd, args);
    if (FakeGroups.COMMANDS.has(cmd)) return this.groups.handle(cmd, args);
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
      case 'accept_invitation': {
        // desk-sync's `Client::accept_invitation` over the server's `POST /auth/invitation`.
        const { serverUrl, email, code, password } = args as { serverUrl?: string; email?: string; code?: string; password?: string };
        if (!serverUrl || !/^https?:\/\//.test(serverUrl) || !email?.includes('@') || !code?.trim() || !password) {
          reject('bad_request', `invalid invitation input for ${String(email)}`);
        }
        if (this.serverDown || serverUrl.includes('unreachable')) reject('offline', `connect to ${serverUrl} failed`);
        if ([...password].length < 8) reject('bad_request', 'password must be at least 8 characters');
        const agent = this.admin.accept(email, code);
        const { disabled: _disabled, created_at: _created, invitation_pending: _pending, invited_until: _until, ...me } = agent;
        this.state = { ...this.signedInState(serverUrl), agent: me, capabilities: CAPABILITIES[me.role] };
        return this.state;
      }
      case 'sign_out':
        this.state = this.signedOutState(this.state.server_url);
        return this.state;
      case 'sync_now':
        this.requireSignedIn();
        if (!this.serverDown) this.deliver();
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
            .sort((a, b) => a.created_at - b.created_at)
            .map((m) => ({ ...m, delivery: this.data.deliveries.find((d) => d.id === m.id) ?? null })),
          transactions: this.data.transactions
            .filter((t) => t.customer_id === ticket.customer_id)
            .sort((a, b) => Number(linked.has(b.id)) - Number(linked.has(a.id)) || b.created_at - a.created_at),
          conversation_on_server: this.evicted.has(id),
        };
        return detail;
      }
      case 'reply': {
        this.requireSignedIn();
        const { ticketId, body, internal } = args as { ticketId: string; body: string; internal: boolean };
        return this.reply(ticketId, body, internal);
      }
      case 'customer_history': {
        this.requireSignedIn();
        const { customerId, limit } = args as { customerId?: string; limit?: number };
        if (typeof customerId !== 'string' || typeof limit !== 'number') reject('bad_request', 'customer_history needs customerId and limit');
        return this.customerHistory(customerId, limit);
      }
      case 'attachment_bytes': {
        this.requireSignedIn();
        const { sha256 } = args as { ticketId: string; sha256: string };
        const bytes = this.fileBytes(sha256);
        // A copy, as IPC hands over: an ArrayBuffer, like the real shell's raw answer.
        return bytes.slice().buffer;
      }
      case 'save_attachment': {
        this.requireSignedIn();
        const { sha256, fileName } = args as { ticketId: string; sha256: string; fileName: string };
        return this.saveDownload(fileName, this.fileBytes(sha256));
      }
      case 'announce_presence': {
        const { ticketId, presence } = args as { ticketId?: string; presence?: string | null };
        if (typeof ticketId !== 'string' || (presence !== null && presence !== 'viewing' && presence !== 'replying')) {
          reject('bad_request', `invalid presence ${String(presence)} for ${String(ticketId)}`);
        }
        // Best-effort, as desk-sync: offline or signed out, nobody, and nothing recorded.
        if (this.serverDown || !this.state.signed_in) return [];
        this.announced = presence === null ? null : { ticketId, state: presence };
        return presence === null ? [] : (this.presence.get(ticketId) ?? []);
      }
      case 'set_ui_language': {
        const { language } = args as { language?: string };
        if (typeof language !== 'string') reject('bad_request', 'set_ui_language needs a language');
        this.uiLanguage = language;
        return null;
      }
      case 'ticket_presence': {
        const { ticketId } = args as { ticketId: string };
        return this.serverDown || !this.state.signed_in ? [] : (this.presence.get(ticketId) ?? []);
      }
      case 'edit_ticket': {
        this.requireSignedIn();
        const { ticketId, edit } = args as { ticketId: string; edit: TicketEdit };
        const ops = this.editOps(ticketId, edit);
        if (ops.length === 0) reject('bad_request', `edit of ${ticketId} changes nothing`);
        return ops.map((op) => this.applyOp(op));
      }
      case 'bulk_edit': {
        this.requireSignedIn();
        const { ticketIds, edit } = args as { ticketIds: string[]; edit: TicketEdit };
        const outcome: BulkOutcome = { edited: 0, failed: [] };
        for (const id of ticketIds) {
          try {
            for (const op of this.editOps(id, edit)) this.applyOp(op);
            outcome.edited++;
          } catch (e) {
            outcome.failed.push({ ticket_id: id, error: e as ApiError });
          }
        }
        return outcome;
      }
      case 'retry_delivery': {
        this.requireSignedIn();
        const { ticketId, messageId, recipient } = args as { ticketId: string; messageId: string; recipient: string | null };
        return this.retryDelivery(ticketId, messageId, recipient);
      }
      case 'outbox':
        this.requireSignedIn();
        return this.outboxEntries;
      case 'release_held':
      case 'edit_held': {
        this.requireSignedIn();
        const { mutationId, body } = args as { mutationId: string; body?: string };
        const entry = this.outboxEntries.find((e) => e.mutation.id === mutationId);
        if (!entry) reject('conflict', `no mutation ${mutationId} in the outbox`);
        if (entry.state !== 'held') reject('conflict', `mutation ${mutationId} is ${entry.state}, so it cannot be released`);
        const op = entry.mutation.op;
        if (cmd === 'edit_held' && op.type === 'reply') {
          if (!body || body.trim() === '') reject('bad_request', 'the reply is empty');
          op.body_text = body;
          const shown = this.data.messages.find((m) => m.id === op.message_id);
          if (shown) shown.body_text = body;
        }
        this.outboxEntries = this.outboxEntries.filter((e) => e !== entry);
        return this.queue(op);
      }
      case 'retry_rejected': {
        this.requireSignedIn();
        const { mutationId } = args as { mutationId: string };
        const entry = this.outboxEntries.find((e) => e.mutation.id === mutationId);
        if (!entry) reject('conflict', `no mutation ${mutationId} in the outbox`);
        if (entry.state !== 'rejected') reject('conflict', `mutation ${mutationId} is ${entry.state}, so it cannot be retried`);
        // A new mutation with the same action, behind everything queued, as the store does.
        this.outboxEntries = this.outboxEntries.filter((e) => e !== entry);
        return this.queue(entry.mutation.op);
      }
      case 'discard_held': {
        this.requireSignedIn();
        const { mutationId } = args as { mutationId: string };
        const entry = this.outboxEntries.find((e) => e.mutation.id === mutationId);
        if (!entry) reject('conflict', `no mutation ${mutationId} in the outbox`);
        if (entry.state === 'pending') reject('conflict', `mutation ${mutationId} is pending, so it cannot be discarded`);
        this.outboxEntries = this.outboxEntries.filter((e) => e !== entry);
        const op = entry.mutation.op;
        if (op.type === 'reply' || op.type === 'note') {
          this.data.messages = this.data.messages.filter((m) => m.id !== op.message_id);
        }
        this.touchOutbox();
        return null;
      }
      case 'search': {
        this.requireSignedIn();
        const { query } = args as { query: SearchQuery };
        return this.search(query);
      }
      case 'suggest_knowledge': {
        // From the cache: offline too.
        this.requireSignedIn();
        const { ticketId, language } = args as { ticketId?: string; language?: string };
        if (typeof ticketId !== 'string' || typeof language !== 'string') reject('bad_request', 'suggest_knowledge needs ticketId and language');
        return (
          suggestKnowledge(this.data, this.knowledge.articles, this.state.server_url, ticketId, language) ??
          reject('not_found', `ticket ${ticketId} not found`)
        );
      }
      case 'agents':
        this.requireSignedIn();
        return [...this.data.agents].sort((a, b) => a.name.localeCompare(b.name));
      case 'macros': {
        this.requireSignedIn();
        const { language } = args as { language: string | null };
        const base = (tag: string) => tag.split('-')[0]!.toLowerCase();
        return this.data.macros.filter(
          (m) => language === null || Object.keys(m.bodies).some((l) => base(l) === base(language)),
        );
      }
      case 'query_tickets': {
        this.requireSignedIn();
        const { query } = args as { query: TicketQuery };
        const now = Date.now();
        const due = (t: Ticket) =>
          Math.min(t.first_response_due_at ?? Infinity, t.resolution_due_at ?? Infinity);
        const rows = this.inView(query.view)
          .filter((t) => query.filter.incident_id === null || t.incident_id === query.filter.incident_id)
          .filter((t) => {
            const d = due(t);
            if (query.filter.sla === 'breached') return d < now;
            if (query.filter.sla === 'at_risk') return d >= now && d < now + 3_600_000;
            return true;
          })
          .sort((a, b) => (query.sort === 'sla_due' ? due(a) - due(b) : b.last_message_at - a.last_message_at))
          .slice(0, query.limit)
          .map((t) => this.summary(t));
        return { rows, next: null };
      }
      case 'open_link':
        // Recorded in `calls`; the real shell checks the target again and asks the OS.
        return null;
      case 'incidents':
        this.requireSignedIn();
        return this.data.incidents
          .filter((i) => i.status !== 'resolved')
          .map((incident) => ({
            incident,
            open_tickets: this.inView('open').filter((t) => t.incident_id === incident.id).length,
          }));
      case 'sla_counts': {
        this.requireSignedIn();
        const now = Date.now();
        let atRisk = 0;
        let breached = 0;
        for (const t of this.inView('open')) {
          const d = Math.min(t.first_response_due_at ?? Infinity, t.resolution_due_at ?? Infinity);
          if (d < now) breached++;
          else if (d < now + 3_600_000) atRisk++;
        }
        return { at_risk: atRisk, breached };
      }
      default:
        reject('internal', `unknown command ${cmd}`);
    }
  }

  /** desk-sync's `attachment`: from the cache, else from the server (then cached). */
  private fileBytes(sha256: string): Uint8Array {
    if (!/^[0-9a-f]{64}$/.test(sha256)) reject('bad_request', `${JSON.stringify(sha256)} is not a file address (64 hex digits)`);
    const bytes = this.data.files.get(sha256);
    if (this.cachedFiles.has(sha256) && bytes) return bytes;
    if (this.serverDown) {
      reject('offline', `file ${sha256} is not in the local cache and the server cannot be reached; it opens once the connection is back`);
    }
    if (!bytes) reject('not_found', `no file "${sha256}"`);
    this.cachedFiles.add(sha256);
    return bytes;
  }

  /** A reply or note, shown at once and queued, with the rules' refusals the console
   * meets: an empty text, a closed ticket, a reply asking for a secret (the guard). */
  private reply(ticketId: string, body: string, internal: boolean): Mutation {
    const ticket = this.ticket(ticketId);
    if (body.trim() === '') reject('bad_request', `the ${internal ? 'note' : 'reply'} is empty`);
    if (ticket.status === 'closed') reject('conflict', `${ticket.number === null ? ticket.id : `ticket #${ticket.number}`} is closed`);
    if (!internal && /助记词|seed phrase|private key|私钥/i.test(body) && /发|send|provide|提供/i.test(body)) {
      reject('blocked', 'the reply asks the customer for a seed phrase');
    }
    const messageId = `local-${++this.seq}`;
    const op: MutationOp = internal
      ? { type: 'note', ticket_id: ticketId, message_id: messageId, body_text: body }
      : { type: 'reply', ticket_id: ticketId, message_id: messageId, body_text: body, last_seen_message_id: null, attachments: [] };
    const at = Date.now();
    this.data.messages.push({
      id: messageId,
      ticket_id: ticketId,
      kind: internal ? 'internal_note' : 'public_reply',
      author: { kind: 'agent', id: this.data.me.id, name: this.data.me.name },
      body_text: body,
      body_html: null,
      attachments: [],
      created_at: at,
    });
    ticket.last_message_at = at;
    return this.queue(op);
  }

  /** `reply_and_edit`: the raw frame read back; the reply (or note) with its files, then
   * the macros' actions made into one edit as desk-core's `TicketEdit::from_macro_actions`
   * does, applied in `TicketEdit::ops` order. All of it, or at the first refusal nothing:
   * the ticket, the conversation, the files and the outbox are put back as they were. */
  private replyAndEdit(input: Record<string, unknown> | Uint8Array): Mutation[] {
    this.requireSignedIn();
    if (!(input instanceof Uint8Array)) reject('bad_request', "a reply with its macro's actions is sent as raw bytes");
    let head: ReturnType<typeof parseReplyFrame>['head'];
    try {
      head = parseReplyFrame(input).head;
    } catch {
      reject('bad_request', "the reply and its macro's actions arrived malformed");
    }
    const internal = head.internal === true;
    if (internal && head.files.length > 0) reject('bad_request', 'files go with a public reply, not an internal note');
    const ticket = this.ticket(head.ticket_id);
    const before = {
      ticket: structuredClone(ticket),
      messages: this.data.messages.length,
      outbox: this.outboxEntries.length,
      files: new Map(this.data.files),
      cached: new Set(this.cachedFiles),
    };
    try {
      const first = head.files.length > 0 ? this.replyWithFiles(input) : this.reply(ticket.id, head.body, internal);
      const edits = this.editOps(ticket.id, editFromMacroActions(head.actions ?? [])).map((op) => this.applyOp(op));
      return [first, ...edits];
    } catch (refusal) {
      Object.assign(ticket, before.ticket);
      this.data.messages.length = before.messages;
      this.outboxEntries = this.outboxEntries.slice(0, before.outbox);
      this.data.files = before.files;
      this.cachedFiles = before.cached;
      this.touchOutbox();
      throw refusal;
    }
  }

  /** desk-store's `customer_history`: the customer's tickets newest first (at most `limit`),
   * how many are open, the mean CSAT and their transactions. */
  customerHistory(customerId: string, limit: number): CustomerHistory {
    const customer = this.data.customers.find((c) => c.id === customerId);
    if (!customer) reject('not_found', `customer ${customerId} not found`);
    const theirs = this.data.tickets.filter((t) => t.customer_id === customerId);
    const rated = theirs.map((t) => t.csat).filter((c): c is number => c !== null);
    const transactions = this.data.transactions
      .filter((t) => t.customer_id === customerId)
      .sort((a, b) => b.created_at - a.created_at || (b.id > a.id ? 1 : -1));
    return {
      customer,
      tickets: theirs
        .slice()
        .sort((a, b) => b.created_at - a.created_at || (b.id > a.id ? 1 : -1))
        .slice(0, Math.min(Math.max(limit, 1), 500))
        .map((t) => ({ ticket: this.summary(t), created_at: t.created_at, csat: t.csat })),
      open_tickets: theirs.filter(isOpen).length,
      average_csat: rated.length > 0 ? rated.reduce((sum, c) => sum + c, 0) / rated.length : null,
      transactions,
      awaiting_confirmation: transactions.filter((t) => t.status === 'awaiting_customer_confirmation').length,
    };
  }

  /** `reply_with_files`: the raw frame read back, the files checked against desk-core's
   * limits, stored in the cache, and the reply queued carrying them. */
  private replyWithFiles(input: Record<string, unknown> | Uint8Array): Mutation {
    this.requireSignedIn();
    if (!(input instanceof Uint8Array)) reject('bad_request', 'a reply with files is sent as raw bytes');
    let frame: ReturnType<typeof parseReplyFrame>;
    try {
      frame = parseReplyFrame(input);
    } catch {
      reject('bad_request', "the reply's files arrived malformed");
    }
    const { head, files } = frame;
    const ticket = this.ticket(head.ticket_id);
    if (head.body.trim() === '') reject('bad_request', 'the reply is empty');
    const attachments = files.map((bytes, i) => {
      const name = head.files[i]!.name;
      if (bytes.length === 0) reject('bad_request', `${name} is empty: there is nothing to send`);
      if (bytes.length > MAX_FILE_BYTES) reject('payload_too_large', `${name} is too large; a file may have at most 25.0 MiB`);
      return describe(name, bytes);
    });
    if (files.reduce((sum, f) => sum + f.length, 0) > MAX_MESSAGE_BYTES) {
      reject('payload_too_large', 'the files come to more than one reply may carry');
    }
    if (files.length > MAX_FILES) reject('bad_request', `${files.length} files on one message; at most ${MAX_FILES}`);
    files.forEach((bytes, i) => {
      const sha = attachments[i]!.sha256;
      this.data.files.set(sha, bytes.slice());
      this.cachedFiles.add(sha);
    });
    const messageId = `local-${++this.seq}`;
    const at = Date.now();
    this.data.messages.push({
      id: messageId,
      ticket_id: ticket.id,
      kind: 'public_reply',
      author: { kind: 'agent', id: this.data.me.id, name: this.data.me.name },
      body_text: head.body,
      body_html: null,
      attachments,
      created_at: at,
    });
    ticket.last_message_at = at;
    return this.queue({
      type: 'reply',
      ticket_id: ticket.id,
      message_id: messageId,
      body_text: head.body,
      last_seen_message_id: null,
      attachments,
    });
  }

  private ticket(id: string): Ticket {
    const ticket = this.data.tickets.find((t) => t.id === id);
    if (!ticket) reject('not_found', `no ticket ${id} in the cache`);
    return ticket;
  }

  outboxCounts(): OutboxCounts {
    const count = (state: OutboxEntry['state']) => this.outboxEntries.filter((e) => e.state === state).length;
    return { pending: count('pending'), held: count('held'), rejected: count('rejected') };
  }

  private touchOutbox(): void {
    if (this.state.signed_in) this.state = { ...this.state, outbox: this.outboxCounts() };
  }

  private queue(op: MutationOp): Mutation {
    const mutation: Mutation = {
      id: `mut-${++this.seq}`,
      client_id: 'fake-client',
      seq: this.seq,
      agent_id: this.data.me.id,
      created_at: Date.now(),
      op,
    };
    this.outboxEntries.push({ mutation, state: 'pending', result: null });
    this.touchOutbox();
    return mutation;
  }

  /** The edit's actions, in desk-core's order (TicketEdit::ops): the status last. */
  private editOps(ticketId: string, e: TicketEdit): MutationOp[] {
    const ticket_id = ticketId;
    const ops: MutationOp[] = [];
    if (e.priority) ops.push({ type: 'set_priority', ticket_id, priority: e.priority });
    if (e.category) ops.push({ type: 'set_category', ticket_id, category: e.category });
    if (e.ungroup || e.group) ops.push({ type: 'set_group', ticket_id, group: e.ungroup ? null : e.group });
    if (e.claim) ops.push({ type: 'claim', ticket_id });
    if (e.unassign) ops.push({ type: 'assign', ticket_id, assignee_id: null });
    else if (e.assignee_id) ops.push({ type: 'assign', ticket_id, assignee_id: e.assignee_id });
    if (e.add_tags.length) ops.push({ type: 'add_tags', ticket_id, tags: e.add_tags });
    if (e.remove_tags.length) ops.push({ type: 'remove_tags', ticket_id, tags: e.remove_tags });
    if (e.status) ops.push({ type: 'set_status', ticket_id, status: e.status });
    return ops;
  }

  /** Applies one action to the fixtures as the store's optimistic layer would, with the
   * rules' main refusals (closed tickets, claimed tickets). */
  private applyOp(op: MutationOp): Mutation {
    if (op.type === 'reply' || op.type === 'note' || op.type === 'create_ticket' || op.type === 'delete_ticket') {
      reject('internal', `fake shell: ${op.type} is not an edit`);
    }
    const t = this.ticket(op.ticket_id);
    const name = t.number === null ? t.id : `ticket #${t.number}`;
    if (t.status === 'closed') reject('conflict', `${name} is closed`);
    switch (op.type) {
      case 'set_status':
        // desk-core's TicketStatus::can_become: new only starts, closed follows solved.
        if (t.status !== op.status && (op.status === 'new' || (op.status === 'closed' && t.status !== 'solved'))) {
          reject('conflict', `${name} cannot go from ${t.status} to ${op.status}`);
        }
        t.status = op.status;
        break;
      case 'set_priority':
        t.priority = op.priority;
        break;
      case 'set_category':
        t.category = op.category;
        break;
      case 'set_group':
        // desk-core: a move to another team leaves the ticket unassigned.
        if (t.group !== op.group) t.assignee_id = null;
        t.group = op.group;
        break;
      case 'claim':
        if (t.assignee_id !== null && t.assignee_id !== this.data.me.id) reject('conflict', `${name} is already claimed by ${t.assignee_id}`);
        t.assignee_id = this.data.me.id;
        break;
      case 'assign':
        t.assignee_id = op.assignee_id;
        break;
      case 'add_tags':
        t.tags = [...t.tags, ...op.tags.filter((x) => !t.tags.includes(x))];
        break;
      case 'remove_tags':
        t.tags = t.tags.filter((x) => !op.tags.includes(x));
        break;
    }
    return this.queue(op);
  }

  /** The store's checks of a retry (desk-store `deliveries::check_retry` and desk-core's
   * `delivery::retry`), then the delivery shown queued and the retry queued. */
  private retryDelivery(ticketId: string, messageId: string, recipient: string | null): Mutation {
    const message = this.data.messages.find((m) => m.id === messageId && m.ticket_id === ticketId);
    if (!message) reject('not_found', `no message ${messageId} of ticket ${ticketId} in the cache`);
    if (message.kind !== 'public_reply' || message.author.kind === 'customer') {
      reject('bad_request', `message ${messageId} is not sent to the customer: only a public reply has a delivery`);
    }
    const d = this.data.deliveries.find((x) => x.id === messageId);
    if (!d) reject('conflict', `the reply ${messageId} has not reached the server yet: there is no delivery to retry`);
    if (d.state !== 'failed') reject('conflict', `the reply ${messageId} is ${d.state}, not failed: only a failed delivery is retried`);
    if (recipient !== null) {
      if (d.channel !== 'email') reject('bad_request', `a ${d.channel} reply goes back to its conversation; only an email address can be changed`);
      if (!plausibleEmail(recipient)) reject('bad_request', `${JSON.stringify(recipient)} is not an email address`);
    }
    const at = Date.now();
    Object.assign(d, {
      state: 'queued',
      recipient: recipient === null ? d.recipient : recipient.trim(),
      error: null,
      created_at: at,
      updated_at: at,
      next_attempt_at: null,
    } satisfies Partial<Delivery>);
    return this.queue({ type: 'retry_delivery', ticket_id: ticketId, message_id: messageId, recipient });
  }

  /** A sync reaches the server: pending work is applied and leaves the outbox. The
   * server queues a delivery for each reply and takes each retry; the pull brings them
   * being sent. */
  deliver(): void {
    const at = Date.now();
    for (const e of this.outboxEntries) {
      if (e.state !== 'pending') continue;
      const op = e.mutation.op;
      if (op.type === 'reply') this.data.deliveries.push(this.newDelivery(op.ticket_id, op.message_id, at));
      if (op.type === 'retry_delivery') {
        const d = this.data.deliveries.find((x) => x.id === op.message_id);
        if (d) Object.assign(d, { state: 'sending', attempts: d.attempts + 1, updated_at: at } satisfies Partial<Delivery>);
      }
    }
    this.outboxEntries = this.outboxEntries.filter((e) => e.state !== 'pending');
    this.touchOutbox();
  }

  /** What the server queues with a reply (desk-core `delivery::queue`), as being sent. */
  private newDelivery(ticketId: string, messageId: string, at: number): Delivery {
    const ticket = this.ticket(ticketId);
    const customer = this.data.customers.find((c) => c.id === ticket.customer_id);
    const byEmail: Channel[] = ['email', 'web_form', 'phone'];
    const channel: Channel = byEmail.includes(ticket.channel) ? 'email' : ticket.channel;
    return {
      id: messageId,
      ticket_id: ticketId,
      channel,
      recipient: channel === 'email' ? (customer?.emails[0] ?? null) : `${channel}-${ticket.customer_id}`,
      mailbox: null,
      state: 'sending',
      attempts: 1,
      error: null,
      created_at: at,
      updated_at: at,
      sent_at: null,
      next_attempt_at: null,
    };
  }

  /** The server answers the oldest pending reply "held" (someone answered meanwhile). */
  holdReply(reason = 'the customer or a colleague wrote after this reply was written'): string | null {
    const entry = this.outboxEntries.find((e) => e.state === 'pending' && e.mutation.op.type === 'reply');
    if (!entry) return null;
    entry.state = 'held';
    entry.result = { outcome: 'held', reason };
    this.touchOutbox();
    return entry.mutation.id;
  }

  /** The server refuses the oldest pending action. */
  rejectOldest(code: ErrorCode, reason: string): string | null {
    const entry = this.outboxEntries.find((e) => e.state === 'pending');
    if (!entry) return null;
    entry.state = 'rejected';
    entry.result = { outcome: 'rejected', code, reason };
    this.touchOutbox();
    return entry.mutation.id;
  }

  /** Substring search over subjects, messages and customers, with the store's snippet
   * markers around the first match. */
  search(query: SearchQuery): SearchHit[] {
    const q = query.text.trim().toLowerCase();
    if (!q) return [];
    const hits: SearchHit[] = [];
    const mark = (text: string): string | null => {
      const at = text.toLowerCase().indexOf(q);
      if (at < 0) return null;
      const start = Math.max(0, at - 30);
      const end = Math.min(text.length, at + q.length + 60);
      return (
        (start > 0 ? '…' : '') +
        text.slice(start, at) +
        '\uE000' +
        text.slice(at, at + q.length) +
        '\uE001' +
        text.slice(at + q.length, end) +
        (end < text.length ? '…' : '')
      );
    };
    for (const t of this.data.tickets) {
      const subject = mark(t.subject);
      if (subject) {
        hits.push({ ticket: this.summary(t), matched_in: 'subject', snippet: subject });
        continue;
      }
      const message = this.data.messages
        .filter((m) => m.ticket_id === t.id)
        .map((m) => mark(m.body_text))
        .find((s) => s !== null);
      if (message) {
        hits.push({ ticket: this.summary(t), matched_in: 'message', snippet: message });
        continue;
      }
      const customer = this.data.customers.find((c) => c.id === t.customer_id);
      const who = customer ? mark(customer.name) : null;
      if (who) hits.push({ ticket: this.summary(t), matched_in: 'customer', snippet: who });
    }
    return hits.slice(0, Math.min(query.limit, 200));
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

// The administration screens' state: agents' accounts and the audit log, read from the
// server through the shell each time a screen opens (never cached: an account change or
// an audit reading is the server's answer now). Stale answers are dropped by tokens, as
// in lib/desk.svelte.ts: changing a filter quickly never shows an older reading.
import { api, toApiError, type AuditExportFormat } from '../../lib/api';
import type {
  AgentAccount,
  AgentUpdate,
  ApiError,
  AuditCheck,
  AuditRecord,
  Invitation,
  NewAgentRequest,
} from '../../lib/bindings';
import { desk } from '../../lib/desk.svelte';
import { AUDIT_PAGE, NO_FILTERS, auditQuery, emptySpan, type AuditFilters } from './admin';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Requests from outside the screens (the command palette's "Add an agent" and "Verify
 * the chain"): set, then taken by the screen when it shows, whether it was open or not. */
export const adminRequests = $state({ openAddAgent: false, verifyAudit: false });

export class AgentsState {
  accounts = $state.raw<readonly AgentAccount[]>([]);
  status = $state<LoadStatus>('idle');
  error = $state.raw<ApiError | null>(null);
  /** The account last added or changed, for the screen to mark and announce. */
  lastChange = $state.raw<{ kind: 'added' | 'saved'; id: string; name: string } | null>(null);
  /** The invitation just issued, shown once: the server keeps only its hash, so once this
   * is dismissed (or the screen closes) the code is gone and a new one must be issued. */
  issued = $state.raw<{ id: string; name: string; email: string; invitation: Invitation } | null>(null);
  /** The account whose new invitation is being asked for, and a refusal of it. */
  reissuing = $state<string | null>(null);
  reissueError = $state.raw<{ id: string; error: ApiError } | null>(null);
  private token = 0;

  async load(): Promise<void> {
    const token = ++this.token;
    if (this.accounts.length === 0) this.status = 'loading';
    try {
      const accounts = await api.adminAgents();
      if (token !== this.token) return;
      this.accounts = accounts;
      this.status = 'ready';
      this.error = null;
    } catch (e) {
      if (token !== this.token) return;
      this.error = toApiError(e);
      this.status = 'error';
    }
  }

  /** Adds an agent; null when added, else the server's refusal to show in the form. */
  async add(request: NewAgentRequest): Promise<ApiError | null> {
    try {
      const { invitation, ...added } = await api.adminAddAgent(request);
      this.token++;
      this.accounts = [...this.accounts.filter((a) => a.id !== added.id), added];
      this.lastChange = { kind: 'added', id: added.id, name: added.name };
      this.issued = invitation ? { id: added.id, name: added.name, email: added.email, invitation } : null;
      void desk.loadAgents();
      return null;
    } catch (e) {
      return toApiError(e);
    }
  }

  /** A new invitation for an agent who has not accepted theirs (lost, or expired): shown
   * like a new agent's, the old code no longer works. */
  async reissue(account: AgentAccount): Promise<void> {
    if (this.reissuing !== null) return;
    this.reissuing = account.id;
    this.reissueError = null;
    try {
      const invitation = await api.adminReissueInvitation(account.id);
      this.token++;
      this.accounts = this.accounts.map((a) =>
        a.id === account.id ? { ...a, invitation_pending: true, invited_until: invitation.expires_at } : a,
      );
      this.lastChange = null;
      this.issued = { id: account.id, name: account.name, email: account.email, invitation };
    } catch (e) {
      this.reissueError = { id: account.id, error: toApiError(e) };
    } finally {
      this.reissuing = null;
    }
  }

  /** Changes an agent; null when saved, else the server's refusal to show in the row. */
  async update(id: string, update: AgentUpdate): Promise<ApiError | null> {
    try {
      const changed = await api.adminUpdateAgent(id, update);
      this.token++;
      this.accounts = this.accounts.map((a) => (a.id === changed.id ? changed : a));
      this.lastChange = { kind: 'saved', id: changed.id, name: changed.name };
      void desk.loadAgents();
      return null;
    } catch (e) {
      return toApiError(e);
    }
  }
}

export type ChainState =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'checked'; check: AuditCheck }
  | { kind: 'error'; error: ApiError };

export type ExportState =
  | { kind: 'idle' }
  | { kind: 'saving'; format: AuditExportFormat }
  | { kind: 'saved'; path: string }
  | { kind: 'error'; error: ApiError };

export class AuditState {
  filters = $state<AuditFilters>({ ...NO_FILTERS });
  entries = $state.raw<readonly AuditRecord[]>([]);
  /** The next page's `before`; null on the last page. */
  nextBefore = $state<number | null>(null);
  status = $state<LoadStatus>('idle');
  loadingMore = $state(false);
  error = $state.raw<ApiError | null>(null);
  chain = $state.raw<ChainState>({ kind: 'idle' });
  exported = $state.raw<ExportState>({ kind: 'idle' });
  private token = 0;

  /** The first page under the current filters. */
  async load(): Promise<void> {
    const token = ++this.token;
    this.loadingMore = false;
    if (emptySpan(this.filters)) {
      this.entries = [];
      this.nextBefore = null;
      this.status = 'ready';
      this.error = null;
      return;
    }
    this.status = 'loading';
    try {
      const page = await api.auditLog(auditQuery(this.filters, desk.known.values(), null, AUDIT_PAGE));
      if (token !== this.token) return;
      this.entries = page.entries;
      this.nextBefore = page.next_before;
      this.status = 'ready';
      this.error = null;
    } catch (e) {
      if (token !== this.token) return;
      this.entries = [];
      this.nextBefore = null;
      this.error = toApiError(e);
      this.status = 'error';
    }
  }

  /** The next page, after the rows shown. */
  async more(): Promise<void> {
    const before = this.nextBefore;
    if (before === null || this.loadingMore || this.status !== 'ready') return;
    const token = this.token;
    this.loadingMore = true;
    try {
      const page = await api.auditLog(auditQuery(this.filters, desk.known.values(), before, AUDIT_PAGE));
      if (token !== this.token) return;
      const seen = new Set(this.entries.map((e) => e.seq));
      this.entries = [...this.entries, ...page.entries.filter((e) => !seen.has(e.seq))];
      this.nextBefore = page.next_before;
      this.error = null;
    } catch (e) {
      if (token !== this.token) return;
      this.error = toApiError(e);
    } finally {
      if (token === this.token) this.loadingMore = false;
    }
  }

  setFilters(change: Partial<AuditFilters>): void {
    this.filters = { ...this.filters, ...change };
    this.exported = { kind: 'idle' };
    void this.load();
  }

  clearFilters(): void {
    this.setFilters({ ...NO_FILTERS });
  }

  async verify(): Promise<void> {
    if (this.chain.kind === 'checking') return;
    this.chain = { kind: 'checking' };
    try {
      this.chain = { kind: 'checked', check: await api.auditVerify() };
    } catch (e) {
      this.chain = { kind: 'error', error: toApiError(e) };
    }
  }

  /** Saves the rows the filters select (all of them, not the pages shown). */
  async exportAs(format: AuditExportFormat): Promise<void> {
    if (this.exported.kind === 'saving') return;
    this.exported = { kind: 'saving', format };
    try {
      const path = await api.auditExport(format, auditQuery(this.filters, desk.known.values(), null, null));
      this.exported = { kind: 'saved', path };
    } catch (e) {
      this.exported = { kind: 'error', error: toApiError(e) };
    }
  }
}

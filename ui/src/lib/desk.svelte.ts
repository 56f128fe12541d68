// The console's state and the only place that calls the API. Components read the
// runes here and call its methods; every answer from the shell lands through here.
//
// Stale answers are dropped by request tokens: switching views quickly or a burst of
// `session-changed` events must never show an older list over a newer one.
import { api, toApiError } from './api';
import type {
  Agent,
  ApiError,
  BulkOutcome,
  Group,
  IncidentView,
  Macro,
  MacroAction,
  OutboxEntry,
  OutboxState,
  SearchHit,
  SessionState,
  SlaCounts,
  SyncProgress,
  TicketDetail,
  TicketEdit,
  TicketSummary,
  ViewCounts,
} from './bindings';
import { filterTickets, isFirstSync, moveSelection, reconcileSelection } from './viewmodel';
import { clock } from './clock.svelte';
import { incidentOf, incidentQuery, isConsoleView, isInboxView, isSlaView, slaQuery, type ConsoleView } from './views';
import { selectRange, toggle } from './selection';

/** An empty edit, to spread the fields of one change over. */
export const NO_EDIT: TicketEdit = {
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

/** A request to the open ticket's composer; `n` tells one request from the next. */
export type ReplyInsert =
  | { kind: 'text'; ticketId: string; text: string; n: number }
  | { kind: 'macro'; ticketId: string; macroId: string; n: number };

/** What the console tells the agent after an action: localized by the component. */
export type Notice =
  | { kind: 'error'; action: ActionKind; error: ApiError }
  | { kind: 'bulk'; outcome: BulkOutcome }
  | { kind: 'done'; action: ActionKind };

export type ActionKind =
  | 'reply'
  | 'note'
  | 'edit'
  | 'bulk'
  | 'release'
  | 'edit_held'
  | 'retry'
  | 'discard'
  | 'resend'
  | 'search';

/** Most search results asked for (the store's cap is 200). */
export const SEARCH_LIMIT = 100;

/** Rows fetched per view. The list is virtual, so this bounds IPC size, not DOM size. */
export const LIST_LIMIT = 10_000;
/**
 * Rows asked for first when the list has nothing to show (start, a view switch): a few
 * screenfuls. More are asked for only as the list is scrolled near their end
 * ([`Desk.needRows`]), a filter is typed or the last row is asked for: 10,000 rows cost
 * ~0.4 s of IPC and JSON at 100k cached tickets (BENCHMARKS.md, console), and loading them
 * behind every first page held up the next view switch and ticket open on the store.
 */
export const FIRST_PAGE = 200;
/** Each further load asks for this many times the rows it has, up to `LIST_LIMIT`. */
const GROWTH = 10;
/** Rows short of the loaded end at which the list asks for more. */
const MORE_MARGIN = 60;
const VIEW_STORAGE_KEY = 'desk.view';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

function storedView(): ConsoleView {
  try {
    const v = localStorage.getItem(VIEW_STORAGE_KEY);
    return isConsoleView(v) ? v : 'open';
  } catch {
    return 'open';
  }
}

export class Desk {
  session = $state.raw<SessionState | null>(null);
  bootError = $state.raw<ApiError | null>(null);
  /** Set when the shell signed us out (expired or revoked), to explain the sign-in screen. */
  sessionEnded = $state(false);

  counts = $state.raw<ViewCounts | null>(null);
  view = $state<ConsoleView>(storedView());
  slaCounts = $state.raw<SlaCounts | null>(null);
  /** Unresolved incidents, each a view of its open tickets. */
  incidents = $state.raw<readonly IncidentView[]>([]);
  /** Everything queued: the outbox view, and which messages are not sent yet. */
  outbox = $state.raw<readonly OutboxEntry[]>([]);
  agents = $state.raw<readonly Agent[]>([]);
  /** The desk's groups (teams), read with the agents: a ticket's group is shown by name. */
  groups = $state.raw<readonly Group[]>([]);
  /** Every ticket row seen in a list or search this session, so the outbox can name the
   * tickets its entries are about (its own list holds no tickets). */
  known = $state.raw<ReadonlyMap<string, TicketSummary>>(new Map());
  /** Macros per reply language, loaded when first needed. */
  macros = $state.raw<Readonly<Record<string, readonly Macro[]>>>({});
  /** Tickets picked for a bulk action (x, shift-click), in the order picked. */
  checked = $state.raw<readonly string[]>([]);
  private anchor: string | null = null;
  notice = $state.raw<Notice | null>(null);
  /** Bumped by r / n so the composer focuses itself in that mode. */
  composeRequest = $state<{ mode: 'reply' | 'note'; n: number }>({ mode: 'reply', n: 0 });
  /** Bumped by a so the assignee picker takes focus. */
  assignRequest = $state(0);
  /** Bumped by h so the customer's earlier tickets take focus. */
  historyRequest = $state(0);
  /** Bumped by s so the suggested articles and macros take focus. */
  suggestionsRequest = $state(0);
  /** Something to put into the open ticket's reply, for its composer to take (and focus
   * itself): text at the cursor, or a macro the way its picker inserts one. */
  replyInsert = $state.raw<ReplyInsert | null>(null);
  /** Bumped by / so the search box takes focus. */
  searchRequest = $state(0);
  paletteOpen = $state(false);

  searchText = $state('');
  /** Results of the last search; null when no search is shown. */
  searchHits = $state.raw<readonly SearchHit[] | null>(null);
  searchStatus = $state<LoadStatus>('idle');
  private searchToken = 0;
  tickets = $state.raw<readonly TicketSummary[]>([]);
  listStatus = $state<LoadStatus>('idle');
  /** False while the list holds only the first rows of its view (more on demand). */
  listComplete = $state(true);
  /** The rows the list asks for: `FIRST_PAGE`, grown by `needRows`. */
  private listLimit = FIRST_PAGE;
  private growing = false;
  listError = $state.raw<ApiError | null>(null);
  filter = $state('');
  selectedId = $state<string | null>(null);

  openId = $state<string | null>(null);
  detail = $state.raw<TicketDetail | null>(null);
  detailStatus = $state<LoadStatus>('idle');
  detailError = $state.raw<ApiError | null>(null);

  syncing = $state(false);
  /** The latest step of a sync or of search indexing, from `sync-progress` events. */
  progress = $state.raw<SyncProgress | null>(null);
  /** The cache is being filled from empty: the console shows the progress screen. */
  readonly firstSync = $derived(isFirstSync(this.session, this.progress));
  /** Bumped on every keyboard move, so the list scrolls the selection into view even
   * when the selected id did not change (e.g. Home while already on the first row). */
  revealRequest = $state(0);

  readonly visible = $derived(filterTickets(this.tickets, this.filter));
  readonly selectedIndex = $derived(
    this.selectedId === null ? -1 : this.visible.findIndex((t) => t.id === this.selectedId),
  );
  readonly truncated = $derived(this.tickets.length >= LIST_LIMIT);
  /** Reply and note ids still in the outbox, by state: the conversation marks them. */
  readonly unsent = $derived(unsentMessages(this.outbox));
  readonly checkedSet = $derived(new Set(this.checked));

  private listToken = 0;
  private detailToken = 0;
  private countsToken = 0;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  /** The sync the agents and macros were last read after: a sync may have brought an
   * agent an admin added, or a macro a supervisor wrote on another console. */
  private catalogSync: number | null = null;
  private unlisten: (() => void) | null = null;

  async init(): Promise<void> {
    this.bootError = null;
    try {
      // Listen first so no change slips between reading the state and subscribing.
      if (!this.unlisten) {
        const session = await api.onSessionChanged((s) => this.applySession(s));
        const progress = await api.onSyncProgress((p) => this.applyProgress(p));
        this.unlisten = () => {
          session();
          progress();
        };
      }
      this.applySession(await api.sessionState());
      const progress = await api.syncProgress();
      if (progress && !this.progress) this.applyProgress(progress);
    } catch (e) {
      this.bootError = toApiError(e);
    }
  }

  /** The shell's OS notifications speak the UI's language; best-effort. */
  tellLanguage(locale: string): void {
    api.setUiLanguage(locale).catch(() => {});
  }

  destroy(): void {
    this.unlisten?.();
    this.unlisten = null;
  }

  /** Every new SessionState (from a command or the event) goes through here. */
  applySession(state: SessionState): void {
    // A command's answer can arrive after a newer event: never step back to an older state.
    if (this.session && state.revision < this.session.revision) return;
    const wasSignedIn = this.session?.signed_in ?? false;
    this.session = state;
    clock.tick();
    if (state.signed_in) {
      this.sessionEnded = false;
      void this.refresh();
    } else {
      if (wasSignedIn) {
        const code = state.last_error?.code;
        this.sessionEnded = code === 'session_expired' || code === 'unauthorized' || code === 'forbidden';
      }
      this.resetConsole();
    }
  }

  applyProgress(progress: SyncProgress): void {
    const wasFirstSync = this.firstSync;
    this.progress = progress;
    // The inbox became usable: show it now rather than at the next session event.
    if (wasFirstSync && !this.firstSync && this.session?.signed_in) void this.refresh();
  }

  private resetConsole(): void {
    this.listToken++;
    this.detailToken++;
    this.countsToken++;
    this.counts = null;
    this.tickets = [];
    this.listStatus = 'idle';
    this.selectedId = null;
    this.openId = null;
    this.detail = null;
    this.detailStatus = 'idle';
    this.filter = '';
    this.progress = null;
    this.outbox = [];
    this.agents = [];
    this.groups = [];
    this.catalogSync = null;
    this.known = new Map();
    this.macros = {};
    this.checked = [];
    this.anchor = null;
    this.notice = null;
    this.searchHits = null;
    this.searchText = '';
    this.slaCounts = null;
    this.incidents = [];
  }

  /** Counts, list and open ticket, coalescing bursts of events into one extra round. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const work: Promise<void>[] = [this.loadCounts(), this.loadList(), this.loadOutbox()];
        const synced = this.session?.last_synced_at ?? null;
        if (this.agents.length === 0 || synced !== this.catalogSync) {
          this.catalogSync = synced;
          work.push(this.loadAgents());
          for (const language of Object.keys(this.macros)) work.push(this.loadMacros(language, { again: true }));
        }
        if (this.openId !== null) work.push(this.loadDetail(this.openId, { quiet: true }));
        await Promise.all(work);
      } while (this.refreshAgain && this.session?.signed_in);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private remember(rows: readonly TicketSummary[]): void {
    if (rows.length === 0) return;
    const next = new Map(this.known);
    for (const r of rows) next.set(r.id, r);
    this.known = next;
  }

  async loadCounts(): Promise<void> {
    const token = ++this.countsToken;
    // Each is a hint on its own: one failing must not blank the other.
    const [counts, sla, incidents] = await Promise.allSettled([api.viewCounts(), api.slaCounts(), api.incidents()]);
    if (token !== this.countsToken) return;
    if (counts.status === 'fulfilled') this.counts = counts.value;
    if (sla.status === 'fulfilled') this.slaCounts = sla.value;
    if (incidents.status === 'fulfilled') this.incidents = incidents.value;
  }

  private outboxToken = 0;

  async loadOutbox(): Promise<void> {
    const token = ++this.outboxToken;
    try {
      const entries = await api.outbox();
      if (token === this.outboxToken) this.outbox = entries;
    } catch {
      // The top bar's counts come with the session; the list is a detail.
    }
  }

  async loadAgents(): Promise<void> {
    const [agents, groups] = await Promise.allSettled([api.agents(), api.groups()]);
    // The picker offers "me" and "nobody" without the list.
    if (agents.status === 'fulfilled') this.agents = agents.value;
    // Without them, groups are shown by their ids.
    if (groups.status === 'fulfilled') this.groups = groups.value;
  }

  /** The macros for `language`, read once, or `again` after a sync that may have changed
   * them (the list shown meanwhile stays). */
  async loadMacros(language: string, { again = false }: { again?: boolean } = {}): Promise<void> {
    if (this.macros[language] && !again) return;
    try {
      const list = await api.macros(language);
      this.macros = { ...this.macros, [language]: list };
    } catch {
      // No macros offered; typing still works.
    }
  }

  async loadList(): Promise<void> {
    const token = ++this.listToken;
    const view = this.view;
    // Keep showing the rows we have during a background refresh (as many as are shown);
    // spin only when empty, and then ask for a first page.
    const empty = this.tickets.length === 0;
    if (empty) {
      this.listStatus = 'loading';
      this.listLimit = FIRST_PAGE;
    }
    const limit = this.listLimit;
    const previousIndex = Math.max(0, this.selectedIndex);
    try {
      const tickets = await this.fetchView(view, limit);
      if (token !== this.listToken) return;
      this.showList(tickets, tickets.length < limit || limit >= LIST_LIMIT, previousIndex);
    } catch (e) {
      if (token !== this.listToken) return;
      this.listError = toApiError(e);
      this.listStatus = 'error';
    }
  }

  /** The list draws up to row `end`: near the end of what is loaded, load more. */
  needRows(end: number): void {
    if (this.listComplete || this.growing || this.listStatus !== 'ready') return;
    if (end < this.tickets.length - MORE_MARGIN) return;
    void this.grow(Math.min(LIST_LIMIT, this.listLimit * GROWTH));
  }

  /** Loads the view's rows up to `limit` (the whole view: `LIST_LIMIT`). */
  private async grow(limit: number): Promise<void> {
    if (this.listComplete || limit <= this.listLimit) return;
    this.growing = true;
    this.listLimit = limit;
    try {
      await this.loadList();
    } finally {
      this.growing = false;
    }
  }

  private async fetchView(view: ConsoleView, limit: number): Promise<TicketSummary[]> {
    const incident = incidentOf(view);
    if (isInboxView(view)) return await api.listTickets(view, limit);
    if (isSlaView(view)) return (await api.queryTickets(slaQuery(view, limit))).rows;
    if (incident !== null) return (await api.queryTickets(incidentQuery(incident, limit))).rows;
    return []; // The outbox view lists entries, not tickets.
  }

  private showList(tickets: TicketSummary[], complete: boolean, previousIndex: number): void {
    this.remember(tickets);
    this.tickets = tickets;
    this.listStatus = 'ready';
    this.listComplete = complete;
    this.listError = null;
    this.selectedId = reconcileSelection(this.visible, this.selectedId, previousIndex);
  }

  async loadDetail(id: string, { quiet = false } = {}): Promise<void> {
    const token = ++this.detailToken;
    if (!quiet || this.detail?.ticket.id !== id) {
      this.detailStatus = 'loading';
      this.detailError = null;
    }
    try {
      const detail = await api.getTicket(id);
      if (token !== this.detailToken) return;
      this.detail = detail;
      this.detailStatus = 'ready';
      this.detailError = null;
    } catch (e) {
      if (token !== this.detailToken) return;
      this.detail = null;
      this.detailError = toApiError(e);
      this.detailStatus = 'error';
    }
  }

  setView(view: ConsoleView): void {
    if (view === this.view && this.listStatus !== 'error') return;
    this.view = view;
    try {
      localStorage.setItem(VIEW_STORAGE_KEY, view);
    } catch {
      // Not remembered; still switched.
    }
    this.tickets = [];
    this.selectedId = null;
    this.searchHits = null;
    void this.loadList();
    void this.loadCounts();
    if (view === 'outbox') void this.loadOutbox();
  }

  setFilter(query: string): void {
    this.filter = query;
    this.selectedId = reconcileSelection(this.visible, this.selectedId, 0);
    // A filter narrows the whole view, not its first rows.
    if (query.trim() !== '' && !this.listComplete) {
      void this.grow(LIST_LIMIT).then(() => {
        this.selectedId = reconcileSelection(this.visible, this.selectedId, 0);
      });
    }
  }

  select(id: string | null): void {
    this.selectedId = id;
  }

  move(delta: number): void {
    this.selectedId = moveSelection(this.visible, this.selectedId, delta);
    this.revealRequest++;
  }

  selectEdge(edge: 'first' | 'last'): void {
    if (edge === 'last' && !this.listComplete) {
      // The last row of the view, not of its first page.
      void this.grow(LIST_LIMIT).then(() => {
        if (this.listComplete) this.selectEdge('last');
      });
      return;
    }
    const list = this.visible;
    this.selectedId = (edge === 'first' ? list[0] : list[list.length - 1])?.id ?? null;
    this.revealRequest++;
  }

  open(id: string | null = this.selectedId): void {
    if (id === null) return;
    this.selectedId = id;
    this.openId = id;
    void this.loadDetail(id);
  }

  // ---- agent actions. Each calls one command, then re-reads what it changed; the shell
  // also sends `session-changed` (outbox counts), which refreshes the rest.

  private async act<T>(action: ActionKind, run: () => Promise<T>): Promise<T | null> {
    try {
      const result = await run();
      this.notice = null;
      return result;
    } catch (e) {
      this.notice = { kind: 'error', action, error: toApiError(e) };
      return null;
    }
  }

  private async afterAction(ticketId: string | null): Promise<void> {
    const work: Promise<void>[] = [this.loadOutbox(), this.loadList(), this.loadCounts()];
    if (ticketId !== null && ticketId === this.openId) work.push(this.loadDetail(ticketId, { quiet: true }));
    await Promise.all(work);
  }

  /** A public reply or (internal) a note; true when queued. */
  async reply(ticketId: string, body: string, internal: boolean): Promise<boolean> {
    const done = await this.act(internal ? 'note' : 'reply', () => api.reply(ticketId, body, internal));
    if (done === null) return false;
    await this.afterAction(ticketId);
    return true;
  }

  /** A public reply carrying `files`, read now and queued with it (checked in Rust
   * against the same limits the composer applies); true when queued. */
  async replyWithFiles(ticketId: string, body: string, files: readonly File[]): Promise<boolean> {
    const done = await this.act('reply', async () => {
      const read = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      return api.replyWithFiles(ticketId, body, read);
    });
    if (done === null) return false;
    await this.afterAction(ticketId);
    return true;
  }

  /** A reply (or `internal`, a note), its files and the actions of the macros inserted
   * into it, queued together: all of it, or at a refusal nothing (shown as a notice, and
   * the composer keeps its draft); true when queued. */
  async replyAndEdit(
    ticketId: string,
    body: string,
    internal: boolean,
    actions: readonly MacroAction[],
    files: readonly File[],
  ): Promise<boolean> {
    const done = await this.act(internal ? 'note' : 'reply', async () => {
      const read = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      return api.replyAndEdit(ticketId, body, internal, actions, read);
    });
    if (done === null) return false;
    await this.afterAction(ticketId);
    return true;
  }

  async edit(ticketId: string, change: Partial<TicketEdit>): Promise<boolean> {
    const done = await this.act('edit', () => api.editTicket(ticketId, { ...NO_EDIT, ...change }));
    // Fields before a refused one may have applied: re-read either way.
    await this.afterAction(ticketId);
    return done !== null;
  }

  /** The bulk bar's action on every checked ticket; the selection stays for a next step. */
  async bulkEdit(change: Partial<TicketEdit>): Promise<BulkOutcome | null> {
    const ids = [...this.checked];
    if (ids.length === 0) return null;
    const outcome = await this.act('bulk', () => api.bulkEdit(ids, { ...NO_EDIT, ...change }));
    if (outcome) this.notice = { kind: 'bulk', outcome };
    await this.afterAction(this.openId);
    return outcome;
  }

  /** Retries a reply's failed delivery, to `recipient` (a corrected email address) when
   * given; true when queued. The conversation shows it queued at once. */
  async retryDelivery(ticketId: string, messageId: string, recipient: string | null): Promise<boolean> {
    const done = await this.act('resend', () => api.retryDelivery(ticketId, messageId, recipient));
    await this.afterAction(ticketId);
    return done !== null;
  }

  async releaseHeld(mutationId: string, ticketId: string): Promise<boolean> {
    const done = await this.act('release', () => api.releaseHeld(mutationId));
    await this.afterAction(ticketId);
    return done !== null;
  }

  async editHeld(mutationId: string, ticketId: string, body: string): Promise<boolean> {
    const done = await this.act('edit_held', () => api.editHeld(mutationId, body));
    await this.afterAction(ticketId);
    return done !== null;
  }

  /** Sends a rejected action again (queued as a new one, shown again at once); true when
   * queued. The rules may refuse it now, with their reason in the notice. */
  async retryRejected(mutationId: string, ticketId: string): Promise<boolean> {
    const done = await this.act('retry', () => api.retryRejected(mutationId));
    await this.afterAction(ticketId);
    return done !== null;
  }

  async discardHeld(mutationId: string, ticketId: string): Promise<boolean> {
    const done = await this.act('discard', async () => {
      await api.discardHeld(mutationId);
      return true;
    });
    await this.afterAction(ticketId);
    return done !== null;
  }

  dismissNotice(): void {
    this.notice = null;
  }

  // ---- search

  async search(text: string): Promise<void> {
    this.searchText = text;
    const token = ++this.searchToken;
    if (text.trim() === '') {
      this.clearSearch();
      return;
    }
    this.searchStatus = 'loading';
    try {
      const hits = await api.search({
        text,
        filters: { statuses: [], priorities: [], categories: [], assignee_id: null, customer_id: null, open_only: false },
        limit: SEARCH_LIMIT,
      });
      if (token !== this.searchToken) return;
      this.remember(hits.map((h) => h.ticket));
      this.searchHits = hits;
      this.searchStatus = 'ready';
    } catch (e) {
      if (token !== this.searchToken) return;
      this.searchHits = [];
      this.searchStatus = 'error';
      this.notice = { kind: 'error', action: 'search', error: toApiError(e) };
    }
  }

  clearSearch(): void {
    this.searchToken++;
    this.searchText = '';
    this.searchHits = null;
    this.searchStatus = 'idle';
  }

  // ---- multi-select

  toggleChecked(id: string | null = this.selectedId): void {
    if (id === null) return;
    this.checked = toggle(this.checked, id);
    this.anchor = id;
  }

  /** Shift-click: everything from the last toggled row to this one. */
  checkRange(id: string): void {
    this.checked = selectRange(
      this.checked,
      this.visible.map((t) => t.id),
      this.anchor,
      id,
    );
    this.anchor = id;
  }

  clearChecked(): void {
    this.checked = [];
    this.anchor = null;
  }

  requestCompose(mode: 'reply' | 'note'): void {
    this.composeRequest = { mode, n: this.composeRequest.n + 1 };
  }

  /** Puts `text` into the reply (or note) of ticket `ticketId`: at the cursor, else after
   * a blank line. Plain text; nothing is parsed. */
  insertIntoReply(ticketId: string, text: string): void {
    this.replyInsert = { kind: 'text', ticketId, text, n: (this.replyInsert?.n ?? 0) + 1 };
  }

  /** Inserts macro `macroId` into ticket `ticketId`'s reply as the composer's macro picker
   * does: its body for the reply language, variables filled, actions pending. */
  insertMacroIntoReply(ticketId: string, macroId: string): void {
    this.replyInsert = { kind: 'macro', ticketId, macroId, n: (this.replyInsert?.n ?? 0) + 1 };
  }

  async signIn(serverUrl: string, email: string, password: string): Promise<void> {
    // Errors propagate as ApiError for the form to show by code.
    try {
      this.applySession(await api.signIn(serverUrl, email, password));
    } catch (e) {
      throw toApiError(e);
    }
  }

  /** Accepts an invitation: the agent's chosen password is set and they are signed in. */
  async acceptInvitation(serverUrl: string, email: string, code: string, password: string): Promise<void> {
    try {
      this.applySession(await api.acceptInvitation(serverUrl, email, code, password));
    } catch (e) {
      throw toApiError(e);
    }
  }

  async signOut(): Promise<void> {
    try {
      this.applySession(await api.signOut());
    } catch (e) {
      // Signing out locally must not get stuck on a failing shell call.
      console.error('sign_out failed', toApiError(e).code);
    }
    this.sessionEnded = false;
  }

  async syncNow(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      this.applySession(await api.syncNow());
    } catch (e) {
      console.error('sync_now failed', toApiError(e).code);
    } finally {
      this.syncing = false;
    }
  }
}

export const desk = new Desk();

/** Message ids of replies and notes still in the outbox, with their state. */
export function unsentMessages(entries: readonly OutboxEntry[]): ReadonlyMap<string, OutboxState> {
  const map = new Map<string, OutboxState>();
  for (const e of entries) {
    const op = e.mutation.op;
    if (op.type === 'reply' || op.type === 'note') map.set(op.message_id, e.state);
  }
  return map;
}

// The console's state and the only place that calls the API. Components read the
// runes here and call its methods; every answer from the shell lands through here.
//
// Stale answers are dropped by request tokens: switching views quickly or a burst of
// `session-changed` events must never show an older list over a newer one.
import { api, toApiError } from './api';
import type {
  ApiError,
  InboxView,
  SessionState,
  SyncProgress,
  TicketDetail,
  TicketSummary,
  ViewCounts,
} from './bindings';
import { INBOX_VIEWS } from './enums';
import { filterTickets, isFirstSync, moveSelection, reconcileSelection } from './viewmodel';
import { clock } from './clock.svelte';

/** Rows fetched per view. The list is virtual, so this bounds IPC size, not DOM size. */
export const LIST_LIMIT = 10_000;
const VIEW_STORAGE_KEY = 'desk.view';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

function storedView(): InboxView {
  try {
    const v = localStorage.getItem(VIEW_STORAGE_KEY);
    return (INBOX_VIEWS as readonly string[]).includes(v ?? '') ? (v as InboxView) : 'open';
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
  view = $state<InboxView>(storedView());
  tickets = $state.raw<readonly TicketSummary[]>([]);
  listStatus = $state<LoadStatus>('idle');
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

  private listToken = 0;
  private detailToken = 0;
  private countsToken = 0;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
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
        const work: Promise<void>[] = [this.loadCounts(), this.loadList()];
        if (this.openId !== null) work.push(this.loadDetail(this.openId, { quiet: true }));
        await Promise.all(work);
      } while (this.refreshAgain && this.session?.signed_in);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  async loadCounts(): Promise<void> {
    const token = ++this.countsToken;
    try {
      const counts = await api.viewCounts();
      if (token === this.countsToken) this.counts = counts;
    } catch {
      // Counts are a hint; the list shows its own error.
    }
  }

  async loadList(): Promise<void> {
    const token = ++this.listToken;
    const view = this.view;
    // Keep showing the rows we have during a background refresh; spin only when empty.
    if (this.tickets.length === 0) this.listStatus = 'loading';
    const previousIndex = Math.max(0, this.selectedIndex);
    try {
      const tickets = await api.listTickets(view, LIST_LIMIT);
      if (token !== this.listToken) return;
      this.tickets = tickets;
      this.listStatus = 'ready';
      this.listError = null;
      this.selectedId = reconcileSelection(this.visible, this.selectedId, previousIndex);
    } catch (e) {
      if (token !== this.listToken) return;
      this.listError = toApiError(e);
      this.listStatus = 'error';
    }
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

  setView(view: InboxView): void {
    if (view === this.view && this.listStatus !== 'error') return;
    this.view = view;
    try {
      localStorage.setItem(VIEW_STORAGE_KEY, view);
    } catch {
      // Not remembered; still switched.
    }
    this.tickets = [];
    this.selectedId = null;
    void this.loadList();
    void this.loadCounts();
  }

  setFilter(query: string): void {
    this.filter = query;
    this.selectedId = reconcileSelection(this.visible, this.selectedId, 0);
  }

  select(id: string | null): void {
    this.selectedId = id;
  }

  move(delta: number): void {
    this.selectedId = moveSelection(this.visible, this.selectedId, delta);
    this.revealRequest++;
  }

  selectEdge(edge: 'first' | 'last'): void {
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

  async signIn(serverUrl: string, email: string, password: string): Promise<void> {
    // Errors propagate as ApiError for the form to show by code.
    try {
      this.applySession(await api.signIn(serverUrl, email, password));
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

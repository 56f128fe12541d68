// Presence on the open ticket (DESIGN.md §8 "X is replying"): this console announces what
// its agent is doing there and shows who else is. Best-effort and online only: the shell
// answers nobody when the server is away, and nothing is queued.
//
// Polled rather than pushed: the announcement's answer is who is on the ticket, so one
// call every few seconds both keeps this agent present (the server forgets an entry 45 s
// after its last announcement) and refreshes the list. Beside desk.svelte.ts, it calls
// the shell only through api.ts.
import { api } from './api';
import type { PresenceEntry, PresenceState } from './bindings';
import { desk } from './desk.svelte';

/** How often the open ticket's presence is re-announced and re-read. */
export const PRESENCE_POLL_MS = 5_000;

/** What the composer says about its agent: replying while it has focus or a draft. */
export function composerPresence(focused: boolean, body: string): PresenceState {
  return focused || body.trim() !== '' ? 'replying' : 'viewing';
}

export interface PresenceDeps {
  announce: (ticketId: string, state: PresenceState | null) => Promise<PresenceEntry[]>;
  /** Whether to try at all: offline, calls would only wait for a timeout. */
  online: () => boolean;
}

export class Presence {
  /** The other agents on the open ticket, as last answered. */
  others = $state.raw<readonly PresenceEntry[]>([]);
  private ticketId: string | null = null;
  private state: PresenceState = 'viewing';
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Drops answers that arrive after the agent moved on. */
  private token = 0;

  constructor(private deps: PresenceDeps) {}

  /** The agent opened `ticketId`, or closed the ticket (`null`). Announcing another
   *  ticket replaces the last one on the server, so only closing sends a leave. */
  open(ticketId: string | null): void {
    if (ticketId === this.ticketId) return;
    const left = this.ticketId;
    this.ticketId = ticketId;
    this.others = [];
    this.token++;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (ticketId === null) {
      if (left !== null && this.deps.online()) this.deps.announce(left, null).catch(() => {});
      return;
    }
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), PRESENCE_POLL_MS);
  }

  /** What the agent does on the open ticket; a change is announced at once. */
  set(state: PresenceState): void {
    if (state === this.state) return;
    this.state = state;
    if (this.ticketId !== null) void this.refresh();
  }

  async refresh(): Promise<void> {
    const id = this.ticketId;
    if (id === null) return;
    if (!this.deps.online()) {
      this.others = [];
      return;
    }
    const token = ++this.token;
    try {
      const others = await this.deps.announce(id, this.state);
      if (token === this.token) this.others = others;
    } catch {
      // Best-effort: a colleague's "is viewing" is not worth an error on screen.
    }
  }
}

export const presence = new Presence({
  announce: api.announcePresence,
  online: () => desk.session?.signed_in === true && desk.session.connectivity !== 'offline',
});

// Installs the fake shell behind Tauri's own IPC mock, before the app loads. Built as
// an IIFE (dist-test/mock-ipc.js) that browser tests inject with page.addInitScript;
// main.ts imports it under `vite dev` when no desktop shell is around.
//
// Tests steer it through `window.__deskMock` and configure it beforehand through
// `window.__DESK_MOCK_CONFIG__`.
import { mockIPC } from '@tauri-apps/api/mocks';
import type { ErrorCode, SessionState, SyncProgress } from '../../src/lib/bindings';
import { FakeShell, type FakeShellConfig } from './fake-shell';

declare global {
  interface Window {
    __DESK_MOCK_CONFIG__?: FakeShellConfig;
    __deskMock?: DeskMock;
  }
}

export interface DeskMock {
  shell: FakeShell;
  /** Merge into the session state and fire `session-changed`, as the Rust side does. */
  emitSession(patch?: Partial<SessionState>): Promise<void>;
  /** A sync step: remembered for `sync_progress`, then fired as `sync-progress`. */
  emitProgress(progress: SyncProgress): Promise<void>;
  /** A background sync pulled a new ticket: store it, then fire `session-changed`. */
  receiveTicket(subject: string): Promise<string>;
  setServerDown(down: boolean): void;
  commands(): string[];
  /** The server held the oldest pending reply (someone answered meanwhile); fires `session-changed`. */
  holdReply(reason?: string): Promise<string | null>;
  /** The server refused the oldest pending action; fires `session-changed`. */
  rejectOldest(code: ErrorCode, reason: string): Promise<string | null>;
}

const ACTIONS = new Set(['reply', 'reply_with_files', 'reply_and_edit', 'edit_ticket', 'bulk_edit', 'retry_delivery', 'release_held', 'edit_held', 'retry_rejected', 'discard_held']);

const config = window.__DESK_MOCK_CONFIG__ ?? {};
const shell = new FakeShell(config);
const latency = config.latencyMs ?? 25;

mockIPC(
  async (cmd, args) => {
    await new Promise((r) => setTimeout(r, cmd === 'sign_in' ? latency * 4 : latency));
    // Hand out copies, as IPC serialization would: the UI must not share our objects.
    const answer = structuredClone(shell.handle(cmd, (args ?? {}) as Record<string, unknown> | Uint8Array));
    // As the Rust side does after an agent action: the chrome's outbox counts changed.
    if (ACTIONS.has(cmd)) setTimeout(() => void emit('session-changed', structuredClone(shell.state)), 0);
    return answer;
  },
  { shouldMockEvents: true },
);

async function emit(event: string, payload: unknown): Promise<void> {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: (cmd: string, args: unknown) => Promise<unknown> } })
    .__TAURI_INTERNALS__;
  await internals.invoke('plugin:event|emit', { event, payload });
}

window.__deskMock = {
  shell,
  async emitSession(patch = {}) {
    shell.state = { ...shell.state, ...patch };
    await emit('session-changed', structuredClone(shell.state));
  },
  async emitProgress(progress) {
    shell.progress = progress;
    await emit('sync-progress', structuredClone(progress));
  },
  async receiveTicket(subject) {
    const ticket = shell.receiveTicket(subject);
    await emit('session-changed', structuredClone(shell.state));
    return ticket.id;
  },
  setServerDown(down) {
    shell.serverDown = down;
  },
  commands() {
    return shell.calls.map((c) => c.cmd);
  },
  async holdReply(reason) {
    const id = shell.holdReply(reason);
    await emit('session-changed', structuredClone(shell.state));
    return id;
  },
  async rejectOldest(code, reason) {
    const id = shell.rejectOldest(code, reason);
    await emit('session-changed', structuredClone(shell.state));
    return id;
  },
};

// The only door to the desktop shell: typed wrappers over the Tauri commands. The UI
// never talks HTTP and never holds a credential; it asks the shell and renders answers.
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  Agent,
  AgentAccount,
  AgentUpdate,
  ApiError,
  AuditCheck,
  AuditPage,
  AuditQuery,
  BulkOutcome,
  CustomerHistory,
  ErrorCode,
  Group,
  GroupInput,
  InboxView,
  IncidentView,
  Invitation,
  KnowledgeSuggestions,
  Macro,
  MacroAction,
  Mutation,
  NewAgentRequest,
  NewAgentResponse,
  OutboxEntry,
  PresenceEntry,
  PresenceState,
  SearchHit,
  SearchQuery,
  SessionState,
  SlaCounts,
  SyncProgress,
  TicketDetail,
  TicketEdit,
  TicketPage,
  TicketQuery,
  TicketSummary,
  ViewCounts,
} from './bindings';
import { ERROR_CODES } from './enums';
import { frameReply, frameReplyAndEdit, type FrameFile } from './frame';

export const SESSION_CHANGED = 'session-changed';
export const SYNC_PROGRESS = 'sync-progress';

/** The file formats of an audit export: CSV for a spreadsheet, JSON lines for tools. */
export type AuditExportFormat = 'csv' | 'jsonl';

/** Every rejection becomes an `ApiError`, so callers can always branch on `code`. */
export function toApiError(error: unknown): ApiError {
  if (error && typeof error === 'object' && 'code' in error) {
    const { code, message } = error as { code: unknown; message?: unknown };
    if (typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code)) {
      return { code: code as ErrorCode, message: typeof message === 'string' ? message : '' };
    }
  }
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** One command, its rejection an `ApiError`. Exported for the feature folders' own
 * wrappers (features/knowledge/knowledge.ts), so every call still goes through here. */
export async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
  }
}

/** A raw IPC answer: an ArrayBuffer over the custom protocol, numbers over the fallback. */
function toBytes(answer: ArrayBuffer | ArrayBufferView | number[]): Uint8Array {
  if (answer instanceof ArrayBuffer) return new Uint8Array(answer);
  if (ArrayBuffer.isView(answer)) return new Uint8Array(answer.buffer, answer.byteOffset, answer.byteLength);
  return Uint8Array.from(answer);
}

export const api = {
  sessionState: () => call<SessionState>('session_state'),
  signIn: (serverUrl: string, email: string, password: string) =>
    call<SessionState>('sign_in', { serverUrl, email, password }),
  /** An invited agent chooses their password with the code an admin handed over, and is
   * signed in; a wrong, expired or used code is `invalid_invitation`. */
  acceptInvitation: (serverUrl: string, email: string, code: string, password: string) =>
    call<SessionState>('accept_invitation', { serverUrl, email, code, password }),
  signOut: () => call<SessionState>('sign_out'),
  syncNow: () => call<SessionState>('sync_now'),
  listTickets: (view: InboxView, limit: number) => call<TicketSummary[]>('list_tickets', { view, limit }),
  viewCounts: () => call<ViewCounts>('view_counts'),
  getTicket: (id: string) => call<TicketDetail>('get_ticket', { id }),
  /** A customer's cached tickets, newest first (at most `limit`), with their profile. */
  customerHistory: (customerId: string, limit: number) => call<CustomerHistory>('customer_history', { customerId, limit }),
  /** `presence` null: left the ticket. Answers the other agents on it; offline, nobody. */
  announcePresence: (ticketId: string, presence: PresenceState | null) =>
    call<PresenceEntry[]>('announce_presence', { ticketId, presence }),
  ticketPresence: (ticketId: string) => call<PresenceEntry[]>('ticket_presence', { ticketId }),
  setUiLanguage: (language: string) => call<null>('set_ui_language', { language }),
  syncProgress: () => call<SyncProgress | null>('sync_progress'),
  reply: (ticketId: string, body: string, internal: boolean) =>
    call<Mutation>('reply', { ticketId, body, internal }),
  /** A public reply carrying files: their bytes go raw (see lib/frame.ts), checked and
   * queued with the reply in Rust. */
  replyWithFiles: (ticketId: string, body: string, files: readonly FrameFile[]) =>
    call<Mutation>('reply_with_files', frameReply(ticketId, body, files)),
  /** A reply (or `internal`, a note), its files and the actions of the macros inserted into
   * it, queued together in Rust: all of it, or at the first refusal nothing. */
  replyAndEdit: (ticketId: string, body: string, internal: boolean, actions: readonly MacroAction[], files: readonly FrameFile[]) =>
    call<Mutation[]>('reply_and_edit', frameReplyAndEdit(ticketId, body, internal, actions, files)),
  /** A message's file: from the cache, else fetched (and cached); `offline` when neither. */
  attachmentBytes: async (ticketId: string, sha256: string): Promise<Uint8Array> =>
    toBytes(await call<ArrayBuffer | number[]>('attachment_bytes', { ticketId, sha256 })),
  /** Saves a message's file into the Downloads folder; answers where it went. */
  saveAttachment: (ticketId: string, sha256: string, fileName: string) =>
    call<string>('save_attachment', { ticketId, sha256, fileName }),
  editTicket: (ticketId: string, edit: TicketEdit) => call<Mutation[]>('edit_ticket', { ticketId, edit }),
  bulkEdit: (ticketIds: string[], edit: TicketEdit) => call<BulkOutcome>('bulk_edit', { ticketIds, edit }),
  /** Sends a reply whose delivery failed again; `recipient`: a corrected email address. */
  retryDelivery: (ticketId: string, messageId: string, recipient: string | null) =>
    call<Mutation>('retry_delivery', { ticketId, messageId, recipient }),
  outbox: () => call<OutboxEntry[]>('outbox'),
  releaseHeld: (mutationId: string) => call<Mutation>('release_held', { mutationId }),
  editHeld: (mutationId: string, body: string) => call<Mutation>('edit_held', { mutationId, body }),
  /** Queues a rejected action again, as a new mutation; the next sync sends it. */
  retryRejected: (mutationId: string) => call<Mutation>('retry_rejected', { mutationId }),
  discardHeld: (mutationId: string) => call<null>('discard_held', { mutationId }),
  search: (query: SearchQuery) => call<SearchHit[]>('search', { query }),
  /** KB articles and macros for the ticket, from the cache (offline too); `language` (the
   * console's) stands in for a ticket whose own is not known. */
  suggestKnowledge: (ticketId: string, language: string) =>
    call<KnowledgeSuggestions>('suggest_knowledge', { ticketId, language }),
  agents: () => call<Agent[]>('agents'),
  macros: (language: string | null) => call<Macro[]>('macros', { language }),
  queryTickets: (query: TicketQuery) => call<TicketPage>('query_tickets', { query }),
  slaCounts: () => call<SlaCounts>('sla_counts'),
  incidents: () => call<IncidentView[]>('incidents'),
  /** Opens a customer link in the system browser; only after the agent confirmed its target. */
  openLink: (url: string) => call<null>('open_link', { url }),
  // Administration: the server's answer now, never queued (offline is `offline`); who may
  // is the server's call (`forbidden`), the console offers each screen by capability.
  /** Every agent's account, disabled ones too (admins). */
  adminAgents: () => call<AgentAccount[]>('admin_agents'),
  /** Adds an agent with a first password to hand over, or with an invitation whose code
   * is in this answer only (admins). */
  adminAddAgent: (agent: NewAgentRequest) => call<NewAgentResponse>('admin_add_agent', { agent }),
  /** A new invitation for an agent who has not accepted theirs; the old code stops working
   * (admins). */
  adminReissueInvitation: (agentId: string) => call<Invitation>('admin_reissue_invitation', { agentId }),
  /** Changes an agent; fields left out stay as they are (admins). The last admin cannot be
   * demoted or disabled, nor anyone disable themselves: `conflict`, with the reason. */
  adminUpdateAgent: (agentId: string, update: AgentUpdate) =>
    call<AgentAccount>('admin_update_agent', { agentId, update }),
  /** A page of the audit log, newest first; `next_before` asks for the next (supervisors). */
  auditLog: (query: AuditQuery) => call<AuditPage>('audit_log', { query }),
  /** Whether the audit log's hash chain is intact, and where it breaks (supervisors). */
  auditVerify: () => call<AuditCheck>('audit_verify'),
  /** Saves the rows `query` selects into the Downloads folder; answers where (supervisors). */
  auditExport: (format: AuditExportFormat, query: AuditQuery) => call<string>('audit_export', { format, query }),
  /** Every cached group (team), by id: every console names tickets' groups with them.
   * Offline too. */
  groups: () => call<Group[]>('groups'),
  /** Creates or replaces a group (admins); answers it as the server stored it. */
  adminPutGroup: (groupId: string, input: GroupInput) => call<Group>('admin_put_group', { groupId, input }),
  /** Deletes a group (admins); `conflict` while enabled agents work in it or open tickets
   * are in it, the server's message saying how many. */
  adminDeleteGroup: (groupId: string) => call<null>('admin_delete_group', { groupId }),
  onSessionChanged: (handler: (state: SessionState) => void): Promise<UnlistenFn> =>
    listen<SessionState>(SESSION_CHANGED, (event) => handler(event.payload)),
  onSyncProgress: (handler: (progress: SyncProgress) => void): Promise<UnlistenFn> =>
    listen<SyncProgress>(SYNC_PROGRESS, (event) => handler(event.payload)),
};

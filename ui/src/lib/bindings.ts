// Generated from crates/desk-core by `DESK_UPDATE_BINDINGS=1 cargo test`. Do not edit.

export type ErrorCode = "bad_request" | "invalid_credentials" | "invalid_invitation" | "unauthorized" | "session_expired" | "device_revoked" | "forbidden" | "account_disabled" | "not_found" | "conflict" | "rate_limited" | "blocked" | "payload_too_large" | "rebootstrap_required" | "unavailable" | "offline" | "untrusted_server" | "not_signed_in" | "keyring" | "storage" | "internal";

export type ApiError = { code: ErrorCode, message: string, };

export type Role = "agent" | "supervisor" | "admin";

export type Capability = "delete_tickets" | "reassign_others" | "merge_tickets" | "manage_incidents" | "approve" | "manage_compensation" | "manage_macros" | "manage_knowledge" | "view_audit" | "manage_agents" | "manage_groups" | "manage_settings";

export type Capabilities = { role: Role, capabilities: Array<Capability>, };

export type AgentAccount = { disabled: boolean, created_at: number, 
/**
 * Added with an invitation that was not accepted yet: the agent has no password and
 * cannot sign in until they accept one (an admin may issue a fresh one).
 */
invitation_pending: boolean, 
/**
 * When the agent's current invitation stops working (past: expired); `null` when
 * there is none.
 */
invited_until: number | null, id: string, name: string, email: string, role: Role, 
/**
 * BCP 47 tags the agent answers in, e.g. `["zh-CN", "en"]`.
 */
languages: Array<string>, 
/**
 * The teams the agent works in (a ticket's `group`). An agent with none, like every
 * supervisor and admin, sees every ticket; one with groups sees their tickets and
 * ungrouped ones (DESIGN.md §4, scope). Absent on the wire before groups existed.
 */
groups: Array<string>, 
/**
 * The ticket categories the agent handles, for routing; none: no preference. Absent
 * on the wire before skills existed.
 */
skills: Array<Category>, 
/**
 * The most open tickets assigned to the agent at once (1–500); none (`null`): no limit.
 */
capacity: number | null, };

export type NewAgentRequest = { email: string, name: string, role: Role, languages: Array<string>, groups: Array<string>, 
/**
 * See [`Agent::skills`].
 */
skills: Array<Category>, 
/**
 * See [`Agent::capacity`]; absent: no limit.
 */
capacity?: number, 
/**
 * A first password; absent: an invitation instead.
 */
password?: string, };

export type Invitation = { 
/**
 * Groups of letters and digits (`7KQ2-M9XD-…`); case, spaces and hyphens do not
 * matter when it is typed back.
 */
code: string, expires_at: number, };

export type NewAgentResponse = { invitation: Invitation | null, disabled: boolean, created_at: number, 
/**
 * Added with an invitation that was not accepted yet: the agent has no password and
 * cannot sign in until they accept one (an admin may issue a fresh one).
 */
invitation_pending: boolean, 
/**
 * When the agent's current invitation stops working (past: expired); `null` when
 * there is none.
 */
invited_until: number | null, id: string, name: string, email: string, role: Role, 
/**
 * BCP 47 tags the agent answers in, e.g. `["zh-CN", "en"]`.
 */
languages: Array<string>, 
/**
 * The teams the agent works in (a ticket's `group`). An agent with none, like every
 * supervisor and admin, sees every ticket; one with groups sees their tickets and
 * ungrouped ones (DESIGN.md §4, scope). Absent on the wire before groups existed.
 */
groups: Array<string>, 
/**
 * The ticket categories the agent handles, for routing; none: no preference. Absent
 * on the wire before skills existed.
 */
skills: Array<Category>, 
/**
 * The most open tickets assigned to the agent at once (1–500); none (`null`): no limit.
 */
capacity: number | null, };

export type AgentUpdate = { name?: string, role?: Role, languages?: Array<string>, groups?: Array<string>, skills?: Array<Category>, 
/**
 * A number sets the limit, `null` removes it; absent leaves it as it is.
 */
capacity?: number | null, 
/**
 * Disabling signs the agent out everywhere at once.
 */
disabled?: boolean, 
/**
 * A new password (its owner forgot theirs); their devices stay signed in.
 */
password?: string, };

export type AuditQuery = { 
/**
 * Who acted: `agent:<id>`, `operator:<name>`, `ingest:<key>` or `system`.
 */
actor?: string, 
/**
 * What it was about: `ticket:<id>`, `agent:<id>`, `mailbox:<address>`, ….
 */
subject?: string, 
/**
 * An action (`push.applied`), or a family ending in a dot (`agent.`).
 */
action?: string, 
/**
 * At or after (milliseconds since the epoch).
 */
since?: number, 
/**
 * Before (milliseconds since the epoch).
 */
until?: number, 
/**
 * Rows before this seq: the `next_before` of the previous page.
 */
before?: number, 
/**
 * Rows per page: 1–1,000 (100 when absent); for an export, up to 100,000.
 */
limit?: number, };

export type AuditRecord = { seq: number, at: number, actor: string, action: string, subject: string, details: unknown, 
/**
 * The row's link in the hash chain.
 */
hash: string, };

export type AuditPage = { entries: Array<AuditRecord>, 
/**
 * The query's `before` for the next page; `null` on the last.
 */
next_before: number | null, };

export type AuditCheck = { intact: boolean, 
/**
 * Rows checked.
 */
rows: number, 
/**
 * The first row that does not check out, and why.
 */
broken_at: number | null, reason: string | null, };

export type Channel = "email" | "chat" | "telegram" | "wechat" | "web_form" | "phone";

export type TicketStatus = "new" | "open" | "pending_customer" | "on_hold" | "solved" | "closed";

export type Priority = "low" | "normal" | "high" | "urgent";

export type Category = "transaction_confirmation" | "funds_not_arrived" | "account_locked" | "security" | "technical" | "usage_help" | "account" | "complaint" | "large_transaction" | "dispute" | "other";

export type MessageKind = "public_reply" | "internal_note" | "system_event";

export type AuthorKind = "customer" | "agent" | "system";

export type TxDirection = "deposit" | "withdrawal" | "transfer";

export type TxStatus = "awaiting_customer_confirmation" | "pending_chain" | "confirmed" | "failed" | "frozen" | "reversed";

export type CustomerTier = "standard" | "vip" | "institutional";

export type Agent = { id: string, name: string, email: string, role: Role, 
/**
 * BCP 47 tags the agent answers in, e.g. `["zh-CN", "en"]`.
 */
languages: Array<string>, 
/**
 * The teams the agent works in (a ticket's `group`). An agent with none, like every
 * supervisor and admin, sees every ticket; one with groups sees their tickets and
 * ungrouped ones (DESIGN.md §4, scope). Absent on the wire before groups existed.
 */
groups: Array<string>, 
/**
 * The ticket categories the agent handles, for routing; none: no preference. Absent
 * on the wire before skills existed.
 */
skills: Array<Category>, 
/**
 * The most open tickets assigned to the agent at once (1–500); none (`null`): no limit.
 */
capacity: number | null, };

export type Customer = { id: string, 
/**
 * The wallet platform's own user id.
 */
platform_user_id: string, name: string, emails: Array<string>, phones: Array<string>, 
/**
 * Messenger handles such as `telegram:@alice`.
 */
handles: Array<string>, preferred_language: string, tier: CustomerTier, kyc_level: number, risk_flags: Array<string>, tags: Array<string>, notes: string, created_at: number, updated_at: number, };

export type WalletTransaction = { id: string, customer_id: string, 
/**
 * Asset symbol, e.g. `USDT`.
 */
asset: string, 
/**
 * Chain, e.g. `TRON`, `ETH`, `BTC`.
 */
chain: string, 
/**
 * Decimal amount as text: money never goes through a float.
 */
amount: string, direction: TxDirection, 
/**
 * Public; never redacted.
 */
tx_hash: string | null, status: TxStatus, confirmations: number, required_confirmations: number, created_at: number, updated_at: number, };

export type Ticket = { id: string, 
/**
 * Human number, assigned by the server; `None` until the server has seen the ticket.
 */
number: number | null, subject: string, customer_id: string, channel: Channel, status: TicketStatus, priority: Priority, category: Category, tags: Array<string>, assignee_id: string | null, group: string | null, 
/**
 * BCP 47 language of the conversation, e.g. `zh-CN`.
 */
language: string, first_response_due_at: number | null, resolution_due_at: number | null, linked_transaction_ids: Array<string>, incident_id: string | null, merged_into: string | null, 
/**
 * Customer satisfaction, 1–5, once given.
 */
csat: number | null, created_at: number, updated_at: number, last_message_at: number, 
/**
 * Set when the ticket was deleted (soft): it leaves every view and refuses edits.
 */
deleted_at: number | null, 
/**
 * When a customer first sent a wallet secret on this ticket (redacted before it was
 * stored, DESIGN.md §7): the flag stays however the ticket is edited.
 */
secret_exposed_at: number | null, };

export type Author = { kind: AuthorKind, 
/**
 * Agent or customer id; `None` for system events.
 */
id: string | null, name: string, };

export type Attachment = { 
/**
 * SHA-256 of the content, hex: attachments are content-addressed.
 */
sha256: string, file_name: string, content_type: string, size: number, };

export type Message = { id: string, ticket_id: string, kind: MessageKind, author: Author, 
/**
 * Plain text, after redaction.
 */
body_text: string, 
/**
 * Sanitized HTML, when the channel sent HTML.
 */
body_html: string | null, attachments: Array<Attachment>, created_at: number, 
/**
 * The earlier conversation an email quoted under its new text, as plain text after
 * redaction: kept for whoever expands it, folded away from the text shown.
 */
quoted?: string, };

export type DeliveryState = "queued" | "sending" | "sent" | "failed";

export type Delivery = { 
/**
 * The message's id.
 */
id: string, ticket_id: string, 
/**
 * The channel it leaves on: the conversation's, or email for a web form.
 */
channel: Channel, 
/**
 * Where it goes: an email address, or a chat bridge's conversation id. `None` when
 * the desk knows no way to reach the customer (the delivery is then `failed`).
 */
recipient: string | null, 
/**
 * For email, the mailbox it is sent from (`None`: the server's default mailbox).
 */
mailbox: string | null, state: DeliveryState, 
/**
 * Attempts made so far (a `sending` delivery counts its current one).
 */
attempts: number, 
/**
 * Why it failed, or why the last attempt did (while it waits to be retried).
 */
error: string | null, created_at: number, updated_at: number, sent_at: number | null, 
/**
 * A `queued` delivery is tried at this time (after a transient failure, the retry's;
 * `None`: at once); a `sending` one is given up by its worker at this time, and
 * another may send it again, with the same Message-ID (a server killed mid-send).
 */
next_attempt_at: number | null, };

export type MessageView = { 
/**
 * `None` for internal notes, system events and the customer's own messages, and for
 * a reply still in this console's outbox (the server queues its delivery).
 */
delivery: Delivery | null, id: string, ticket_id: string, kind: MessageKind, author: Author, 
/**
 * Plain text, after redaction.
 */
body_text: string, 
/**
 * Sanitized HTML, when the channel sent HTML.
 */
body_html: string | null, attachments: Array<Attachment>, created_at: number, 
/**
 * The earlier conversation an email quoted under its new text, as plain text after
 * redaction: kept for whoever expands it, folded away from the text shown.
 */
quoted?: string, };

export type MacroAction = { "type": "set_status", status: TicketStatus, } | { "type": "set_priority", priority: Priority, } | { "type": "set_category", category: Category, } | { "type": "add_tags", tags: Array<string>, } | { "type": "remove_tags", tags: Array<string>, };

export type Macro = { id: string, title: string, 
/**
 * Body per BCP 47 language tag (`zh-CN`, `en`), with `{{variable}}` placeholders.
 */
bodies: { [key in string]: string }, 
/**
 * The placeholders the bodies may use, e.g. `customer.name`, `ticket.number`.
 */
variables: Array<string>, actions: Array<MacroAction>, 
/**
 * Categories the macro is suggested for; empty means any.
 */
categories: Array<Category>, updated_at: number, 
/**
 * Set when a supervisor deleted it: consoles drop it (the server keeps the record, so
 * the deletion reaches every console through the feed like any edit).
 */
deleted_at?: number, };

export type KbTranslation = { title: string, 
/**
 * Markdown.
 */
body: string, };

export type KbStatus = "draft" | "published";

export type KbArticle = { id: string, 
/**
 * Per BCP 47 language tag.
 */
translations: { [key in string]: KbTranslation }, tags: Array<string>, categories: Array<Category>, updated_at: number, 
/**
 * A draft is the team's until it is published: never on the help center. Articles
 * from before drafts existed were all published.
 */
status: KbStatus, 
/**
 * Set when a supervisor deleted it: consoles drop it, the help center forgets it.
 */
deleted_at?: number, };

export type MacroInput = { title: string, 
/**
 * Body per language tag, with `{{variable}}` placeholders.
 */
bodies: { [key in string]: string }, actions: Array<MacroAction>, categories: Array<Category>, };

export type ArticleInput = { 
/**
 * Per language tag: a title and a Markdown body.
 */
translations: { [key in string]: KbTranslation }, tags: Array<string>, categories: Array<Category>, status: KbStatus, };

export type IncidentStatus = "investigating" | "identified" | "monitoring" | "resolved";

export type IncidentUpdate = { at: number, status: IncidentStatus, 
/**
 * Per BCP 47 language tag.
 */
bodies: { [key in string]: string }, 
/**
 * The time estimate customers are given, when there is one.
 */
estimated_resolution_at: number | null, };

export type Incident = { id: string, title: string, status: IncidentStatus, 
/**
 * What is affected, e.g. `TRON withdrawals`.
 */
affected: Array<string>, 
/**
 * Oldest first.
 */
updates: Array<IncidentUpdate>, started_at: number, resolved_at: number | null, };

export type SlaTarget = { priority: Priority | null, tier: CustomerTier | null, category: Category | null, 
/**
 * Business minutes to the first public reply.
 */
first_response_minutes: number, 
/**
 * Business minutes to solved.
 */
resolution_minutes: number, };

export type BusinessWindow = { 
/**
 * ISO weekday: 1 = Monday … 7 = Sunday.
 */
weekday: number, 
/**
 * Minutes after local midnight.
 */
start_minute: number, end_minute: number, };

export type BusinessHours = { 
/**
 * IANA zone, e.g. `Asia/Shanghai`.
 */
time_zone: string, 
/**
 * Empty means around the clock (crypto markets never close).
 */
windows: Array<BusinessWindow>, 
/**
 * Local dates (`YYYY-MM-DD`) on which the clock does not tick.
 */
holidays: Array<string>, };

export type SlaPolicy = { id: string, name: string, targets: Array<SlaTarget>, business_hours: BusinessHours, updated_at: number, };

export type Group = { 
/**
 * What tickets (`Ticket::group`) and agents (`Agent::groups`) carry.
 */
id: string, 
/**
 * Display name per BCP 47 language tag (`zh-CN`, `en`); at least one.
 */
names: { [key in string]: string }, 
/**
 * What the team handles, for the admins and agents choosing where a ticket goes.
 */
description?: string, updated_at: number, 
/**
 * Set when an admin deleted it: consoles drop it (the server keeps the record, so the
 * deletion reaches every console through the feed like any edit).
 */
deleted_at?: number, };

export type GroupInput = { 
/**
 * Display name per language tag; at least one.
 */
names: { [key in string]: string }, 
/**
 * Empty or absent: none.
 */
description?: string, };

export type VerificationMethod = "email_code" | "sms_code" | "security_questions" | "kyc_document" | "video_call";

export type VerificationOutcome = "passed" | "failed";

export type Verification = { id: string, customer_id: string, ticket_id: string | null, method: VerificationMethod, 
/**
 * Agent id.
 */
verified_by: string, at: number, outcome: VerificationOutcome, note: string, };

export type ApprovalKind = "freeze" | "unfreeze" | "unlock" | "compensation";

export type ApprovalState = "requested" | "approved" | "rejected" | "cancelled";

export type Approval = { id: string, kind: ApprovalKind, 
/**
 * What the action is on: a wallet transaction, a customer or a compensation id.
 */
subject_id: string, ticket_id: string | null, reason: string, 
/**
 * Agent ids.
 */
requested_by: string, approved_by: string | null, state: ApprovalState, requested_at: number, decided_at: number | null, };

export type CompensationKind = "fee_rebate" | "coupon";

export type Compensation = { id: string, ticket_id: string | null, customer_id: string, incident_id: string | null, kind: CompensationKind, 
/**
 * Decimal text, e.g. `12.50`: money never goes through a float.
 */
amount: string, 
/**
 * Asset symbol, e.g. `USDT`.
 */
asset: string, approval_id: string | null, 
/**
 * Agent id.
 */
created_by: string, created_at: number, };

export type LeftScope = { 
/**
 * `{ticket_id}/{group it left}`; `{ticket_id}/` when it left no group.
 */
id: string, ticket_id: string, };

export type Change = { "kind": "ticket", "record": Ticket } | { "kind": "message", "record": Message } | { "kind": "customer", "record": Customer } | { "kind": "wallet_transaction", "record": WalletTransaction } | { "kind": "agent", "record": Agent } | { "kind": "macro", "record": Macro } | { "kind": "kb_article", "record": KbArticle } | { "kind": "incident", "record": Incident } | { "kind": "sla_policy", "record": SlaPolicy } | { "kind": "group", "record": Group } | { "kind": "delivery", "record": Delivery } | { "kind": "left_scope", "record": LeftScope };

export type PullResponse = { schema_version: number, 
/**
 * Changes in commit order, after the request's cursor.
 */
changes: Array<Change>, 
/**
 * Where the next pull starts. Equal to the request's cursor when nothing changed.
 */
next_cursor: string, 
/**
 * More changes were committed before this page was read: pull again now.
 */
has_more: boolean, 
/**
 * Answers to mutations this device pushed, committed inside this page's range, so a
 * client that lost a push answer learns it from the next pull. Absent from servers
 * that predate push.
 */
acknowledged: Array<{ mutation_id: string, result: MutationResult, }>, 
/**
 * Changes committed after this page, in the server's view when it read the page;
 * present when the pull asked for it (`count=true`), so a bootstrap can show how far
 * it has come. An estimate for progress, never for correctness: `has_more` decides.
 */
remaining?: number | null, 
/**
 * Conversations this page left out messages of (a pull with `closed_before`): the
 * console marks them as kept on the server and fetches one whole when it is opened.
 * Absent from servers that never trim.
 */
trimmed?: Array<{ ticket_id: string, messages: number, }>, };

export type MutationOp = { "type": "reply", ticket_id: string, message_id: string, body_text: string, last_seen_message_id: string | null, 
/**
 * Files sent with the reply, uploaded before it is pushed (`POST /attachments`);
 * the server refuses a reply whose files it does not hold. Absent from replies
 * queued before attachments existed.
 */
attachments: Array<Attachment>, } | { "type": "note", ticket_id: string, message_id: string, body_text: string, } | { "type": "set_status", ticket_id: string, status: TicketStatus, } | { "type": "set_priority", ticket_id: string, priority: Priority, } | { "type": "set_category", ticket_id: string, category: Category, } | { "type": "set_group", ticket_id: string, group: string | null, } | { "type": "claim", ticket_id: string, } | { "type": "assign", ticket_id: string, assignee_id: string | null, } | { "type": "add_tags", ticket_id: string, tags: Array<string>, } | { "type": "remove_tags", ticket_id: string, tags: Array<string>, } | { "type": "delete_ticket", ticket_id: string, } | { "type": "create_ticket", ticket: Ticket, } | { "type": "retry_delivery", ticket_id: string, message_id: string, recipient: string | null, };

export type Mutation = { 
/**
 * UUIDv7 made by the client; the server's idempotency key.
 */
id: string, 
/**
 * Made once per local cache.
 */
client_id: string, 
/**
 * Per client, strictly increasing, never reused (not even after the outbox empties).
 */
seq: number, 
/**
 * The agent who acted. The server refuses a mutation whose agent is not the one
 * signed in on the pushing device, so queued work never changes hands on re-login.
 */
agent_id: string, 
/**
 * Client clock, for display only: order comes from `seq` and the server.
 */
created_at: number, op: MutationOp, };

export type MutationResult = { "outcome": "applied" } | { "outcome": "conflict", resolution: string, } | { "outcome": "rejected", code: ErrorCode, reason: string, } | { "outcome": "held", reason: string, };

export type OutboxState = "pending" | "held" | "rejected";

export type OutboxEntry = { mutation: Mutation, state: OutboxState, 
/**
 * The server's answer for held and rejected entries.
 */
result: MutationResult | null, };

export type InboxView = "open" | "mine" | "unassigned" | "awaiting_confirmation" | "all";

export type TicketSummary = { id: string, number: number | null, subject: string, customer_name: string, customer_tier: CustomerTier | null, channel: Channel, status: TicketStatus, priority: Priority, category: Category, language: string, tags: Array<string>, assignee_name: string | null, 
/**
 * The start of the latest message, for the list's second line.
 */
preview: string, last_message_at: number, 
/**
 * The earlier of the first-response and resolution due times while the SLA clock
 * runs (`TicketStatus::sla_running`); null when it does not: what the SLA views
 * count and the row's SLA badge shows.
 */
sla_due_at: number | null, };

export type TicketDetail = { ticket: Ticket, customer: Customer | null, assignee: Agent | null, 
/**
 * Oldest first.
 */
messages: Array<MessageView>, 
/**
 * The customer's wallet transactions, linked ones first, then newest first.
 */
transactions: Array<WalletTransaction>, 
/**
 * Earlier messages of this (long closed) ticket were evicted from the cache and are
 * on the server only: `messages` holds the latest. Opening it online fetches them.
 */
conversation_on_server: boolean, };

export type ViewCounts = { open: number, mine: number, unassigned: number, awaiting_confirmation: number, all: number, };

export type Connectivity = "online" | "offline" | "unknown";

export type OutboxCounts = { pending: number, held: number, rejected: number, };

export type SessionState = { 
/**
 * Grows with every change of this state within one run of the console. States can
 * reach the UI out of order (a command's answer after a later event); the UI keeps the
 * one with the highest revision.
 */
revision: number, signed_in: boolean, server_url: string | null, agent: Agent | null, 
/**
 * What the agent's role lets them do beyond a plain agent's (`crate::access`): the
 * console offers only these; the server refuses the rest anyway.
 */
capabilities: Array<Capability>, connectivity: Connectivity, 
/**
 * When the cache last caught up with the server.
 */
last_synced_at: number | null, 
/**
 * Why the last sync failed, when it did.
 */
last_error: ApiError | null, cached_tickets: number, 
/**
 * The signed-in agent's queued work by state, for the top bar ("3 pending").
 */
outbox: OutboxCounts, 
/**
 * The cache was replaced by an empty one (it could not be opened, or the server
 * revoked this device): the agent is told why, and signs in again.
 */
cache_reset: CacheReset | null, };

export type CacheReset = "key_missing" | "key_mismatch" | "device_revoked";

export type SyncPhase = "sending" | "receiving" | "preparing" | "indexing" | "done";

export type SyncProgress = { phase: SyncPhase, 
/**
 * This sync fills an empty cache (the first sync after sign-in, or a re-bootstrap):
 * the console shows a progress bar instead of the inbox until the phase is past
 * [`SyncPhase::Preparing`].
 */
bootstrap: boolean, done: number, total: number | null, };

export type SlaState = "at_risk" | "breached";

export type TicketSort = "last_activity" | "sla_due" | "created";

export type TicketFilter = { statuses: Array<TicketStatus>, priorities: Array<Priority>, categories: Array<Category>, tag: string | null, customer_id: string | null, incident_id: string | null, assignee_id: string | null, sla: SlaState | null, };

export type TicketQuery = { view: InboxView, filter: TicketFilter, sort: TicketSort, 
/**
 * The `next` of the previous page; `None` for the first page.
 */
after: string | null, limit: number, };

export type TicketPage = { rows: Array<TicketSummary>, 
/**
 * Opaque; pass as `after` for the next page. `None` on the last page.
 */
next: string | null, };

export type HistoryEntry = { ticket: TicketSummary, created_at: number, csat: number | null, };

export type CustomerHistory = { customer: Customer, 
/**
 * Newest first.
 */
tickets: Array<HistoryEntry>, open_tickets: number, 
/**
 * Mean CSAT over rated tickets, when any.
 */
average_csat: number | null, 
/**
 * Newest first.
 */
transactions: Array<WalletTransaction>, 
/**
 * How many of those wait on the customer to confirm.
 */
awaiting_confirmation: number, };

export type SlaCounts = { at_risk: number, breached: number, };

export type SearchFilters = { statuses: Array<TicketStatus>, priorities: Array<Priority>, categories: Array<Category>, assignee_id: string | null, customer_id: string | null, 
/**
 * Only tickets that are not solved or closed.
 */
open_only: boolean, };

export type SearchQuery = { text: string, filters: SearchFilters, 
/**
 * Most tickets to return, at most 200; 0 returns nothing.
 */
limit: number, };

export type MatchedIn = "subject" | "message" | "customer" | "transaction";

export type SearchHit = { ticket: TicketSummary, matched_in: MatchedIn, 
/**
 * Plain text around the match, each highlighted run wrapped in [`HIGHLIGHT_START`]
 * (U+E000) and [`HIGHLIGHT_END`] (U+E001). Render the pieces as text, never as HTML.
 * `…` marks a cut at either end.
 */
snippet: string, };

export type KnowledgeSuggestions = { 
/**
 * Published articles, best first.
 */
articles: Array<ArticleSuggestion>, 
/**
 * Macros with a body for the ticket's language, best first.
 */
macros: Array<MacroSuggestion>, };

export type ArticleSuggestion = { article_id: string, 
/**
 * The translation offered: the ticket's language when the article has it.
 */
language: string, title: string, 
/**
 * That translation's Markdown, for inserting the text into a reply.
 */
body: string, 
/**
 * The public help-center address of that translation, for inserting a link; `None`
 * when the console does not know its server.
 */
url?: string, 
/**
 * The ticket's words it was found by (case-folded), most telling first: why it is
 * suggested.
 */
matched: Array<string>, 
/**
 * Written for the ticket's category.
 */
same_category: boolean, };

export type MacroSuggestion = { macro_id: string, title: string, 
/**
 * The ticket's words its title or body share (case-folded).
 */
matched: Array<string>, 
/**
 * Written for the ticket's category.
 */
same_category: boolean, };

export type IncidentView = { incident: Incident, 
/**
 * Open tickets linked to it.
 */
open_tickets: number, };

export type TicketEdit = { status: TicketStatus | null, priority: Priority | null, category: Category | null, 
/**
 * Take the ticket for the signed-in agent if nobody has it.
 */
claim: boolean, 
/**
 * Assign to this agent (an explicit reassignment).
 */
assignee_id: string | null, 
/**
 * Leave the ticket with nobody; wins over `assignee_id` when both are set.
 */
unassign: boolean, 
/**
 * Hand the ticket to this team (which leaves it unassigned).
 */
group: string | null, 
/**
 * Hand the ticket to no team; wins over `group` when both are set.
 */
ungroup: boolean, add_tags: Array<string>, remove_tags: Array<string>, };

export type BulkFailure = { ticket_id: string, error: ApiError, };

export type BulkOutcome = { edited: number, failed: Array<BulkFailure>, };

export type PresenceState = "viewing" | "replying";

export type PresenceEntry = { agent_id: string, agent_name: string, state: PresenceState, };

export type TicketPresence = { ticket_id: string, agents: Array<PresenceEntry>, };


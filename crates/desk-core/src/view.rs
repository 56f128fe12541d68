//! What the console shows: the shapes the local cache returns and the Tauri commands pass
//! to the UI. They are read models, never sent to the server.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::*;

/// Named inbox views (DESIGN.md §8); the store answers each with an indexed query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum InboxView {
    /// Every ticket that is not solved or closed.
    Open,
    /// Open tickets assigned to the signed-in agent.
    Mine,
    /// Open tickets with no assignee.
    Unassigned,
    /// Open tickets whose linked transaction waits on the customer to confirm it.
    AwaitingConfirmation,
    /// Every cached ticket, solved and closed ones too.
    All,
}

/// One row of the inbox list: enough to triage without opening the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketSummary {
    pub id: String,
    #[ts(type = "number | null")]
    pub number: Option<i64>,
    pub subject: String,
    pub customer_name: String,
    pub customer_tier: Option<CustomerTier>,
    pub channel: Channel,
    pub status: TicketStatus,
    pub priority: Priority,
    pub category: Category,
    pub language: String,
    pub tags: Vec<String>,
    pub assignee_name: Option<String>,
    /// The start of the latest message, for the list's second line.
    pub preview: String,
    #[ts(type = "number")]
    pub last_message_at: i64,
    #[ts(type = "number | null")]
    pub first_response_due_at: Option<i64>,
}

/// A ticket opened: the conversation and the customer beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub customer: Option<Customer>,
    pub assignee: Option<Agent>,
    /// Oldest first.
    pub messages: Vec<Message>,
    /// The customer's wallet transactions, linked ones first, then newest first.
    pub transactions: Vec<WalletTransaction>,
    /// Earlier messages of this (long closed) ticket were evicted from the cache and are
    /// on the server only: `messages` holds the latest. Opening it online fetches them.
    #[serde(default)]
    pub conversation_on_server: bool,
}

/// Counts per view, for the sidebar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ViewCounts {
    pub open: u32,
    pub mine: u32,
    pub unassigned: u32,
    pub awaiting_confirmation: u32,
    pub all: u32,
}

/// Connection state of the console, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Connectivity {
    /// The last contact with the server succeeded.
    Online,
    /// The server could not be reached; the console works from its cache.
    Offline,
    /// Not tried yet since start.
    Unknown,
}

/// Everything the console's chrome needs: who is signed in, where, and how sync is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SessionState {
    /// Grows with every change of this state within one run of the console. States can
    /// reach the UI out of order (a command's answer after a later event); the UI keeps the
    /// one with the highest revision.
    #[ts(type = "number")]
    pub revision: u64,
    pub signed_in: bool,
    pub server_url: Option<String>,
    pub agent: Option<Agent>,
    pub connectivity: Connectivity,
    /// When the cache last caught up with the server.
    #[ts(type = "number | null")]
    pub last_synced_at: Option<i64>,
    /// Why the last sync failed, when it did.
    pub last_error: Option<crate::error::ApiError>,
    pub cached_tickets: u32,
    /// The cache was replaced by an empty one (it could not be opened, or the server
    /// revoked this device): the agent is told why, and signs in again.
    #[serde(default)]
    pub cache_reset: Option<CacheReset>,
}

/// Why the cache was started afresh (DESIGN.md §7: its key lives only in the OS keyring).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CacheReset {
    /// The keyring has no key for it (the keyring was reset, or this is another session).
    KeyMissing,
    /// The keyring's key does not open it (the keyring was replaced or restored).
    KeyMismatch,
    /// The server revoked this device (its agent was disabled, or its sign-in was used
    /// from elsewhere): the cache was deleted, queued work with it.
    DeviceRevoked,
}

/// The stage a sync is in, for the progress bar and `desk sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Sending the agent's queued work.
    Sending,
    /// Receiving changes from the server.
    Receiving,
    /// The last page of a bootstrap arrived: building the cache's indexes once.
    Preparing,
    /// The inbox is usable; the search index catches up in the background.
    Indexing,
    /// Caught up.
    Done,
}

/// How far a sync has come: `done` of `total` items of the current phase (changes when
/// receiving, mutations when sending, documents when indexing). `total` is the server's
/// count when it gave one; it can grow while a sync runs, as colleagues keep working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// This sync fills an empty cache (the first sync after sign-in, or a re-bootstrap):
    /// the console shows a progress bar instead of the inbox until the phase is past
    /// [`SyncPhase::Preparing`].
    pub bootstrap: bool,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

impl SyncProgress {
    /// The fraction done, 0 to 1, when the total is known.
    pub fn fraction(&self) -> Option<f64> {
        match self.total {
            Some(0) => Some(1.0),
            Some(t) => Some((self.done.min(t)) as f64 / t as f64),
            None => None,
        }
    }
}

/// How far ahead of its due time an open ticket counts as "at risk" of breaching its SLA.
pub const SLA_AT_RISK_WINDOW_MS: i64 = 60 * 60 * 1000;

/// Where an open ticket stands against its earliest SLA due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Due within [`SLA_AT_RISK_WINDOW_MS`], not yet past.
    AtRisk,
    /// Past due.
    Breached,
}

/// Orders of a ticket list. Each is backed by an index and paged by keyset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TicketSort {
    /// Most recent activity first.
    #[default]
    LastActivity,
    /// Soonest SLA due time first; tickets without one are left out of this order.
    SlaDue,
    /// Newest first.
    Created,
}

/// Narrows a view. Every field is optional; set ones combine with AND, list entries with OR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TicketFilter {
    pub statuses: Vec<TicketStatus>,
    pub priorities: Vec<Priority>,
    pub categories: Vec<Category>,
    pub tag: Option<String>,
    pub customer_id: Option<String>,
    pub incident_id: Option<String>,
    pub assignee_id: Option<String>,
    pub sla: Option<SlaState>,
}

/// One page of a view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketQuery {
    pub view: InboxView,
    #[serde(default)]
    pub filter: TicketFilter,
    #[serde(default)]
    pub sort: TicketSort,
    /// The `next` of the previous page; `None` for the first page.
    #[serde(default)]
    pub after: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketPage {
    pub rows: Vec<TicketSummary>,
    /// Opaque; pass as `after` for the next page. `None` on the last page.
    pub next: Option<String>,
}

/// An earlier ticket of a customer, with how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HistoryEntry {
    pub ticket: TicketSummary,
    #[ts(type = "number")]
    pub created_at: i64,
    pub csat: Option<u8>,
}

/// Everything an agent needs to answer a customer personally (DESIGN.md §1): who they are,
/// every earlier ticket and how it ended, and their wallet transactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CustomerHistory {
    pub customer: Customer,
    /// Newest first.
    pub tickets: Vec<HistoryEntry>,
    pub open_tickets: u32,
    /// Mean CSAT over rated tickets, when any.
    pub average_csat: Option<f64>,
    /// Newest first.
    pub transactions: Vec<WalletTransaction>,
    /// How many of those wait on the customer to confirm.
    pub awaiting_confirmation: u32,
}

/// Open tickets against their SLA, for the sidebar and escalation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SlaCounts {
    pub at_risk: u32,
    pub breached: u32,
}

//! What the console shows: the shapes the local cache returns and the Tauri commands pass
//! to the UI. They are read models, never sent to the server.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::delivery::Delivery;
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
    /// The earlier of the first-response and resolution due times while the SLA clock
    /// runs (`TicketStatus::sla_running`); null when it does not: what the SLA views
    /// count and the row's SLA badge shows.
    #[ts(type = "number | null")]
    pub sla_due_at: Option<i64>,
}

/// A message of a ticket's conversation as the console shows it: the message and, for a
/// public message the desk sends, how far it got on its way to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MessageView {
    #[serde(flatten)]
    pub message: Message,
    /// `None` for internal notes, system events and the customer's own messages, and for
    /// a reply still in this console's outbox (the server queues its delivery).
    pub delivery: Option<Delivery>,
}

/// A ticket opened: the conversation and the customer beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub customer: Option<Customer>,
    pub assignee: Option<Agent>,
    /// Oldest first.
    pub messages: Vec<MessageView>,
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
    /// What the agent's role lets them do beyond a plain agent's (`crate::access`): the
    /// console offers only these; the server refuses the rest anyway.
    #[serde(default)]
    pub capabilities: Vec<crate::access::Capability>,
    pub connectivity: Connectivity,
    /// When the cache last caught up with the server.
    #[ts(type = "number | null")]
    pub last_synced_at: Option<i64>,
    /// Why the last sync failed, when it did.
    pub last_error: Option<crate::error::ApiError>,
    pub cached_tickets: u32,
    /// The signed-in agent's queued work by state, for the top bar ("3 pending").
    #[serde(default)]
    pub outbox: OutboxCounts,
    /// The cache was replaced by an empty one (it could not be opened, or the server
    /// revoked this device): the agent is told why, and signs in again.
    #[serde(default)]
    pub cache_reset: Option<CacheReset>,
}

/// How much of the agent's work waits in the outbox, by state. Pending entries go out at
/// the next sync; held and rejected ones wait for the agent (confirm, edit or discard).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OutboxCounts {
    pub pending: u32,
    pub held: u32,
    pub rejected: u32,
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

/// An outage the sidebar lists as a view of its tickets (DESIGN.md §9, incident mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IncidentView {
    pub incident: crate::ops::Incident,
    /// Open tickets linked to it.
    pub open_tickets: u32,
}

/// One edit of a ticket from the console. Every set field becomes one agent action
/// ([`TicketEdit::ops`]), so each merges by its own rule on the server (DESIGN.md §4):
/// a status is checked as a transition, a claim is compare-and-set, tags are set
/// operations, priority and category are last-writer-wins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TicketEdit {
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub category: Option<Category>,
    /// Take the ticket for the signed-in agent if nobody has it.
    pub claim: bool,
    /// Assign to this agent (an explicit reassignment).
    pub assignee_id: Option<String>,
    /// Leave the ticket with nobody; wins over `assignee_id` when both are set.
    pub unassign: bool,
    /// Hand the ticket to this team (which leaves it unassigned).
    pub group: Option<String>,
    /// Hand the ticket to no team; wins over `group` when both are set.
    pub ungroup: bool,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
}

impl TicketEdit {
    /// What a macro's actions do to the ticket, as one edit: the last status, priority and
    /// category a macro names win; tags are added and removed as sets (a tag both added
    /// and removed ends removed, as the later action says).
    pub fn from_macro_actions(actions: &[crate::ops::MacroAction]) -> Self {
        use crate::ops::MacroAction;
        let mut edit = Self::default();
        for action in actions {
            match action {
                MacroAction::SetStatus { status } => edit.status = Some(*status),
                MacroAction::SetPriority { priority } => edit.priority = Some(*priority),
                MacroAction::SetCategory { category } => edit.category = Some(*category),
                MacroAction::AddTags { tags } => {
                    edit.remove_tags.retain(|t| !tags.contains(t));
                    edit.add_tags.extend(tags.iter().cloned());
                }
                MacroAction::RemoveTags { tags } => {
                    edit.add_tags.retain(|t| !tags.contains(t));
                    edit.remove_tags.extend(tags.iter().cloned());
                }
            }
        }
        edit
    }

    /// Whether the edit changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The actions this edit makes on `ticket_id`, in a fixed order, the status last.
    /// Tags are trimmed; empty ones are dropped.
    pub fn ops(&self, ticket_id: &str) -> Vec<crate::mutation::MutationOp> {
        use crate::mutation::MutationOp;
        let id = || ticket_id.to_owned();
        let tags = |list: &[String]| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for t in list.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
                if !out.iter().any(|o| o == t) {
                    out.push(t.to_owned());
                }
            }
            out
        };
        let mut ops = Vec::new();
        if let Some(priority) = self.priority {
            ops.push(MutationOp::SetPriority {
                ticket_id: id(),
                priority,
            });
        }
        if let Some(category) = self.category {
            ops.push(MutationOp::SetCategory {
                ticket_id: id(),
                category,
            });
        }
        // Before any assignment: a move leaves the ticket unassigned, and an assignment in
        // the same edit is meant for the new team.
        if self.ungroup || self.group.is_some() {
            ops.push(MutationOp::SetGroup {
                ticket_id: id(),
                group: if self.ungroup {
                    None
                } else {
                    self.group.clone()
                },
            });
        }
        if self.claim {
            ops.push(MutationOp::Claim { ticket_id: id() });
        }
        if self.unassign {
            ops.push(MutationOp::Assign {
                ticket_id: id(),
                assignee_id: None,
            });
        } else if let Some(a) = &self.assignee_id {
            ops.push(MutationOp::Assign {
                ticket_id: id(),
                assignee_id: Some(a.clone()),
            });
        }
        let add = tags(&self.add_tags);
        if !add.is_empty() {
            ops.push(MutationOp::AddTags {
                ticket_id: id(),
                tags: add,
            });
        }
        let remove = tags(&self.remove_tags);
        if !remove.is_empty() {
            ops.push(MutationOp::RemoveTags {
                ticket_id: id(),
                tags: remove,
            });
        }
        // Last: a ticket being closed takes the edit's other changes first (a closed
        // ticket refuses every edit).
        if let Some(status) = self.status {
            ops.push(MutationOp::SetStatus {
                ticket_id: id(),
                status,
            });
        }
        ops
    }
}

/// A ticket a bulk edit could not change, and why (the rules' `{code, message}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BulkFailure {
    pub ticket_id: String,
    pub error: crate::error::ApiError,
}

/// What a bulk edit did: tickets changed, and the ones refused. One refusal (a solved
/// ticket that cannot go back to pending) does not stop the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BulkOutcome {
    pub edited: u32,
    pub failed: Vec<BulkFailure>,
}

#[cfg(test)]
mod edit_tests {
    use super::*;
    use crate::mutation::MutationOp;

    #[test]
    fn an_edit_becomes_one_action_per_field_in_a_fixed_order() {
        let edit = TicketEdit {
            status: Some(TicketStatus::Solved),
            claim: true,
            add_tags: vec![" vip ".into(), "vip".into(), "".into()],
            remove_tags: vec!["spam".into()],
            ..Default::default()
        };
        let ops = edit.ops("t1");
        assert_eq!(
            ops,
            vec![
                MutationOp::Claim {
                    ticket_id: "t1".into()
                },
                MutationOp::AddTags {
                    ticket_id: "t1".into(),
                    tags: vec!["vip".into()]
                },
                MutationOp::RemoveTags {
                    ticket_id: "t1".into(),
                    tags: vec!["spam".into()]
                },
                MutationOp::SetStatus {
                    ticket_id: "t1".into(),
                    status: TicketStatus::Solved
                },
            ],
            "each field is its own action so each merges by its own rule, the status last \
             (a closed ticket takes no more edits); tags trimmed, deduplicated"
        );
        assert!(
            TicketEdit::default().ops("t1").is_empty(),
            "an empty edit does nothing"
        );
        let unassign = TicketEdit {
            assignee_id: Some("a2".into()),
            unassign: true,
            ..Default::default()
        };
        assert_eq!(
            unassign.ops("t1"),
            vec![MutationOp::Assign {
                ticket_id: "t1".into(),
                assignee_id: None
            }],
            "unassign wins over an assignee named in the same edit"
        );
    }
}

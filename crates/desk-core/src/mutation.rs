//! Agent actions as they travel through the outbox to the server (DESIGN.md §4, Push).
//!
//! A [`Mutation`] is made by the client, offline too: its id is a UUIDv7 the client makes,
//! `(client_id, seq)` orders it among that client's mutations, and the server applies each
//! exactly once, in `seq` order per client, answering with a [`MutationResult`]. The rules
//! for what a mutation does to a ticket live in [`crate::apply`], shared by the client's
//! optimistic layer and the server.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::{Category, Priority, Ticket, TicketStatus};
use crate::error::ErrorCode;

/// One agent action, as queued in the outbox and pushed to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Mutation {
    /// UUIDv7 made by the client; the server's idempotency key.
    pub id: String,
    /// Made once per local cache.
    pub client_id: String,
    /// Per client, strictly increasing, never reused (not even after the outbox empties).
    #[ts(type = "number")]
    pub seq: u64,
    /// The agent who acted. The server refuses a mutation whose agent is not the one
    /// signed in on the pushing device, so queued work never changes hands on re-login.
    pub agent_id: String,
    /// Client clock, for display only: order comes from `seq` and the server.
    #[ts(type = "number")]
    pub created_at: i64,
    pub op: MutationOp,
}

/// What the agent did. Every action is about one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MutationOp {
    /// A public reply. `last_seen_message_id` is the newest message the agent had seen
    /// when writing: if someone else answered since, the server holds the reply for the
    /// agent to confirm instead of sending it (safe send after an outage).
    Reply {
        ticket_id: String,
        message_id: String,
        body_text: String,
        last_seen_message_id: Option<String>,
        /// Files sent with the reply, uploaded before it is pushed (`POST /attachments`);
        /// the server refuses a reply whose files it does not hold. Absent from replies
        /// queued before attachments existed.
        #[serde(default)]
        attachments: Vec<crate::domain::Attachment>,
    },
    /// An internal note: append-only, never conflicts.
    Note {
        ticket_id: String,
        message_id: String,
        body_text: String,
    },
    /// Checked against the server's current status; an invalid transition is rejected.
    SetStatus {
        ticket_id: String,
        status: TicketStatus,
    },
    /// Last write by server order wins.
    SetPriority {
        ticket_id: String,
        priority: Priority,
    },
    /// Last write by server order wins.
    SetCategory {
        ticket_id: String,
        category: Category,
    },
    /// Hands the ticket to another team (`None`: to no team), e.g. an escalation to the
    /// security desk. Last write by server order wins. A move to another group leaves the
    /// ticket unassigned, for the new team to pick up; consoles whose agents are not in
    /// the new group lose the ticket.
    SetGroup {
        ticket_id: String,
        group: Option<String>,
    },
    /// Take an unassigned ticket: compare-and-set, the first claim the server sees wins.
    Claim { ticket_id: String },
    /// Explicit (re)assignment, or unassignment with `None`: last writer wins.
    Assign {
        ticket_id: String,
        assignee_id: Option<String>,
    },
    /// Set union: concurrent adds and removes of other tags never conflict.
    AddTags {
        ticket_id: String,
        tags: Vec<String>,
    },
    /// Set difference.
    RemoveTags {
        ticket_id: String,
        tags: Vec<String>,
    },
    /// Moves a ticket (spam, a duplicate, a test) out of every view. Soft: the server
    /// keeps it, marked deleted; the delete wins over concurrent edits, which are refused.
    DeleteTicket { ticket_id: String },
    /// A ticket the agent opens (e.g. for a phone call). Its id is made by the client; its
    /// number comes from the server. Boxed: a whole ticket dwarfs the other actions.
    CreateTicket { ticket: Box<Ticket> },
    /// Sends a public message whose delivery failed again, to the same address or, for
    /// email, to `recipient` (a bounced address the agent corrected). Only a failed
    /// delivery is retried; the message itself never changes.
    RetryDelivery {
        ticket_id: String,
        message_id: String,
        recipient: Option<String>,
    },
}

impl MutationOp {
    /// The ticket the action is about.
    pub fn ticket_id(&self) -> &str {
        match self {
            Self::Reply { ticket_id, .. }
            | Self::Note { ticket_id, .. }
            | Self::SetStatus { ticket_id, .. }
            | Self::SetPriority { ticket_id, .. }
            | Self::SetCategory { ticket_id, .. }
            | Self::SetGroup { ticket_id, .. }
            | Self::Claim { ticket_id }
            | Self::DeleteTicket { ticket_id }
            | Self::Assign { ticket_id, .. }
            | Self::AddTags { ticket_id, .. }
            | Self::RemoveTags { ticket_id, .. }
            | Self::RetryDelivery { ticket_id, .. } => ticket_id,
            Self::CreateTicket { ticket } => &ticket.id,
        }
    }

    /// The message the action adds to the conversation, for replies and notes.
    pub fn message_id(&self) -> Option<&str> {
        match self {
            Self::Reply { message_id, .. } | Self::Note { message_id, .. } => Some(message_id),
            _ => None,
        }
    }
}

/// The server's answer to one mutation. It is stored with the mutation, so a replayed push
/// gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MutationResult {
    /// Applied as asked; its effect reaches the client through the pull.
    Applied,
    /// Applied under the conflict rules, with a different effect than asked, e.g. a claim
    /// that lost to another agent's.
    Conflict { resolution: String },
    /// Not applied, for good; the agent is shown why. Does not block later mutations.
    Rejected { code: ErrorCode, reason: String },
    /// A reply not sent because the conversation moved on since the agent wrote it; sent
    /// once the agent confirms.
    Held { reason: String },
}

/// Where a queued mutation stands on this client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be pushed, or pushed with no answer yet.
    Pending,
    /// The server held it for the agent to confirm or discard.
    Held,
    /// The server refused it; kept so the agent sees why, until discarded.
    Rejected,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Held => "held",
            Self::Rejected => "rejected",
        }
    }

    /// Whether the mutation's effect shows in the local state: all but rejected ones.
    pub fn is_replayed(self) -> bool {
        !matches!(self, Self::Rejected)
    }
}

impl std::str::FromStr for OutboxState {
    type Err = crate::domain::UnknownVariant;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Self::Pending),
            "held" => Ok(Self::Held),
            "rejected" => Ok(Self::Rejected),
            _ => Err(crate::domain::UnknownVariant {
                kind: "OutboxState",
                value: s.to_owned(),
            }),
        }
    }
}

/// One entry of the outbox as the console shows it ("sync status and outbox").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OutboxEntry {
    pub mutation: Mutation,
    pub state: OutboxState,
    /// The server's answer for held and rejected entries.
    pub result: Option<MutationResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_are_tagged_by_type_in_snake_case() {
        let m = Mutation {
            id: "0190-a".into(),
            client_id: "c".into(),
            seq: 7,
            agent_id: "a1".into(),
            created_at: 1,
            op: MutationOp::SetStatus {
                ticket_id: "t1".into(),
                status: TicketStatus::PendingCustomer,
            },
        };
        let json = serde_json::to_string(&m).unwrap();
        assert!(
            json.contains(
                r#""op":{"type":"set_status","ticket_id":"t1","status":"pending_customer"}"#
            ),
            "the wire shape the server and the UI read: {json}"
        );
        assert_eq!(
            serde_json::from_str::<Mutation>(&json).unwrap(),
            m,
            "round trip"
        );

        let r = MutationResult::Rejected {
            code: ErrorCode::Conflict,
            reason: "closed".into(),
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json, r#"{"outcome":"rejected","code":"conflict","reason":"closed"}"#,
            "results are tagged by outcome"
        );
    }
}

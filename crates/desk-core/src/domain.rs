//! Domain records as the server stores them and the client caches them (DESIGN.md §3).
//!
//! Times are milliseconds since the Unix epoch, as `i64` (exported to TypeScript as
//! `number`: safe up to 2^53, i.e. far past the year 200,000).
//! Ids are strings: UUIDv7 text made by whoever creates the record (offline too).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownVariant { kind: stringify!($name), value: s.to_owned() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A string that names no variant of a domain enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
}

string_enum!(
    /// What an agent may do; every server route checks it.
    Role { Agent = "agent", Supervisor = "supervisor", Admin = "admin" }
);

string_enum!(
    Channel { Email = "email", Chat = "chat", Telegram = "telegram", Wechat = "wechat", WebForm = "web_form", Phone = "phone" }
);

string_enum!(
    TicketStatus {
        New = "new",
        Open = "open",
        PendingCustomer = "pending_customer",
        OnHold = "on_hold",
        Solved = "solved",
        Closed = "closed",
    }
);

string_enum!(
    Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" }
);

string_enum!(
    Category {
        TransactionConfirmation = "transaction_confirmation",
        FundsNotArrived = "funds_not_arrived",
        AccountLocked = "account_locked",
        Security = "security",
        Technical = "technical",
        UsageHelp = "usage_help",
        Account = "account",
        Complaint = "complaint",
        LargeTransaction = "large_transaction",
        Dispute = "dispute",
        Other = "other",
    }
);

string_enum!(
    MessageKind { PublicReply = "public_reply", InternalNote = "internal_note", SystemEvent = "system_event" }
);

string_enum!(
    AuthorKind { Customer = "customer", Agent = "agent", System = "system" }
);

string_enum!(
    TxDirection { Deposit = "deposit", Withdrawal = "withdrawal", Transfer = "transfer" }
);

string_enum!(
    TxStatus {
        AwaitingCustomerConfirmation = "awaiting_customer_confirmation",
        PendingChain = "pending_chain",
        Confirmed = "confirmed",
        Failed = "failed",
        Frozen = "frozen",
        Reversed = "reversed",
    }
);

string_enum!(
    CustomerTier { Standard = "standard", Vip = "vip", Institutional = "institutional" }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// BCP 47 tags the agent answers in, e.g. `["zh-CN", "en"]`.
    pub languages: Vec<String>,
    /// The teams the agent works in (a ticket's `group`). An agent with none, like every
    /// supervisor and admin, sees every ticket; one with groups sees their tickets and
    /// ungrouped ones (DESIGN.md §4, scope). Absent on the wire before groups existed.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The ticket categories the agent handles, for routing; none: no preference. Absent
    /// on the wire before skills existed.
    #[serde(default)]
    pub skills: Vec<Category>,
    /// The most open tickets assigned to the agent at once (1–500); none (`null`): no limit.
    #[serde(default)]
    pub capacity: Option<u32>,
}

impl Agent {
    /// Whether the agent's scope is every ticket: no groups, or a supervisor or admin.
    pub fn sees_every_group(&self) -> bool {
        self.role != Role::Agent || self.groups.is_empty()
    }

    /// Whether a ticket of `group` is in the agent's scope.
    pub fn sees_group(&self, group: Option<&str>) -> bool {
        self.sees_every_group() || group.is_none_or(|g| self.groups.iter().any(|x| x == g))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Customer {
    pub id: String,
    /// The wallet platform's own user id.
    pub platform_user_id: String,
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    /// Messenger handles such as `telegram:@alice`.
    pub handles: Vec<String>,
    pub preferred_language: String,
    pub tier: CustomerTier,
    pub kyc_level: u8,
    pub risk_flags: Vec<String>,
    pub tags: Vec<String>,
    pub notes: String,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WalletTransaction {
    pub id: String,
    pub customer_id: String,
    /// Asset symbol, e.g. `USDT`.
    pub asset: String,
    /// Chain, e.g. `TRON`, `ETH`, `BTC`.
    pub chain: String,
    /// Decimal amount as text: money never goes through a float.
    pub amount: String,
    pub direction: TxDirection,
    /// Public; never redacted.
    pub tx_hash: Option<String>,
    pub status: TxStatus,
    pub confirmations: u32,
    pub required_confirmations: u32,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Ticket {
    pub id: String,
    /// Human number, assigned by the server; `None` until the server has seen the ticket.
    #[ts(type = "number | null")]
    pub number: Option<i64>,
    pub subject: String,
    pub customer_id: String,
    pub channel: Channel,
    pub status: TicketStatus,
    pub priority: Priority,
    pub category: Category,
    pub tags: Vec<String>,
    pub assignee_id: Option<String>,
    pub group: Option<String>,
    /// BCP 47 language of the conversation, e.g. `zh-CN`.
    pub language: String,
    #[ts(type = "number | null")]
    pub first_response_due_at: Option<i64>,
    #[ts(type = "number | null")]
    pub resolution_due_at: Option<i64>,
    pub linked_transaction_ids: Vec<String>,
    pub incident_id: Option<String>,
    pub merged_into: Option<String>,
    /// Customer satisfaction, 1–5, once given.
    pub csat: Option<u8>,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
    #[ts(type = "number")]
    pub last_message_at: i64,
    /// Set when the ticket was deleted (soft): it leaves every view and refuses edits.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub deleted_at: Option<i64>,
    /// When a customer first sent a wallet secret on this ticket (redacted before it was
    /// stored, DESIGN.md §7): the flag stays however the ticket is edited.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub secret_exposed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Author {
    pub kind: AuthorKind,
    /// Agent or customer id; `None` for system events.
    pub id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Attachment {
    /// SHA-256 of the content, hex: attachments are content-addressed.
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    #[ts(type = "number")]
    pub size: u64,
}

/// Messages are append-only: never edited, never conflicting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Message {
    pub id: String,
    pub ticket_id: String,
    pub kind: MessageKind,
    pub author: Author,
    /// Plain text, after redaction.
    pub body_text: String,
    /// Sanitized HTML, when the channel sent HTML.
    pub body_html: Option<String>,
    pub attachments: Vec<Attachment>,
    #[ts(type = "number")]
    pub created_at: i64,
    /// The earlier conversation an email quoted under its new text, as plain text after
    /// redaction: kept for whoever expands it, folded away from the text shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub quoted: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_text_round_trips_through_serde_and_from_str() {
        for status in TicketStatus::ALL {
            let json = serde_json::to_string(status).unwrap();
            assert_eq!(
                json,
                format!("\"{}\"", status.as_str()),
                "serde and as_str must agree"
            );
            assert_eq!(status.as_str().parse::<TicketStatus>().unwrap(), *status);
        }
        for category in Category::ALL {
            assert_eq!(category.as_str().parse::<Category>().unwrap(), *category);
        }
    }

    #[test]
    fn unknown_enum_text_names_the_kind_and_value() {
        let err = "sideways".parse::<TicketStatus>().unwrap_err();
        assert_eq!(err.to_string(), "unknown TicketStatus \"sideways\"");
    }
}

//! The records of support operations beyond tickets and conversations (DESIGN.md §3):
//! canned replies, the knowledge base, outages, SLA policies, and the controls around
//! sensitive actions (identity verification, four-eyes approval, compensation).
//!
//! Deliberately minimal shapes: enough to store, sync and show; later issues deepen them.
//! Money is decimal text, never a float; times are milliseconds since the Unix epoch.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::{Category, CustomerTier, Priority, TicketStatus, UnknownVariant};
use crate::error::ErrorCode;

/// What a macro does to the ticket besides inserting its text. Each maps onto one agent
/// action, so applying a macro offline goes through the outbox like any other edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MacroAction {
    SetStatus { status: TicketStatus },
    SetPriority { priority: Priority },
    SetCategory { category: Category },
    AddTags { tags: Vec<String> },
    RemoveTags { tags: Vec<String> },
}

/// A canned reply with variables and actions, one body per language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Macro {
    pub id: String,
    pub title: String,
    /// Body per BCP 47 language tag (`zh-CN`, `en`), with `{{variable}}` placeholders.
    pub bodies: BTreeMap<String, String>,
    /// The placeholders the bodies may use, e.g. `customer.name`, `ticket.number`.
    pub variables: Vec<String>,
    pub actions: Vec<MacroAction>,
    /// Categories the macro is suggested for; empty means any.
    pub categories: Vec<Category>,
    #[ts(type = "number")]
    pub updated_at: i64,
    /// Set when a supervisor deleted it: consoles drop it (the server keeps the record, so
    /// the deletion reaches every console through the feed like any edit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub deleted_at: Option<i64>,
}

/// One language version of a knowledge-base article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KbTranslation {
    pub title: String,
    /// Markdown.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KbArticle {
    pub id: String,
    /// Per BCP 47 language tag.
    pub translations: BTreeMap<String, KbTranslation>,
    pub tags: Vec<String>,
    pub categories: Vec<Category>,
    #[ts(type = "number")]
    pub updated_at: i64,
    /// A draft is the team's until it is published: never on the help center. Articles
    /// from before drafts existed were all published.
    #[serde(default = "KbStatus::published")]
    pub status: KbStatus,
    /// Set when a supervisor deleted it: consoles drop it, the help center forgets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub deleted_at: Option<i64>,
}

string_enum!(
    /// Whether a knowledge-base article is out for customers.
    KbStatus { Draft = "draft", Published = "published" }
);

impl KbStatus {
    fn published() -> Self {
        Self::Published
    }
}

string_enum!(
    /// Where an outage stands, as customers are told.
    IncidentStatus {
        Investigating = "investigating",
        Identified = "identified",
        Monitoring = "monitoring",
        Resolved = "resolved",
    }
);

/// A public update on an outage, in the languages customers read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IncidentUpdate {
    #[ts(type = "number")]
    pub at: i64,
    pub status: IncidentStatus,
    /// Per BCP 47 language tag.
    pub bodies: BTreeMap<String, String>,
    /// The time estimate customers are given, when there is one.
    #[ts(type = "number | null")]
    pub estimated_resolution_at: Option<i64>,
}

/// An outage: tickets link to it, customers get its updates, compensation may follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub status: IncidentStatus,
    /// What is affected, e.g. `TRON withdrawals`.
    pub affected: Vec<String>,
    /// Oldest first.
    pub updates: Vec<IncidentUpdate>,
    #[ts(type = "number")]
    pub started_at: i64,
    #[ts(type = "number | null")]
    pub resolved_at: Option<i64>,
}

/// Targets for the tickets a rule matches; `None` in a field matches any value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SlaTarget {
    pub priority: Option<Priority>,
    pub tier: Option<CustomerTier>,
    pub category: Option<Category>,
    /// Business minutes to the first public reply.
    pub first_response_minutes: u32,
    /// Business minutes to solved.
    pub resolution_minutes: u32,
}

impl SlaTarget {
    /// The desk's targets when no policy says otherwise, as (first response, resolution)
    /// in milliseconds around the clock: by priority, halved for VIP and institutional
    /// customers.
    pub fn default_ms(priority: Priority, tier: CustomerTier) -> (i64, i64) {
        const MINUTE: i64 = 60_000;
        const HOUR: i64 = 60 * MINUTE;
        const DAY: i64 = 24 * HOUR;
        let (first, resolution) = match priority {
            Priority::Urgent => (15 * MINUTE, 4 * HOUR),
            Priority::High => (HOUR, 12 * HOUR),
            Priority::Normal => (4 * HOUR, 2 * DAY),
            Priority::Low => (DAY, 5 * DAY),
        };
        if tier == CustomerTier::Standard {
            (first, resolution)
        } else {
            (first / 2, resolution / 2)
        }
    }
}

/// One weekly opening window, in the policy's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BusinessWindow {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// Minutes after local midnight.
    pub start_minute: u16,
    pub end_minute: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BusinessHours {
    /// IANA zone, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// Empty means around the clock (crypto markets never close).
    pub windows: Vec<BusinessWindow>,
    /// Local dates (`YYYY-MM-DD`) on which the clock does not tick.
    pub holidays: Vec<String>,
}

/// SLA targets by priority, tier and category; the first matching target applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SlaPolicy {
    pub id: String,
    pub name: String,
    pub targets: Vec<SlaTarget>,
    pub business_hours: BusinessHours,
    #[ts(type = "number")]
    pub updated_at: i64,
}

impl SlaPolicy {
    /// The first target matching a ticket's priority, customer tier and category.
    pub fn target_for(
        &self,
        priority: Priority,
        tier: Option<CustomerTier>,
        category: Category,
    ) -> Option<&SlaTarget> {
        self.targets.iter().find(|t| {
            t.priority.is_none_or(|p| p == priority)
                && t.tier.is_none_or(|want| tier == Some(want))
                && t.category.is_none_or(|c| c == category)
        })
    }
}

string_enum!(
    VerificationMethod {
        EmailCode = "email_code",
        SmsCode = "sms_code",
        SecurityQuestions = "security_questions",
        KycDocument = "kyc_document",
        VideoCall = "video_call",
    }
);

string_enum!(
    VerificationOutcome { Passed = "passed", Failed = "failed" }
);

/// An identity check an agent did before a sensitive action (DESIGN.md §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Verification {
    pub id: String,
    pub customer_id: String,
    pub ticket_id: Option<String>,
    pub method: VerificationMethod,
    /// Agent id.
    pub verified_by: String,
    #[ts(type = "number")]
    pub at: i64,
    pub outcome: VerificationOutcome,
    pub note: String,
}

string_enum!(
    ApprovalKind { Freeze = "freeze", Unfreeze = "unfreeze", Unlock = "unlock", Compensation = "compensation" }
);

string_enum!(
    ApprovalState { Requested = "requested", Approved = "approved", Rejected = "rejected", Cancelled = "cancelled" }
);

/// Four eyes: one agent requests a sensitive action, another one decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Approval {
    pub id: String,
    pub kind: ApprovalKind,
    /// What the action is on: a wallet transaction, a customer or a compensation id.
    pub subject_id: String,
    pub ticket_id: Option<String>,
    pub reason: String,
    /// Agent ids.
    pub requested_by: String,
    pub approved_by: Option<String>,
    pub state: ApprovalState,
    #[ts(type = "number")]
    pub requested_at: i64,
    #[ts(type = "number | null")]
    pub decided_at: Option<i64>,
}

/// Why an approval cannot be decided as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DecisionRefused {
    pub code: ErrorCode,
    pub reason: String,
}

impl Approval {
    /// Records a supervisor's decision. The requester never approves their own request:
    /// that is the whole point of four eyes.
    pub fn decide(
        &mut self,
        decider_id: &str,
        approve: bool,
        at: i64,
    ) -> Result<(), DecisionRefused> {
        if self.state != ApprovalState::Requested {
            return Err(DecisionRefused {
                code: ErrorCode::Conflict,
                reason: format!("approval {} is already {}", self.id, self.state),
            });
        }
        if decider_id == self.requested_by {
            return Err(DecisionRefused {
                code: ErrorCode::Forbidden,
                reason: format!(
                    "approval {} needs a second agent: {decider_id} requested it",
                    self.id
                ),
            });
        }
        self.approved_by = Some(decider_id.to_owned());
        self.state = if approve {
            ApprovalState::Approved
        } else {
            ApprovalState::Rejected
        };
        self.decided_at = Some(at);
        Ok(())
    }
}

string_enum!(
    CompensationKind { FeeRebate = "fee_rebate", Coupon = "coupon" }
);

/// Goodwill after an outage or a mistake, given once its approval (if any) is granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Compensation {
    pub id: String,
    pub ticket_id: Option<String>,
    pub customer_id: String,
    pub incident_id: Option<String>,
    pub kind: CompensationKind,
    /// Decimal text, e.g. `12.50`: money never goes through a float.
    pub amount: String,
    /// Asset symbol, e.g. `USDT`.
    pub asset: String,
    pub approval_id: Option<String>,
    /// Agent id.
    pub created_by: String,
    #[ts(type = "number")]
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approval() -> Approval {
        Approval {
            id: "ap1".into(),
            kind: ApprovalKind::Freeze,
            subject_id: "w1".into(),
            ticket_id: Some("t1".into()),
            reason: "suspicious withdrawal".into(),
            requested_by: "alice".into(),
            approved_by: None,
            state: ApprovalState::Requested,
            requested_at: 1,
            decided_at: None,
        }
    }

    #[test]
    fn an_approval_needs_a_second_agent_and_is_decided_once() {
        let mut a = approval();
        let err = a.decide("alice", true, 2).unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::Forbidden,
            "the requester must not approve their own request"
        );
        assert_eq!(
            a.state,
            ApprovalState::Requested,
            "a refusal changes nothing"
        );
        a.decide("bob", true, 3).unwrap();
        assert_eq!(a.state, ApprovalState::Approved);
        assert_eq!(a.approved_by.as_deref(), Some("bob"));
        assert_eq!(
            a.decide("carol", false, 4).unwrap_err().code,
            ErrorCode::Conflict,
            "a decided approval cannot be decided again"
        );
    }

    #[test]
    fn sla_target_is_the_first_that_matches() {
        let target = |priority, tier, minutes| SlaTarget {
            priority,
            tier,
            category: None,
            first_response_minutes: minutes,
            resolution_minutes: minutes * 10,
        };
        let policy = SlaPolicy {
            id: "p".into(),
            name: "default".into(),
            targets: vec![
                target(Some(Priority::Urgent), None, 5),
                target(None, Some(CustomerTier::Vip), 15),
                target(None, None, 60),
            ],
            business_hours: BusinessHours {
                time_zone: "Asia/Shanghai".into(),
                windows: vec![],
                holidays: vec![],
            },
            updated_at: 0,
        };
        let minutes = |p, tier| {
            policy
                .target_for(p, tier, Category::Other)
                .unwrap()
                .first_response_minutes
        };
        assert_eq!(
            minutes(Priority::Urgent, Some(CustomerTier::Vip)),
            5,
            "first match wins"
        );
        assert_eq!(
            minutes(Priority::Low, Some(CustomerTier::Vip)),
            15,
            "VIPs get their own target"
        );
        assert_eq!(
            minutes(Priority::Low, None),
            60,
            "an unknown tier falls to the catch-all"
        );
    }

    #[test]
    fn records_round_trip_through_json() {
        let m = Macro {
            id: "m1".into(),
            title: "等待确认指引".into(),
            bodies: BTreeMap::from([
                (
                    "zh-CN".into(),
                    "您好 {{customer.name}}，请在钱包中点击确认。".into(),
                ),
                (
                    "en".into(),
                    "Hi {{customer.name}}, please tap Confirm in your wallet.".into(),
                ),
            ]),
            variables: vec!["customer.name".into()],
            actions: vec![
                MacroAction::SetStatus {
                    status: TicketStatus::PendingCustomer,
                },
                MacroAction::AddTags {
                    tags: vec!["guide".into()],
                },
            ],
            categories: vec![Category::TransactionConfirmation],
            updated_at: 5,
            deleted_at: None,
        };
        let json = serde_json::to_string(&m).unwrap();
        assert!(
            json.contains(r#""type":"set_status","status":"pending_customer""#),
            "actions are tagged by type in snake_case: {json}"
        );
        assert_eq!(
            serde_json::from_str::<Macro>(&json).unwrap(),
            m,
            "round trip"
        );
        let _: UnknownVariant = "sideways".parse::<IncidentStatus>().unwrap_err();
    }
}

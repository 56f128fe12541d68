//! The change feed's rules, independent of storage and HTTP: cursor text, positions,
//! page sizes and the scope decision (what an agent may pull).
//!
//! A position is `(version, ord)`: `version` is the feed version the writing transaction
//! bumped (so version order is commit order) and `ord` the change's index inside that
//! transaction. The cursor is its text form `"{version}.{ord}"`, opaque to clients.
//! Must not depend on a storage backend or on axum.

use std::fmt;

use desk_core::wire::{Acknowledgement, PullResponse, SCHEMA_VERSION, TrimmedConversation};
use serde::Serialize;

use crate::auth::Caller;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::storage::{FeedPage, Storage, StoredChange};

/// A place in the change feed. Ordered by `(version, ord)`, which is commit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FeedPosition {
    pub version: i64,
    pub ord: i64,
}

impl FeedPosition {
    /// Before every change: where a bootstrap starts.
    pub const ZERO: FeedPosition = FeedPosition { version: 0, ord: 0 };

    /// Parses a client's cursor. Empty or absent means [`FeedPosition::ZERO`].
    pub fn parse_cursor(cursor: Option<&str>) -> Result<FeedPosition> {
        let text = cursor.unwrap_or("");
        if text.is_empty() {
            return Ok(Self::ZERO);
        }
        let bad = || Error::BadRequest(format!("malformed cursor {text:?}"));
        let (version, ord) = text.split_once('.').ok_or_else(bad)?;
        let number = |part: &str| -> Result<i64> {
            // Digits only: no sign, no spaces, no exponent; the cursor is ours, not the client's.
            if part.is_empty() || part.len() > 18 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse::<i64>().map_err(|_| bad())
        };
        Ok(FeedPosition {
            version: number(version)?,
            ord: number(ord)?,
        })
    }
}

impl fmt::Display for FeedPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.version, self.ord)
    }
}

/// What part of the feed an agent receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every change, no mutation results (tools and tests).
    All,
    /// The results of the mutations this device pushed, and the changes of the agent's
    /// scope: with `groups`, only tickets (and their messages) that are ungrouped or in
    /// one of them; without, every change.
    Device {
        device_id: String,
        groups: Option<Vec<String>>,
    },
}

impl Scope {
    /// The device whose mutation results the scope carries.
    pub fn device_id(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Device { device_id, .. } => Some(device_id),
        }
    }

    /// The groups the scope is limited to; `None`: every group.
    pub fn groups(&self) -> Option<&[String]> {
        match self {
            Scope::All => None,
            Scope::Device { groups, .. } => groups.as_deref(),
        }
    }

    /// Whether a ticket of `group` is in the scope.
    pub fn sees(&self, group: Option<&str>) -> bool {
        match (self.groups(), group) {
            (None, _) | (_, None) => true,
            (Some(groups), Some(group)) => groups.iter().any(|g| g == group),
        }
    }

    /// What a cursor carries of the scope, so that a cursor handed out under other
    /// groups is refused (`rebootstrap_required`) rather than continued: the client holds
    /// tickets of groups it left, and lacks those of groups it joined.
    fn tag(&self) -> Option<String> {
        use sha2::Digest;
        let groups = self.groups()?;
        let digest = sha2::Sha256::digest(groups.join("\n").as_bytes());
        Some(hex::encode(&digest[..4]))
    }

    /// Parses a client's cursor for this scope: a position handed out under another
    /// scope (the agent's groups or role changed since) is `rebootstrap_required`.
    pub fn parse_cursor(&self, cursor: Option<&str>) -> Result<FeedPosition> {
        let text = cursor.unwrap_or("");
        let (position, tag) = match text.splitn(3, '.').nth(2) {
            Some(tag) => {
                let bad = || Error::BadRequest(format!("malformed cursor {text:?}"));
                if tag.len() != 8 || !tag.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad());
                }
                let position = &text[..text.len() - tag.len() - 1];
                (FeedPosition::parse_cursor(Some(position))?, Some(tag))
            }
            None => (FeedPosition::parse_cursor(cursor)?, None),
        };
        if position != FeedPosition::ZERO && tag.map(str::to_owned) != self.tag() {
            return Err(Error::RebootstrapRequired);
        }
        Ok(position)
    }

    /// The cursor text of `position` under this scope.
    pub fn cursor(&self, position: FeedPosition) -> String {
        match self.tag() {
            Some(tag) => format!("{position}.{tag}"),
            None => position.to_string(),
        }
    }
}

/// The one place that decides what a caller may pull (DESIGN.md §4 "Scope"): an agent
/// with groups sees their tickets and ungrouped ones; an agent without, and every
/// supervisor and admin, sees everything.
pub fn scope_for(caller: &Caller) -> Scope {
    let agent = &caller.agent;
    Scope::Device {
        device_id: caller.device_id.clone(),
        groups: (!agent.sees_every_group()).then(|| agent.groups.clone()),
    }
}

/// The page size to use for a requested limit: default when absent, capped at the maximum,
/// and at least one so that a pull always makes progress.
pub fn page_limit(config: &Config, requested: Option<u32>) -> u32 {
    requested
        .unwrap_or(config.pull_default_limit)
        .clamp(1, config.pull_max_limit)
}

/// Whether a client at `after` may have missed what retention dropped: anything at or
/// below the floor's version. A bootstrap (from zero) never has.
pub fn is_behind_floor(after: FeedPosition, floor: i64) -> bool {
    after != FeedPosition::ZERO && after.version <= floor
}

/// One page of a pull as the server sends it: [`PullResponse`]'s fields, names and
/// shape, with each change's record passed through as stored ([`StoredChange`]) rather
/// than decoded and encoded again. Consoles decode it as a [`PullResponse`].
#[derive(Debug, Clone, Serialize)]
pub struct PullPage {
    pub schema_version: u32,
    pub changes: Vec<StoredChange>,
    pub next_cursor: String,
    pub has_more: bool,
    pub acknowledged: Vec<Acknowledgement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trimmed: Vec<TrimmedConversation>,
}

impl PullPage {
    /// The page as a console reads it: its JSON, decoded as a [`PullResponse`]. For
    /// in-process callers (the simulation, tests) that stand in for a console.
    pub fn decode(&self) -> Result<PullResponse> {
        let json = serde_json::to_vec(self)
            .map_err(|e| Error::Internal(format!("encode pull page: {e}")))?;
        serde_json::from_slice(&json)
            .map_err(|e| Error::Internal(format!("decode pull page as a console does: {e}")))
    }
}

/// One pull, as the wire answers it.
pub async fn pull(
    storage: &dyn Storage,
    config: &Config,
    caller: &Caller,
    cursor: Option<&str>,
    limit: Option<u32>,
    count: bool,
    closed_before: Option<i64>,
) -> Result<PullPage> {
    let scope = scope_for(caller);
    let after = scope.parse_cursor(cursor)?;
    let page = storage
        .pull_trimming(after, page_limit(config, limit), &scope, closed_before)
        .await?;
    if is_behind_floor(after, page.floor) {
        return Err(Error::RebootstrapRequired);
    }
    let last = page.last_position();
    let remaining = match (count, page.has_more, last) {
        (false, _, _) => None,
        // The page reached the head of its snapshot: nothing left to count.
        (true, false, _) | (true, _, None) => Some(0),
        (true, true, Some(position)) => Some(storage.count_changes_after(position, &scope).await?),
    };
    let next_cursor = match last {
        Some(position) => scope.cursor(position),
        // Nothing new: hand the client's own cursor back, so it keeps its place.
        None => cursor.unwrap_or("").to_owned(),
    };
    Ok(page_response(page, next_cursor, remaining))
}

/// The wire's page of a storage page.
fn page_response(page: FeedPage, next_cursor: String, remaining: Option<u64>) -> PullPage {
    PullPage {
        schema_version: SCHEMA_VERSION,
        changes: page.changes.into_iter().map(|(_, change)| change).collect(),
        next_cursor,
        has_more: page.has_more,
        acknowledged: page.acknowledged.into_iter().map(|(_, ack)| ack).collect(),
        remaining,
        trimmed: trimmed_conversations(page.trimmed),
    }
}

/// A page's left-out message rows, one entry per ticket in order of first appearance.
fn trimmed_conversations(rows: Vec<(FeedPosition, String)>) -> Vec<TrimmedConversation> {
    let mut out: Vec<TrimmedConversation> = Vec::new();
    let mut at = std::collections::HashMap::new();
    for (_, ticket_id) in rows {
        match at.get(&ticket_id) {
            Some(&i) => {
                let entry: &mut TrimmedConversation = &mut out[i];
                entry.messages += 1;
            }
            None => {
                at.insert(ticket_id.clone(), out.len());
                out.push(TrimmedConversation {
                    ticket_id,
                    messages: 1,
                });
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::{BTreeMap, BTreeSet, HashMap};

    use desk_core::wire::{Change, LeftScope};
    use desk_core::{ErrorCode, MutationResult};
    use serde_json::value::RawValue;

    use super::*;
    use crate::seed::{Generator, SeedOptions};
    use crate::storage::{merge_page, message_ids, trim_rows};

    /// A change of every kind, generated records among them, and a message whose text
    /// holds everything JSON must escape. The backends' unit tests use it too.
    pub(crate) fn every_kind() -> Vec<Change> {
        let agent = desk_core::Agent {
            id: "a1".into(),
            name: "林伟".into(),
            email: "lin@desk.test".into(),
            role: desk_core::Role::Agent,
            languages: vec!["zh-CN".into()],
            groups: vec!["cn-support".into()],
            skills: vec![],
            capacity: None,
        };
        let options = SeedOptions {
            tickets: 6,
            ..SeedOptions::default()
        };
        let mut generator = Generator::new(options, vec![agent.clone()]);
        let mut changes = vec![Change::Agent(agent)];
        changes.extend(generator.customer_batches().into_iter().flatten());
        while let Some(batch) = generator.next_ticket_batch(10) {
            changes.extend(batch);
        }
        let mut hostile = changes
            .iter()
            .find_map(|c| match c {
                Change::Message(m) => Some(m.clone()),
                _ => None,
            })
            .expect("the generator writes messages");
        hostile.id = "m-hostile".into();
        hostile.body_text = "\"quoted\" \\ back\0nul\n\u{2028} </script> 🚀 转账".into();
        changes.push(Change::Message(hostile.clone()));
        changes.push(Change::Delivery(desk_core::Delivery {
            id: hostile.id.clone(),
            ticket_id: hostile.ticket_id.clone(),
            channel: desk_core::Channel::Email,
            recipient: Some("li.wei@example.cn".into()),
            mailbox: Some("support@desk.test".into()),
            state: desk_core::DeliveryState::Failed,
            attempts: 3,
            error: Some("550 5.1.1 <li.wei@example.cn>: 用户不存在".into()),
            created_at: 1,
            updated_at: 2,
            sent_at: None,
            next_attempt_at: None,
        }));
        changes.push(Change::Macro(desk_core::Macro {
            id: "mac1".into(),
            title: "确认指引".into(),
            bodies: BTreeMap::from([("zh-CN".into(), "请在钱包里点击确认".into())]),
            variables: vec![],
            actions: vec![],
            categories: vec![desk_core::Category::TransactionConfirmation],
            updated_at: 1,
            deleted_at: None,
        }));
        changes.push(Change::KbArticle(desk_core::KbArticle {
            id: "kb1".into(),
            translations: BTreeMap::from([(
                "en".into(),
                desk_core::KbTranslation {
                    title: "Why is my transfer unconfirmed?".into(),
                    body: "Tap Confirm.".into(),
                },
            )]),
            tags: vec![],
            categories: vec![],
            updated_at: 1,
            status: desk_core::ops::KbStatus::Published,
            deleted_at: None,
        }));
        changes.push(Change::Incident(desk_core::Incident {
            id: "inc1".into(),
            title: "TRON withdrawals delayed".into(),
            status: desk_core::IncidentStatus::Investigating,
            affected: vec!["TRON".into()],
            updates: vec![],
            started_at: 1,
            resolved_at: None,
        }));
        changes.push(Change::SlaPolicy(desk_core::SlaPolicy {
            id: "sla1".into(),
            name: "default".into(),
            targets: vec![],
            business_hours: desk_core::BusinessHours {
                time_zone: "Asia/Shanghai".into(),
                windows: vec![],
                holidays: vec![],
            },
            updated_at: 1,
        }));
        changes.push(Change::Group(desk_core::Group {
            id: "cn-support".into(),
            names: BTreeMap::from([
                ("zh-CN".into(), "中文一线".into()),
                ("en".into(), "Chinese tier 1".into()),
            ]),
            description: Some("大陆用户\n\"引号\"".into()),
            updated_at: 1,
            deleted_at: None,
        }));
        changes.push(Change::LeftScope(LeftScope::new(
            "t-moved",
            Some("cn-support"),
        )));
        changes
    }

    /// The record's JSON as a backend stores it: every other one spaced and indented, as
    /// a body the server did not write compactly would be.
    fn stored_body(change: &Change, spaced: bool) -> String {
        let wire = serde_json::to_string(change).unwrap();
        let parts: HashMap<String, Box<RawValue>> = serde_json::from_str(&wire).unwrap();
        let compact = parts["record"].get().to_owned();
        if !spaced {
            return compact;
        }
        let value: serde_json::Value = serde_json::from_str(&compact).unwrap();
        serde_json::to_string_pretty(&value).unwrap()
    }

    /// What the server answered before it passed records through: every stored change
    /// decoded, trimmed on the decoded message, and the response built of those.
    fn decoded_answer(
        rows: &[(FeedPosition, StoredChange)],
        acknowledged: &[(FeedPosition, Acknowledgement)],
        latest: &HashMap<String, String>,
        has_more: bool,
        next_cursor: &str,
        remaining: Option<u64>,
    ) -> PullResponse {
        let mut changes = Vec::new();
        let mut trimmed = Vec::new();
        for (position, stored) in rows {
            match stored.decode().unwrap() {
                Change::Message(m)
                    if latest.get(&m.ticket_id).is_some_and(|keep| *keep != m.id) =>
                {
                    trimmed.push((*position, m.ticket_id))
                }
                change => changes.push(change),
            }
        }
        PullResponse {
            schema_version: SCHEMA_VERSION,
            changes,
            next_cursor: next_cursor.to_owned(),
            has_more,
            acknowledged: acknowledged.iter().map(|(_, a)| a.clone()).collect(),
            remaining,
            trimmed: trimmed_conversations(trimmed),
        }
    }

    #[test]
    fn a_passed_through_page_reads_as_the_decoded_one_did() {
        let samples = every_kind();
        let kinds: BTreeSet<&str> = samples.iter().map(Change::kind).collect();
        assert_eq!(
            kinds,
            Change::KINDS.into_iter().collect(),
            "the page holds every kind the feed passes on"
        );
        let rows: Vec<(FeedPosition, StoredChange)> = samples
            .iter()
            .enumerate()
            .map(|(i, change)| {
                let position = FeedPosition {
                    version: 1 + i as i64 / 3,
                    ord: i as i64 % 3,
                };
                let body = stored_body(change, i % 2 == 1);
                (position, StoredChange::new(change.kind(), body).unwrap())
            })
            .collect();
        // Trim every ticket with two messages or more down to its last one, as a
        // bootstrap does to old closed conversations.
        let mut messages_of: HashMap<&str, Vec<&str>> = HashMap::new();
        for change in &samples {
            if let Change::Message(m) = change {
                messages_of.entry(&m.ticket_id).or_default().push(&m.id);
            }
        }
        let latest: HashMap<String, String> = messages_of
            .iter()
            .filter(|(_, ids)| ids.len() > 1)
            .map(|(ticket, ids)| (ticket.to_string(), ids.last().unwrap().to_string()))
            .collect();
        assert!(!latest.is_empty(), "some conversation is trimmed");
        let acknowledged = vec![
            (
                FeedPosition { version: 2, ord: 7 },
                Acknowledgement {
                    mutation_id: "mut-1".into(),
                    result: MutationResult::Applied,
                },
            ),
            (
                FeedPosition { version: 5, ord: 9 },
                Acknowledgement {
                    mutation_id: "mut-2".into(),
                    result: MutationResult::Rejected {
                        code: ErrorCode::BadRequest,
                        reason: "工单已关闭".into(),
                    },
                },
            ),
        ];
        let ids = message_ids(&rows).unwrap();
        let pulled = trim_rows(rows.clone(), ids, &latest);
        let limit = (rows.len() + acknowledged.len()) as u32;
        for remaining in [None, Some(17)] {
            let page = merge_page(pulled.clone(), acknowledged.clone(), limit, 0);
            assert!(
                !page.trimmed.is_empty() && page.acknowledged.len() == 2,
                "the page trims and acknowledges"
            );
            let sent = page_response(page, "42.0".into(), remaining);
            let bytes = serde_json::to_vec(&sent).unwrap();
            let read: PullResponse = serde_json::from_slice(&bytes).unwrap();
            let expected = decoded_answer(&rows, &acknowledged, &latest, false, "42.0", remaining);
            assert_eq!(read.schema_version, expected.schema_version);
            assert_eq!(read.changes, expected.changes, "the same changes, in order");
            assert_eq!(read.next_cursor, expected.next_cursor);
            assert_eq!(read.has_more, expected.has_more);
            assert_eq!(read.acknowledged, expected.acknowledged);
            assert_eq!(read.remaining, expected.remaining);
            assert_eq!(
                read.trimmed, expected.trimmed,
                "the same conversations trimmed"
            );
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
                serde_json::to_value(&expected).unwrap(),
                "the same JSON, field for field, `remaining` {remaining:?} included or left out alike"
            );
            assert_eq!(
                sent.decode().unwrap().changes,
                expected.changes,
                "what in-process callers read is what consoles read"
            );
            let text = String::from_utf8(bytes).unwrap();
            assert!(
                sent.changes.iter().all(|c| text.contains(c.record()))
                    && sent.changes.iter().any(|c| c.record().contains('\n')),
                "every stored body goes out as stored, spaced ones too, not encoded again"
            );
        }
    }

    #[test]
    fn cursor_text_round_trips() {
        let position = FeedPosition {
            version: 42,
            ord: 7,
        };
        let parsed = FeedPosition::parse_cursor(Some(&position.to_string())).unwrap();
        assert_eq!(
            parsed, position,
            "a cursor we hand out must parse back to its position"
        );
    }

    #[test]
    fn empty_or_absent_cursor_starts_from_zero() {
        for cursor in [None, Some("")] {
            assert_eq!(
                FeedPosition::parse_cursor(cursor).unwrap(),
                FeedPosition::ZERO,
                "bootstrap is a pull from zero"
            );
        }
    }

    #[test]
    fn malformed_cursors_are_bad_requests() {
        for text in [
            "abc",
            "1",
            "1.",
            ".1",
            "-1.0",
            "1.-2",
            "1.2.3",
            " 1.2",
            "+1.2",
            "1e3.0",
            "99999999999999999999.0",
        ] {
            let err = FeedPosition::parse_cursor(Some(text)).unwrap_err();
            assert!(
                matches!(err, Error::BadRequest(_)),
                "{text:?} must be refused as bad input, got {err:?}"
            );
        }
    }

    #[test]
    fn positions_order_by_version_then_ord() {
        let a = FeedPosition { version: 1, ord: 9 };
        let b = FeedPosition { version: 2, ord: 0 };
        assert!(
            a < b,
            "a later transaction sorts after every change of an earlier one"
        );
    }

    #[test]
    fn page_limit_defaults_and_caps() {
        let config = Config::default();
        assert_eq!(
            page_limit(&config, None),
            500,
            "absent limit uses the default"
        );
        assert_eq!(
            page_limit(&config, Some(1_000_000)),
            5000,
            "limit is capped"
        );
        assert_eq!(
            page_limit(&config, Some(0)),
            1,
            "a zero limit still makes progress"
        );
    }
}

//! The audit log (DESIGN.md §3 AuditEvent, §6): every agent and admin action, and every
//! ingestion, appends a row in the same transaction as the action, so an action is never
//! without its row nor a row without its action.
//!
//! Rows form a hash chain: `hash = sha256(prev_hash || canonical row)`, where the canonical
//! row is the JSON array `[seq, at, actor, action, subject, details]` (details being the
//! stored JSON text, hashed as stored). A head row (last seq, last hash) is kept beside the
//! log and updated in the same transaction, so deleting the newest rows is noticed too.
//! Appending serializes on that head row: one linear chain however many instances write.
//!
//! What the chain cannot catch: someone with write access to the database who rewrites a
//! row, every later row and the head. Anchoring the head outside the database (printing it
//! to a log shipped elsewhere) closes that; not done here.
//!
//! This module holds the rules (entries, hashing, verification) and must not depend on a
//! storage backend or on axum.

use std::fmt;

use desk_core::{Mutation, MutationResult};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::storage::Storage;

/// The `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest actor or subject kept, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in agent, by id.
    Agent(String),
    /// Someone at the server's command line, by OS user name.
    Operator(String),
    /// A platform or channel bridge, by the id of the ingestion secret that signed it.
    Ingest(String),
    /// The server itself (e.g. revoking a device whose refresh token was reused).
    System,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Agent(id) => write!(f, "agent:{id}"),
            Actor::Operator(name) => write!(f, "operator:{name}"),
            Actor::Ingest(key) => write!(f, "ingest:{key}"),
            Actor::System => f.write_str("system"),
        }
    }
}

/// One action to record; the storage gives it its seq, time and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub actor: String,
    pub action: &'static str,
    pub subject: String,
    /// Canonical JSON text.
    pub details: String,
}

impl AuditEntry {
    pub fn new(actor: &Actor, action: &'static str, subject: String, details: Value) -> Self {
        Self {
            actor: printable(&actor.to_string()),
            action,
            subject: printable(&subject),
            // serde_json writes a `Value` deterministically (object keys sorted), with any
            // control character escaped: the text has no NUL, which PostgreSQL refuses.
            details: details.to_string(),
        }
    }
}

/// Ids in actors and subjects come from requests too (a rejected mutation's ticket id):
/// control characters are replaced and the length bounded, so a row can always be stored.
fn printable(text: &str) -> String {
    text.chars()
        .take(MAX_NAME_CHARS)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// A stored row of the log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Which rows a reader of the log asks for ([`Storage::audit_search`]); every field that is
/// set must match. Rows come newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Who acted, as stored: `agent:<id>`, `operator:<name>`, `ingest:<key>`, `system`.
    pub actor: Option<String>,
    /// What it was about, as stored: `ticket:<id>`, `agent:<id>`, `mailbox:<address>`, ….
    pub subject: Option<String>,
    /// The action (`push.applied`), or a family of them ending in a dot (`agent.`).
    pub action: Option<String>,
    /// At or after, in milliseconds since the epoch.
    pub since: Option<i64>,
    /// Before, in milliseconds since the epoch.
    pub until: Option<i64>,
    /// Rows before this seq: the next page of a listing.
    pub before_seq: Option<i64>,
}

impl AuditFilter {
    /// The action filter as SQL matches it: `(text, is_prefix)`.
    pub fn action_match(&self) -> Option<(&str, bool)> {
        self.action.as_deref().map(|a| (a, a.ends_with('.')))
    }
}

/// The last row's seq and hash (0 and [`GENESIS_HASH`] for an empty log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

impl AuditHead {
    pub fn genesis() -> Self {
        Self {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }
}

/// The hash of a row with these columns after `prev_hash`.
pub fn row_hash(
    prev_hash: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
) -> String {
    let canonical = json!([seq, at, actor, action, subject, details]).to_string();
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(canonical.as_bytes());
    hex::encode(hasher.finalize())
}

/// Chains `entries` after `head`, all at time `at`; returns the rows and the new head.
pub fn chain(head: &AuditHead, at: i64, entries: Vec<AuditEntry>) -> (Vec<AuditRow>, AuditHead) {
    let mut head = head.clone();
    let rows = entries
        .into_iter()
        .map(|e| {
            let seq = head.seq + 1;
            let hash = row_hash(
                &head.hash, seq, at, &e.actor, e.action, &e.subject, &e.details,
            );
            let row = AuditRow {
                seq,
                at,
                actor: e.actor,
                action: e.action.to_owned(),
                subject: e.subject,
                details: e.details,
                prev_hash: std::mem::replace(&mut head.hash, hash.clone()),
                hash,
            };
            head.seq = seq;
            row
        })
        .collect();
    (rows, head)
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The first row that does not check out (for a missing row: the seq expected there).
    pub seq: i64,
    pub reason: String,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "audit row {}: {}", self.seq, self.reason)
    }
}

/// Walks rows in seq order, checking each against the one before.
#[derive(Debug, Clone)]
pub struct Verifier {
    last: AuditHead,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            last: AuditHead::genesis(),
        }
    }
}

impl Verifier {
    pub fn check(&mut self, row: &AuditRow) -> std::result::Result<(), Broken> {
        let expected = self.last.seq + 1;
        let broken = |seq, reason: String| Err(Broken { seq, reason });
        if row.seq != expected {
            return broken(
                expected,
                format!("missing (the next row present is {})", row.seq),
            );
        }
        if row.prev_hash != self.last.hash {
            return broken(
                row.seq,
                "prev_hash does not match the previous row's hash".into(),
            );
        }
        let recomputed = row_hash(
            &row.prev_hash,
            row.seq,
            row.at,
            &row.actor,
            &row.action,
            &row.subject,
            &row.details,
        );
        if recomputed != row.hash {
            return broken(row.seq, "contents do not match its hash (altered)".into());
        }
        self.last = AuditHead {
            seq: row.seq,
            hash: row.hash.clone(),
        };
        Ok(())
    }

    /// After the last row: the chain must end where the head says.
    pub fn finish(&self, head: &AuditHead) -> std::result::Result<i64, Broken> {
        if self.last.seq < head.seq {
            return Err(Broken {
                seq: self.last.seq + 1,
                reason: format!("missing (the log should run to row {})", head.seq),
            });
        }
        if self.last.hash != head.hash {
            return Err(Broken {
                seq: head.seq,
                reason: "the last row's hash does not match the recorded head".into(),
            });
        }
        Ok(self.last.seq)
    }
}

/// Rows read per page while verifying.
const VERIFY_PAGE: u32 = 1000;

/// Walks the whole chain in `storage`. `Ok(Ok(n))`: `n` rows, intact. `Ok(Err(broken))`:
/// the first row that does not check out. The head is read first and rows past it
/// ignored, so a server appending meanwhile does not make an intact log look broken.
pub async fn verify(storage: &dyn Storage) -> Result<std::result::Result<i64, Broken>> {
    let head = storage.audit_head().await?;
    let mut verifier = Verifier::default();
    let mut after = 0;
    while after < head.seq {
        let rows = storage.audit_rows(after, VERIFY_PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for row in rows.iter().take_while(|r| r.seq <= head.seq) {
            if let Err(broken) = verifier.check(row) {
                return Ok(Err(broken));
            }
        }
    }
    Ok(verifier.finish(&head))
}

// ---- the entries each action records ----

/// An agent added, and how they sign in first: a password the admin chose, or an
/// invitation (whose issue is its own entry, [`invitation_issued`]).
pub fn agent_added(by: &Actor, agent: &desk_core::Agent, invited: bool) -> AuditEntry {
    AuditEntry::new(
        by,
        "agent.add",
        format!("agent:{}", agent.id),
        json!({
            "email": agent.email,
            "role": agent.role.as_str(),
            "skills": agent.skills,
            "capacity": agent.capacity,
            "first_sign_in": if invited { "invitation" } else { "password" },
        }),
    )
}

/// An invitation issued; `replaced`: an earlier one of the agent's stopped working.
pub fn invitation_issued(
    by: &Actor,
    agent_id: &str,
    expires_at: i64,
    replaced: bool,
) -> AuditEntry {
    AuditEntry::new(
        by,
        "agent.invite",
        format!("agent:{agent_id}"),
        json!({ "expires_at": expires_at, "replaced": replaced }),
    )
}

/// An agent accepted their invitation: chose a password (and signs in, its own entry).
pub fn invitation_accepted(agent_id: &str) -> AuditEntry {
    AuditEntry::new(
        &Actor::Agent(agent_id.to_owned()),
        "agent.invitation_accepted",
        format!("agent:{agent_id}"),
        json!({}),
    )
}

pub fn agent_password_set(by: &Actor, agent_id: &str) -> AuditEntry {
    AuditEntry::new(
        by,
        "agent.password_set",
        format!("agent:{agent_id}"),
        json!({}),
    )
}

pub fn agent_disabled(by: &Actor, agent_id: &str, disabled: bool, devices: usize) -> AuditEntry {
    let action = if disabled {
        "agent.disable"
    } else {
        "agent.enable"
    };
    AuditEntry::new(
        by,
        action,
        format!("agent:{agent_id}"),
        json!({ "devices_revoked": devices }),
    )
}

pub fn agent_groups_set(
    by: &Actor,
    agent_id: &str,
    before: &[String],
    after: &[String],
) -> AuditEntry {
    AuditEntry::new(
        by,
        "agent.groups",
        format!("agent:{agent_id}"),
        json!({ "before": before, "after": after }),
    )
}

/// One entry per field an administrator changed of an agent.
pub fn agent_updated(
    by: &Actor,
    before: &desk_core::Agent,
    after: &desk_core::Agent,
) -> Vec<AuditEntry> {
    let target = format!("agent:{}", after.id);
    let mut entries = Vec::new();
    if before.groups != after.groups {
        entries.push(agent_groups_set(
            by,
            &after.id,
            &before.groups,
            &after.groups,
        ));
    }
    if before.role != after.role {
        entries.push(AuditEntry::new(
            by,
            "agent.role",
            target.clone(),
            json!({ "before": before.role, "after": after.role }),
        ));
    }
    if before.skills != after.skills {
        entries.push(AuditEntry::new(
            by,
            "agent.skills",
            target.clone(),
            json!({ "before": before.skills, "after": after.skills }),
        ));
    }
    if before.capacity != after.capacity {
        entries.push(AuditEntry::new(
            by,
            "agent.capacity",
            target.clone(),
            json!({ "before": before.capacity, "after": after.capacity }),
        ));
    }
    if before.name != after.name || before.languages != after.languages {
        entries.push(AuditEntry::new(
            by,
            "agent.profile",
            target,
            json!({
                "before": { "name": before.name, "languages": before.languages },
                "after": { "name": after.name, "languages": after.languages },
            }),
        ));
    }
    entries
}

pub fn login(agent_id: &str, device_id: &str, device_name: &str) -> AuditEntry {
    AuditEntry::new(
        &Actor::Agent(agent_id.to_owned()),
        "auth.login",
        format!("device:{device_id}"),
        json!({ "device_name": device_name }),
    )
}

pub fn device_revoked(by: &Actor, device_id: &str) -> AuditEntry {
    AuditEntry::new(by, "auth.logout", format!("device:{device_id}"), json!({}))
}

pub fn refresh_reused(device_id: &str) -> AuditEntry {
    AuditEntry::new(
        &Actor::System,
        "auth.refresh_reuse_revoked",
        format!("device:{device_id}"),
        json!({ "reason": "a rotated refresh token was presented again" }),
    )
}

/// A pushed mutation that got its (first) answer. The text an agent wrote is not copied
/// here: the log says who did what to which ticket, the message itself is in the feed.
pub fn mutation(
    author_id: &str,
    device_id: &str,
    m: &Mutation,
    result: &MutationResult,
) -> AuditEntry {
    let op = serde_json::to_value(&m.op)
        .ok()
        .and_then(|v| v.get("type").cloned())
        .unwrap_or(Value::Null);
    let (action, outcome) = match result {
        MutationResult::Applied => ("push.applied", Value::Null),
        MutationResult::Conflict { resolution } => ("push.conflict", json!(resolution)),
        MutationResult::Rejected { code, reason } => {
            ("push.rejected", json!({ "code": code, "reason": reason }))
        }
        MutationResult::Held { reason } => ("push.held", json!(reason)),
    };
    AuditEntry::new(
        &Actor::Agent(author_id.to_owned()),
        action,
        format!("ticket:{}", m.op.ticket_id()),
        json!({
            "mutation_id": m.id,
            "client_id": m.client_id,
            "seq": m.seq,
            "device_id": device_id,
            "op": op,
            "outcome": outcome,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize) -> Vec<AuditEntry> {
        (0..n)
            .map(|i| agent_password_set(&Actor::Operator("root".into()), &format!("a{i}")))
            .collect()
    }

    #[test]
    fn a_fresh_chain_verifies_and_links_each_row_to_the_one_before() {
        let (first, head) = chain(&AuditHead::genesis(), 5, entries(2));
        let (second, head) = chain(&head, 6, entries(1));
        let rows: Vec<_> = first.into_iter().chain(second).collect();
        assert_eq!(
            rows[0].prev_hash, GENESIS_HASH,
            "the chain starts at genesis"
        );
        assert_eq!(
            rows[2].prev_hash, rows[1].hash,
            "appends continue the chain"
        );
        let mut verifier = Verifier::default();
        for row in &rows {
            verifier.check(row).expect("an untouched chain verifies");
        }
        assert_eq!(
            verifier.finish(&head),
            Ok(3),
            "all three rows, ending at the head"
        );
    }

    #[test]
    fn altered_missing_and_truncated_rows_are_named() {
        let (rows, head) = chain(&AuditHead::genesis(), 5, entries(4));
        let run = |rows: &[AuditRow]| {
            let mut verifier = Verifier::default();
            for row in rows {
                verifier.check(row)?;
            }
            verifier.finish(&head)
        };
        let mut altered = rows.clone();
        altered[1].details = r#"{"evil":true}"#.into();
        assert_eq!(run(&altered).unwrap_err().seq, 2, "an edited row is named");
        let mut gap = rows.clone();
        gap.remove(2);
        assert_eq!(run(&gap).unwrap_err().seq, 3, "a deleted row is named");
        assert_eq!(
            run(&rows[..3]).unwrap_err().seq,
            4,
            "a deleted newest row is caught by the head"
        );
    }

    #[test]
    fn control_characters_never_reach_a_stored_name() {
        let entry = AuditEntry::new(&Actor::System, "x", "ticket:\0evil\n".into(), json!({}));
        assert!(
            !entry.subject.chars().any(char::is_control),
            "PostgreSQL cannot store NUL, and a log line must stay one line: {:?}",
            entry.subject
        );
    }
}

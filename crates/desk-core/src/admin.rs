//! What the administration API carries (DESIGN.md §3, §6): agents as administrators see
//! them, the changes they make, and the audit log as supervisors read it. The server, the
//! CLI and the console share these shapes; who may send them is `crate::access`'s call.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::{Agent, Role};

/// Longest agent name, in characters.
pub const MAX_AGENT_NAME_CHARS: usize = 100;
/// Most languages an agent answers in.
pub const MAX_LANGUAGES: usize = 20;

/// An agent's account as administrators see it: the agent every console syncs, and
/// whether it may sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AgentAccount {
    #[serde(flatten)]
    #[ts(flatten)]
    pub agent: Agent,
    pub disabled: bool,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// A new agent. Until invitations exist the administrator sets a first password and
/// hands it over; the agent changes it after signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewAgentRequest {
    pub email: String,
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    pub password: String,
}

/// What to change of an agent; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AgentUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub languages: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub groups: Option<Vec<String>>,
    /// Disabling signs the agent out everywhere at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub disabled: Option<bool>,
    /// A new password (its owner forgot theirs); their devices stay signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub password: Option<String>,
}

impl AgentUpdate {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A name for people: trimmed, 1–100 characters, no control characters.
pub fn check_agent_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_AGENT_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(format!(
            "an agent's name is 1-{MAX_AGENT_NAME_CHARS} characters without control characters"
        ));
    }
    Ok(name.to_owned())
}

/// BCP 47 tags as agents answer in them (`zh-CN`, `en`): letters, digits and hyphens,
/// 2–35 characters each, at most [`MAX_LANGUAGES`], deduplicated in order.
pub fn check_languages(languages: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::with_capacity(languages.len());
    for tag in languages {
        let tag = tag.trim();
        let shaped = (2..=35).contains(&tag.len())
            && tag.starts_with(|c: char| c.is_ascii_alphabetic())
            && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !shaped {
            return Err(format!("{tag:?} is not a language tag such as zh-CN or en"));
        }
        if !out.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            out.push(tag.to_owned());
        }
    }
    if out.len() > MAX_LANGUAGES {
        return Err(format!(
            "an agent answers in at most {MAX_LANGUAGES} languages"
        ));
    }
    Ok(out)
}

/// A reading of the audit log (`GET /audit`): every field given must match; newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Who acted: `agent:<id>`, `operator:<name>`, `ingest:<key>` or `system`.
    #[serde(default)]
    #[ts(optional)]
    pub actor: Option<String>,
    /// What it was about: `ticket:<id>`, `agent:<id>`, `mailbox:<address>`, ….
    #[serde(default)]
    #[ts(optional)]
    pub subject: Option<String>,
    /// An action (`push.applied`), or a family ending in a dot (`agent.`).
    #[serde(default)]
    #[ts(optional)]
    pub action: Option<String>,
    /// At or after (milliseconds since the epoch).
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub since: Option<i64>,
    /// Before (milliseconds since the epoch).
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub until: Option<i64>,
    /// Rows before this seq: the `next_before` of the previous page.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub before: Option<i64>,
    /// Rows per page: 1–1,000 (100 when absent); for an export, up to 100,000.
    #[serde(default)]
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AuditRecord {
    #[ts(type = "number")]
    pub seq: i64,
    #[ts(type = "number")]
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    #[ts(type = "unknown")]
    pub details: serde_json::Value,
    /// The row's link in the hash chain.
    pub hash: String,
}

/// A page of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AuditPage {
    pub entries: Vec<AuditRecord>,
    /// The query's `before` for the next page; `null` on the last.
    #[ts(type = "number | null")]
    pub next_before: Option<i64>,
}

/// Whether the whole chain checks out (`GET /audit/verify`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditCheck {
    pub intact: bool,
    /// Rows checked.
    #[ts(type = "number")]
    pub rows: i64,
    /// The first row that does not check out, and why.
    #[ts(type = "number | null")]
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_languages_are_checked_as_people_type_them() {
        assert_eq!(check_agent_name("  林伟 ").unwrap(), "林伟");
        assert!(check_agent_name(" ").is_err());
        assert!(check_agent_name("a\u{7}b").is_err());
        assert_eq!(
            check_languages(&["zh-CN".into(), " en ".into(), "ZH-cn".into()]).unwrap(),
            ["zh-CN", "en"]
        );
        assert!(check_languages(&["中文".into()]).is_err());
        assert!(check_languages(&["e".into()]).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("x{i:02}")).collect();
        assert!(check_languages(&many).is_err());
    }

    #[test]
    fn an_update_refuses_fields_it_does_not_know() {
        let err = serde_json::from_str::<AgentUpdate>(r#"{"rol": "admin"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let update: AgentUpdate = serde_json::from_str(r#"{"role": "supervisor"}"#).unwrap();
        assert_eq!(update.role, Some(Role::Supervisor));
        assert!(AgentUpdate::default().is_empty() && !update.is_empty());
    }
}

//! What the administration API carries (DESIGN.md §3, §6): agents as administrators see
//! them, the changes they make, and the audit log as supervisors read it. The server, the
//! CLI and the console share these shapes; who may send them is `crate::access`'s call.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use std::collections::BTreeMap;

use crate::domain::{Agent, Category, Role};
use crate::ops::{KbArticle, KbStatus, KbTranslation, Macro, MacroAction};

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
    /// Added with an invitation that was not accepted yet: the agent has no password and
    /// cannot sign in until they accept one (an admin may issue a fresh one).
    #[serde(default)]
    pub invitation_pending: bool,
    /// When the agent's current invitation stops working (past: expired); `null` when
    /// there is none.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub invited_until: Option<i64>,
}

/// A new agent. With a `password`, the administrator hands it over and the agent changes
/// it after signing in; without one, the server makes a single-use invitation
/// ([`NewAgentResponse::invitation`]) with which the agent chooses their own.
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
    /// See [`Agent::skills`].
    #[serde(default)]
    pub skills: Vec<Category>,
    /// See [`Agent::capacity`]; absent: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub capacity: Option<u32>,
    /// A first password; absent: an invitation instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub password: Option<String>,
}

/// A single-use invitation to choose a password and sign in (`POST /auth/invitation`).
/// The code is shown once, to the administrator who issued it: the server keeps only its
/// hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Invitation {
    /// Groups of letters and digits (`7KQ2-M9XD-…`); case, spaces and hyphens do not
    /// matter when it is typed back.
    pub code: String,
    #[ts(type = "number")]
    pub expires_at: i64,
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("code", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The answer to adding an agent (`POST /agents`): the account, and the invitation when
/// no password was given (the only time its code is shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewAgentResponse {
    #[serde(flatten)]
    #[ts(flatten)]
    pub account: AgentAccount,
    #[serde(default)]
    pub invitation: Option<Invitation>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub skills: Option<Vec<Category>>,
    /// A number sets the limit, `null` removes it; absent leaves it as it is.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "present")]
    #[ts(optional, type = "number | null")]
    pub capacity: Option<Option<u32>>,
    /// Disabling signs the agent out everywhere at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub disabled: Option<bool>,
    /// A new password (its owner forgot theirs); their devices stay signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub password: Option<String>,
}

/// A field whose `null` says something: absent is the `default` (`None`), `null` is
/// `Some(None)`.
mod present {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value
            .as_ref()
            .and_then(Option::as_ref)
            .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
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

/// Most open tickets an agent may be given as a capacity.
pub const MAX_CAPACITY: u32 = 500;

/// A capacity as stored: 1–[`MAX_CAPACITY`] open tickets, or `None` for no limit.
pub fn check_capacity(capacity: Option<u32>) -> Result<Option<u32>, String> {
    match capacity {
        Some(n) if !(1..=MAX_CAPACITY).contains(&n) => Err(format!(
            "capacity is 1-{MAX_CAPACITY} open tickets, or none for no limit, not {n}"
        )),
        other => Ok(other),
    }
}

/// Skills as stored: each category once, in the categories' order.
pub fn check_skills(skills: &[Category]) -> Vec<Category> {
    let mut out = skills.to_vec();
    out.sort();
    out.dedup();
    out
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

/// Longest macro or article title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest article body (Markdown), in bytes.
pub const MAX_ARTICLE_BYTES: usize = 200 * 1024;
/// Most tags on an article, most variables in a macro.
const MAX_LIST: usize = 50;

/// The placeholders a macro body may use: what the console fills from the open ticket
/// (ui/src/lib/macros.ts `macroVariables`). A placeholder outside this list would reach
/// a customer as `{{…}}`.
pub const MACRO_VARIABLES: &[&str] = &[
    "customer.name",
    "customer.email",
    "ticket.number",
    "ticket.subject",
    "agent.name",
    "transaction.amount",
    "transaction.asset",
    "transaction.chain",
    "transaction.hash",
    "transaction.confirmations",
    "transaction.required_confirmations",
];

/// A macro as a supervisor writes it (`PUT /macros/{id}`); the server stamps the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MacroInput {
    pub title: String,
    /// Body per language tag, with `{{variable}}` placeholders.
    pub bodies: BTreeMap<String, String>,
    #[serde(default)]
    pub actions: Vec<MacroAction>,
    #[serde(default)]
    pub categories: Vec<Category>,
}

/// An article as a supervisor writes it (`PUT /kb/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Per language tag: a title and a Markdown body.
    pub translations: BTreeMap<String, KbTranslation>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub categories: Vec<Category>,
    pub status: KbStatus,
}

/// Ids a client makes for a macro or an article: 1–64 letters, digits, `-`, `_`, `.`.
pub fn check_record_id(id: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{id:?} is not an id: 1-64 letters, digits, '-', '_' or '.'"
        ))
    }
}

fn check_title(title: &str, what: &str) -> Result<String, String> {
    let title = title.trim();
    if title.is_empty()
        || title.chars().count() > MAX_TITLE_CHARS
        || title.chars().any(char::is_control)
    {
        return Err(format!(
            "{what} is 1-{MAX_TITLE_CHARS} characters without control characters"
        ));
    }
    Ok(title.to_owned())
}

/// The placeholders `body` uses, as written between `{{` and `}}`, trimmed.
pub fn placeholders(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        out.push(after[..close].trim());
        rest = &after[close + 2..];
    }
    out
}

/// The macro `id` as stored from a supervisor's input at `now`, or why not: a title, at
/// least one body in a language tag, no body asking the customer for a secret (the
/// outgoing guard, as for a reply), only placeholders the console can fill, valid tags.
pub fn macro_from(id: &str, input: MacroInput, now: i64) -> Result<Macro, String> {
    check_record_id(id)?;
    let title = check_title(&input.title, "a macro's title")?;
    if input.bodies.is_empty() {
        return Err("a macro has a body in at least one language".into());
    }
    let languages: Vec<String> = input.bodies.keys().cloned().collect();
    check_languages(&languages)?;
    let mut variables: Vec<String> = Vec::new();
    for (language, body) in &input.bodies {
        if body.trim().is_empty() {
            return Err(format!("the {language} body is empty"));
        }
        if body.len() > crate::apply::MAX_BODY_BYTES || body.contains('\0') {
            return Err(format!(
                "the {language} body is over {} KiB or holds a NUL",
                crate::apply::MAX_BODY_BYTES / 1024
            ));
        }
        if let Some(asks) = crate::guard::asks_for_secret(body) {
            return Err(asks.to_error(&format!("the {language} body")).message);
        }
        for name in placeholders(body) {
            if !MACRO_VARIABLES.contains(&name) {
                return Err(format!(
                    "the {language} body uses {{{{{name}}}}}, which the console cannot fill; known: {}",
                    MACRO_VARIABLES.join(", ")
                ));
            }
            if !variables.iter().any(|v| v == name) {
                variables.push(name.to_owned());
            }
        }
    }
    let mut actions = Vec::with_capacity(input.actions.len());
    for action in input.actions {
        actions.push(match action {
            MacroAction::AddTags { tags } => MacroAction::AddTags {
                tags: crate::apply::clean_tags(&tags).map_err(|r| r.reason)?,
            },
            MacroAction::RemoveTags { tags } => MacroAction::RemoveTags {
                tags: crate::apply::clean_tags(&tags).map_err(|r| r.reason)?,
            },
            other => other,
        });
    }
    let mut categories = input.categories;
    categories.sort();
    categories.dedup();
    Ok(Macro {
        id: id.to_owned(),
        title,
        bodies: input.bodies,
        variables,
        actions,
        categories,
        updated_at: now,
        deleted_at: None,
    })
}

/// The article `id` as stored from a supervisor's input at `now`, or why not.
pub fn article_from(id: &str, input: ArticleInput, now: i64) -> Result<KbArticle, String> {
    check_record_id(id)?;
    if input.translations.is_empty() {
        return Err("an article has at least one language".into());
    }
    let languages: Vec<String> = input.translations.keys().cloned().collect();
    check_languages(&languages)?;
    let mut translations = BTreeMap::new();
    for (language, t) in input.translations {
        let title = check_title(&t.title, &format!("the {language} title"))?;
        if t.body.trim().is_empty() {
            return Err(format!("the {language} body is empty"));
        }
        if t.body.len() > MAX_ARTICLE_BYTES || t.body.contains('\0') {
            return Err(format!(
                "the {language} body is over {} KiB or holds a NUL",
                MAX_ARTICLE_BYTES / 1024
            ));
        }
        translations.insert(
            language,
            KbTranslation {
                title,
                body: t.body,
            },
        );
    }
    let tags = if input.tags.is_empty() {
        vec![]
    } else {
        crate::apply::clean_tags(&input.tags).map_err(|r| r.reason)?
    };
    if tags.len() > MAX_LIST {
        return Err(format!("an article has at most {MAX_LIST} tags"));
    }
    let mut categories = input.categories;
    categories.sort();
    categories.dedup();
    Ok(KbArticle {
        id: id.to_owned(),
        translations,
        tags,
        categories,
        updated_at: now,
        status: input.status,
        deleted_at: None,
    })
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

    fn input(zh: &str) -> MacroInput {
        MacroInput {
            title: " 等待确认指引 ".into(),
            bodies: BTreeMap::from([
                ("zh-CN".into(), zh.into()),
                ("en".into(), "Hi {{ customer.name }}, tap Confirm.".into()),
            ]),
            actions: vec![MacroAction::AddTags {
                tags: vec![" guide ".into(), "guide".into()],
            }],
            categories: vec![],
        }
    }

    #[test]
    fn a_macro_is_checked_like_a_reply_and_its_placeholders_collected() {
        let m = macro_from("m-1", input("{{customer.name}}您好，请点击确认。"), 7).unwrap();
        assert_eq!(m.title, "等待确认指引");
        assert_eq!(m.variables, ["customer.name"]);
        assert_eq!(
            m.actions,
            [MacroAction::AddTags {
                tags: vec!["guide".into()]
            }]
        );
        assert_eq!((m.updated_at, m.deleted_at), (7, None));
        let asks = macro_from("m-1", input("请把您的助记词发给我们核实。"), 7).unwrap_err();
        assert!(asks.contains("seed phrase"), "{asks}");
        let unknown = macro_from("m-1", input("{{customer.password}}"), 7).unwrap_err();
        assert!(unknown.contains("cannot fill; known: "), "{unknown}");
        assert!(macro_from("bad id", input("好的"), 7).is_err());
        let mut empty = input("好的");
        empty.bodies.clear();
        assert!(macro_from("m-1", empty, 7).is_err());
    }

    #[test]
    fn an_article_needs_a_title_and_body_per_language() {
        let ok = ArticleInput {
            translations: BTreeMap::from([(
                "zh-CN".into(),
                KbTranslation {
                    title: "如何确认提币".into(),
                    body: "打开 App → **资产**".into(),
                },
            )]),
            tags: vec![],
            categories: vec![Category::TransactionConfirmation],
            status: KbStatus::Draft,
        };
        let a = article_from("kb-1", ok.clone(), 9).unwrap();
        assert_eq!((a.status, a.updated_at), (KbStatus::Draft, 9));
        let mut untitled = ok;
        untitled.translations.get_mut("zh-CN").unwrap().title = " ".into();
        assert!(article_from("kb-1", untitled, 9).is_err());
    }

    #[test]
    fn an_update_refuses_fields_it_does_not_know() {
        let err = serde_json::from_str::<AgentUpdate>(r#"{"rol": "admin"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let update: AgentUpdate = serde_json::from_str(r#"{"role": "supervisor"}"#).unwrap();
        assert_eq!(update.role, Some(Role::Supervisor));
        assert!(AgentUpdate::default().is_empty() && !update.is_empty());
    }

    #[test]
    fn an_update_tells_a_capacity_removed_from_one_left_alone() {
        let parse = |json: &str| serde_json::from_str::<AgentUpdate>(json).unwrap().capacity;
        assert_eq!(parse("{}"), None, "absent: unchanged");
        assert_eq!(parse(r#"{"capacity": null}"#), Some(None), "null: no limit");
        assert_eq!(parse(r#"{"capacity": 12}"#), Some(Some(12)));
        let removed = AgentUpdate {
            capacity: Some(None),
            ..AgentUpdate::default()
        };
        assert_eq!(
            serde_json::to_string(&removed).unwrap(),
            r#"{"capacity":null}"#,
            "a removal is sent as null, not left out"
        );
        assert!(!removed.is_empty(), "removing the limit is a change");
    }

    #[test]
    fn capacity_and_skills_are_checked_as_stored() {
        assert_eq!(check_capacity(None), Ok(None));
        assert_eq!(check_capacity(Some(1)), Ok(Some(1)));
        assert_eq!(check_capacity(Some(MAX_CAPACITY)), Ok(Some(MAX_CAPACITY)));
        assert!(
            check_capacity(Some(0)).is_err(),
            "zero is no capacity at all"
        );
        assert!(check_capacity(Some(MAX_CAPACITY + 1)).is_err());
        assert_eq!(
            check_skills(&[
                Category::Security,
                Category::TransactionConfirmation,
                Category::Security
            ]),
            [Category::TransactionConfirmation, Category::Security],
            "deduplicated, in the categories' order"
        );
    }

    #[test]
    fn older_agents_and_accounts_parse_without_skills_capacity_or_invitations() {
        let agent: Agent = serde_json::from_str(
            r#"{"id":"a1","name":"Amy","email":"amy@x","role":"agent","languages":["en"]}"#,
        )
        .unwrap();
        assert_eq!((agent.skills.len(), agent.capacity), (0, None));
        let account: AgentAccount = serde_json::from_str(
            r#"{"id":"a1","name":"Amy","email":"amy@x","role":"agent","languages":[],
                "groups":[],"disabled":false,"created_at":1}"#,
        )
        .unwrap();
        assert_eq!(
            (account.invitation_pending, account.invited_until),
            (false, None)
        );
    }

    #[test]
    fn an_invitation_never_prints_its_code() {
        let invitation = Invitation {
            code: "7KQ2-M9XD".into(),
            expires_at: 1,
        };
        assert!(
            !format!("{invitation:?}").contains("7KQ2"),
            "{invitation:?}"
        );
    }
}

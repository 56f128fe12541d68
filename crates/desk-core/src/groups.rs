//! Groups (DESIGN.md §3): the teams tickets are routed to and agents work in, as records an
//! admin manages. A group's `id` is the key a ticket's `group` and an agent's `groups`
//! carry, so it never changes; what people read is its name, one per language (a Chinese
//! team reads 中文一线, an English one "Chinese tier 1").
//!
//! Tickets and agents still carry plain strings: a group named before groups were records,
//! or one deleted since, keeps working (scope compares ids, not records), and the console
//! shows its id where it has no name. Who may write a group is `crate::access`'s call
//! (`ManageGroups`, admins).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::admin::check_languages;

/// Longest group id, in characters: as long as a ticket's group may be.
pub const MAX_GROUP_ID_CHARS: usize = crate::apply::MAX_GROUP_CHARS;
/// Longest display name, in characters.
pub const MAX_GROUP_NAME_CHARS: usize = 100;
/// Longest description, in characters.
pub const MAX_GROUP_DESCRIPTION_CHARS: usize = 500;

/// A team: its id, its name per language, what it handles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Group {
    /// What tickets (`Ticket::group`) and agents (`Agent::groups`) carry.
    pub id: String,
    /// Display name per BCP 47 language tag (`zh-CN`, `en`); at least one.
    pub names: BTreeMap<String, String>,
    /// What the team handles, for the admins and agents choosing where a ticket goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub description: Option<String>,
    #[ts(type = "number")]
    pub updated_at: i64,
    /// Set when an admin deleted it: consoles drop it (the server keeps the record, so the
    /// deletion reaches every console through the feed like any edit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub deleted_at: Option<i64>,
}

impl Group {
    /// The name to show in `language`: the same tag, else one of the same base language
    /// (`zh` for `zh-CN`), else English, else the first it has.
    pub fn name_in(&self, language: &str) -> &str {
        let base = |tag: &str| {
            tag.split(['-', '_'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        };
        let wanted = base(language);
        self.names
            .iter()
            .find(|(tag, _)| tag.eq_ignore_ascii_case(language))
            .or_else(|| self.names.iter().find(|(tag, _)| base(tag) == wanted))
            .or_else(|| self.names.iter().find(|(tag, _)| base(tag) == "en"))
            .or_else(|| self.names.iter().next())
            .map_or(self.id.as_str(), |(_, name)| name.as_str())
    }
}

/// A group as an admin writes it (`PUT /groups/{id}`); the server stamps the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    /// Display name per language tag; at least one.
    pub names: BTreeMap<String, String>,
    /// Empty or absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub description: Option<String>,
}

/// A new group's id: 1–64 lowercase ASCII letters, digits, `-`, `_` or `.`, starting with
/// a letter or digit (`cn-support`, `vip-desk`). Stricter than what a ticket may carry:
/// an id is compared exactly wherever scope is decided, so `CN-Support` beside
/// `cn-support` would be two teams, and it goes into URLs and scripts as it is.
pub fn check_group_id(id: &str) -> Result<(), String> {
    let ok = (1..=MAX_GROUP_ID_CHARS).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{id:?} is not a group id: 1-{MAX_GROUP_ID_CHARS} lowercase letters, digits, '-', '_' or '.', starting with a letter or digit"
        ))
    }
}

/// The group `id` as stored from an admin's input at `now`, or why not: a valid id, a name
/// in at least one language (each trimmed, 1–100 characters, no control characters, one
/// per language), a description of at most 500 characters.
pub fn group_from(id: &str, input: GroupInput, now: i64) -> Result<Group, String> {
    check_group_id(id)?;
    if input.names.is_empty() {
        return Err("a group has a name in at least one language".into());
    }
    let languages: Vec<String> = input.names.keys().cloned().collect();
    let checked = check_languages(&languages)?;
    if checked.len() != languages.len() || checked.iter().zip(&languages).any(|(a, b)| a != b) {
        return Err(format!(
            "each language names a group once, as a trimmed tag: {}",
            languages.join(", ")
        ));
    }
    let mut names = BTreeMap::new();
    for (language, name) in input.names {
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_GROUP_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(format!(
                "the {language} name is 1-{MAX_GROUP_NAME_CHARS} characters without control characters"
            ));
        }
        names.insert(language, name.to_owned());
    }
    let description = match input.description.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text)
            if text.chars().count() > MAX_GROUP_DESCRIPTION_CHARS
                || text.chars().any(|c| c.is_control() && c != '\n') =>
        {
            return Err(format!(
                "a group's description is at most {MAX_GROUP_DESCRIPTION_CHARS} characters, without control characters but line breaks"
            ));
        }
        Some(text) => Some(text.to_owned()),
    };
    Ok(Group {
        id: id.to_owned(),
        names,
        description,
        updated_at: now,
        deleted_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(names: &[(&str, &str)]) -> GroupInput {
        GroupInput {
            names: names
                .iter()
                .map(|(l, n)| (l.to_string(), n.to_string()))
                .collect(),
            description: None,
        }
    }

    #[test]
    fn the_demo_desks_groups_are_valid_ids_and_people_typed_ones_are_not() {
        for id in [
            "cn-support",
            "vip-desk",
            "security",
            "disputes",
            "global-support",
            "tier_2",
            "l1.zh",
        ] {
            assert_eq!(check_group_id(id), Ok(()), "{id}");
        }
        for id in [
            "",
            "CN-support",
            "中文一线",
            "tier 1",
            "-lead",
            ".",
            "..",
            "a/b",
            &"g".repeat(MAX_GROUP_ID_CHARS + 1),
        ] {
            assert!(check_group_id(id).is_err(), "{id:?} must be refused");
        }
    }

    #[test]
    fn a_group_is_stored_with_trimmed_names_per_language() {
        let mut with_description = input(&[("zh-CN", " 中文一线 "), ("en", "Chinese tier 1")]);
        with_description.description = Some("  大陆用户的一线支持\n工作日 9-21 点 ".into());
        let g = group_from("cn-support", with_description, 7).unwrap();
        assert_eq!(g.names["zh-CN"], "中文一线", "names are trimmed");
        assert_eq!(
            g.description.as_deref(),
            Some("大陆用户的一线支持\n工作日 9-21 点")
        );
        assert_eq!((g.updated_at, g.deleted_at), (7, None));

        let mut blank = input(&[("en", "Security")]);
        blank.description = Some("   ".into());
        assert_eq!(
            group_from("security", blank, 1).unwrap().description,
            None,
            "a blank description is none"
        );
    }

    #[test]
    fn a_group_needs_a_name_and_clean_languages() {
        let refused = |id: &str, i: GroupInput, why: &str| {
            let err = group_from(id, i, 1).unwrap_err();
            assert!(err.contains(why), "{why}: {err}");
        };
        refused("cn-support", input(&[]), "at least one language");
        refused("cn-support", input(&[("zh-CN", "  ")]), "zh-CN name");
        refused("cn-support", input(&[("zh-CN", "a\u{7}b")]), "zh-CN name");
        refused(
            "cn-support",
            input(&[("en", &"n".repeat(MAX_GROUP_NAME_CHARS + 1))]),
            "en name",
        );
        refused("cn-support", input(&[("中文", "中文一线")]), "language tag");
        refused(
            "cn-support",
            input(&[("zh-CN", "中文一线"), ("zh-cn", "中文一线")]),
            "once",
        );
        refused("cn-support", input(&[(" en", "Tier 1")]), "once");
        refused("Tier 1", input(&[("en", "Tier 1")]), "not a group id");
        let mut long = input(&[("en", "Tier 1")]);
        long.description = Some("d".repeat(MAX_GROUP_DESCRIPTION_CHARS + 1));
        refused("tier-1", long, "description");
    }

    #[test]
    fn the_name_shown_follows_the_language_then_english_then_any() {
        let g = group_from(
            "cn-support",
            input(&[("zh-CN", "中文一线"), ("en", "Chinese tier 1")]),
            1,
        )
        .unwrap();
        assert_eq!(g.name_in("zh-CN"), "中文一线");
        assert_eq!(g.name_in("zh"), "中文一线", "the base language answers");
        assert_eq!(g.name_in("en-US"), "Chinese tier 1");
        assert_eq!(g.name_in("ja"), "Chinese tier 1", "else English");
        let only_zh = group_from("cn-support", input(&[("zh-CN", "中文一线")]), 1).unwrap();
        assert_eq!(only_zh.name_in("en"), "中文一线", "else the one it has");
    }

    #[test]
    fn an_input_refuses_fields_it_does_not_know() {
        let err = serde_json::from_str::<GroupInput>(r#"{"names": {"en": "Tier 1"}, "name": "x"}"#)
            .unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }
}

//! The demo desk's teams, each a group record with its name in Chinese and English: the
//! groups the generated tickets are routed to (`ticket.rs`).

use std::collections::BTreeMap;

use desk_core::Group;

/// `(id, zh-CN name, en name, description)`.
const SPECS: &[(&str, &str, &str, &str)] = &[
    (
        "cn-support",
        "中文一线",
        "Chinese tier 1",
        "中文客户的一线支持：确认、到账、账户与使用问题",
    ),
    (
        "global-support",
        "国际一线",
        "Global tier 1",
        "First-line support for customers writing in English",
    ),
    (
        "vip-desk",
        "VIP 专席",
        "VIP desk",
        "VIP and institutional customers, and large transactions before they are made",
    ),
    (
        "security",
        "安全组",
        "Security",
        "Locked accounts, suspicious activity, leaked recovery phrases, freezes",
    ),
    (
        "disputes",
        "争议处理",
        "Disputes",
        "Disputes and complaints that need evidence and a documented outcome",
    ),
];

/// The ids of the demo's groups, as the generated tickets carry them.
#[cfg(test)]
pub fn demo_group_ids() -> impl Iterator<Item = &'static str> {
    SPECS.iter().map(|(id, ..)| *id)
}

pub fn demo_groups(now_ms: i64) -> Vec<Group> {
    SPECS
        .iter()
        .map(|&(id, zh, en, description)| Group {
            id: id.to_owned(),
            names: BTreeMap::from([
                ("zh-CN".to_owned(), zh.to_owned()),
                ("en".to_owned(), en.to_owned()),
            ]),
            description: Some(description.to_owned()),
            updated_at: now_ms,
            deleted_at: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use desk_core::groups::{GroupInput, group_from};

    use super::*;

    #[test]
    fn every_demo_group_is_one_an_admin_could_write() {
        for g in demo_groups(7) {
            let input = GroupInput {
                names: g.names.clone(),
                description: g.description.clone(),
            };
            assert_eq!(
                group_from(&g.id, input, 7),
                Ok(g.clone()),
                "{} passes desk-core's checks unchanged",
                g.id
            );
        }
    }
}

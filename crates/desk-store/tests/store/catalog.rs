//! The choices the console offers: agents to assign to, macros for the composer.

use std::collections::BTreeMap;

use desk_core::wire::Change;
use desk_core::*;
use desk_store::{Store, body_for};

fn a_macro(id: &str, title: &str, bodies: &[(&str, &str)]) -> Macro {
    Macro {
        id: id.into(),
        title: title.into(),
        bodies: bodies
            .iter()
            .map(|(l, b)| (l.to_string(), b.to_string()))
            .collect::<BTreeMap<_, _>>(),
        variables: vec!["customer.name".into()],
        actions: vec![],
        categories: vec![],
        updated_at: 1,
        deleted_at: None,
    }
}

#[test]
fn agents_and_macros_come_from_the_cache_by_name_and_language() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("cache.sqlite3")).unwrap();
    let mut zoe = crate::agent("a-zoe");
    zoe.name = "Zoe".into();
    let mut chen = crate::agent("a-chen");
    chen.name = "Chen Jing".into();
    store
        .apply_pull_page(
            &[
                Change::Agent(zoe),
                Change::Agent(chen),
                Change::Macro(a_macro(
                    "m-confirm",
                    "Confirm in wallet",
                    &[
                        ("en", "Hi {{customer.name}}, please confirm."),
                        ("zh-CN", "{{customer.name}}您好，请在钱包中确认。"),
                    ],
                )),
                Change::Macro(a_macro(
                    "m-apology",
                    "Apology",
                    &[("en", "Sorry {{customer.name}}.")],
                )),
            ],
            "c1",
        )
        .unwrap();

    let names: Vec<String> = store
        .agents()
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(
        names,
        ["Chen Jing", "Zoe"],
        "the assignee picker lists agents by name"
    );

    let titles = |lang: Option<&str>| -> Vec<String> {
        store
            .macros(lang)
            .unwrap()
            .into_iter()
            .map(|m| m.title)
            .collect()
    };
    assert_eq!(
        titles(None),
        ["Apology", "Confirm in wallet"],
        "every macro, by title"
    );
    assert_eq!(
        titles(Some("zh-CN")),
        ["Confirm in wallet"],
        "only macros with a body in the customer's language"
    );
    assert_eq!(
        titles(Some("zh")),
        ["Confirm in wallet"],
        "a base language finds its regional body"
    );
    assert_eq!(
        titles(Some("en-GB")),
        ["Apology", "Confirm in wallet"],
        "a regional variant finds the base language's body"
    );
    assert!(titles(Some("ja")).is_empty(), "no body, no macro");

    let confirm = &store.macros(None).unwrap()[1];
    assert_eq!(
        body_for(confirm, "ZH-cn"),
        Some("{{customer.name}}您好，请在钱包中确认。"),
        "tags compare without case"
    );
    assert_eq!(
        body_for(confirm, "en-US"),
        Some("Hi {{customer.name}}, please confirm.")
    );
}

fn incident(id: &str, status: IncidentStatus, started_at: i64) -> Incident {
    Incident {
        id: id.into(),
        title: format!("outage {id}"),
        status,
        affected: vec!["TRON withdrawals".into()],
        updates: vec![],
        started_at,
        resolved_at: None,
    }
}

#[test]
fn active_incidents_are_listed_newest_first_with_their_open_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("cache.sqlite3")).unwrap();
    let linked = |id: &str, n: i64, status: TicketStatus, inc: &str| {
        let mut t = crate::ticket(id, n, "c1", status, None, 100 + n);
        t.incident_id = Some(inc.into());
        Change::Ticket(t)
    };
    store
        .apply_pull_page(
            &[
                Change::Customer(crate::customer("c1", "王小明")),
                Change::Incident(incident("inc-old", IncidentStatus::Monitoring, 10)),
                Change::Incident(incident("inc-new", IncidentStatus::Investigating, 20)),
                Change::Incident(incident("inc-done", IncidentStatus::Resolved, 30)),
                linked("t1", 1, TicketStatus::Open, "inc-new"),
                linked("t2", 2, TicketStatus::PendingCustomer, "inc-new"),
                linked("t3", 3, TicketStatus::Solved, "inc-new"),
                linked("t4", 4, TicketStatus::Open, "inc-done"),
            ],
            "c1",
        )
        .unwrap();
    let listed: Vec<(String, u32)> = store
        .active_incidents()
        .unwrap()
        .into_iter()
        .map(|i| (i.incident.id, i.open_tickets))
        .collect();
    assert_eq!(
        listed,
        [("inc-new".to_string(), 2), ("inc-old".to_string(), 0)],
        "resolved incidents leave the sidebar; solved tickets are not counted"
    );
}

fn group(id: &str, names: &[(&str, &str)], deleted_at: Option<i64>) -> Group {
    Group {
        id: id.into(),
        names: names
            .iter()
            .map(|(l, n)| (l.to_string(), n.to_string()))
            .collect(),
        description: None,
        updated_at: 1,
        deleted_at,
    }
}

#[test]
fn groups_come_from_the_cache_and_a_deleted_one_leaves_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("cache.sqlite3")).unwrap();
    store
        .apply_pull_page(
            &[
                Change::Group(group(
                    "vip-desk",
                    &[("zh-CN", "VIP 专席"), ("en", "VIP desk")],
                    None,
                )),
                Change::Group(group(
                    "cn-support",
                    &[("zh-CN", "中文一线"), ("en", "Chinese tier 1")],
                    None,
                )),
                Change::Group(group("disputes", &[("en", "Disputes")], None)),
            ],
            "c1",
        )
        .unwrap();
    let ids = |store: &Store| -> Vec<String> {
        store.groups().unwrap().into_iter().map(|g| g.id).collect()
    };
    assert_eq!(ids(&store), ["cn-support", "disputes", "vip-desk"], "by id");
    assert_eq!(store.groups().unwrap()[0].names["zh-CN"], "中文一线");

    // Renamed, and one deleted by an admin: the cache follows.
    store
        .apply_pull_page(
            &[
                Change::Group(group("cn-support", &[("zh-CN", "中文二线")], None)),
                Change::Group(group("disputes", &[("en", "Disputes")], Some(2))),
            ],
            "c2",
        )
        .unwrap();
    assert_eq!(ids(&store), ["cn-support", "vip-desk"], "deleted: gone");
    assert_eq!(
        store.groups().unwrap()[0].names.keys().collect::<Vec<_>>(),
        ["zh-CN"],
        "a write replaces the whole record"
    );

    store.clear().unwrap();
    assert!(
        store.groups().unwrap().is_empty(),
        "a re-bootstrap starts without them"
    );
}

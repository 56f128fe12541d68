//! Scope by group from the outside (DESIGN.md §4): an agent who works in some groups
//! caches only their tickets, and when an operator changes its groups its next sync
//! starts over and leaves nothing of the old groups in the cache; a ticket handed to
//! another team leaves it too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use testsupport::{KeyringSession, ServerProcess, server_cmd};

use super::{EMAIL, PASSWORD, add_agent, desk, login, ok_json};

const BO: &str = "bo@desk.test";

fn cached(keyring: &KeyringSession, home: &Path) -> BTreeSet<String> {
    let list = ok_json(&desk(
        keyring,
        home,
        &["--json", "tickets", "--view", "all", "--limit", "1000"],
        "",
    ));
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

fn set_groups(server: &ServerProcess, groups: &str) {
    server_cmd(
        &[
            "agent",
            "set-groups",
            "--data-dir",
            server.data_dir.to_str().unwrap(),
            "--email",
            BO,
            "--groups",
            groups,
        ],
        "",
    );
}

#[test]
fn an_agent_caches_its_groups_tickets_and_starts_over_when_they_change() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 24, EMAIL, PASSWORD);
    add_agent(&server, BO, "agent", "bo-password");
    set_groups(&server, "cn-support");
    let keyring = KeyringSession::start(tmp.path());

    // Amy works in no group: she caches every ticket, the reference for their groups.
    let amy = tmp.path().join("amy");
    ok_json(&login(&keyring, &amy, &server.url, EMAIL, PASSWORD));
    ok_json(&desk(&keyring, &amy, &["--json", "sync"], ""));
    let mut by_group: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for id in cached(&keyring, &amy) {
        let shown = ok_json(&desk(&keyring, &amy, &["--json", "show", &id], ""));
        let group = shown["ticket"]["group"].as_str().unwrap_or("").to_owned();
        by_group.entry(group).or_default().insert(id);
    }
    assert!(
        by_group.len() >= 2 && by_group.contains_key("cn-support"),
        "the demo spreads tickets over several groups: {by_group:?}"
    );

    let bo = tmp.path().join("bo");
    ok_json(&login(&keyring, &bo, &server.url, BO, "bo-password"));
    ok_json(&desk(&keyring, &bo, &["--json", "sync"], ""));
    assert_eq!(
        cached(&keyring, &bo),
        by_group["cn-support"],
        "Bo caches the cn-support tickets only"
    );

    let other = by_group
        .keys()
        .find(|g| *g != "cn-support" && !g.is_empty())
        .unwrap()
        .clone();
    set_groups(&server, &other);
    ok_json(&desk(&keyring, &bo, &["--json", "sync"], ""));
    assert_eq!(
        cached(&keyring, &bo),
        by_group[&other],
        "after the change, Bo's cache holds {other} only: nothing of cn-support lingers"
    );
    // Amy hands one of those tickets to cn-support: it leaves Bo's cache at his next sync.
    let handed = by_group[&other].iter().next().unwrap().clone();
    let set = desk(
        &keyring,
        &amy,
        &["set", &handed, "--group", "cn-support"],
        "",
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    ok_json(&desk(&keyring, &amy, &["--json", "sync"], ""));
    ok_json(&desk(&keyring, &bo, &["--json", "sync"], ""));
    let mut expected = by_group[&other].clone();
    expected.remove(&handed);
    assert_eq!(
        cached(&keyring, &bo),
        expected,
        "the ticket handed to another team left Bo's cache"
    );
    let shown = ok_json(&desk(&keyring, &amy, &["--json", "show", &handed], ""));
    assert_eq!(shown["ticket"]["group"], "cn-support");
    assert!(
        shown["ticket"]["assignee_id"].is_null(),
        "and it waits unassigned"
    );
    let status = ok_json(&desk(&keyring, &bo, &["--json", "status"], ""));
    assert!(
        status.to_string().contains(BO),
        "Bo is still signed in after starting over: {status}"
    );

    // With no groups, Bo sees every ticket, like Amy.
    set_groups(&server, "");
    ok_json(&desk(&keyring, &bo, &["--json", "sync"], ""));
    assert_eq!(cached(&keyring, &bo), cached(&keyring, &amy));
    assert!(cached(&keyring, &bo).contains(&handed));
}

//! Presence between two consoles (DESIGN.md §8 "X is replying"): one agent announces, the
//! other sees it; it is best-effort, so with the server gone it answers nobody, queues
//! nothing, and does not fail.

use serde_json::Value;

use super::{desk, ok_json, two_agents};

#[test]
fn an_agent_sees_who_else_is_on_a_ticket_and_nothing_when_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let agents = two_agents(tmp.path(), 5, "agent");
    let (keyring, amy, bo) = (&agents.keyring, agents.amy.as_path(), agents.bo.as_path());
    ok_json(&desk(keyring, amy, &["--json", "sync"], ""));
    ok_json(&desk(keyring, bo, &["--json", "sync"], ""));
    let tickets = ok_json(&desk(
        keyring,
        amy,
        &["--json", "tickets", "--view", "all"],
        "",
    ));
    let ticket = tickets[0]["id"].as_str().unwrap().to_owned();
    let presence = |home, args: &[&str]| {
        let mut all = vec!["--json", "presence", ticket.as_str()];
        all.extend_from_slice(args);
        ok_json(&desk(keyring, home, &all, ""))
    };

    assert_eq!(
        presence(amy, &["--state", "replying"]),
        Value::Array(vec![]),
        "nobody else is on the ticket yet, and an agent never sees themself"
    );
    let seen = presence(bo, &["--state", "viewing"]);
    assert_eq!(seen.as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(seen[0]["agent_id"], agents.amy_id.as_str());
    assert_eq!(seen[0]["state"], "replying", "Bo sees Amy replying: {seen}");
    let seen = presence(amy, &[]);
    assert_eq!(
        (seen[0]["agent_id"].as_str(), seen[0]["state"].as_str()),
        (Some(agents.bo_id.as_str()), Some("viewing")),
        "Amy sees Bo viewing: {seen}"
    );
    presence(amy, &["--state", "leave"]);
    assert_eq!(
        presence(bo, &[]),
        Value::Array(vec![]),
        "Amy left the ticket"
    );

    agents.server.stop();
    assert_eq!(
        presence(bo, &["--state", "replying"]),
        Value::Array(vec![]),
        "offline, presence answers nobody instead of failing"
    );
    let outbox = ok_json(&desk(keyring, bo, &["--json", "outbox"], ""));
    assert_eq!(
        outbox,
        Value::Array(vec![]),
        "presence is never queued for later"
    );
}

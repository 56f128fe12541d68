//! What the cache keeps (DESIGN.md §4 Scope): old closed conversations are evicted after a
//! sync, shown whole again when opened online, and marked as elsewhere when opened offline.

use serde_json::Value;
use testsupport::{KeyringSession, ServerProcess};

use super::{EMAIL, PASSWORD, desk, login, ok_json};

fn ids_of(messages: &Value) -> Vec<String> {
    messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn old_closed_conversations_are_evicted_and_fetched_back_when_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 60, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    // Amy keeps closed conversations for 0 days: every closed one goes after a sync.
    // Bo keeps the default and sees every conversation whole: the reference.
    let (amy, bo) = (tmp.path().join("amy"), tmp.path().join("bo"));
    ok_json(&login(&keyring, &amy, &server.url, EMAIL, PASSWORD));
    ok_json(&login(&keyring, &bo, &server.url, EMAIL, PASSWORD));
    // Amy's bootstrap brings closed conversations down to their latest message on the
    // server's side already (the pull's `closed_before`); Bo's brings everything.
    let amy_sync = ok_json(&desk(
        &keyring,
        &amy,
        &["--json", "--keep-closed-days", "0", "sync"],
        "",
    ));
    let bo_sync = ok_json(&desk(&keyring, &bo, &["--json", "sync"], ""));
    let rows = |sync: &Value| {
        (
            sync["changes"].as_u64().unwrap(),
            sync["trimmed"].as_u64().unwrap(),
        )
    };
    let ((amy_sent, amy_trimmed), (bo_sent, bo_trimmed)) = (rows(&amy_sync), rows(&bo_sync));
    assert!(
        amy_trimmed > bo_trimmed,
        "the server left more closed messages out of Amy's bootstrap than out of Bo's, \
         whose window keeps the recently closed: {amy_sync} {bo_sync}"
    );
    assert_eq!(
        amy_sent + amy_trimmed,
        bo_sent + bo_trimmed,
        "every row of the feed was either sent or named as trimmed"
    );

    let all = ok_json(&desk(
        &keyring,
        &amy,
        &["--json", "tickets", "--view", "all", "--limit", "1000"],
        "",
    ));
    let closed: Vec<String> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| matches!(t["status"].as_str(), Some("solved" | "closed")))
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    let whole = |id: &str| ok_json(&desk(&keyring, &bo, &["--json", "show", id], ""));
    // Closed tickets whose conversation has more than its latest message to evict.
    let long: Vec<&String> = closed
        .iter()
        .filter(|id| whole(id)["messages"].as_array().unwrap().len() > 1)
        .collect();
    assert!(
        long.len() >= 2,
        "the seed has closed tickets with conversations: {} of {}",
        long.len(),
        closed.len()
    );
    assert_eq!(
        all.as_array().unwrap().len(),
        60,
        "eviction keeps every ticket: history and counts stay whole"
    );
    assert!(
        !bo_sees_evicted(&keyring, &bo, long[0]),
        "the default window keeps a recently closed conversation"
    );

    // Online: opening an evicted conversation fetches it whole.
    let shown = ok_json(&desk(&keyring, &amy, &["--json", "show", long[0]], ""));
    assert_eq!(
        shown["conversation_on_server"], false,
        "fetched back, the conversation is whole"
    );
    assert_eq!(
        ids_of(&shown["messages"]),
        ids_of(&whole(long[0])["messages"]),
        "the same messages as a cache that never evicted, in order"
    );

    // Offline: the latest message and a clear note, no error.
    server.stop();
    let out = desk(&keyring, &amy, &["--json", "show", long[1]], "");
    let offline = ok_json(&out);
    assert_eq!(
        offline["conversation_on_server"], true,
        "offline, the detail says the rest is on the server"
    );
    let kept = ids_of(&offline["messages"]);
    let reference = ids_of(&whole(long[1])["messages"]);
    assert_eq!(
        kept.as_slice(),
        &reference[reference.len() - 1..],
        "the latest message stays cached, so the inbox keeps its preview"
    );
    let refetched = ok_json(&desk(&keyring, &amy, &["--json", "show", long[0]], ""));
    assert_eq!(
        ids_of(&refetched["messages"]),
        ids_of(&whole(long[0])["messages"]),
        "a conversation fetched once stays cached for offline use"
    );
}

fn bo_sees_evicted(keyring: &KeyringSession, bo: &std::path::Path, id: &str) -> bool {
    ok_json(&desk(keyring, bo, &["--json", "show", id], ""))["conversation_on_server"] == true
}

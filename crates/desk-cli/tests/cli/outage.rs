//! The outage drill (DESIGN.md §4): two agents keep working through the CLI while the
//! server is down, with conflicting edits and replies, and one agent's sync loop crashes;
//! when the server returns, the documented resolution happens, the held reply waits for
//! its agent, and everything converges.

use std::path::Path;

use serde_json::Value;
use testsupport::KeyringSession;

use super::{TwoAgents, desk, ok_json, two_agents};

fn act(keyring: &KeyringSession, home: &Path, args: &[&str], stdin: &str) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    ok_json(&desk(keyring, home, &all, stdin))
}

fn show(keyring: &KeyringSession, home: &Path, id: &str) -> Value {
    act(keyring, home, &["show", id], "")
}

fn texts(detail: &Value) -> Vec<String> {
    detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body_text"].as_str().unwrap().to_owned())
        .collect()
}

fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn two_agents_work_through_an_outage_and_converge() {
    let tmp = tempfile::tempdir().unwrap();
    let TwoAgents {
        server,
        keyring,
        amy,
        bo,
        amy_id,
        bo_id,
    } = two_agents(tmp.path(), 12, "agent");
    act(&keyring, &amy, &["sync"], "");
    act(&keyring, &bo, &["sync"], "");
    let open = act(&keyring, &amy, &["tickets", "--view", "unassigned"], "");
    let open = open.as_array().unwrap();
    assert!(open.len() >= 2, "the seed has unassigned open tickets");
    let (t1, t2) = (
        open[0]["id"].as_str().unwrap().to_owned(),
        open[1]["id"].as_str().unwrap().to_owned(),
    );
    let t2_before = texts(&show(&keyring, &amy, &t2)).len();

    // The server goes down; both agents keep working.
    let stopped = server.go_down();
    let amy_claim = act(
        &keyring,
        &amy,
        &["set", &t1, "--claim", "--priority", "high", "--tag", "+vip"],
        "",
    );
    assert_eq!(amy_claim["sent"], false, "offline: queued, not an error");
    assert!(
        amy_claim["mutations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["state"] == "pending"),
        "{amy_claim}"
    );
    act(
        &keyring,
        &bo,
        &["set", &t1, "--claim", "--tag", "+usdt"],
        "",
    );
    let mine = act(&keyring, &amy, &["tickets", "--view", "mine"], "");
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == t1.as_str()),
        "Amy sees her own claim while offline"
    );
    act(
        &keyring,
        &bo,
        &["reply", &t2, "--body-file", "-"],
        "Bo: 您好，交易已确认，请查收。",
    );
    let amy_reply = act(
        &keyring,
        &amy,
        &["reply", &t2, "--body-file", "-"],
        "Amy: we are checking your withdrawal now.",
    );
    let amy_reply_id = amy_reply["mutations"][0]["mutation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        act(&keyring, &amy, &["outbox"], "")
            .as_array()
            .unwrap()
            .len(),
        4,
        "claim, priority, tag and reply are queued"
    );

    // Amy's console crashes mid-outage: its sync loop is retrying when it is killed -9.
    let mut console = std::process::Command::new(env!("CARGO_BIN_EXE_desk"));
    keyring
        .apply(&mut console)
        .arg("--home")
        .arg(&amy)
        .args(["--json", "sync", "--watch"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut console = console.spawn().expect("start Amy's sync loop");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        console.try_wait().unwrap().is_none(),
        "the sync loop keeps running offline, retrying"
    );
    console.kill().expect("SIGKILL the sync loop");
    console.wait().unwrap();
    assert_eq!(
        act(&keyring, &amy, &["outbox"], "")
            .as_array()
            .unwrap()
            .len(),
        4,
        "a crash mid-outage loses none of the queued work"
    );

    // The server returns. Bo's work reaches it first.
    let server = stopped.restart();
    let bo_sync = act(&keyring, &bo, &["sync"], "");
    assert!(
        bo_sync["answers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["result"]["outcome"] == "applied"),
        "Bo's claim, tag and reply apply: {bo_sync}"
    );
    assert_eq!(bo_sync["pending"], 0);

    let amy_sync = act(&keyring, &amy, &["sync"], "");
    let outcomes: Vec<&str> = amy_sync["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["result"]["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["applied", "conflict", "applied", "held"],
        "in the order she worked: priority applies, her claim lost (and she is told), the \
         tag applies, the reply waits: {amy_sync}"
    );
    let outbox = act(&keyring, &amy, &["outbox"], "");
    let outbox = outbox.as_array().unwrap();
    assert_eq!(outbox.len(), 1, "only the held reply is left: {outbox:?}");
    assert_eq!(outbox[0]["state"], "held");
    assert_eq!(outbox[0]["mutation"]["id"], amy_reply_id.as_str());
    let t2_amy = show(&keyring, &amy, &t2);
    assert!(
        texts(&t2_amy).iter().any(|t| t.starts_with("Bo:")),
        "Amy now sees Bo's answer before deciding"
    );

    // Amy has read Bo's answer and sends hers after all.
    let released = act(&keyring, &amy, &["outbox", "--release", &amy_reply_id], "");
    assert_eq!(released["sent"], true);
    assert_eq!(released["mutations"][0]["state"], "settled", "{released}");
    assert!(
        act(&keyring, &amy, &["outbox"], "")
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Everyone converges on the server's resolution.
    act(&keyring, &bo, &["sync"], "");
    act(&keyring, &amy, &["sync"], "");
    for home in [&amy, &bo] {
        let t = show(&keyring, home, &t1);
        assert_eq!(
            t["ticket"]["assignee_id"],
            bo_id.as_str(),
            "the first claim won"
        );
        assert_eq!(t["ticket"]["priority"], "high", "Amy's priority stands");
        let tags = sorted(&t["ticket"]["tags"]);
        assert!(
            tags.contains(&"vip".to_owned()) && tags.contains(&"usdt".to_owned()),
            "tags merge as a set: {tags:?}"
        );
        let conversation = texts(&show(&keyring, home, &t2));
        assert_eq!(conversation.len(), t2_before + 2, "{conversation:?}");
        for who in ["Bo:", "Amy:"] {
            assert_eq!(
                conversation.iter().filter(|t| t.starts_with(who)).count(),
                1,
                "{who}'s reply arrived exactly once"
            );
        }
    }
    assert_ne!(amy_id, bo_id);
    drop(server);
}

//! Realtime: a change one agent makes reaches another agent's running `desk sync --watch`
//! by the server's poke, not by polling (the poll period is set to an hour here).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use testsupport::terminate;

use super::{TwoAgents, desk, ok_json, two_agents};

/// Stops the watcher however the test ends.
struct Watcher(std::process::Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        terminate(&mut self.0);
    }
}

#[test]
fn a_change_reaches_a_watching_console_by_poke() {
    let tmp = tempfile::tempdir().unwrap();
    let TwoAgents {
        server: _server,
        keyring,
        amy,
        bo,
        ..
    } = two_agents(tmp.path(), 20, "agent");
    ok_json(&desk(&keyring, &amy, &["--json", "sync"], ""));

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_desk"));
    keyring
        .apply(&mut cmd)
        .env("DESK_SYNC_POLL_SECS", "3600")
        .arg("--home")
        .arg(&bo)
        .args(["--json", "sync", "--watch"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut watch = Watcher(cmd.spawn().unwrap());
    let (tx, rx) = mpsc::channel::<serde_json::Value>();
    let stdout = watch.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                return;
            }
        }
    });
    let next = |what: &str| {
        rx.recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no sync line from the watcher: {what}"))
    };
    // The first sync at start (bootstrap), then one once the event stream is up: from
    // then on only a poke can bring a change within the hour.
    assert!(next("bootstrap")["changes"].as_u64().unwrap() > 0);
    next("on connect");

    let tickets = ok_json(&desk(
        &keyring,
        &amy,
        &["--json", "tickets", "--view", "open"],
        "",
    ));
    let id = tickets[0]["id"].as_str().unwrap().to_owned();
    let tagged = ok_json(&desk(
        &keyring,
        &amy,
        &["--json", "set", &id, "--tag", "+realtime"],
        "",
    ));
    assert_eq!(tagged["sent"], true, "{tagged}");

    // The stream's own first poke may still bring an empty sync; the change must follow.
    let report = loop {
        let r = next("after Amy's change");
        if r["changes"].as_u64().unwrap() >= 1 {
            break r;
        }
    };
    assert!(report["changes"].as_u64().unwrap() >= 1, "{report}");
    let shown = ok_json(&desk(&keyring, &bo, &["--json", "show", &id], ""));
    assert!(
        shown["ticket"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "realtime"),
        "Bo's cache has Amy's tag: {}",
        shown["ticket"]["tags"]
    );
    terminate(&mut watch.0);
    assert!(
        watch.0.try_wait().unwrap().is_some_and(|s| s.success()),
        "the watcher stops cleanly on SIGTERM"
    );
}

//! SIGKILL: the client during a bootstrap and during a push, the server during a push.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Output};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use testsupport::{KeyringSession, ServerProcess};

use super::{
    Queued, Rng, assert_healed, assert_intact, assert_same_as, failure_code, fresh_copy, kill9,
    queue_work, raw_cache, spawn_desk, sqlite_audit, sync_ok, trials, wait_within,
};
use crate::{EMAIL, PASSWORD, login, ok_json};

fn cached_tickets(keyring: &KeyringSession, home: &std::path::Path) -> u64 {
    raw_cache(keyring, home)
        .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
        .unwrap()
}

fn outbox_len(keyring: &KeyringSession, home: &std::path::Path) -> u64 {
    raw_cache(keyring, home)
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn client_killed_during_bootstrap_resumes_to_the_servers_data() {
    let tmp = tempfile::tempdir().unwrap();
    // Enough that a bootstrap spans several pages and takes a while to apply.
    let server = ServerProcess::seeded(&tmp.path().join("server"), 3000, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    // The server's data does not change here: one clean bootstrap to compare against.
    let reference = fresh_copy(&keyring, tmp.path(), &server.url);

    let mut rng = Rng::new(1);
    let mut partial = BTreeSet::new();
    let (mut kills, mut bootstraps) = (0, 1);
    let mut home = tmp.path().join("amy-1");
    ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));
    for trial in 0..trials(14) {
        let child = spawn_desk(&keyring, &home, &["--json", "sync"]);
        // Paced by the bootstrap's own progress, not by the clock: on a loaded machine a
        // fixed delay lands every kill at the same early point. A page is reported as it
        // is written, inside its group's transaction, so the kills range over the pages
        // (a kill lands in the group of the page it follows).
        let after = rng.between(1, 4) as usize;
        let jitter = Duration::from_millis(rng.between(0, 250));
        if let Err(out) = kill_after_progress(child, after, jitter) {
            // It finished first: the rest of this bootstrap was short. Check it, and
            // start another profile's, so every trial kills a bootstrap.
            assert_eq!(
                failure_code(&out),
                None,
                "trial {trial}: an unkilled sync succeeds"
            );
            assert_same_as(&keyring, &home, &reference);
            bootstraps += 1;
            home = tmp.path().join(format!("amy-{bootstraps}"));
            ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));
            continue;
        }
        kills += 1;
        assert_intact(&keyring, &home, &format!("after kill {trial}"));
        partial.insert(cached_tickets(&keyring, &home));
    }
    let report = sync_ok(&keyring, &home);
    assert_eq!(report["pending"], 0, "nothing was queued: {report}");
    assert_same_as(&keyring, &home, &reference);
    partial.retain(|&n| 0 < n && n < 3000);
    // A third of the trials at least: a kill whose jitter outlasts the bootstrap's last
    // pages finds it done (checked above like any other), and how often that happens
    // depends on the machine's load; 6 of 14 landed on a busy CI run.
    assert!(
        kills >= trials(14) / 3 && partial.len() >= 2,
        "the kills landed inside bootstraps, at different points ({kills} kills, partial \
         ticket counts {partial:?}); retune the delays if this machine is much faster"
    );
    eprintln!(
        "bootstrap drill: {kills} kills in {bootstraps} bootstraps, partial ticket counts {partial:?}"
    );
}

/// SIGKILLs a `desk --json sync` `jitter` after its `after`-th progress report (one per
/// page written). `Err` with its output when it finished first.
fn kill_after_progress(mut child: Child, after: usize, jitter: Duration) -> Result<(), Output> {
    let stderr = child.stderr.take().expect("stderr is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains("\"progress\"") && tx.send(()).is_err() {
                break;
            }
        }
    });
    for _ in 0..after {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(()) => {}
            // Its stderr closed: the sync ended by itself.
            Err(RecvTimeoutError::Disconnected) => {
                return Err(child.wait_with_output().expect("reap desk"));
            }
            Err(RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!("a bootstrap reported no progress for two minutes");
            }
        }
    }
    std::thread::sleep(jitter);
    kill9(child)
}

#[test]
fn client_killed_during_push_sends_each_action_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 60, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");
    ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));
    sync_ok(&keyring, &home);

    let mut queued = Queued::default();
    queue_work(&keyring, &home, 200, "start", &mut queued);
    let mut rng = Rng::new(2);
    // Kills that left the server ahead of the client: it had decided mutations the
    // client had not yet heard about, the case exactly-once is for.
    let mut mid_push = 0;
    for trial in 0..trials(14) {
        let before = sqlite_audit(&server.data_dir).len();
        let undecided = (queued.ids.len() - before) as u64;
        let mut child = spawn_desk(&keyring, &home, &["--json", "sync"]);
        if trial % 2 == 0 {
            // Anywhere: starting up, refreshing, pushing, pulling.
            std::thread::sleep(Duration::from_millis(rng.between(20, 500)));
        } else {
            // Once the server has decided part of this push, before or as the client
            // hears of it.
            let threshold = before + rng.between(1, undecided + 1) as usize;
            let deadline = Instant::now() + Duration::from_secs(30);
            while sqlite_audit(&server.data_dir).len() < threshold
                && child.try_wait().unwrap().is_none()
            {
                assert!(
                    Instant::now() < deadline,
                    "trial {trial}: the push reaches the server"
                );
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        if let Err(out) = kill9(child) {
            assert_eq!(
                failure_code(&out),
                None,
                "trial {trial}: an unkilled sync succeeds"
            );
        }
        assert_intact(&keyring, &home, &format!("after kill {trial}"));
        let decided = sqlite_audit(&server.data_dir).len() as u64;
        if queued.ids.len() as u64 - decided < outbox_len(&keyring, &home) {
            mid_push += 1;
        }
        // More work arrives while the agent keeps going: two push batches' worth.
        queue_work(&keyring, &home, 150, &format!("k{trial}"), &mut queued);
    }
    assert!(
        mid_push >= 1,
        "at least one kill landed between the server's decision and the client's record of it"
    );
    assert_healed(&keyring, tmp.path(), &server.url, &home, &queued, || {
        sqlite_audit(&server.data_dir)
    });
    eprintln!(
        "push drill: {} actions, {mid_push} kills with the server ahead of the client",
        queued.ids.len()
    );
}

#[test]
fn server_killed_mid_push_loses_and_doubles_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::seeded(&tmp.path().join("server"), 60, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");
    ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));
    sync_ok(&keyring, &home);

    let mut queued = Queued::default();
    let mut rng = Rng::new(3);
    // Syncs the crash cut off (rather than finishing first).
    let mut cut_off = 0;
    for trial in 0..trials(4) {
        queue_work(&keyring, &home, 300, &format!("s{trial}"), &mut queued);
        let before = sqlite_audit(&server.data_dir).len();
        let child = spawn_desk(&keyring, &home, &["--json", "sync"]);
        // Kill once the server has decided part of this push: 1 to 250 of its 300.
        let threshold = before + rng.between(1, 250) as usize;
        let deadline = Instant::now() + Duration::from_secs(60);
        while sqlite_audit(&server.data_dir).len() < threshold {
            assert!(
                Instant::now() < deadline,
                "trial {trial}: the push reaches the server"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let stopped = server.crash();
        let out = wait_within(
            child,
            Duration::from_secs(60),
            "sync against a killed server",
        );
        let code = failure_code(&out);
        cut_off += usize::from(code.is_some());
        assert!(
            code.is_none() || code.as_deref() == Some("offline"),
            "trial {trial}: a server killed mid-push is `offline` to the client, got {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server = stopped.restart();
    }
    assert!(
        cut_off >= 1,
        "at least one crash cut a running sync off ({cut_off} of {})",
        trials(4)
    );
    eprintln!("server kill drill: {cut_off} syncs cut off");
    assert_healed(&keyring, tmp.path(), &server.url, &home, &queued, || {
        sqlite_audit(&server.data_dir)
    });
}

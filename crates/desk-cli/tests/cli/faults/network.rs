//! The network and the database fail: a proxy that refuses, stalls and cuts responses,
//! and PostgreSQL restarted under a server mid-sync.

use std::time::{Duration, Instant};

use testsupport::{FaultProxy, KeyringSession, Postgres, ProxyMode, ServerProcess};

use super::{
    Queued, Rng, assert_healed, assert_intact, assert_same_as, failure_code, fresh_copy,
    queue_work, spawn_desk, sqlite_audit, sync_ok, trials, wait_within,
};
use serde_json::json;

use crate::{EMAIL, PASSWORD, desk, login, ok_json};

/// Longer than the client's whole-request time limit plus its connect limit: a sync that
/// outlives this is hung.
const HANG: Duration = Duration::from_secs(60);

#[test]
fn refused_stalled_and_cut_connections_lose_and_double_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 120, EMAIL, PASSWORD);
    let proxy = FaultProxy::start(&server.url);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");
    ok_json(&login(&keyring, &home, &proxy.url, EMAIL, PASSWORD));
    sync_ok(&keyring, &home);

    let mut rng = Rng::new(4);
    let mut queued = Queued::default();
    // The first answer on a connection is the token refresh's: cut in its headers and in
    // its body, after the server has rotated the token.
    let mut faults = vec![
        ProxyMode::Refuse,
        ProxyMode::CutResponseAfter(40),
        ProxyMode::CutResponseAfter(300),
        ProxyMode::Stall,
    ];
    // Then cuts anywhere: in the refresh's answer, a push's, or mid-way through a pull page.
    for _ in 0..trials(10) {
        faults.push(ProxyMode::CutResponseAfter(rng.between(0, 60_000) as usize));
    }
    let mut cut_short = 0;
    for (trial, &mode) in faults.iter().enumerate() {
        queue_work(&keyring, &home, 30, &format!("p{trial}"), &mut queued);
        if trial % 3 == 2 {
            // A re-bootstrap's pull pages are big: cuts land inside them too.
            let conn = super::raw_cache(&keyring, &home);
            conn.execute("DELETE FROM meta WHERE key = 'sync.cursor'", [])
                .unwrap();
        }
        proxy.set_mode(mode);
        let accepted = proxy.accepted();
        let out = wait_within(
            spawn_desk(&keyring, &home, &["--json", "sync"]),
            HANG,
            &format!("sync through {mode:?}"),
        );
        assert!(
            proxy.accepted() > accepted,
            "trial {trial}: the sync met the fault ({mode:?})"
        );
        let code = failure_code(&out);
        match mode {
            ProxyMode::CutResponseAfter(_) if code.is_none() => {} // The cut came after it all.
            _ => {
                assert_eq!(
                    code.as_deref(),
                    Some("offline"),
                    "trial {trial}: {mode:?} is `offline` to the agent, nothing else: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                cut_short += 1;
            }
        }
        assert_intact(&keyring, &home, &format!("after {mode:?}"));
        proxy.set_mode(ProxyMode::Pass);
        if trial % 2 == 1 {
            let report = sync_ok(&keyring, &home);
            assert_eq!(report["pending"], 0, "healed: the outbox drained: {report}");
        }
    }
    assert!(
        cut_short >= faults.len() / 2,
        "most faults interrupted a sync ({cut_short} of {})",
        faults.len()
    );
    assert_healed(&keyring, tmp.path(), &server.url, &home, &queued, || {
        sqlite_audit(&server.data_dir)
    });
}

/// The `push.*` audit rows in a PostgreSQL database.
fn postgres_audit(cluster: &Postgres, url: &str) -> Vec<(String, String)> {
    cluster
        .psql_at(
            url,
            "SELECT details::jsonb->>'mutation_id' || ' ' || action FROM audit_log
             WHERE action LIKE 'push.%'",
        )
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (id, action) = l.split_once(' ').expect("id and action");
            (id.to_owned(), action.to_owned())
        })
        .collect()
}

#[test]
fn postgres_restarted_mid_sync_loses_and_doubles_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    // Its own cluster: restarting the shared one would pull it from under other tests.
    let mut cluster = Postgres::start();
    let url = cluster.fresh_database();
    let server = ServerProcess::seeded_on_database(&url, 600, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let (pusher, puller) = (tmp.path().join("pusher"), tmp.path().join("puller"));
    ok_json(&login(&keyring, &pusher, &server.url, EMAIL, PASSWORD));
    sync_ok(&keyring, &pusher);

    let mut rng = Rng::new(5);
    let mut queued = Queued::default();
    let mut codes = Vec::new();
    for trial in 0..trials(4) {
        queue_work(&keyring, &pusher, 300, &format!("g{trial}"), &mut queued);
        // The puller bootstraps from zero each time, so the restart meets a pull too.
        let _ = std::fs::remove_dir_all(&puller);
        ok_json(&login(&keyring, &puller, &server.url, EMAIL, PASSWORD));
        let before = postgres_audit(&cluster, &url).len();
        let push = spawn_desk(&keyring, &pusher, &["--json", "sync"]);
        let pull = spawn_desk(&keyring, &puller, &["--json", "sync"]);
        let threshold = before + rng.between(1, 200) as usize;
        let deadline = Instant::now() + Duration::from_secs(60);
        while postgres_audit(&cluster, &url).len() < threshold {
            assert!(
                Instant::now() < deadline,
                "trial {trial}: the push reaches the server"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        // Alternately a restart (back within a second) and an outage lasting until both
        // syncs have given up or finished.
        let outage = trial % 2 == 1;
        if outage {
            cluster.stop();
        } else {
            cluster.restart();
        }
        for (who, child) in [("push", push), ("pull", pull)] {
            let out = wait_within(
                child,
                HANG,
                &format!("trial {trial} (outage: {outage}): {who} across a PostgreSQL restart"),
            );
            codes.push(failure_code(&out));
            // `unavailable`: the server answered, but its database was gone for a moment.
            assert!(
                matches!(
                    codes.last().unwrap().as_deref(),
                    None | Some("offline") | Some("unavailable")
                ),
                "trial {trial}: a {who} across a database restart fails only as the server \
                 being unavailable: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if outage {
            // The agent keeps working while the database is down: a reply is queued and
            // said to be, not refused (a refusal would have them send it again).
            let text = format!("g{trial}-outage 数据库维护中也能回复 / answered during the outage");
            let ticket = ok_json(&desk(
                &keyring,
                &pusher,
                &["--json", "tickets", "--limit", "1"],
                "",
            ))[0]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let answer = ok_json(&desk(
                &keyring,
                &pusher,
                &["--json", "reply", &ticket, "--body-file", "-"],
                &text,
            ));
            assert_eq!(
                (&answer["sent"], &answer["mutations"][0]["state"]),
                (&json!(false), &json!("pending")),
                "with the database down the reply is queued, not failed: {answer}"
            );
            queued.texts.insert(text);
            queued.ids.insert(
                answer["mutations"][0]["mutation_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
            cluster.start_again();
        }
        assert_intact(&keyring, &pusher, "after the restart");
        assert_intact(&keyring, &puller, "after the restart");
    }
    assert!(
        codes.iter().any(Option::is_some),
        "the database went away under a running sync at least once: {codes:?}"
    );
    assert_healed(&keyring, tmp.path(), &server.url, &pusher, &queued, || {
        postgres_audit(&cluster, &url)
    });
    sync_ok(&keyring, &puller);
    assert_same_as(
        &keyring,
        &puller,
        &fresh_copy(&keyring, tmp.path(), &server.url),
    );
    eprintln!("postgres restart drill: sync outcomes {codes:?}");
}

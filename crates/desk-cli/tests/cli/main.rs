//! The `desk` CLI against a real `desk-server` process, with credentials in a real Secret
//! Service on a private D-Bus session.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use testsupport::{KeyringSession, ServerProcess, server_cmd};

mod admin;
mod attachments;
mod content;
mod delivery;
mod faults;
mod groups;
mod outage;
mod presence;
mod realtime;
mod refusals;
mod scope;
mod tls;

const EMAIL: &str = "amy@desk.test";
const PASSWORD: &str = "s3cret passw0rd 密码";

/// `desk --home HOME ARGS` in the test's keyring session, its output piped.
fn desk_command(keyring: &KeyringSession, home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_desk"));
    keyring
        .apply(&mut cmd)
        .arg("--home")
        .arg(home)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn desk(keyring: &KeyringSession, home: &Path, args: &[&str], stdin: &str) -> Output {
    with_stdin(desk_command(keyring, home, args), stdin)
}

/// Runs `cmd` (output piped) with `stdin` written to it, to its end.
fn with_stdin(mut cmd: Command, stdin: &str) -> Output {
    testsupport::spawn_with_stdin(&mut cmd, stdin)
        .wait_with_output()
        .unwrap()
}

fn ok_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "desk failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("--json prints json")
}

fn err_code(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed verb exits 1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err: serde_json::Value =
        serde_json::from_slice(out.stderr.trim_ascii()).unwrap_or_else(|_| {
            panic!(
                "--json errors are {{code, message}}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "every error says what failed"
    );
    err["code"].as_str().unwrap().to_owned()
}

/// A seeded server with Amy and Bo (Bo with `bo_role`), each signed in on a profile.
struct TwoAgents {
    server: ServerProcess,
    keyring: KeyringSession,
    amy: PathBuf,
    bo: PathBuf,
    amy_id: String,
    bo_id: String,
}

fn two_agents(tmp: &Path, tickets: u32, bo_role: &str) -> TwoAgents {
    let server = ServerProcess::seeded(&tmp.join("server"), tickets, EMAIL, PASSWORD);
    add_agent(&server, "bo@desk.test", bo_role, "bo-password");
    let keyring = KeyringSession::start(tmp);
    let (amy, bo) = (tmp.join("amy"), tmp.join("bo"));
    let id = |out: Output| ok_json(&out)["id"].as_str().unwrap().to_owned();
    let amy_id = id(login(&keyring, &amy, &server.url, EMAIL, PASSWORD));
    let bo_id = id(login(
        &keyring,
        &bo,
        &server.url,
        "bo@desk.test",
        "bo-password",
    ));
    TwoAgents {
        server,
        keyring,
        amy,
        bo,
        amy_id,
        bo_id,
    }
}

/// Adds a second agent, Bo, to a running server's data.
fn add_agent(server: &ServerProcess, email: &str, role: &str, password: &str) {
    server_cmd(
        &[
            "agent",
            "add",
            "--data-dir",
            server.data_dir.to_str().unwrap(),
            "--email",
            email,
            "--name",
            "Bo 波",
            "--role",
            role,
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
}

/// `desk --json login` to `url` as `email`, the password on stdin, not yet run.
fn login_command(keyring: &KeyringSession, home: &Path, url: &str, email: &str) -> Command {
    let args = ["--json", "login", "--server", url, "--email", email];
    let mut cmd = desk_command(keyring, home, &args);
    cmd.arg("--password-stdin");
    cmd
}

fn login(keyring: &KeyringSession, home: &Path, url: &str, email: &str, password: &str) -> Output {
    with_stdin(
        login_command(keyring, home, url, email),
        &format!("{password}\n"),
    )
}

#[test]
fn login_sync_and_list_then_keep_working_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 30, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");

    let agent = ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));
    assert_eq!(agent["email"], EMAIL);
    let account = desk_sync::Profile::at(&home).refresh_token_account();
    let token = keyring.lookup(&[("service", "desk"), ("username", &account)]);
    assert!(
        token.is_some(),
        "login keeps the refresh token in the OS keyring"
    );

    let report = ok_json(&desk(&keyring, &home, &["--json", "sync"], ""));
    assert!(
        report["changes"].as_u64().unwrap() >= 30,
        "the first sync pulls every seeded ticket: {report}"
    );
    let tickets = ok_json(&desk(
        &keyring,
        &home,
        &["--json", "tickets", "--view", "all", "--limit", "1000"],
        "",
    ));
    assert_eq!(
        tickets.as_array().unwrap().len(),
        30,
        "all 30 seeded tickets are cached"
    );

    // A second sync with nothing new pulls nothing and still succeeds; with the most
    // verbose logs, which must not carry a secret either.
    let mut verbose = desk_command(&keyring, &home, &["--json", "sync"]);
    verbose.env("DESK_LOG", "trace");
    let out = verbose.output().unwrap();
    let report = ok_json(&out);
    assert_eq!(
        report["changes"], 0,
        "an up-to-date cache pulls no changes: {report}"
    );
    let logs = out.stderr;

    // The cache is encrypted with a key that lives in the keyring only, and nothing in
    // the profile directory (cache, WAL, lock file) or the logs holds a credential, the
    // cache key or what a customer wrote.
    let token = token.unwrap();
    let cache_key = keyring
        .desk_entry(&desk_sync::Profile::at(&home).cache_key_account())
        .expect("the cache key is in the keyring");
    let first = &tickets.as_array().unwrap()[0];
    let shown = ok_json(&desk(
        &keyring,
        &home,
        &["--json", "show", first["id"].as_str().unwrap()],
        "",
    ));
    let customer = shown["customer"]["name"].as_str().unwrap().to_owned();
    let subject = first["subject"].as_str().unwrap().to_owned();
    assert!(customer.chars().count() >= 2 && subject.chars().count() >= 4);
    let mut places: Vec<(String, Vec<u8>)> = std::fs::read_dir(&home)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    places.push(("the trace log".into(), logs));
    for (place, bytes) in &places {
        let is_log = place == "the trace log";
        // (what, text, a credential): the log may mention customer data it handled, the
        // files may not; neither may hold a credential.
        for (what, needle, credential) in [
            ("the refresh token", token.as_str(), true),
            ("the cache key", cache_key.as_str(), true),
            ("a customer's name", customer.as_str(), false),
            ("a ticket's subject", subject.as_str(), false),
        ] {
            let found = bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
            assert!(
                !(found && (credential || !is_log)),
                "{what} leaked into {place}"
            );
        }
    }

    let server_url = server.url.clone();
    server.stop();
    let offline = ok_json(&desk(
        &keyring,
        &home,
        &["--json", "tickets", "--view", "all", "--limit", "1000"],
        "",
    ));
    assert_eq!(
        offline.as_array().unwrap().len(),
        30,
        "the cache answers with the server down"
    );
    // Knowledge for a ticket from the cache, the server down: some of the demo's tickets
    // are about what its articles answer, each offered with its help-center link.
    let mut suggested = 0;
    for t in offline.as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let found = ok_json(&desk(&keyring, &home, &["--json", "suggest", id], ""));
        for a in found["articles"].as_array().unwrap() {
            suggested += 1;
            let url = a["url"].as_str().unwrap();
            assert!(url.starts_with(&format!("{server_url}/help/kb-")), "{a}");
            assert!(!a["title"].as_str().unwrap().is_empty(), "{a}");
        }
        assert!(found["macros"].is_array(), "{found}");
    }
    assert!(suggested > 0, "the demo's tickets find its articles");
    assert_eq!(
        err_code(&desk(
            &keyring,
            &home,
            &["--json", "suggest", "no-such-ticket"],
            ""
        )),
        "not_found"
    );
    assert_eq!(
        err_code(&desk(&keyring, &home, &["--json", "sync"], "")),
        "offline",
        "sync says offline, clearly"
    );
}

/// The progress lines `desk --json sync` writes on stderr, in order.
fn progress_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("progress").cloned())
        .collect()
}

#[test]
fn a_bootstrap_reports_its_progress_and_an_incremental_sync_stays_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    // Enough records for more than one pull page (~6 changes a ticket).
    let server = ServerProcess::seeded(&tmp.path().join("server"), 1200, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");
    ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));

    let started = std::time::Instant::now();
    let out = desk(&keyring, &home, &["--json", "sync"], "");
    let took_ms = started.elapsed().as_millis() as u64;
    let report = ok_json(&out);
    // Rows the server trimmed (old closed conversations) count as received.
    let changes = report["changes"].as_u64().unwrap() + report["trimmed"].as_u64().unwrap();
    // The report splits the pull's time between waiting for pages and writing them.
    let waited = report["waited_ms"].as_u64().expect("waited_ms");
    let stored = report["stored_ms"].as_u64().expect("stored_ms");
    assert!(stored > 0, "writing thousands of rows takes time: {report}");
    assert!(
        waited + stored <= took_ms,
        "the split is within the {took_ms} ms the command took: {report}"
    );
    assert!(
        report["pages"].as_u64().unwrap() >= 2,
        "more than one page, so progress has steps: {report}"
    );
    let steps = progress_lines(&out);
    let phases: Vec<&str> = steps.iter().map(|p| p["phase"].as_str().unwrap()).collect();
    assert_eq!(
        phases.first(),
        Some(&"receiving"),
        "the bar starts receiving: {phases:?}"
    );
    assert!(
        phases.ends_with(&["preparing", "done"]),
        "the last page builds the cache's indexes, then the sync is done: {phases:?}"
    );
    assert!(
        steps.iter().all(|p| p["bootstrap"] == true),
        "every step of a first sync is a bootstrap's: {steps:?}"
    );
    let first_total = steps[0]["total"].as_u64().expect("the server counted");
    assert_eq!(
        first_total, changes,
        "the first page's count is the whole bootstrap (nobody wrote meanwhile)"
    );
    let done: Vec<u64> = steps.iter().map(|p| p["done"].as_u64().unwrap()).collect();
    assert!(
        done.windows(2).all(|w| w[0] <= w[1]) && *done.last().unwrap() == changes,
        "progress only moves forward and ends at every change: {done:?} of {changes}"
    );

    let again = desk(&keyring, &home, &["--json", "sync"], "");
    ok_json(&again);
    assert!(
        progress_lines(&again).is_empty(),
        "a sync with nothing new shows no progress: {}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn wrong_password_is_refused_and_leaves_no_credential() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 3, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");

    let out = login(&keyring, &home, &server.url, EMAIL, "not the password");
    assert_eq!(err_code(&out), "invalid_credentials");
    let account = desk_sync::Profile::at(&home).refresh_token_account();
    assert!(
        keyring
            .lookup(&[("service", "desk"), ("username", &account)])
            .is_none(),
        "no token after a refused login"
    );
    assert_eq!(
        err_code(&desk(&keyring, &home, &["--json", "sync"], "")),
        "not_signed_in"
    );

    let out = login(&keyring, &home, "not a url", EMAIL, PASSWORD);
    assert_eq!(
        err_code(&out),
        "bad_request",
        "a malformed server address is a clear error"
    );
}

#[test]
fn two_profiles_on_one_machine_are_isolated() {
    let tmp = tempfile::tempdir().unwrap();
    let TwoAgents {
        server: _server,
        keyring,
        amy,
        bo,
        ..
    } = two_agents(tmp.path(), 5, "supervisor");

    let status = |home: &Path| ok_json(&desk(&keyring, home, &["--json", "status"], ""));
    assert_eq!(status(&amy)["agent"]["email"], EMAIL);
    assert_eq!(
        status(&bo)["agent"]["email"],
        "bo@desk.test",
        "each profile keeps its own account"
    );

    let out = desk(&keyring, &amy, &["logout"], "");
    assert!(
        out.status.success(),
        "logout: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(status(&amy)["signed_in"], false);
    let bo_account = desk_sync::Profile::at(&bo).refresh_token_account();
    assert!(
        keyring
            .lookup(&[("service", "desk"), ("username", &bo_account)])
            .is_some(),
        "signing one profile out must not touch the other's keyring entry"
    );
    ok_json(&desk(&keyring, &bo, &["--json", "sync"], ""));
}

#[test]
fn processes_sharing_a_profile_never_reuse_a_rotated_refresh_token() {
    // Every `desk` process refreshes on start, rotating the profile's one refresh token.
    // Two that read the same token would trip the server's reuse detection, which
    // revokes the device (as the console and the CLI on one profile would).
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 3, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");
    ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));
    for round in 0..4 {
        let outs: Vec<Output> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..4)
                .map(|_| s.spawn(|| desk(&keyring, &home, &["--json", "sync"], "")))
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for out in &outs {
            assert!(
                out.status.success(),
                "round {round}: a concurrent sync failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert_eq!(
        ok_json(&desk(&keyring, &home, &["--json", "status"], ""))["signed_in"],
        true,
        "the device is still signed in"
    );
}

/// DESIGN.md §7: a device the server revoked (here: its agent disabled by an admin) must
/// not keep customers' data. At its next contact the client is told `device_revoked`,
/// signs out and deletes the cache and its key; a fresh, empty cache takes its place.
#[test]
fn a_revoked_device_deletes_its_cache_at_next_contact() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 20, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let home = tmp.path().join("amy");
    ok_json(&login(&keyring, &home, &server.url, EMAIL, PASSWORD));
    ok_json(&desk(&keyring, &home, &["--json", "sync"], ""));
    let profile = desk_sync::Profile::at(&home);
    let key_account = profile.cache_key_account();
    let key_entry = [("service", "desk"), ("username", key_account.as_str())];
    let old_key = keyring.lookup(&key_entry).expect("a cache key");
    let tickets = ok_json(&desk(
        &keyring,
        &home,
        &["--json", "tickets", "--view", "all"],
        "",
    ));
    let subject = tickets[0]["subject"].as_str().unwrap().to_owned();

    server_cmd(
        &[
            "agent",
            "disable",
            "--data-dir",
            server.data_dir.to_str().unwrap(),
            "--email",
            EMAIL,
        ],
        "",
    );
    assert_eq!(
        err_code(&desk(&keyring, &home, &["--json", "sync"], "")),
        "device_revoked",
        "the client is told why"
    );
    let status = ok_json(&desk(&keyring, &home, &["--json", "status"], ""));
    assert_eq!(
        (
            status["signed_in"].clone(),
            status["cached_tickets"].clone()
        ),
        (false.into(), 0.into()),
        "signed out, nothing cached: {status}"
    );
    let account = profile.refresh_token_account();
    assert_eq!(
        keyring.lookup(&[("service", "desk"), ("username", &account)]),
        None,
        "the refresh token is gone from the keyring"
    );
    let new_key = keyring.lookup(&key_entry).expect("the new cache has a key");
    assert_ne!(new_key, old_key, "the old cache's key is gone");
    for entry in std::fs::read_dir(&home).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        assert!(
            !bytes
                .windows(subject.len())
                .any(|w| w == subject.as_bytes()),
            "{} still holds a ticket",
            entry.path().display()
        );
    }
}

//! The `desk-server` binary as scripts use it: serve, agent add/list, seed-demo.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use desk_core::wire::Change;
use desk_server::feed::{FeedPosition, Scope};
use desk_server::{SqliteStorage, Storage};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_desk-server");

fn run(args: &[&str], stdin: &str) -> Output {
    testsupport::spawn_with_stdin(Command::new(BIN).args(args), stdin)
        .wait_with_output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "desk-server failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn add_agent(dir: &str, email: &str, password: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "agent",
        "add",
        "--data-dir",
        dir,
        "--email",
        email,
        "--name",
        "Lin Wei 林伟",
        "--role",
        "agent",
        "--password-stdin",
        "--languages",
        "zh-CN,en",
    ];
    args.extend_from_slice(extra);
    run(&args, &format!("{password}\n"))
}

#[test]
fn agent_add_prints_the_id_and_refuses_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("new/sub dir");
    let data = data.to_str().unwrap();
    let id = stdout(&add_agent(data, "lin.wei@desk.test", "first password", &[]))
        .trim()
        .to_owned();
    assert!(
        uuid::Uuid::parse_str(&id).is_ok(),
        "agent add prints the new agent's id: {id:?}"
    );
    assert!(
        Path::new(data).join("desk.sqlite3").exists(),
        "the data dir and database are created"
    );

    let again = add_agent(data, "LIN.WEI@desk.test", "second password", &[]);
    assert!(!again.status.success(), "an existing email must fail");
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("already exists"), "the error says why: {err}");

    let updated = add_agent(
        data,
        "lin.wei@desk.test",
        "second password",
        &["--update-password"],
    );
    assert_eq!(
        stdout(&updated).trim(),
        id,
        "--update-password resets the existing agent"
    );

    let listed: Value = serde_json::from_str(&stdout(&run(
        &["agent", "list", "--data-dir", data, "--json"],
        "",
    )))
    .unwrap();
    assert_eq!(
        listed[0]["email"], "lin.wei@desk.test",
        "agent list --json shows the agent"
    );
    assert_eq!(
        listed[0]["languages"],
        json!(["zh-CN", "en"]),
        "languages are kept in order"
    );
    assert_eq!(listed[0]["disabled"], false, "new agents are active");
}

#[test]
fn agent_add_rejects_a_short_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = add_agent(dir.path().to_str().unwrap(), "a@desk.test", "short", &[]);
    assert!(
        !out.status.success(),
        "passwords under 8 characters are refused"
    );
}

async fn feed(dir: &Path) -> Vec<Change> {
    let storage = SqliteStorage::open_in_dir(dir).unwrap();
    storage
        .pull(FeedPosition::ZERO, 100_000, &Scope::All)
        .await
        .unwrap()
        .decoded_changes()
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect()
}

#[tokio::test]
async fn seed_demo_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for data in [&a, &b] {
        let out = stdout(&run(
            &[
                "seed-demo",
                "--data-dir",
                data.to_str().unwrap(),
                "--tickets",
                "120",
            ],
            "",
        ));
        assert!(
            out.starts_with("seeded 120 tickets"),
            "seed-demo reports what it wrote: {out}"
        );
    }
    let (fa, fb) = (feed(&a).await, feed(&b).await);
    let tickets = fa.iter().filter(|c| matches!(c, Change::Ticket(_))).count();
    assert_eq!(tickets, 120, "the requested number of tickets is seeded");
    assert!(
        fa == fb,
        "two seeds into two directories produce identical records"
    );
}

#[cfg(unix)]
#[test]
fn serve_prints_its_address_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "the real port is printed: {url}"
    );

    let health = reqwest::blocking_get(&format!("{url}/healthz"));
    assert_eq!(health["status"], "ok", "the printed address serves");

    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success(), "sent SIGTERM");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "SIGTERM must stop the server promptly"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "a graceful stop exits 0: {status:?}");
}

mod reqwest {
    /// A tiny blocking GET over a fresh runtime, to keep this test synchronous.
    pub fn blocking_get(url: &str) -> serde_json::Value {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            ::reqwest::get(url)
                .await
                .expect("reachable")
                .json()
                .await
                .expect("json")
        })
    }
}

#[test]
fn audit_verify_passes_an_intact_log_and_names_the_first_broken_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    for email in ["lin.wei@desk.test", "amy@desk.test"] {
        stdout(&add_agent(data, email, "a long enough password", &[]));
    }
    stdout(&run(
        &[
            "agent",
            "disable",
            "--data-dir",
            data,
            "--email",
            "amy@desk.test",
        ],
        "",
    ));
    let intact = stdout(&run(&["audit", "verify", "--data-dir", data], ""));
    assert!(
        intact.contains("intact: 3 rows"),
        "two agents added and one disabled, each audited: {intact}"
    );

    rusqlite::Connection::open(dir.path().join("desk.sqlite3"))
        .unwrap()
        .execute_batch("UPDATE audit_log SET actor = 'operator:nobody' WHERE seq = 2")
        .unwrap();
    let broken = run(&["audit", "verify", "--data-dir", data], "");
    assert_eq!(
        broken.status.code(),
        Some(1),
        "a broken chain exits non-zero, for cron and CI"
    );
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(
        err.contains("audit row 2"),
        "the first broken row is named: {err}"
    );
}

//! The binary on PostgreSQL: `--database-url` and `DESK_DATABASE_URL` for every subcommand,
//! and a served API that signs in and pulls.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use super::fresh_url;

const BIN: &str = env!("CARGO_BIN_EXE_desk-server");

/// Runs the binary with `args`, `stdin`, and `DESK_DATABASE_URL` set when `env_url` is.
fn run(args: &[&str], stdin: &str, env_url: Option<&str>) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("DESK_DATA_DIR")
        .env_remove("DESK_DATABASE_URL");
    if let Some(url) = env_url {
        command.env("DESK_DATABASE_URL", url);
    }
    testsupport::spawn_with_stdin(&mut command, stdin)
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

#[test]
fn every_subcommand_takes_a_database_url() {
    let url = fresh_url();
    let migrated = stdout(&run(&["migrate", "--database-url", &url], "", None));
    assert!(
        migrated.contains(&format!(
            "is at schema version {}",
            desk_server::storage::postgres::SCHEMA_VERSION
        )) && migrated.contains("127.0.0.1"),
        "migrate names the database and its schema version: {migrated}"
    );
    assert!(
        !migrated.contains("postgres://"),
        "the URL (which may hold a password) is not echoed: {migrated}"
    );

    let add = |email: &str| {
        run(
            &[
                "agent",
                "add",
                "--email",
                email,
                "--name",
                "林伟",
                "--role",
                "admin",
                "--password-stdin",
            ],
            "a long enough password\n",
            Some(&url),
        )
    };
    let id = stdout(&add("lin.wei@desk.test")).trim().to_owned();
    assert!(
        uuid::Uuid::parse_str(&id).is_ok(),
        "agent add prints the new agent's id: {id:?}"
    );
    let again = add("LIN.WEI@desk.test");
    assert!(
        !again.status.success(),
        "an existing email in other case must fail on PostgreSQL too"
    );

    let seeded = stdout(&run(
        &["seed-demo", "--database-url", &url, "--tickets", "30"],
        "",
        None,
    ));
    assert!(
        seeded.starts_with("seeded 30 tickets"),
        "seed-demo reports what it wrote: {seeded}"
    );

    stdout(&run(
        &["agent", "disable", "--email", "lin.wei@desk.test"],
        "",
        Some(&url),
    ));
    let listed: Value = serde_json::from_str(&stdout(&run(
        &["agent", "list", "--database-url", &url, "--json"],
        "",
        None,
    )))
    .unwrap();
    assert_eq!(listed[0]["id"], id.as_str(), "agent list shows the agent");
    assert_eq!(listed[0]["disabled"], true, "agent disable took effect");

    let verified = stdout(&run(&["audit", "verify", "--database-url", &url], "", None));
    assert!(
        verified.contains("intact: 2 rows"),
        "the agent's addition and its disabling are audited: {verified}"
    );
}

#[test]
fn serve_on_postgres_signs_in_and_pulls() {
    let url = fresh_url();
    stdout(&run(
        &[
            "agent",
            "add",
            "--email",
            "amy@desk.test",
            "--name",
            "Amy",
            "--role",
            "agent",
            "--password-stdin",
        ],
        "a long enough password\n",
        Some(&url),
    ));
    stdout(&run(&["seed-demo", "--tickets", "20"], "", Some(&url)));

    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("DESK_DATA_DIR")
        .env("DESK_DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();

    let result = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = reqwest::Client::new();
        let health: Value = client
            .get(format!("{base}/healthz"))
            .send()
            .await?
            .json()
            .await?;
        let login: Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({
                "email": "AMY@desk.test",
                "password": "a long enough password",
                "device_name": "test laptop"
            }))
            .send()
            .await?
            .json()
            .await?;
        let token = login["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let pull: Value = client
            .get(format!("{base}/api/v1/sync/pull?limit=5000"))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        Ok::<_, reqwest::Error>((health, pull))
    });
    let _ = child.kill();
    let _ = child.wait();
    let (health, pull) = result.expect("the served API answers");
    assert_eq!(
        health["status"], "ok",
        "the server is healthy once it listens"
    );
    let tickets = pull["changes"]
        .as_array()
        .expect("a pull answer")
        .iter()
        .filter(|c| c["kind"] == "ticket")
        .count();
    assert_eq!(tickets, 20, "the seeded tickets come back through the API");
}

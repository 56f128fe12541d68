//! The binary's settings and logs as an operator meets them: a TOML config file with the
//! environment and flags over it, JSON request logs that never hold a secret, metrics on
//! their own port, and a clear refusal of a bad setting.

use std::process::{Command, Stdio};

use serde_json::{Value, json};
use testsupport::ServerProcess;

const BIN: &str = env!("CARGO_BIN_EXE_desk-server");
const EMAIL: &str = "ops@desk.test";
const PASSWORD: &str = "Tr0ub4dor&3-密码-unique-7f3a";
const WRONG_PASSWORD: &str = "wrong-horse-battery-9c1e";

fn add_agent(dir: &str) {
    let mut child = Command::new(BIN)
        .args(["agent", "add", "--data-dir", dir, "--email", EMAIL])
        .args(["--name", "Ops", "--role", "admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(child.wait().unwrap().success(), "agent add");
}

#[test]
fn config_file_env_and_flags_layer_and_logs_never_hold_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    add_agent(data);
    let config = dir.path().join("desk-server.toml");
    std::fs::write(
        &config,
        format!(
            "# what an operator writes\n\
             listen = \"127.0.0.1:9\"\n\
             data_dir = {data:?}\n\
             log_format = \"text\"\n\
             log_level = \"debug\"\n\
             metrics_listen = \"127.0.0.1:0\"\n\
             access_token_ttl_secs = 120\n"
        ),
    )
    .unwrap();
    let log = dir.path().join("stderr.log");
    let server = ServerProcess::start_with(
        // The flag beats the file's listen; the environment beats its log_format.
        &[
            "--config",
            config.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        &[("DESK_LOG_FORMAT", "json"), ("RUST_LOG", "")],
        Some(&log),
        true,
    );
    assert!(
        !server.url.ends_with(":9"),
        "--listen overrides the file: {}",
        server.url
    );

    let (tokens, metrics, public_metrics) =
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let client = reqwest::Client::new();
            let base = &server.url;
            let refused = client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({ "email": EMAIL, "password": WRONG_PASSWORD, "device_name": "t" }))
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), 401);
            let tokens: Value = client
                .post(format!("{base}/api/v1/auth/login"))
                .header("x-request-id", "ops-test-login-1")
                .json(&json!({ "email": EMAIL, "password": PASSWORD, "device_name": "t" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(
                tokens["access_expires_in"], 120,
                "the file's access_token_ttl_secs applies"
            );
            let access = tokens["access_token"].as_str().unwrap();
            let pulled = client
                .get(format!("{base}/api/v1/sync/pull"))
                .bearer_auth(access)
                .send()
                .await
                .unwrap();
            assert_eq!(pulled.status(), 200);
            let refreshed = client
                .post(format!("{base}/api/v1/auth/refresh"))
                .json(&json!({ "refresh_token": tokens["refresh_token"] }))
                .send()
                .await
                .unwrap();
            assert_eq!(refreshed.status(), 200);
            let metrics_url = server.metrics_url.clone().expect("a metrics listener");
            let metrics = client
                .get(&metrics_url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let public = client
                .get(format!("{base}/metrics"))
                .send()
                .await
                .unwrap()
                .status();
            (tokens, metrics, public)
        });
    server.stop();

    assert_eq!(public_metrics, 404, "metrics never leak on the public port");
    assert!(
        metrics.contains(r#"desk_login_failures_total{code="invalid_credentials"} 1"#),
        "the metrics listener serves this server's counts:\n{metrics}"
    );

    let text = std::fs::read_to_string(&log).unwrap();
    for secret in [
        PASSWORD,
        WRONG_PASSWORD,
        tokens["access_token"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
    ] {
        assert!(
            !text.contains(secret),
            "a secret reached the logs: {secret:?}\n{text}"
        );
    }
    let lines: Vec<Value> = text
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| {
                panic!("DESK_LOG_FORMAT=json: every line is JSON ({e}): {line}")
            })
        })
        .collect();
    let login = lines
        .iter()
        .find(|l| {
            l["fields"]["message"] == "request finished"
                && l["span"]["request_id"] == "ops-test-login-1"
        })
        .unwrap_or_else(|| panic!("the login's request line, with the client's id:\n{text}"));
    let span = &login["span"];
    assert_eq!(span["method"], "POST");
    assert_eq!(span["route"], "/api/v1/auth/login");
    assert_eq!(span["status"], 200);
    assert!(
        span["latency_ms"].is_number(),
        "latency is recorded: {login}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["span"]["route"] == "/api/v1/sync/pull"
                && l["span"]["status"] == 200
                && l["span"]["request_id"]
                    .as_str()
                    .is_some_and(|id| id.len() == 36)),
        "requests without an id get one made here:\n{text}"
    );
}

/// Arguments after `serve`, environment, and what stderr must mention.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a [&'a str]);

#[test]
fn a_bad_setting_is_refused_naming_key_value_and_source() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("desk-server.toml");
    std::fs::write(
        &config,
        "data_dir = \"/tmp/x\"\npull_max_limit = \"lots\"\n",
    )
    .unwrap();
    let cases: &[Case] = &[
        (
            &["--config"],
            &[],
            &["pull_max_limit", "\"lots\"", "desk-server.toml"],
        ),
        (
            &["--data-dir", "/tmp/x", "--listen", "nowhere"],
            &[],
            &["listen", "\"nowhere\"", "--listen"],
        ),
        (
            &["--data-dir", "/tmp/x"],
            &[("DESK_LOG_FORMAT", "xml")],
            &["log_format", "\"xml\"", "DESK_LOG_FORMAT"],
        ),
    ];
    for (args, env, expected) in cases {
        let mut command = Command::new(BIN);
        command.arg("serve");
        for arg in *args {
            command.arg(arg);
            if *arg == "--config" {
                command.arg(&config);
            }
        }
        let output = command
            .env_remove("DESK_DATA_DIR")
            .env_remove("DESK_DATABASE_URL")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "{args:?} {env:?} must be refused, not served"
        );
        assert!(
            output.stdout.is_empty(),
            "nothing was served: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        for part in *expected {
            assert!(stderr.contains(part), "{stderr:?} should mention {part}");
        }
    }
}

/// Reads what a server wrote to `log` so far and asserts none of `secrets` is in it.
#[track_caller]
fn assert_clean(log: &std::path::Path, secrets: &[&str]) -> String {
    let text = std::fs::read_to_string(log).unwrap();
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "a secret reached the logs: {secret:?}\n{text}"
        );
    }
    text
}

#[test]
fn secrets_in_settings_and_requests_never_reach_the_logs_even_at_trace() {
    let dir = tempfile::tempdir().unwrap();
    let ca = testsupport::PrivateCa::create(dir.path());
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    add_agent(data);
    let ingest_key = "bridge-secret-3c1f9a7e5d2b8046aa71ce93f0d4b6e2";
    let seed_phrase = "abandon abandon abandon abandon abandon abandon \
                       abandon abandon abandon abandon abandon about";
    let log = dir.path().join("https.log");
    let server = ServerProcess::start_https(
        std::path::Path::new(data),
        &ca,
        &[
            ("DESK_INGEST_SECRETS", &format!("bridge={ingest_key}")),
            ("DESK_LOG_LEVEL", "trace"),
            ("DESK_LOG_FORMAT", "json"),
            ("RUST_LOG", ""),
        ],
        Some(&log),
    );
    let client = ca.client();
    let base = &server.url;
    let tokens: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": EMAIL, "password": PASSWORD, "device_name": "t" }))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let access = tokens["access_token"].as_str().expect("signed in");
    let body = json!({
        "channel": "telegram", "conversation_id": "c-logs", "external_id": "m-logs-1",
        "customer": { "platform_user_id": "u-logs", "name": "王芳", "language": "zh-CN" },
        "text": format!("我的助记词是 {seed_phrase}，请帮我找回资产"),
    })
    .to_string();
    let timestamp = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs())
    .to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let signature =
        desk_server::ingest::sign(ingest_key.as_bytes(), &timestamp, &nonce, body.as_bytes());
    let ingested = client
        .post(format!("{base}/api/v1/ingest/messages"))
        .header("content-type", "application/json")
        .header("x-desk-timestamp", &timestamp)
        .header("x-desk-nonce", &nonce)
        .header("x-desk-signature", &signature)
        .body(body)
        .send()
        .unwrap();
    assert_eq!(ingested.status(), 200, "{}", ingested.text().unwrap());
    let pulled = client
        .get(format!("{base}/api/v1/sync/pull"))
        .bearer_auth(access)
        .send()
        .unwrap();
    assert_eq!(pulled.status(), 200);
    server.stop();

    let key_pem = ca.server_key_pem();
    let key_lines = key_pem
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20);
    let mut secrets = vec![
        PASSWORD,
        ingest_key,
        signature.trim_start_matches("v1="),
        access,
        tokens["refresh_token"].as_str().unwrap(),
        seed_phrase,
        "abandon abandon",
    ];
    secrets.extend(key_lines);
    let text = assert_clean(&log, &secrets);
    assert!(
        text.contains("/api/v1/ingest/messages"),
        "the trace log is the real one, with the ingestion request:\n{text}"
    );

    // PostgreSQL's password is in the database URL: a server waiting for an unreachable
    // database logs its retries, at trace, without it.
    let db_password = "pg-pw-5e7a1c3d9b";
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let log = dir.path().join("postgres.log");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("DESK_DATA_DIR")
        .env(
            "DESK_DATABASE_URL",
            format!("postgres://desk:{db_password}@127.0.0.1:{port}/desk"),
        )
        .env("DESK_INGEST_SECRETS", format!("bridge={ingest_key}"))
        .env("DESK_LOG_LEVEL", "trace")
        .env("RUST_LOG", "")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    // Two retries are logged within a second; wait for them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::read_to_string(&log)
        .unwrap()
        .matches("database not reachable yet")
        .count()
        < 2
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the server never logged its retries:\n{}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = assert_clean(&log, &[db_password, ingest_key]);
    assert!(
        text.contains(&format!("127.0.0.1:{port}")),
        "the retries name where the database was looked for:\n{text}"
    );
}

//! The schemathesis suite of `cargo xtask test`: every operation of the OpenAPI document at
//! `/api/v1/openapi.json` fuzzed with schema-valid and schema-breaking input against a
//! seeded `desk-server`, signed in. A 5xx, a response outside its documented schema or
//! content type fails the operation (the issue's "bad input is a 4xx, never a 5xx").
//!
//! schemathesis comes from PyPI, pinned, into a venv under `~/.cache/desk-venv`, so a fresh
//! Debian machine needs only `python3-venv` (in `setup::APT_PACKAGES`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::setup::{self, cargo, server_cmd};
use crate::target_dir;

/// Pinned: a new release may add checks or generate differently, which should be a
/// deliberate change here, not a surprise in CI.
const SCHEMATHESIS: &str = "4.32.5";
const EMAIL: &str = "fuzz-admin@desk.test";
const PASSWORD: &str = "fuzz-password-2026";
/// Per operation; with ~15 operations this keeps the run near a minute on 2 cores.
const MAX_EXAMPLES: &str = "40";

/// Checks that hold for this API: no 5xx, every response matches the document's schema for
/// its status, and its content type. (`status_code_conformance` is left out: layers answer
/// 405 and 413 on any route, and listing them on every operation would only add noise.)
const CHECKS: &str = "not_a_server_error,response_schema_conformance,content_type_conformance";

/// Excluded operations, and why: the event stream never ends, so every fuzzed request
/// would run into the timeout; logout would revoke the run's own token, and every later
/// request would only test the 401 path. Both are covered by the API tests.
const EXCLUDED_PATHS: &[&str] = &["/api/v1/events", "/api/v1/auth/logout"];

/// Runs the suite; `(passed, failed)` operations.
pub fn run(build: bool) -> anyhow::Result<(u64, u64)> {
    let st = install()?;
    let server_bin = server_binary(build)?;
    let work = target_dir().join("schemathesis");
    let _ = std::fs::remove_dir_all(&work);
    let data = work.join("data");
    std::fs::create_dir_all(&data)?;
    let d = data.to_str().context("data dir is not UTF-8")?;

    server_cmd(
        &server_bin,
        &[
            "agent",
            "add",
            "--data-dir",
            d,
            "--email",
            EMAIL,
            "--name",
            "Fuzz Admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    )?;
    server_cmd(
        &server_bin,
        &["seed-demo", "--data-dir", d, "--tickets", "200"],
        "",
    )?;

    let log = std::fs::File::create(work.join("server.log"))?;
    let mut serve = Command::new(&server_bin);
    serve
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", d])
        // Ingestion on, so its routes parse and verify rather than refuse outright.
        .env(
            "DESK_INGEST_SECRETS",
            "fuzz=fuzz-secret-0123456789abcdef0123456789",
        )
        .env_remove("DESK_DATABASE_URL")
        .stderr(Stdio::from(log));
    let (server, url) = setup::start_server(serve)?;

    let token = login(&st, &url)?;
    let junit = work.join("junit.xml");
    let mut cmd = Command::new(&st);
    // It keeps a crash cache (`.schemathesis/`) in its working directory: not the repo's.
    cmd.current_dir(&work)
        .arg("run")
        .arg(format!("{url}/api/v1/openapi.json"))
        .args(["--checks", CHECKS])
        .args(["--max-examples", MAX_EXAMPLES])
        // Reproducible: the same inputs every run, so a failure can be rerun.
        .args(["--seed", "20261123", "--generation-database", "none"])
        .args(["--request-timeout", "10", "--no-color"])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&junit)
        .arg("-H")
        .arg(format!("Authorization: Bearer {token}"));
    for path in EXCLUDED_PATHS {
        cmd.args(["--exclude-path", path]);
    }
    eprintln!(
        "xtask: schemathesis {SCHEMATHESIS} against {url} (server log: {})",
        work.join("server.log").display()
    );
    let status = cmd.status().context("start schemathesis")?;
    drop(server);
    let xml = std::fs::read_to_string(&junit)
        .with_context(|| format!("schemathesis exited with {status} and wrote no report"))?;
    let (passed, failed) = count_junit(&xml);
    if passed + failed == 0 {
        bail!("schemathesis exited with {status} and tested no operation");
    }
    if !status.success() && failed == 0 {
        bail!("schemathesis exited with {status} but reported no failed operation");
    }
    Ok((passed, failed))
}

/// The pinned schemathesis in its venv; creates or updates it when needed.
fn install() -> anyhow::Result<PathBuf> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(target_dir);
    let venv = home.join(".cache/desk-venv");
    let st = venv.join("bin/st");
    let current = Command::new(&st)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS));
    if current {
        return Ok(st);
    }
    if !venv.join("bin/pip").exists() {
        setup::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    setup::run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("schemathesis=={SCHEMATHESIS}")),
    )?;
    Ok(st)
}

/// The debug `desk-server` that `cargo test --workspace` built; built here when asked
/// (the suite runs alone) or missing.
fn server_binary(build: bool) -> anyhow::Result<PathBuf> {
    let bin = target_dir().join("debug/desk-server");
    if build || !bin.exists() {
        setup::run(&mut cargo(&[
            "build",
            "-p",
            "desk-server",
            "--bin",
            "desk-server",
        ]))?;
    }
    Ok(bin)
}

/// An access token for the seeded admin, asked with the venv's Python (xtask has no HTTP
/// client, and needs none elsewhere).
fn login(st: &Path, url: &str) -> anyhow::Result<String> {
    let python = st.with_file_name("python");
    let script = r#"import json, sys, urllib.request
body = json.dumps({"email": sys.argv[2], "password": sys.argv[3], "device_name": "schemathesis"}).encode()
req = urllib.request.Request(sys.argv[1] + "/api/v1/auth/login", data=body, headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["access_token"])"#;
    let out = Command::new(python)
        .args(["-c", script, url, EMAIL, PASSWORD])
        .output()
        .context("log in with python")?;
    if !out.status.success() {
        bail!("login failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

/// `(passed, failed)` test cases of a JUnit report: one case per operation; it failed when
/// it holds a `<failure` or an `<error`.
fn count_junit(xml: &str) -> (u64, u64) {
    let (mut passed, mut failed) = (0, 0);
    for case in xml.split("<testcase").skip(1) {
        // A case ends at its closing tag, or at its own `/>` when it has no children.
        let end = case
            .find("</testcase>")
            .or_else(|| case.find("/>"))
            .unwrap_or(case.len());
        let body = &case[..end];
        if body.contains("<failure") || body.contains("<error") {
            failed += 1;
        } else if !body.contains("<skipped") {
            passed += 1;
        }
    }
    (passed, failed)
}

#[cfg(test)]
mod tests {
    use super::count_junit;

    #[test]
    fn counts_junit_cases() {
        let xml = r#"<testsuites><testsuite name="schemathesis" tests="4">
<testcase name="GET /healthz" time="0.1"/>
<testcase name="POST /api/v1/push" time="1.2"><failure type="failure" message="Server error">500</failure></testcase>
<testcase name="GET /api/v1/me" time="0.3"></testcase>
<testcase name="GET /api/v1/x" time="0.3"><error message="timeout"/></testcase>
</testsuite></testsuites>"#;
        assert_eq!(
            count_junit(xml),
            (2, 2),
            "a case with a failure or an error fails; the rest pass"
        );
    }
}

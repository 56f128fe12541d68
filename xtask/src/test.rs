//! `cargo xtask test`: set up what is missing, run every suite, and end with one line
//! `N passed, N failed` counting all of them. Exits non-zero on any failure.
//!
//! Suites: the Rust workspace (unit, integration, the CLI against a real server, the app end
//! to end in a real window), the UI's unit tests, the UI in headless Chromium, the
//! libFuzzer targets of `fuzz/` briefly (`fuzz_targets`), and schemathesis fuzzing the
//! server's OpenAPI document (`fuzz`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::Context;

use crate::setup::{self, cargo};
use crate::{root, target_dir};

#[derive(Default, Debug)]
struct Tally {
    passed: u64,
    failed: u64,
    notes: Vec<String>,
}

impl Tally {
    fn add(&mut self, suite: &str, passed: u64, failed: u64) {
        eprintln!("xtask: {suite}: {passed} passed, {failed} failed");
        self.passed += passed;
        self.failed += failed;
    }

    /// A suite that could not run at all counts as one failure, so it can never pass silently.
    fn broken(&mut self, suite: &str, why: String) {
        self.notes.push(format!("{suite}: {why}"));
        self.failed += 1;
    }
}

/// `cargo xtask test` runs every suite; `cargo xtask test schemathesis` only that one.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let only_fuzz = args.iter().any(|a| a == "schemathesis");
    let mut tally = Tally::default();
    if only_fuzz {
        setup::install_missing(&["python3", "python3-venv"])?;
    } else {
        setup::all()?;
        setup::tauri_driver()?;
        rust_suites(&mut tally)?;
        ui_suite(&mut tally, "ui unit", "test:unit", "ui-unit.json")?;
        ui_suite(&mut tally, "ui browser", "test:browser", "ui-browser.json")?;
        fuzz_targets(&mut tally);
    }
    // After the Rust suites, which built the debug desk-server it runs.
    match crate::fuzz::run(only_fuzz) {
        Ok((passed, failed)) => tally.add("schemathesis", passed, failed),
        Err(e) => tally.broken("schemathesis", format!("{e:#}")),
    }
    for note in &tally.notes {
        eprintln!("xtask: FAILED {note}");
    }
    eprintln!(
        "xtask: screenshots and other artifacts: {}",
        target_dir().join("test-artifacts").display()
    );
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// Seconds per fuzz target in the test run: enough to catch a regression near the seeds;
/// `cargo xtask bench fuzz` runs them for minutes.
const FUZZ_SECONDS: u64 = 15;

/// Each libFuzzer target that runs its time without a failing input counts as one test.
fn fuzz_targets(tally: &mut Tally) {
    match crate::fuzz_targets::run(FUZZ_SECONDS) {
        Ok(outcomes) => {
            for o in outcomes {
                if o.held {
                    tally.add(&format!("fuzz {}", o.target), 1, 0);
                } else {
                    tally.add(&format!("fuzz {}", o.target), 0, 1);
                    tally.notes.push(format!("fuzz {}: {}", o.target, o.detail));
                }
            }
        }
        Err(e) => tally.broken("fuzz targets", format!("{e:#}")),
    }
}

/// Parses cargo's `test result: ok. 3 passed; 1 failed; …` line.
fn parse_result_line(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result:")?;
    let mut passed = None;
    let mut failed = None;
    for part in rest.split([';', '.']) {
        let mut words = part.split_whitespace();
        if let (Some(n), Some(label)) = (words.next(), words.next()) {
            match label {
                "passed" => passed = n.parse().ok(),
                "failed" => failed = n.parse().ok(),
                _ => {}
            }
        }
    }
    Some((passed?, failed?))
}

fn rust_suites(tally: &mut Tally) -> anyhow::Result<()> {
    let mut cmd = cargo(&[
        "test",
        "--workspace",
        "--features",
        "desk-app/custom-protocol",
        "--no-fail-fast",
        "--color",
        "never",
    ]);
    cmd.env("DESK_ARTIFACTS_DIR", target_dir().join("test-artifacts"))
        .stdout(Stdio::piped());
    eprintln!("xtask: {cmd:?}");
    let mut child = cmd.spawn().context("start cargo test")?;
    let (mut passed, mut failed) = (0, 0);
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line?;
        println!("{line}");
        if let Some((p, f)) = parse_result_line(&line) {
            passed += p;
            failed += f;
        }
    }
    let status = child.wait()?;
    tally.add("rust", passed, failed);
    if !status.success() && failed == 0 {
        tally.broken(
            "rust",
            format!("cargo test exited with {status} (build failure or a crashed test binary)"),
        );
    }
    Ok(())
}

fn ui_suite(tally: &mut Tally, suite: &str, script: &str, report: &str) -> anyhow::Result<()> {
    let dir = target_dir().join("reports");
    std::fs::create_dir_all(&dir)?;
    let report = dir.join(report);
    let _ = std::fs::remove_file(&report);
    let status = Command::new("npm")
        .args(["run", "--silent", script])
        .current_dir(root().join("ui"))
        .env("DESK_REPORT_DIR", &dir)
        .env("DESK_ARTIFACTS_DIR", target_dir().join("test-artifacts"))
        // The web form's browser test runs the real server (cargo test built it).
        .env("DESK_SERVER_BIN", target_dir().join("debug/desk-server"))
        .status()
        .with_context(|| format!("start npm run {script}"))?;
    let counts = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| Some((v["numPassedTests"].as_u64()?, v["numFailedTests"].as_u64()?)));
    match counts {
        Some((p, f)) => {
            tally.add(suite, p, f);
            if !status.success() && f == 0 {
                tally.broken(suite, format!("npm run {script} exited with {status}"));
            }
        }
        None => tally.broken(
            suite,
            format!("npm run {script} exited with {status} and wrote no report"),
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_result_line;

    #[test]
    fn reads_cargo_result_lines() {
        assert_eq!(
            parse_result_line(
                "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s"
            ),
            Some((12, 0))
        );
        assert_eq!(
            parse_result_line(
                "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out"
            ),
            Some((3, 2))
        );
        assert_eq!(parse_result_line("running 3 tests"), None);
    }
}

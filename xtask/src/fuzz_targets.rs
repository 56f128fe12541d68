//! The cargo-fuzz targets in `fuzz/` (the redactor, the HTML sanitizer, the inbound wire
//! formats: the code hostile customer content passes through). `cargo xtask test` runs
//! each for a few seconds, `cargo xtask bench fuzz` for minutes.
//!
//! Built with `--sanitizer none`: libFuzzer's coverage guidance works on stable Rust, the
//! address sanitizer needs nightly, and these targets are safe Rust whose failures are
//! panics (a broken invariant) rather than memory errors. The corpus each run grows is
//! kept beside the build (`fuzz-corpus/`), so later runs start where earlier ones ended;
//! `fuzz/seeds/` gives the first run realistic inputs.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::setup::{self, cargo_bin};
use crate::{root, target_dir};

/// Pinned: a new cargo-fuzz should be a deliberate change.
const CARGO_FUZZ: &str = "0.13.2";
pub const TARGETS: &[&str] = &["redact", "sanitize", "inbound", "mail"];

/// `cargo fuzz`, from crates.io when missing.
fn install() -> anyhow::Result<()> {
    let works = Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works || cargo_bin("cargo-fuzz").exists() {
        return Ok(());
    }
    setup::run(Command::new("cargo").args([
        "install",
        "cargo-fuzz",
        "--locked",
        "--version",
        CARGO_FUZZ,
    ]))
}

fn cargo_fuzz(args: &[&str]) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg("fuzz")
        .args(args)
        .args(["--sanitizer", "none", "--fuzz-dir"])
        .arg(root().join("fuzz"))
        .env("CARGO_TARGET_DIR", target_dir().join("fuzz"))
        // Set by the outer cargo for xtask itself; the fuzz build sets its own flags.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .current_dir(root());
    cmd
}

/// One target's run: whether it held, and how many inputs it tried per second.
pub struct Outcome {
    pub target: &'static str,
    pub held: bool,
    pub execs_per_s: f64,
    pub detail: String,
}

/// Builds every target, then runs each for `seconds`.
pub fn run(seconds: u64) -> anyhow::Result<Vec<Outcome>> {
    install()?;
    setup::run(&mut cargo_fuzz(&["build"]))?;
    let mut outcomes = Vec::new();
    for &target in TARGETS {
        outcomes.push(run_one(target, seconds)?);
    }
    Ok(outcomes)
}

fn run_one(target: &'static str, seconds: u64) -> anyhow::Result<Outcome> {
    let corpus = target_dir().join("fuzz-corpus").join(target);
    let artifacts = target_dir().join("fuzz-artifacts").join(target);
    std::fs::create_dir_all(&corpus)?;
    std::fs::create_dir_all(&artifacts)?;
    let seeds: PathBuf = root().join("fuzz/seeds").join(target);
    let mut cmd = cargo_fuzz(&["run", target]);
    cmd.arg(&corpus);
    if seeds.is_dir() {
        cmd.arg(&seeds);
    }
    cmd.arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .args([
            "-rss_limit_mb=2048",
            "-max_len=65536",
            "-print_final_stats=1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    eprintln!("xtask: fuzz {target} for {seconds} s");
    let started = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("start cargo fuzz run {target}"))?;
    let log = String::from_utf8_lossy(&out.stderr);
    let stat = |name: &str| {
        log.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|n| n.trim().parse::<f64>().ok())
    };
    let execs = stat("stat::number_of_executed_units:");
    let held = out.status.success();
    if !held && execs.is_none() && !log.contains("panicked") && !log.contains("deadly signal") {
        bail!("cargo fuzz run {target} did not run: {}", tail(&log));
    }
    let detail = if held {
        String::new()
    } else {
        format!(
            "crashed; input saved under {}\n{}{}",
            artifacts.display(),
            panic_message(&log),
            tail(&log)
        )
    };
    Ok(Outcome {
        target,
        held,
        execs_per_s: stat("stat::average_exec_per_sec:")
            .unwrap_or_else(|| execs.unwrap_or(0.0) / started.elapsed().as_secs_f64().max(1.0)),
        detail,
    })
}

/// The target's panic, its location and message (the log's tail is libFuzzer's report and
/// the backtrace, which a panic's message scrolls out of).
fn panic_message(log: &str) -> String {
    let mut out = String::new();
    for line in log.lines().skip_while(|l| !l.contains("panicked at")) {
        if line.starts_with("stack backtrace:") || line.starts_with("note: ") {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::panic_message;

    #[test]
    fn a_crash_report_keeps_the_panic_message() {
        let log = "Running: crash-1\n\nthread '<unnamed>' (31477) panicked at fuzz_targets/sanitize.rs:80:17:\nHTML is dropped only for a secret\nstack backtrace:\n   0: x\nnote: Some details are omitted\n==1== ERROR: libFuzzer: deadly signal\n";
        assert_eq!(
            panic_message(log),
            "thread '<unnamed>' (31477) panicked at fuzz_targets/sanitize.rs:80:17:\nHTML is dropped only for a secret\n"
        );
        assert_eq!(panic_message("==1== ERROR: libFuzzer: out-of-memory\n"), "");
    }
}

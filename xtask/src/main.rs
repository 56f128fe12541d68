//! `cargo xtask demo|test|bench`: the two commands a newcomer needs, and benchmarks.
//!
//! Both set up what is missing on a Debian/Ubuntu machine (apt packages, npm packages,
//! tauri-driver), build, and run. Everything here shells out to the ordinary tools; it has
//! no logic of the product.

mod demo;
mod fuzz;
mod fuzz_targets;
mod setup;
mod test;

use std::path::PathBuf;

use anyhow::Context;

fn usage() -> ! {
    eprintln!(
        "usage: cargo xtask <command>\n\n\
         commands:\n  \
         demo [--headless]   start a server with demo data and open the console signed in\n  \
         test                install what is missing, run every suite, print `N passed, N failed`\n  \
         bench <area>        benchmarks (JSON lines on stdout): store, sync, server, channels, help,\n                      \
         fuzz, console"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = args.split_first() else {
        usage()
    };
    let result = match cmd.as_str() {
        "demo" => demo::run(rest),
        "test" => test::run(rest),
        "bench" => bench(rest),
        _ => usage(),
    };
    if let Err(e) = result {
        // The cause chain, without a backtrace: these are messages for a person.
        eprintln!("xtask: {e:#}");
        std::process::exit(1);
    }
}

fn bench(args: &[String]) -> anyhow::Result<()> {
    let (area, rest) = args
        .split_first()
        .map(|(a, r)| (a.as_str(), r))
        .unwrap_or(("", &[]));
    // A fresh machine builds the benches before anything else (a misspelt area installs
    // nothing: it gets the usage).
    if [
        "store",
        "knowledge",
        "sync",
        "server",
        "fuzz",
        "console",
        "channels",
        "help",
    ]
    .contains(&area)
    {
        setup::install_missing(setup::BUILD_PACKAGES)?;
    }
    match area {
        // Release builds: these measure the product, not debug assertions.
        "store" | "knowledge" => {
            let mut cmd = setup::cargo(&[
                "run",
                "--quiet",
                "--release",
                "-p",
                "desk-store",
                "--example",
                "bench_store",
                "--",
            ]);
            if area == "knowledge" {
                // The knowledge section runs last in the store bench; on the console's
                // scale of cache (100k tickets) rather than the store's million.
                cmd.args(["--tickets", "100000", "--no-incremental"]);
            }
            cmd.args(rest);
            setup::run(&mut cmd)
        }
        // The load generator spawns the release `desk-server` beside it (testsupport finds
        // binaries next to the running executable), so both are built, then it runs.
        "server" => {
            setup::install_missing(&["postgresql"])?;
            run_beside_server("bench_server", rest)
        }
        // The public help center's search, in process over the release build.
        "help" => {
            let mut cmd = setup::cargo(&[
                "run",
                "--quiet",
                "--release",
                "-p",
                "desk-server",
                "--example",
                "bench_help",
                "--",
            ]);
            cmd.args(rest);
            setup::run(&mut cmd)
        }
        // Email in and out: real Dovecot and aiosmtpd beside the product's intake and
        // delivery (in process), then the release server for the reply-to-sent latency.
        "channels" => {
            setup::install_missing(&["postgresql", "dovecot-imapd", "python3-aiosmtpd"])?;
            run_beside_server("bench_channels", rest)
        }
        // `--soak`: the deterministic sync simulation over many seeds (desk-sim).
        "sync" if rest.first().is_some_and(|a| a == "--soak") => {
            let mut cmd = setup::cargo(&[
                "run",
                "--quiet",
                "--release",
                "-p",
                "desk-sim",
                "--example",
                "soak",
                "--",
            ]);
            cmd.args(&rest[1..]);
            setup::run(&mut cmd)
        }
        // Real clients against the release server, as for `server`; the bench starts its
        // own private keyring session (dbus, gnome-keyring).
        "sync" => {
            setup::install_missing(&["postgresql", "dbus", "gnome-keyring", "libsecret-tools"])?;
            run_beside_server("bench_sync", rest)
        }
        // The libFuzzer targets for minutes each (`--seconds N`, default 300): one JSON
        // line per target with its speed, and a failing input fails the run.
        "fuzz" => {
            let seconds = match rest {
                [] => 300,
                [flag, n] if flag == "--seconds" => n.parse().context("--seconds N")?,
                _ => anyhow::bail!("usage: cargo xtask bench fuzz [--seconds N]"),
            };
            let outcomes = fuzz_targets::run(seconds)?;
            let mut failed = Vec::new();
            for o in &outcomes {
                println!(
                    "{}",
                    serde_json::json!({
                        "metric": format!("fuzz_{}_execs_per_s", o.target),
                        "value": o.execs_per_s.round(),
                        "unit": "inputs/s",
                        // 100/s: five minutes still try 30,000 inputs per target.
                        "target": 100,
                        "better": "higher",
                    })
                );
                if !o.held {
                    eprintln!("xtask: fuzz {}: {}", o.target, o.detail);
                    failed.push(o.target);
                }
            }
            if !failed.is_empty() {
                anyhow::bail!("fuzz targets found failing inputs: {failed:?}");
            }
            Ok(())
        }
        // The real app (release, serving the built UI) under Xvfb over WebDriver, on a cache
        // the release server and `desk` CLI build; the bench finds them beside itself.
        "console" => {
            setup::all()?;
            setup::tauri_driver()?;
            setup::run(&mut setup::cargo(&[
                "build",
                "--release",
                "-p",
                "desk-app",
                "--features",
                "desk-app/custom-protocol",
                "--bin",
                "desk-app",
                "-p",
                "desk-server",
                "--bin",
                "desk-server",
                "-p",
                "desk-cli",
                "--bin",
                "desk",
            ]))?;
            // Its own build: its dev-only features must not reach the app's dependencies.
            setup::run(&mut setup::cargo(&[
                "build",
                "--release",
                "-p",
                "testsupport",
                "--example",
                "bench_console",
            ]))?;
            let mut cmd =
                std::process::Command::new(target_dir().join("release/examples/bench_console"));
            cmd.args(rest);
            setup::run(&mut cmd)
        }
        _ => anyhow::bail!(
            "usage: cargo xtask bench store|knowledge|sync|server|channels|help|fuzz|console [options]"
        ),
    }
}

/// Builds the release `desk-server` and one of its bench examples, then runs the example.
fn run_beside_server(example: &str, args: &[String]) -> anyhow::Result<()> {
    setup::run(&mut setup::cargo(&[
        "build",
        "--release",
        "-p",
        "desk-server",
        "--bin",
        "desk-server",
        "--example",
        example,
    ]))?;
    let mut cmd = std::process::Command::new(target_dir().join("release/examples").join(example));
    cmd.args(args);
    setup::run(&mut cmd)
}

/// The repository root (xtask lives one level below it).
///
/// `cargo run` sets `CARGO_MANIFEST_DIR` at run time too, and that is the one to trust:
/// clones sharing a target directory share one xtask binary, whose compile-time value
/// names whichever clone built it first.
pub fn root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Where cargo builds: `CARGO_TARGET_DIR`, defaulting to a cache outside the clone so that
/// fresh clones (CI) reuse earlier builds.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| root().join("target"));
            home.join(".cache/desk-target")
        }
    }
}

//! `cargo xtask demo`: a server with realistic demo data, and the console signed in to it.
//! `--headless` runs the same under Xvfb with a private keyring and writes a screenshot.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::setup::{self, cargo, run as run_cmd, server_cmd};
use crate::target_dir;

const AGENT_EMAIL: &str = "agent@desk.demo";
const SUPERVISOR_EMAIL: &str = "supervisor@desk.demo";
const PASSWORD: &str = "desk-demo-2026";
const TICKETS: &str = "3000";

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let headless = args.iter().any(|a| a == "--headless");
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if !headless && !has_display {
        bail!(
            "no display to open the console on (DISPLAY and WAYLAND_DISPLAY are unset); \
             run `cargo xtask demo --headless` to run it under Xvfb and write a screenshot"
        );
    }
    setup::all()?;
    run_cmd(&mut cargo(&[
        "build",
        "-p",
        "desk-app",
        "-p",
        "desk-server",
        "-p",
        "desk-cli",
        "--features",
        "desk-app/custom-protocol",
    ]))?;
    let bin = target_dir().join("debug");
    let server_bin = bin.join("desk-server");
    let desk = bin.join("desk");
    let app = bin.join("desk-app");

    // A fresh demo each time: the data is deterministic, so nothing is lost.
    let demo = target_dir().join("demo");
    let _ = std::fs::remove_dir_all(&demo);
    let server_dir = demo.join("server");
    let console = demo.join("console");
    std::fs::create_dir_all(&console)?;
    let sd = server_dir.to_str().unwrap();
    for (email, name, role) in [
        (AGENT_EMAIL, "Lin Wei 林伟", "agent"),
        (SUPERVISOR_EMAIL, "Grace Chen 陈静", "supervisor"),
    ] {
        server_cmd(
            &server_bin,
            &[
                "agent",
                "add",
                "--data-dir",
                sd,
                "--email",
                email,
                "--name",
                name,
                "--role",
                role,
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        )?;
    }
    // Seeded relative to now, so the demo's SLA clocks are live rather than long breached.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis()
        .to_string();
    server_cmd(
        &server_bin,
        &[
            "seed-demo",
            "--data-dir",
            sd,
            "--tickets",
            TICKETS,
            "--now-ms",
            &now_ms,
        ],
        "",
    )?;

    let mut serve = Command::new(&server_bin);
    serve.args(["serve", "--listen", "127.0.0.1:0", "--data-dir", sd]);
    let (server, url) = setup::start_server(serve)?;
    eprintln!("xtask: demo server at {url}");
    eprintln!("xtask: sign in as {AGENT_EMAIL} or {SUPERVISOR_EMAIL}, password {PASSWORD}");

    if headless {
        headless_run(&desk, &app, &console, &demo, &url)?;
    } else {
        // The console uses the OS keyring of this desktop session, like a real install.
        sign_in(&console, &url, &mut Command::new(&desk))?;
        eprintln!("xtask: opening the console; close its window to stop the demo");
        run_cmd(Command::new(&app).env("DESK_HOME", &console))?;
    }
    drop(server);
    Ok(())
}

fn sign_in(console: &Path, url: &str, cmd: &mut Command) -> anyhow::Result<()> {
    let mut child = cmd
        .args(["--home"])
        .arg(console)
        .args([
            "login",
            "--server",
            url,
            "--email",
            AGENT_EMAIL,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .context("start desk login")?;
    child.stdin.take().unwrap().write_all(PASSWORD.as_bytes())?;
    if !child.wait()?.success() {
        bail!("desk login failed");
    }
    Ok(())
}

/// Under Xvfb and a private D-Bus session with its own unlocked keyring: sign in with the
/// CLI (same profile as the console), pull, start the console, and photograph it.
fn headless_run(
    desk: &Path,
    app: &Path,
    console: &Path,
    demo: &Path,
    url: &str,
) -> anyhow::Result<()> {
    let shot: PathBuf = demo.join("console-inbox.png");
    let xdg = demo.join("xdg");
    let runtime = demo.join("xdg-run");
    std::fs::create_dir_all(&xdg)?;
    std::fs::create_dir_all(&runtime)?;
    let _ = Command::new("chmod").arg("700").arg(&runtime).status();
    let script = format!(
        r#"set -e
echo -n desk-demo | gnome-keyring-daemon --unlock --components=secrets >/dev/null
echo -n '{PASSWORD}' | '{desk}' --home '{console}' login --server '{url}' --email '{AGENT_EMAIL}' --password-stdin
'{desk}' --home '{console}' sync
DESK_HOME='{console}' '{app}' &
app=$!
sleep 10
import -window root '{shot}'
kill -TERM $app
wait $app || true
"#,
        desk = desk.display(),
        console = console.display(),
        app = app.display(),
        shot = shot.display(),
    );
    run_cmd(
        Command::new("dbus-run-session")
            .args([
                "--",
                "xvfb-run",
                "-a",
                "-s",
                "-screen 0 1440x900x24",
                "sh",
                "-c",
                &script,
            ])
            .env("XDG_DATA_HOME", &xdg)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
    )?;
    eprintln!(
        "xtask: screenshot of the signed-in console: {}",
        shot.display()
    );
    Ok(())
}

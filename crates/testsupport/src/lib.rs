//! Test harness shared by the workspace's integration tests: locating built binaries, a
//! `desk-server` child process on a free port, a private D-Bus session with an unlocked
//! gnome-keyring (so tests never touch the developer's own keychain), an Xvfb display,
//! tauri-driver and a small WebDriver client for the real app window, a throwaway
//! PostgreSQL cluster, and a TCP proxy that injects network faults.
//!
//! Everything started here is stopped on drop (the shared PostgreSQL cluster, which lives
//! in a `static`, when the test process exits). Nothing here is used by production code.

mod display;
mod keyring_session;
pub mod mail;
mod postgres;
mod proxy;
mod server;
mod tls;
mod webdriver;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub use display::Xvfb;
pub use keyring_session::KeyringSession;
pub use postgres::Postgres;
pub use proxy::{FaultProxy, ProxyMode};
pub use server::{ServerProcess, StoppedServer, seed_data_dir, server_cmd};
pub use tls::PrivateCa;
pub use webdriver::{TauriDriver, WebDriver};

/// A built binary of this workspace (`desk-server`, `desk`, `desk-app`), next to the test
/// executable's target directory. `cargo test --workspace` builds them all.
pub fn bin_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built; run the tests with `cargo test --workspace` (or `cargo xtask test`)",
        path.display()
    );
    path
}

/// A TCP port on the loopback interface that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("find a free port")
        .port()
}

/// Whether a program is on PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program} >/dev/null 2>&1"))
        .status()
        .is_ok_and(|s| s.success())
}

/// Sends SIGTERM to a child and waits for it; SIGKILL only if it ignores that for 10 s.
/// A gentle stop matters: tauri-driver killed hard leaves its WebKitWebDriver orphaned.
pub fn terminate(child: &mut std::process::Child) {
    if child.try_wait().ok().flatten().is_some() {
        return;
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    for _ in 0..100 {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Where tests leave artifacts (screenshots) for people to look at.
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("DESK_ARTIFACTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts")
        });
    std::fs::create_dir_all(&dir).expect("create artifacts dir");
    dir
}

/// Starts `cmd` with its output piped and `stdin` written to it and closed, for a test to
/// wait on as it needs (to the end, or within a limit).
pub fn spawn_with_stdin(cmd: &mut Command, stdin: &str) -> Child {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child
}

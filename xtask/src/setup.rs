//! Installing what is missing: Debian packages, the UI's npm packages, tauri-driver.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

use crate::{root, target_dir};

/// Debian packages any build of the workspace's crates needs, the app's or not: what the
/// benches install before they build (each adds what it runs against).
pub const BUILD_PACKAGES: &[&str] = &[
    // the keyring's Secret Service client (also Tauri's)
    "libdbus-1-dev",
    // SQLCipher's crypto for the encrypted cache is OpenSSL built from source
    // (desk-store's Cargo.toml says why), and its build scripts are Perl
    "perl",
    "pkg-config",
    "build-essential",
];

/// Debian packages the app, its tests and the demo need, beyond [`BUILD_PACKAGES`].
pub const APT_PACKAGES: &[&str] = &[
    // Tauri on Linux
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    // the real window under a virtual display, driven over WebDriver
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    // a private Secret Service for keyring tests
    "dbus",
    "dbus-x11",
    "gnome-keyring",
    "libsecret-tools",
    // PostgreSQL for the server's production storage
    "postgresql",
    // schemathesis (fuzzing the OpenAPI document) runs from a venv of PyPI packages
    "python3",
    "python3-venv",
    // UI tests in a real browser; screenshots
    "chromium",
    "imagemagick",
    // Chinese text in screenshots
    "fonts-noto-cjk",
    // real mail servers for desk-mail's tests, each started by the tests on a free port
    // (testsupport::mail): Dovecot for IMAP, aiosmtpd for SMTP
    "dovecot-imapd",
    "python3-aiosmtpd",
];

/// Packages whose install would start a system service nothing needs: the tests run their
/// own instance. They are installed with service starts denied (see
/// [`without_starting_services`]), so a fresh machine gets no IMAP server on port 143.
const NO_SERVICE_PACKAGES: &[&str] = &["dovecot-imapd"];

pub fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: {shown}");
    let status = cmd.status().with_context(|| format!("start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

fn installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

pub fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program} >/dev/null 2>&1"))
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs missing Debian packages (as root, or through sudo). Elsewhere it names them.
pub fn system_packages() -> anyhow::Result<()> {
    install_missing(&[BUILD_PACKAGES, APT_PACKAGES].concat())
}

/// Installs those of `packages` that are missing, as [`system_packages`] does.
pub fn install_missing(packages: &[&str]) -> anyhow::Result<()> {
    if !have("dpkg-query") || !have("apt-get") {
        eprintln!(
            "xtask: not a Debian/Ubuntu system; install the equivalents of: {}",
            packages.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing Debian packages: {}", missing.join(" "));
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let sudo: &[&str] = if is_root { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut c = Command::new(if sudo.is_empty() { "apt-get" } else { "sudo" });
        if !sudo.is_empty() {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(&mut apt(&["update", "-qq"]))?;
    let (quiet, others): (Vec<&str>, Vec<&str>) = missing
        .iter()
        .partition(|p| NO_SERVICE_PACKAGES.contains(p));
    if !others.is_empty() {
        let mut install = apt(&["install", "-y", "-qq"]);
        install.args(&others);
        run(&mut install)?;
    }
    if !quiet.is_empty() {
        without_starting_services(sudo, || {
            let mut install = apt(&["install", "-y", "-qq"]);
            install.args(&quiet);
            run(&mut install)
        })?;
    }
    Ok(())
}

/// Runs `install` with Debian's `/usr/sbin/policy-rc.d` denying every service start (exit
/// 101, as containers ship it), then removes that file again. A policy already in place
/// (a container's) is left as it is.
fn without_starting_services(
    sudo: &[&str],
    install: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    const POLICY: &str = "/usr/sbin/policy-rc.d";
    if Path::new(POLICY).exists() {
        return install();
    }
    let as_root = |script: String| {
        let mut c = Command::new(if sudo.is_empty() { "sh" } else { "sudo" });
        if !sudo.is_empty() {
            c.arg("sh");
        }
        c.arg("-c").arg(script);
        c
    };
    run(&mut as_root(format!(
        "printf '#!/bin/sh\\nexit 101\\n' > {POLICY} && chmod 755 {POLICY}"
    )))?;
    let installed = install();
    let removed = run(&mut as_root(format!("rm -f {POLICY}")));
    installed.and(removed)
}

/// `npm ci` when node_modules is missing or older than the lock file.
pub fn npm_packages() -> anyhow::Result<()> {
    let ui = root().join("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    let lock = ui.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(s), Ok(l)) => s.modified()? >= l.modified()?,
        _ => false,
    };
    if !fresh {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&ui))?;
    }
    Ok(())
}

/// Builds the UI into ui/dist, which the app embeds.
pub fn build_ui() -> anyhow::Result<()> {
    run(Command::new("npm")
        .args(["run", "build"])
        .current_dir(root().join("ui")))
}

/// tauri-driver (WebDriver for Tauri apps), from crates.io.
pub fn tauri_driver() -> anyhow::Result<()> {
    if have("tauri-driver") || cargo_bin("tauri-driver").exists() {
        return Ok(());
    }
    run(Command::new("cargo").args(["install", "tauri-driver", "--locked", "--version", "^2"]))
}

pub fn cargo_bin(name: &str) -> std::path::PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_default();
    home.join("bin").join(name)
}

/// A cargo command with the shared target directory and the app serving the built UI.
pub fn cargo(args: &[&str]) -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.args(args)
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(root());
    c
}

/// Everything both commands need before building.
pub fn all() -> anyhow::Result<()> {
    system_packages()?;
    npm_packages()?;
    build_ui()
}

/// A `desk-server serve` child, stopped (SIGTERM, then waited for) on drop.
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let _ = self.0.wait();
    }
}

/// Spawns `serve` (a `desk-server serve ...` command) and returns it with the URL from its
/// `listening on` line.
pub fn start_server(mut serve: Command) -> anyhow::Result<(Server, String)> {
    let mut child = serve
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("start desk-server serve")?;
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first)?;
    let server = Server(child);
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .context("desk-server printed no address")?
        .to_owned();
    Ok((server, url))
}

/// Runs a `desk-server` subcommand to completion, feeding it `stdin`. Always on the data
/// directory it is given: a DESK_DATABASE_URL in the caller's environment would win.
pub fn server_cmd(bin: &Path, args: &[&str], stdin: &str) -> anyhow::Result<()> {
    let mut child = Command::new(bin)
        .args(args)
        .env_remove("DESK_DATABASE_URL")
        .stdin(Stdio::piped())
        .spawn()
        .context("start desk-server")?;
    child.stdin.take().unwrap().write_all(stdin.as_bytes())?;
    let status = child.wait()?;
    if !status.success() {
        bail!("desk-server {args:?} failed with {status}");
    }
    Ok(())
}

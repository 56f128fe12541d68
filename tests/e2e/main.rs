//! The real console, end to end: the app binary in a real window under Xvfb, driven over
//! WebDriver (tauri-driver → WebKitWebDriver), talking to a real `desk-server` process, with
//! its refresh token in a real Secret Service on a private D-Bus session.
//!
//! Needs the tools `cargo xtask test` installs (Xvfb, webkit2gtk-driver, tauri-driver,
//! dbus, gnome-keyring, libsecret-tools, ImageMagick) and the binaries built with
//! `--features desk-app/custom-protocol` so the window serves the built UI.

mod webdriver;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use testsupport::{KeyringSession, ServerProcess, Xvfb, artifacts_dir, bin_path, have, terminate};
use webdriver::WebDriver;

const EMAIL: &str = "lin.wei@desk.test";
const PASSWORD: &str = "correct horse 电池 staple";
const LONG: Duration = Duration::from_secs(60);

fn tauri_driver() -> PathBuf {
    if have("tauri-driver") {
        return PathBuf::from("tauri-driver");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let p = home.join(".cargo/bin/tauri-driver");
    assert!(
        p.exists(),
        "tauri-driver is not installed: `cargo xtask test` installs it"
    );
    p
}

struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(x: &Xvfb, keyring: &KeyringSession, home: &Path, log: &Path) -> Self {
        let port = free_port();
        let native = free_port();
        let mut cmd = Command::new(tauri_driver());
        x.apply(keyring.apply(&mut cmd))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DESK_HOME", home)
            .env("DESK_LOG", "debug")
            // WebKit's sandbox needs user namespaces a CI container may not grant.
            .env("WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS", "1")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .stdout(Stdio::from(std::fs::File::create(log).unwrap()))
            .stderr(Stdio::from(
                std::fs::OpenOptions::new().append(true).open(log).unwrap(),
            ));
        let child = cmd.spawn().expect("spawn tauri-driver");
        // Owned by the guard from here on, so a failure below still stops it.
        let driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        for _ in 0..100 {
            if http.get(format!("{}/status", driver.url)).send().is_ok() {
                return driver;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("tauri-driver did not come up on {}", driver.url);
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM, never SIGKILL: tauri-driver then stops its WebKitWebDriver too.
        terminate(&mut self.child);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn console_signs_in_reads_chinese_keeps_token_in_keyring_and_works_offline() {
    for tool in [
        "Xvfb",
        "WebKitWebDriver",
        "dbus-daemon",
        "gnome-keyring-daemon",
        "secret-tool",
    ] {
        assert!(
            have(tool),
            "{tool} is missing: `cargo xtask test` installs what the end-to-end test needs"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded(&tmp.path().join("server"), 80, EMAIL, PASSWORD);
    let keyring = KeyringSession::start(tmp.path());
    let x = Xvfb::start();
    let home = tmp.path().join("console");
    let log = tmp.path().join("app.log");
    let app = bin_path("desk-app");
    let shots = artifacts_dir();

    // 1. Sign in and read a Chinese conversation.
    let driver = Driver::start(&x, &keyring, &home, &log);
    let wd = WebDriver::launch(&driver.url, &app);
    let url_field = wd.wait("[data-testid=server-url]", LONG);
    wd.clear(&url_field);
    wd.type_text(&url_field, &server.url);
    wd.type_text(&wd.wait("[data-testid=email]", LONG), EMAIL);
    wd.type_text(&wd.wait("[data-testid=password]", LONG), PASSWORD);
    wd.click(&wd.wait("[data-testid=sign-in]", LONG));

    let rows = wd.wait_all("[data-testid=ticket-row]", LONG);
    assert!(
        !rows.is_empty(),
        "the seeded tickets must be listed after sign-in"
    );
    let agent = wd.text(&wd.wait("[data-testid=agent-name]", LONG));
    assert!(
        agent.contains("Lin Wei"),
        "the signed-in agent is shown, got {agent:?}"
    );
    // Kept for a person to look at, whatever the assertions below find.
    assert!(
        x.screenshot(&shots.join("e2e-inbox-first-sync.png")),
        "screenshot of the real window"
    );
    let texts: Vec<String> = rows.iter().map(|r| wd.text(r)).collect();
    let chinese_row = rows
        .iter()
        .zip(&texts)
        .find(|(_, t)| has_cjk(t))
        .map(|(r, _)| r)
        .unwrap_or_else(|| {
            panic!("the demo data has Chinese tickets and the list shows them: {texts:?}")
        });
    wd.click(chinese_row);
    wd.wait("[data-testid=ticket-detail]", LONG);
    let bodies = wd.wait_all("[data-testid=message-body]", LONG);
    assert!(
        bodies.iter().any(|b| has_cjk(&wd.text(b))),
        "a Chinese ticket's conversation shows its Chinese messages"
    );
    wd.wait("[data-testid=customer-panel]", LONG);
    wd.until("connectivity shows online", LONG, |wd| {
        wd.attr(&wd.wait("[data-testid=connectivity]", LONG), "data-state")
            .as_deref()
            == Some("online")
    });
    assert!(
        x.screenshot(&shots.join("e2e-inbox-signed-in.png")),
        "screenshot of the real window"
    );

    // The same window in Chinese, switched at run time.
    wd.click(&wd.wait("[data-testid=lang-toggle]", LONG));
    wd.until("the UI switches to Chinese", LONG, |wd| {
        wd.text(&wd.wait("[data-testid=view-open]", LONG))
            .contains("未解决")
    });
    assert!(
        x.screenshot(&shots.join("e2e-inbox-signed-in-zh-CN.png")),
        "screenshot of the real window"
    );
    wd.quit();
    drop(driver);

    // 2. The refresh token is in the real Secret Service, and nowhere on disk or in logs.
    let account = desk_sync::Profile::at(&home).refresh_token_account();
    let token = keyring
        .lookup(&[("service", "desk"), ("username", &account)])
        .expect("the refresh token must be in the OS keyring (keyring without platform features silently uses a mock)");
    assert!(
        token.len() >= 32,
        "a real token, not a placeholder: {} chars",
        token.len()
    );
    for file in files_under(&home).into_iter().chain([log.clone()]) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !contains(&bytes, token.as_bytes()),
            "the refresh token leaked into {}",
            file.display()
        );
    }
    let refreshed = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/auth/refresh", server.url))
        .json(&serde_json::json!({ "refresh_token": token }))
        .send()
        .unwrap();
    assert!(
        refreshed.status().is_success(),
        "the keyring holds the live refresh token the server issued"
    );

    // 3. Server down, app restarted: the cache still shows the tickets, clearly offline.
    server.stop();
    let driver = Driver::start(&x, &keyring, &home, &tmp.path().join("app-offline.log"));
    let wd = WebDriver::launch(&driver.url, &app);
    let rows = wd.wait_all("[data-testid=ticket-row]", LONG);
    assert!(
        !rows.is_empty(),
        "cached tickets must show with the server down"
    );
    wd.wait("[data-testid=offline-banner]", LONG);
    wd.until("connectivity shows offline", LONG, |wd| {
        wd.attr(&wd.wait("[data-testid=connectivity]", LONG), "data-state")
            .as_deref()
            == Some("offline")
    });
    wd.click(&rows[0]);
    wd.wait("[data-testid=message-body]", LONG);
    assert!(
        x.screenshot(&shots.join("e2e-inbox-offline.png")),
        "screenshot of the real window"
    );
    wd.quit();
    drop(driver);
    drop(x);
}

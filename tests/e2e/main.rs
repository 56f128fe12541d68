//! The real console, end to end: the app binary in a real window under Xvfb, driven over
//! WebDriver (tauri-driver → WebKitWebDriver), talking to a real `desk-server` process, with
//! its refresh token in a real Secret Service on a private D-Bus session.
//!
//! Needs the tools `cargo xtask test` installs (Xvfb, webkit2gtk-driver, tauri-driver,
//! dbus, gnome-keyring, libsecret-tools, ImageMagick) and the binaries built with
//! `--features desk-app/custom-protocol` so the window serves the built UI.

mod admin;
mod hostile;
mod mail;
mod notifications;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use testsupport::{
    KeyringSession, ServerProcess, TauriDriver, WebDriver, Xvfb, artifacts_dir, bin_path, have,
    server_cmd, terminate,
};

const EMAIL: &str = "lin.wei@desk.test";
const PASSWORD: &str = "correct horse 电池 staple";
pub(crate) const LONG: Duration = Duration::from_secs(60);
/// The colleague who answers a ticket while the agent's reply waits offline.
const COLLEAGUE: &str = "bo@desk.test";
/// WebDriver's Enter key.
const ENTER: &str = "\u{E007}";

/// tauri-driver launching the console on `home`, with debug logs in `log` and `bin` first
/// on the app's PATH (the fake browser of [`hostile::fake_browser`]).
fn tauri_driver(
    x: &Xvfb,
    keyring: &KeyringSession,
    home: &Path,
    log: &Path,
    bin: &Path,
) -> TauriDriver {
    let mut path = std::ffi::OsString::from(bin);
    if let Some(rest) = std::env::var_os("PATH") {
        path.push(":");
        path.push(rest);
    }
    // The webview's own cache, kept beside the profile so step 2 can search it.
    let cache = home.with_file_name("xdg-cache");
    let env = [
        ("DESK_HOME", home.as_os_str()),
        ("XDG_CACHE_HOME", cache.as_os_str()),
        ("DESK_LOG", std::ffi::OsStr::new("debug")),
        ("PATH", path.as_os_str()),
    ];
    TauriDriver::start(x, keyring, &env, log)
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
        "dbus-monitor",
    ] {
        assert!(
            have(tool),
            "{tool} is missing: `cargo xtask test` installs what the end-to-end test needs"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::seeded_with_env(
        &tmp.path().join("server"),
        80,
        EMAIL,
        PASSWORD,
        &[(
            "DESK_INGEST_SECRETS",
            &format!("{}={}", hostile::INGEST_SECRET_ID, hostile::INGEST_SECRET),
        )],
    );
    // A hostile email, delivered as a channel bridge delivers every email.
    let canary = hostile::Canary::start();
    let hostile_ticket = hostile::ingest_corpus(&server.url, &canary.url);
    let (bin, opened_log) = hostile::fake_browser(tmp.path());
    let keyring = KeyringSession::start(tmp.path());
    let x = Xvfb::start();
    let home = tmp.path().join("console");
    let log = tmp.path().join("app.log");
    let app = bin_path("desk-app");
    let shots = artifacts_dir();

    // 1. Sign in and read a Chinese conversation.
    let driver = tauri_driver(&x, &keyring, &home, &log, &bin);
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
    let chinese_body = bodies
        .iter()
        .map(|b| wd.text(b))
        .find(|t| has_cjk(t))
        .expect("a Chinese ticket's conversation shows its Chinese messages");
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

    // Search in Chinese with two characters (the gram index), highlights as text. The
    // index fills in the background after the first sync, so ask again until it answers.
    let search = wd.wait("[data-testid=search-input]", LONG);
    wd.click(&search);
    wd.type_text(&search, "确认");
    wd.until("a search for 确认 finds tickets", LONG, |wd| {
        wd.type_text(&search, ENTER);
        std::thread::sleep(Duration::from_millis(300));
        wd.count("[data-testid=search-hit]") > 0
    });
    let marks: Vec<String> = wd
        .wait_all("[data-testid=search-mark]", LONG)
        .iter()
        .map(|m| wd.text(m))
        .collect();
    assert!(
        marks.iter().any(|m| m.contains("确认")),
        "the query is highlighted in the snippets: {marks:?}"
    );
    assert!(
        x.screenshot(&shots.join("e2e-search-zh-CN.png")),
        "screenshot of the real window"
    );
    wd.click(&wd.wait("[data-testid=search-close]", LONG));

    // Reply online: queued, sent by the background sync, no longer marked unsent.
    let online_reply = "您好，我们正在核实您的提币记录。";
    reply(&wd, online_reply);
    wd.until("the online reply is delivered", LONG, |wd| {
        wd.count("[data-testid=message][data-unsent]") == 0
            && wd.count("[data-testid=outbox-pill]") == 0
    });
    assert!(
        wd.wait_all("[data-testid=message-body]", LONG)
            .iter()
            .any(|b| wd.text(b) == online_reply),
        "the delivered reply stays in the conversation"
    );

    // Hostile HTML in the real webview: inert, and its link asks before it opens outside.
    hostile::check(&wd, &x, &shots, &hostile_ticket, &canary, &opened_log);
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
    let cache_key = keyring
        .desk_entry(&desk_sync::Profile::at(&home).cache_key_account())
        .expect("the cache key is in the keyring");
    // Everything the app wrote: its profile (cache, WAL), the webview's data and cache
    // (local storage, drafts), and its log. The keyring's own store is the one place the
    // credentials belong, encrypted by gnome-keyring.
    let keyring_store = keyring.xdg_data_home.join("keyrings");
    let written: Vec<PathBuf> = files_under(&home)
        .into_iter()
        .chain(files_under(&keyring.xdg_data_home))
        .chain(files_under(&home.with_file_name("xdg-cache")))
        .filter(|f| !f.starts_with(&keyring_store))
        .collect();
    assert!(
        written
            .iter()
            .any(|f| f.to_string_lossy().contains("localstorage")),
        "the webview's local storage is among the files searched: {written:?}"
    );
    // A line of the conversation, long enough not to turn up by chance.
    let customer_text: String = chinese_body.chars().take(12).collect();
    for file in written.iter().chain([&log]) {
        let bytes = std::fs::read(file).unwrap();
        // WebKit's local storage keeps values as UTF-16: look for both encodings.
        let found = |text: &str| {
            let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
            contains(&bytes, text.as_bytes()) || contains(&bytes, &utf16)
        };
        for (what, needle) in [("the refresh token", &token), ("the cache key", &cache_key)] {
            assert!(!found(needle), "{what} leaked into {}", file.display());
        }
        // The log may name what it handled; stored files may not hold what a customer
        // wrote outside the encrypted cache.
        assert!(
            *file == log || !found(&customer_text),
            "a customer's message leaked into {}",
            file.display()
        );
        // A control: the search does find what local storage holds, the language chosen
        // in step 1.
        if file.to_string_lossy().ends_with(".localstorage") {
            assert!(found("zh-CN"), "local storage is searched as it is stored");
        }
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

    // 3. Server down, app restarted: the cache still shows the tickets, clearly offline,
    // and the agent keeps working: a tag and a reply on one ticket, a reply on another.
    let stopped = server.go_down();
    let driver = tauri_driver(
        &x,
        &keyring,
        &home,
        &tmp.path().join("app-offline.log"),
        &bin,
    );
    let wd = WebDriver::launch(&driver.url, &app);
    let rows = wd.wait_all("[data-testid=ticket-row]", LONG);
    assert!(
        rows.len() >= 2,
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
    let held_ticket = opened_ticket(&wd);
    let tag = wd.wait("[data-testid=add-tag]", LONG);
    wd.type_text(&tag, "离线处理");
    wd.type_text(&tag, ENTER);
    wd.wait("[data-testid=tag][data-tag=\"离线处理\"]", LONG);
    reply(&wd, "离线时写的回复：请稍候，我们会尽快处理。");
    wd.wait("[data-testid=message][data-unsent=pending]", LONG);

    let rows = wd.wait_all("[data-testid=ticket-row]", LONG);
    let other = rows
        .iter()
        .find(|r| wd.attr(r, "data-ticket-id").as_deref() != Some(held_ticket.as_str()))
        .expect("a second cached ticket")
        .clone();
    wd.click(&other);
    wd.until("the second ticket opens", LONG, |wd| {
        opened_ticket(wd) != held_ticket
    });
    let delivered_ticket = opened_ticket(&wd);
    reply(&wd, "Offline reply: we are checking the transaction.");
    wd.until("the top bar counts three pending actions", LONG, |wd| {
        wd.count("[data-testid=outbox-pending]") > 0
            && wd
                .text(&wd.wait("[data-testid=outbox-pending]", LONG))
                .contains('3')
    });
    assert!(
        x.screenshot(&shots.join("e2e-offline-outbox.png")),
        "screenshot of the real window"
    );
    wd.quit();
    drop(driver);

    // 4. While the console is closed, the server comes back and a colleague answers the
    // first ticket: the reply written offline no longer fits what the customer was told.
    server_cmd(
        &[
            "agent",
            "add",
            "--data-dir",
            stopped.data_dir.to_str().unwrap(),
            "--email",
            COLLEAGUE,
            "--name",
            "Bo 波",
            "--role",
            "agent",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    let server = stopped.restart();
    let colleague = tmp.path().join("colleague");
    desk_cli(
        &keyring,
        &colleague,
        &[
            "login",
            "--server",
            &server.url,
            "--email",
            COLLEAGUE,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    desk_cli(&keyring, &colleague, &["sync"], "");
    desk_cli(
        &keyring,
        &colleague,
        &["reply", &held_ticket, "--body-file", "-"],
        "同事已回复：您的提币已经到账。",
    );

    // 5. The console starts online: the tag and the second reply are delivered, the first
    // reply is held in the outbox for the agent to confirm.
    let driver = tauri_driver(&x, &keyring, &home, &tmp.path().join("app-back.log"), &bin);
    let wd = WebDriver::launch(&driver.url, &app);
    wd.until("connectivity shows online", LONG, |wd| {
        wd.count("[data-testid=connectivity][data-state=online]") > 0
    });
    wd.until("the held reply is counted in the top bar", LONG, |wd| {
        wd.count("[data-testid=outbox-held]") > 0 && wd.count("[data-testid=outbox-pending]") == 0
    });
    wd.click(&wd.wait("[data-testid=view-outbox]", LONG));
    let held = wd.wait("[data-testid=outbox-entry][data-state=held]", LONG);
    assert_eq!(
        wd.attr(&held, "data-ticket-id").as_deref(),
        Some(held_ticket.as_str()),
        "the reply held is the one on the ticket the colleague answered"
    );
    assert_eq!(
        wd.count("[data-testid=outbox-entry]"),
        1,
        "everything else was delivered"
    );
    assert!(
        x.screenshot(&shots.join("e2e-outbox-held.png")),
        "screenshot of the real window"
    );
    desk_cli(&keyring, &colleague, &["sync"], "");
    let shown = desk_cli(
        &keyring,
        &colleague,
        &["--json", "show", &delivered_ticket],
        "",
    );
    assert!(
        shown.contains("Offline reply: we are checking the transaction."),
        "the reply written offline reached the server"
    );

    // Confirmed after reading: sent, and the outbox empties.
    wd.click(&wd.wait("[data-testid=outbox-release]", LONG));
    wd.wait("[data-testid=outbox-empty]", LONG);
    desk_cli(&keyring, &colleague, &["sync"], "");
    let shown = desk_cli(&keyring, &colleague, &["--json", "show", &held_ticket], "");
    assert!(
        shown.contains("离线时写的回复") && shown.contains("离线处理"),
        "the confirmed reply and the offline tag reached the server"
    );

    // 6. A colleague assigns a ticket to the agent: the console, in the Chinese it was
    // switched to in step 1, shows an OS notification naming the ticket by number only.
    let monitor = notifications::NotificationMonitor::start(&keyring);
    let agents = server_cmd(
        &[
            "agent",
            "list",
            "--data-dir",
            server.data_dir.to_str().unwrap(),
            "--json",
        ],
        "",
    );
    let agents: serde_json::Value = serde_json::from_str(&agents).unwrap();
    let me = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == EMAIL)
        .expect("the agent is listed");
    let unassigned: serde_json::Value = serde_json::from_str(&desk_cli(
        &keyring,
        &colleague,
        &["--json", "tickets", "--view", "unassigned", "--limit", "1"],
        "",
    ))
    .unwrap();
    let ticket = &unassigned[0];
    let (ticket_id, number) = (ticket["id"].as_str().unwrap(), &ticket["number"]);
    desk_cli(
        &keyring,
        &colleague,
        &["set", ticket_id, "--assignee", me["id"].as_str().unwrap()],
        "",
    );
    desk_cli(&keyring, &colleague, &["sync"], "");
    let expected = format!("工单 #{number} 已分配给你");
    let seen = monitor.wait_for("the assignment notification", LONG, |t| {
        t.contains(&expected)
    });
    assert!(
        seen.contains("新工单分配"),
        "the title is in the UI's language:\n{seen}"
    );
    let subject = ticket["subject"].as_str().unwrap_or_default();
    assert!(
        subject.is_empty() || !seen.contains(subject),
        "a notification never carries customer text:\n{seen}"
    );
    drop(monitor);
    wd.quit();
    drop(driver);
    drop(server);
    drop(x);
}

/// Types a public reply into the open ticket's composer and sends it.
fn reply(wd: &WebDriver, text: &str) {
    let body = wd.wait("[data-testid=composer-body]", LONG);
    wd.click(&body);
    wd.type_text(&body, text);
    wd.click(&wd.wait("[data-testid=composer-send]", LONG));
    wd.until(
        "the composer empties once the reply is queued",
        LONG,
        |wd| {
            wd.value(&wd.wait("[data-testid=composer-body]", LONG))
                .is_empty()
        },
    );
}

/// The id of the ticket open in the detail pane.
pub(crate) fn opened_ticket(wd: &WebDriver) -> String {
    wd.attr(
        &wd.wait("[data-testid=ticket-detail]", LONG),
        "data-ticket-id",
    )
    .expect("the detail pane names its ticket")
}

/// Runs the `desk` CLI on its own profile (a colleague's console); panics on failure.
fn desk_cli(keyring: &KeyringSession, home: &Path, args: &[&str], stdin: &str) -> String {
    let mut cmd = Command::new(bin_path("desk"));
    keyring.apply(&mut cmd).env("DESK_HOME", home).args(args);
    let out = wait_with_limit(testsupport::spawn_with_stdin(&mut cmd, stdin), LONG);
    assert!(
        out.status.success(),
        "desk {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A child's output, or a panic naming the limit: a hung CLI must fail the test.
fn wait_with_limit(mut child: Child, within: Duration) -> std::process::Output {
    let deadline = std::time::Instant::now() + within;
    loop {
        if child.try_wait().expect("wait for desk").is_some() {
            return child.wait_with_output().unwrap();
        }
        if std::time::Instant::now() > deadline {
            terminate(&mut child);
            panic!("desk did not finish within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

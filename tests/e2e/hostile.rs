//! Hostile customer HTML in the real webview (DESIGN.md §7): an email carrying an XSS
//! corpus arrives the way every email does, through the signed ingestion API, and the
//! agent opens it in the real window. No script may run and no request may leave: every
//! URL in the corpus points at a canary listener that counts connections. Then the CSP and
//! the navigation guard are tried on their own, from script, as if markup had got past
//! the sanitizers. Links open only after the confirmation, and then in the OS's browser:
//! `xdg-open` on the app's PATH is a script that writes down what it was asked to open.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{LONG, opened_ticket};
use testsupport::WebDriver;

/// The ingestion secret the test server accepts, as a channel bridge holds it.
pub const INGEST_SECRET: &str = "e2e-bridge-7f3a9c1d5e8b2a4f6c0d9e1b3a5f7c2d";
pub const INGEST_SECRET_ID: &str = "e2e-bridge";
/// Where a script from the corpus would leave its mark.
const MARK: &str = "__deskXss";
/// The deceptive link's real target, and the site its text pretends to be.
const PHISHING_TARGET: &str = "https://wallet-example.help/login";

/// A loopback listener that records the first line of every request it gets.
pub struct Canary {
    pub url: String,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Canary {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(Mutex::new(Vec::new()));
        let seen = hits.clone();
        // Detached: it lives as long as the test process, answering nothing.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                let _ = BufReader::new(&stream).read_line(&mut line);
                seen.lock().unwrap().push(line.trim().to_owned());
            }
        });
        Self { url, hits }
    }

    pub fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }
}

/// A directory holding an `xdg-open` that appends its argument to `log` instead of
/// starting a browser; put first on the app's PATH.
pub fn fake_browser(dir: &Path) -> (PathBuf, PathBuf) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("opened.txt");
    let script = bin.join("xdg-open");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (bin, log)
}

/// The corpus: one vector per line, each of which would set `MARK` or reach the canary.
fn corpus(canary: &str) -> String {
    [
        format!(
            r#"<p>Dear customer, your wallet will be <b>suspended</b>. Verify at <a href="{PHISHING_TARGET}">https://wallet.example/login</a> today.</p>"#
        ),
        format!("<script>window.{MARK}='script'</script><script src=\"{canary}/s.js\"></script>"),
        format!(r#"<img src="{canary}/img.gif" onerror="window.{MARK}='img'">"#),
        format!(
            r#"<svg onload="window.{MARK}='svg'"><image href="{canary}/svg.png"/><script>window.{MARK}='svg-script'</script></svg>"#
        ),
        format!(
            r#"<iframe src="{canary}/frame" srcdoc="<script>parent.{MARK}='srcdoc'</script>"></iframe>"#
        ),
        format!(r#"<a href="javascript:window.{MARK}='js-link'">javascript link</a>"#),
        r#"<a href="data:text/html,<script>alert(1)</script>">data link</a>"#.to_owned(),
        format!(
            r#"<div style="background:url({canary}/css.png)" onmouseover="window.{MARK}='hover'">styled</div>"#
        ),
        format!(
            "<style>@import '{canary}/import.css'; body {{ background: url({canary}/bg.png) }}</style>"
        ),
        format!(r#"<link rel="stylesheet" href="{canary}/link.css">"#),
        format!(
            r#"<form action="{canary}/steal"><input name="seed" autofocus onfocus="window.{MARK}='focus'"><button>Verify wallet</button></form>"#
        ),
        format!(r#"<object data="{canary}/obj"></object><embed src="{canary}/embed">"#),
        format!(
            r#"<details open ontoggle="window.{MARK}='toggle'"><summary>more</summary>hidden</details>"#
        ),
        format!(r#"<p onclick="window.{MARK}='p'">end of message</p>"#),
    ]
    .join("\n")
}

/// Delivers the corpus as a new email conversation; returns the ticket id.
pub fn ingest_corpus(server_url: &str, canary: &str) -> String {
    let body = json!({
        "channel": "email",
        "conversation_id": "e2e-hostile-1",
        "external_id": "e2e-hostile-1-m1",
        "customer": {
            "platform_user_id": "u-e2e-hostile",
            "name": format!("<img src=x onerror=\"window.{MARK}='name'\">Mallory"),
            "language": "en",
        },
        "subject": "Your wallet will be suspended",
        "html": corpus(canary),
    })
    .to_string();
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let nonce = format!("e2e-{}", std::process::id()).repeat(3);
    let mut mac = Hmac::<Sha256>::new_from_slice(INGEST_SECRET.as_bytes()).unwrap();
    for part in [
        timestamp.as_bytes(),
        b".",
        nonce.as_bytes(),
        b".",
        body.as_bytes(),
    ] {
        mac.update(part);
    }
    let signature = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
    let resp = reqwest::blocking::Client::new()
        .post(format!("{server_url}/api/v1/ingest/messages"))
        .header("content-type", "application/json")
        .header("x-desk-timestamp", &timestamp)
        .header("x-desk-nonce", &nonce)
        .header("x-desk-signature", signature)
        .body(body)
        .send()
        .unwrap();
    let status = resp.status();
    let answer: Value = resp.json().unwrap();
    assert!(status.is_success(), "ingestion refused the email: {answer}");
    answer["ticket_id"].as_str().unwrap().to_owned()
}

/// Opens the hostile ticket in the signed-in window and proves it inert; then the link.
pub fn check(
    wd: &WebDriver,
    x: &testsupport::Xvfb,
    shots: &Path,
    ticket: &str,
    canary: &Canary,
    opened_log: &Path,
) {
    wd.click(&wd.wait(
        &format!("[data-testid=ticket-row][data-ticket-id=\"{ticket}\"]"),
        LONG,
    ));
    wd.until("the hostile ticket opens", LONG, |wd| {
        opened_ticket(wd) == ticket
    });
    let body = wd.wait("[data-testid=message-body][data-format=html]", LONG);
    // Let anything that could load or run have its chance.
    std::thread::sleep(Duration::from_millis(1500));
    let found = wd.execute(
        r#"const body = arguments[0];
        const all = Array.from(body.querySelectorAll('*'));
        return {
          mark: window[arguments[1]] === undefined ? null : String(window[arguments[1]]),
          tags: [...new Set(all.map((e) => e.localName))].sort(),
          attrs: [...new Set(all.flatMap((e) => e.getAttributeNames()))].sort(),
          links: Array.from(body.querySelectorAll('a'), (a) => a.getAttribute('href')),
          text: body.textContent,
          location: location.href,
        };"#,
        json!([WebDriver::element(&body), MARK]),
    );
    assert!(
        x.screenshot(&shots.join("e2e-hostile-email.png")),
        "screenshot of the real window"
    );
    assert_eq!(
        found["mark"],
        Value::Null,
        "a script from the email ran: {found}"
    );
    assert_eq!(
        found["tags"],
        json!(["a", "b", "div", "p"]),
        "only formatting reaches the page: {found}"
    );
    assert_eq!(
        found["attrs"],
        json!(["data-href", "data-testid", "href", "rel"]),
        "no attribute of the email's own reaches the page: {found}"
    );
    assert_eq!(
        found["links"],
        json!([PHISHING_TARGET]),
        "javascript: and data: links are text: {found}"
    );
    let text = found["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("javascript link") && text.contains("end of message"),
        "the text of the email stays readable: {text:?}"
    );
    assert!(
        !text.contains("window.__deskXss"),
        "no script's source is shown as content: {text:?}"
    );
    assert_eq!(
        canary.hits(),
        Vec::<String>::new(),
        "rendering the email made requests"
    );

    // Past the sanitizers, the CSP and the navigation guard still hold: markup and
    // requests made from script in the page reach nothing.
    wd.execute(
        r#"const c = arguments[0];
        const probe = document.createElement('div');
        probe.innerHTML = `<img src="${c}/probe.gif"><link rel="stylesheet" href="${c}/probe.css">` +
          `<iframe src="${c}/probe-frame"></iframe><div style="background:url(${c}/probe-bg.png)">x</div>` +
          `<img src=x onerror="window.__deskXss='probe'">`;
        document.body.appendChild(probe);
        fetch(`${c}/probe-fetch`).catch(() => {});
        new Image().src = `${c}/probe-image.gif`;
        try { new WebSocket(c.replace('http', 'ws') + '/probe-ws'); } catch (e) {}
        navigator.sendBeacon && navigator.sendBeacon(`${c}/probe-beacon`, 'x');
        return null;"#,
        json!([canary.url]),
    );
    wd.execute(
        "setTimeout(() => { location.href = arguments[0] + '/probe-navigation'; }, 0); return null;",
        json!([canary.url]),
    );
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(
        canary.hits(),
        Vec::<String>::new(),
        "the CSP or the navigation guard let a request out"
    );
    let after = wd.execute(
        "return { mark: window[arguments[0]] ?? null, location: location.href };",
        json!([MARK]),
    );
    assert_eq!(
        after["mark"],
        Value::Null,
        "an injected handler ran: {after}"
    );
    assert_eq!(
        after["location"], found["location"],
        "the window stays on the console"
    );
    wd.wait("[data-testid=ticket-detail]", LONG);

    // The deceptive link: asked first, its real host shown; cancel opens nothing.
    wd.click(&wd.wait("[data-testid=customer-link]", LONG));
    let host = wd.text(&wd.wait("[data-testid=link-confirm-host]", LONG));
    assert_eq!(host, "wallet-example.help", "the real host is shown");
    wd.wait("[data-testid=link-confirm-deceptive]", LONG);
    assert!(
        x.screenshot(&shots.join("e2e-link-confirm.png")),
        "screenshot of the real window"
    );
    wd.click(&wd.wait("[data-testid=link-confirm-cancel]", LONG));
    wd.until("the confirmation closes", LONG, |wd| {
        wd.count("[data-testid=link-confirm]") == 0
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !opened_log.exists(),
        "a cancelled link must not open: {:?}",
        std::fs::read_to_string(opened_log)
    );

    wd.click(&wd.wait("[data-testid=customer-link]", LONG));
    wd.click(&wd.wait("[data-testid=link-confirm-open]", LONG));
    wd.until("the OS is asked to open the link", LONG, |_| {
        std::fs::read_to_string(opened_log).is_ok_and(|s| s.lines().any(|l| l == PHISHING_TARGET))
    });
    assert_eq!(
        std::fs::read_to_string(opened_log).unwrap().lines().count(),
        1,
        "opened once, outside the app"
    );
    assert_eq!(canary.hits(), Vec::<String>::new());
}

//! tauri-driver and a small W3C WebDriver client, enough to drive the console's real
//! window (the end-to-end tests, the console benchmark). Every call has a time limit: a
//! hung webview must fail the run, not hang CI.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{KeyringSession, Xvfb, free_port, have, terminate};

/// A `tauri-driver` child on free ports, showing the app on `x` with the secrets of
/// `keyring`; stopped with SIGTERM on drop.
pub struct TauriDriver {
    child: Child,
    pub url: String,
}

impl TauriDriver {
    /// Starts tauri-driver with `env` added to what the app it launches sees (`DESK_HOME`,
    /// `DESK_LOG`), its output and the app's written to `log`.
    pub fn start(x: &Xvfb, keyring: &KeyringSession, env: &[(&str, &OsStr)], log: &Path) -> Self {
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
            .envs(env.iter().copied())
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

impl Drop for TauriDriver {
    fn drop(&mut self) {
        // SIGTERM, never SIGKILL: tauri-driver then stops its WebKitWebDriver too.
        terminate(&mut self.child);
    }
}

/// tauri-driver on PATH, or where `cargo install` put it.
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

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct WebDriver {
    http: reqwest::blocking::Client,
    base: String,
    session: String,
}

impl WebDriver {
    /// Opens a session, which launches the app binary.
    pub fn launch(driver_url: &str, application: &std::path::Path) -> Self {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(90))
            .build()
            .unwrap();
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "wry",
                    "tauri:options": { "application": application.to_str().unwrap() }
                }
            }
        });
        let resp: Value = http
            .post(format!("{driver_url}/session"))
            .json(&caps)
            .send()
            .expect("tauri-driver must answer a new-session request")
            .json()
            .unwrap();
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session from tauri-driver: {resp}"))
            .to_owned();
        Self {
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            base: format!("{driver_url}/session/{session}"),
            session,
        }
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.request(method, &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp: Value = req
            .send()
            .unwrap_or_else(|e| panic!("webdriver {url}: {e}"))
            .json()
            .unwrap();
        resp["value"].clone()
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        let v = self.call(
            reqwest::Method::POST,
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        );
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits until `css` matches at least one element; returns all matches.
    pub fn wait_all(&self, css: &str, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        loop {
            let found = self.find_all(css);
            if !found.is_empty() {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "{css} did not appear within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn wait(&self, css: &str, within: Duration) -> String {
        self.wait_all(css, within).remove(0)
    }

    pub fn click(&self, el: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        );
    }

    pub fn clear(&self, el: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/clear"),
            Some(json!({})),
        );
    }

    pub fn type_text(&self, el: &str, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// The element's `textContent`. WebDriver's own "element text" follows visibility rules
    /// that drop ellipsized spans in WebKit, which is not what a test of content wants.
    pub fn text(&self, el: &str) -> String {
        self.execute(
            "return arguments[0].textContent",
            json!([{ ELEMENT_KEY: el }]),
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    pub fn attr(&self, el: &str, name: &str) -> Option<String> {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{el}/attribute/{name}"),
            None,
        )
        .as_str()
        .map(str::to_owned)
    }

    /// How many elements match `css` now (no waiting).
    pub fn count(&self, css: &str) -> usize {
        self.find_all(css).len()
    }

    /// A form field's current value (what the agent typed), not its attribute.
    pub fn value(&self, el: &str) -> String {
        self.execute("return arguments[0].value", json!([{ ELEMENT_KEY: el }]))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs `script` in the page (a function body; `arguments` holds `args`) and returns
    /// what it returns. An element argument is `{ELEMENT_KEY: id}` (see [`Self::element`]).
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// An element id as a script argument.
    pub fn element(el: &str) -> Value {
        json!({ ELEMENT_KEY: el })
    }

    /// Runs `script` in the page with `args` and a callback as its last argument; returns
    /// what the script passes to the callback (within the session's 30 s script timeout).
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Polls until `f` is true.
    pub fn until(&self, what: &str, within: Duration, mut f: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + within;
        while !f(self) {
            assert!(
                Instant::now() < deadline,
                "{what} did not happen within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Ends the session, which closes the app.
    pub fn quit(self) {
        let _ = self.http.delete(&self.base).send();
        let _ = self.session;
    }
}

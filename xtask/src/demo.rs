//! `cargo xtask demo`: a server with realistic demo data, and the console signed in to it.
//! `--headless` runs the same under Xvfb with a private keyring and writes a screenshot.
//!
//! The channels work with nothing outside the machine: a local mail pair (a Dovecot
//! mailbox customers "write" to, an SMTP server that keeps what the desk sends) is started
//! beside the server; a few customers' mails are waiting in the mailbox, and every mail the
//! desk sends is printed as it leaves and kept under `demo/sent-mail/`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use testsupport::mail::{Dovecot, SmtpSink};

use crate::setup::{self, cargo, run as run_cmd, server_cmd};
use crate::target_dir;

const AGENT_EMAIL: &str = "agent@desk.demo";
const SUPERVISOR_EMAIL: &str = "supervisor@desk.demo";
/// Sees the administration screens (agents, audit log) the others do not.
const ADMIN_EMAIL: &str = "admin@desk.demo";
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
        (ADMIN_EMAIL, "Ada Admin", "admin"),
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

    let mail = MailPair::start(&demo)?;
    let mut serve = Command::new(&server_bin);
    serve.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        sd,
        "--config",
    ]);
    serve.arg(&mail.config);
    let (server, url) = setup::start_server(serve)?;
    eprintln!("xtask: demo server at {url}");
    eprintln!(
        "xtask: sign in as {AGENT_EMAIL}, {SUPERVISOR_EMAIL} or {ADMIN_EMAIL} (agent, supervisor, \
         admin), password {PASSWORD}"
    );
    eprintln!(
        "xtask: customers write to {} (IMAP {}); the web form is {url}/form",
        Dovecot::USER,
        mail.dovecot.url()
    );
    eprintln!(
        "xtask: mail the desk sends is printed here and kept in {}",
        mail.sent_dir.display()
    );
    let _watch = mail.watch_sent();

    if headless {
        headless_run(&desk, &app, &console, &demo, &url)?;
    } else {
        // The console uses the OS keyring of this desktop session, like a real install.
        sign_in(&console, &url, &mut Command::new(&desk))?;
        eprintln!("xtask: opening the console; close its window to stop the demo");
        run_cmd(Command::new(&app).env("DESK_HOME", &console))?;
    }
    drop(server);
    drop(mail);
    Ok(())
}

/// The demo's mail servers: the support mailbox (Dovecot) and the customers' side of
/// SMTP (a sink that keeps every mail it accepts).
struct MailPair {
    dovecot: Dovecot,
    sink: std::sync::Arc<SmtpSink>,
    /// The server's settings file naming them.
    config: PathBuf,
    sent_dir: PathBuf,
}

/// A few customers' mails waiting in the mailbox when the demo starts.
fn waiting_mail() -> Vec<String> {
    let mail = |from: &str, subject: &str, id: &str, body: &str| {
        format!(
            "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}@mail.demo>\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
            to = Dovecot::USER
        )
    };
    vec![
        mail(
            "赵敏 <zhao.min@mail.demo>",
            "=?UTF-8?B?5o+Q5biB5LiA55u05pi+56S65aSE55CG5Lit?=",
            "demo-1",
            "你好，我昨天晚上提了 300 USDT 到交易所，页面一直显示“处理中”，已经十几个小时了。\r\n\
             交易哈希：0x8f3c2a91d4e6b7c05a1f9e2d3c4b5a6978e1f0d2c3b4a5968778695a4b3c2d1e\r\n请帮我看一下。",
        ),
        mail(
            "Oliver Grant <oliver.grant@mail.demo>",
            "Confirm button missing on my BTC transfer",
            "demo-2",
            "Hi, the app says my transfer is awaiting my confirmation, but I cannot find any \
             confirm button on the transaction page. Could you tell me where it is?",
        ),
        mail(
            "钱多多 <qian@mail.demo>",
            "钱包被盗了吗",
            "demo-3",
            "客服你好，我的助记词是 abandon ability able about above absent absorb abstract \
             absurd abuse access accident，余额突然没了，怎么办？",
        ),
    ]
}

impl MailPair {
    fn start(demo: &Path) -> anyhow::Result<Self> {
        let dovecot = Dovecot::start();
        let sink = std::sync::Arc::new(SmtpSink::start());
        for raw in waiting_mail() {
            dovecot.deliver(raw.as_bytes());
        }
        let config = demo.join("desk-server.toml");
        std::fs::write(
            &config,
            format!(
                "[[mailbox]]\naddress = \"{}\"\nname = \"Desk 客服\"\nimap_url = \"{}\"\nsmtp_url = \"{}\"\n",
                Dovecot::USER,
                dovecot.url(),
                sink.url()
            ),
        )?;
        let sent_dir = demo.join("sent-mail");
        std::fs::create_dir_all(&sent_dir)?;
        Ok(Self {
            dovecot,
            sink,
            config,
            sent_dir,
        })
    }

    /// Prints each mail the desk sends as it arrives, and keeps a copy.
    fn watch_sent(&self) -> std::thread::JoinHandle<()> {
        let (sink, dir) = (self.sink.clone(), self.sent_dir.clone());
        std::thread::spawn(move || {
            let mut seen = 0;
            loop {
                let mails = sink.received();
                for raw in mails.iter().skip(seen) {
                    seen += 1;
                    let path = dir.join(format!("{seen:03}.eml"));
                    let _ = std::fs::write(&path, raw);
                    match desk_mail::parse(raw, &desk_mail::Limits::default()) {
                        Ok(m) => eprintln!(
                            "xtask: sent mail to {}: {} ({})",
                            m.to.first().map_or("?", |a| a.email.as_str()),
                            m.subject,
                            path.display()
                        ),
                        Err(_) => eprintln!("xtask: sent mail ({})", path.display()),
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
        })
    }
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

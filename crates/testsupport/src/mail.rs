//! Real mail servers for the mail adapter's tests: [`Dovecot`], an IMAP server with maildir
//! storage, and [`SmtpSink`], an SMTP server (aiosmtpd) that keeps every mail it accepts
//! byte for byte. Each runs from a temp dir on a free 127.0.0.1 port as a child process,
//! stopped on drop (and by a watchdog should the test process die first).
//!
//! Debian packages: `dovecot-imapd`, `python3-aiosmtpd`; `cargo xtask test` installs them.
//! The Dovecot configuration is written for Dovecot 2.3 (Debian 12).

use std::io::Write;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::{free_port, have, terminate};

/// How long a server may take to accept connections after it is started.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A Dovecot IMAP server with one mail user, [`Dovecot::USER`], whose INBOX is a maildir
/// in a temp dir. Plain-text login without TLS: loopback only.
pub struct Dovecot {
    dir: TempDir,
    port: u16,
    child: Option<Child>,
    watchdog: Option<Child>,
    /// The OS user that owns the mail (Dovecot refuses to serve mail as root).
    owner: (u32, u32),
}

impl std::fmt::Debug for Dovecot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dovecot")
            .field("port", &self.port)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl Dovecot {
    pub const USER: &'static str = "support@desk.test";
    pub const PASSWORD: &'static str = "imap-test-password";

    /// Writes a configuration and starts the server. Panics, naming the package, when
    /// Dovecot is not installed.
    pub fn start() -> Dovecot {
        require("dovecot", "dovecot-imapd");
        let version = output(Command::new("dovecot").arg("--version"));
        assert!(
            version.starts_with("2.3"),
            "testsupport::mail writes Dovecot 2.3 configuration, found Dovecot {version}"
        );
        let dir = tempfile::Builder::new()
            .prefix("desk-dovecot-")
            .tempdir()
            .expect("create a temp dir for Dovecot");
        let (owner, login_user) = if running_as_root() {
            let uid = output(Command::new("id").args(["-u", "nobody"]));
            let gid = output(Command::new("id").args(["-g", "nobody"]));
            ((parse_id(&uid), parse_id(&gid)), "nobody".to_owned())
        } else {
            let uid = output(Command::new("id").arg("-u"));
            let gid = output(Command::new("id").arg("-g"));
            let name = output(Command::new("id").arg("-un"));
            ((parse_id(&uid), parse_id(&gid)), name)
        };
        // The login and mail processes run as `owner`: it must reach the temp dir.
        set_mode(dir.path(), 0o755);
        std::fs::create_dir_all(dir.path().join("state")).expect("create Dovecot's state dir");
        let mut dovecot = Dovecot {
            dir,
            port: 0,
            child: None,
            watchdog: None,
            owner,
        };
        dovecot.create_maildir();
        std::fs::write(
            dovecot.dir.path().join("users"),
            format!(
                "{user}:{{PLAIN}}{password}:{uid}:{gid}::{home}::\n",
                user = Self::USER,
                password = Self::PASSWORD,
                uid = owner.0,
                gid = owner.1,
                home = dovecot.maildir().display(),
            ),
        )
        .expect("write Dovecot's passwd-file");
        // A port free a moment ago can be taken before Dovecot binds it: try a few.
        let mut last_error = String::new();
        for _ in 0..5 {
            dovecot.port = free_port();
            dovecot.write_config(&login_user);
            match dovecot.spawn() {
                Ok(()) => return dovecot,
                Err(e) => last_error = e,
            }
        }
        panic!("Dovecot did not start: {last_error}");
    }

    /// `imap://USER:PASSWORD@127.0.0.1:PORT/INBOX`, the user percent-encoded.
    pub fn url(&self) -> String {
        format!(
            "imap://{}:{}@127.0.0.1:{}/INBOX",
            Self::USER.replace('@', "%40"),
            Self::PASSWORD,
            self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Drops `raw` into the INBOX as a delivery agent would (written to `tmp/`, renamed
    /// into `new/`); Dovecot gives it the next UID when a client next looks.
    pub fn deliver(&self, raw: &[u8]) {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let name = format!(
            "{}.M{}P{}Q{}.desk-test,S={}",
            now.as_secs(),
            now.subsec_micros(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            raw.len()
        );
        let tmp = self.maildir().join("tmp").join(&name);
        let mut file = std::fs::File::create(&tmp).expect("create a mail in the maildir's tmp/");
        file.write_all(raw).expect("write the mail");
        file.sync_all().ok();
        drop(file);
        chown(&tmp, self.owner);
        std::fs::rename(&tmp, self.maildir().join("new").join(&name))
            .expect("move the mail into new/");
    }

    /// Kills the server at once (SIGKILL to all its processes): open connections drop as
    /// in a crash. (Killing only the master would leave each connection's `imap` process
    /// serving on.)
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Dovecot runs in a process group of its own, whose id is the master's pid.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
        }
        // The master's children (imap, imap-login) die with it or on their next read;
        // wait until the port is free again so a restart can bind it.
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts the server again on the same port and mail after [`Dovecot::kill`].
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.spawn() {
                Ok(()) => return,
                // The old processes may still hold the port for a moment.
                Err(e) if Instant::now() > deadline => panic!("Dovecot did not restart: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    /// Deletes the INBOX with its mail and index, and starts again: the folder comes back
    /// with a new UIDVALIDITY, as when an administrator recreates a mailbox.
    pub fn recreate_inbox(&mut self) {
        self.kill();
        std::fs::remove_dir_all(self.maildir()).expect("remove the maildir");
        // UIDVALIDITY is the creation time in seconds: make sure the new one differs.
        std::thread::sleep(Duration::from_millis(1100));
        self.create_maildir();
        self.restart();
    }

    /// The server's log, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail").join("support")
    }

    fn create_maildir(&self) {
        let mail = self.dir.path().join("mail");
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(self.maildir().join(sub)).expect("create the maildir");
        }
        for path in [
            mail.clone(),
            self.maildir(),
            self.maildir().join("cur"),
            self.maildir().join("new"),
            self.maildir().join("tmp"),
        ] {
            chown(&path, self.owner);
            set_mode(&path, 0o700);
        }
        set_mode(&mail, 0o755);
    }

    fn write_config(&self, login_user: &str) {
        let dir = self.dir.path().display();
        let config = format!(
            r#"# Written by testsupport::mail for one test: loopback, no TLS, one user.
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = desk-test-{port}
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {login_user}
mail_location = maildir:{dir}/mail/support
# Notice mail dropped into new/ within a second while a client IDLEs, inotify or not.
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
"#,
            port = self.port,
        );
        std::fs::write(self.dir.path().join("dovecot.conf"), config).expect("write dovecot.conf");
    }

    fn spawn(&mut self) -> Result<(), String> {
        let conf = self.dir.path().join("dovecot.conf");
        let mut child = Command::new("dovecot")
            .process_group(0)
            .arg("-F")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawn dovecot: {e}"))?;
        if let Err(e) = wait_for_port(self.port, &mut child) {
            terminate(&mut child);
            return Err(format!("{e}\n{}", self.log()));
        }
        if let Some(mut old) = self.watchdog.take() {
            let _ = old.kill();
            let _ = old.wait();
        }
        self.watchdog = Some(watchdog(child.id()));
        self.child = Some(child);
        Ok(())
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child);
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

/// An SMTP server that accepts any mail and keeps it as received, with its envelope.
/// Two recipients are refused, so a sender's error handling can be tested against real
/// replies: [`SmtpSink::REJECT_PERMANENT`] (550) and [`SmtpSink::REJECT_TRANSIENT`] (451).
pub struct SmtpSink {
    dir: TempDir,
    port: u16,
    child: Option<Child>,
    watchdog: Option<Child>,
}

/// The envelope of a mail the sink received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
}

impl std::fmt::Debug for SmtpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSink")
            .field("port", &self.port)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

/// The aiosmtpd handler: store the DATA bytes exactly as received (aiosmtpd's own Mailbox
/// handler re-serializes them through Python's email package) and refuse the two test
/// recipients.
const SINK_HANDLER: &str = r#"import itertools
import os


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)
        for sub in ("tmp", "new"):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("the sink needs one directory")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local == "reject-permanent":
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local == "reject-transient":
            return "451 4.3.0 <%s>: Temporary lookup failure, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        name = "%06d" % next(self.counter)
        tmp = os.path.join(self.directory, "tmp", name)
        new = os.path.join(self.directory, "new", name)
        with open(tmp + ".env", "w") as f:
            f.write("\n".join([envelope.mail_from or ""] + envelope.rcpt_tos) + "\n")
        with open(tmp + ".eml", "wb") as f:
            f.write(envelope.original_content)
        os.rename(tmp + ".env", new + ".env")
        os.rename(tmp + ".eml", new + ".eml")
        return "250 2.0.0 Ok: queued as " + name
"#;

impl SmtpSink {
    pub const REJECT_PERMANENT: &'static str = "reject-permanent@desk.test";
    pub const REJECT_TRANSIENT: &'static str = "reject-transient@desk.test";

    /// Starts aiosmtpd. Panics, naming the package, when it is not installed.
    pub fn start() -> SmtpSink {
        let program = if Path::new("/usr/bin/aiosmtpd").exists() {
            "/usr/bin/aiosmtpd"
        } else {
            require("aiosmtpd", "python3-aiosmtpd");
            "aiosmtpd"
        };
        let dir = tempfile::Builder::new()
            .prefix("desk-smtp-")
            .tempdir()
            .expect("create a temp dir for the SMTP sink");
        let handler_dir = dir.path().join("handler");
        std::fs::create_dir_all(&handler_dir).expect("create the handler dir");
        std::fs::write(handler_dir.join("desk_sink.py"), SINK_HANDLER)
            .expect("write the aiosmtpd handler");
        let mut sink = SmtpSink {
            dir,
            port: 0,
            child: None,
            watchdog: None,
        };
        let mut last_error = String::new();
        for _ in 0..5 {
            sink.port = free_port();
            let mut child = Command::new(program)
                .args(["-n", "-l", &format!("127.0.0.1:{}", sink.port)])
                // Room for a 25 MiB attachment once base64 grows it.
                .args(["-s", "67108864"])
                .args(["-c", "desk_sink.Sink"])
                .arg(sink.dir.path().join("mail"))
                .env("PYTHONPATH", &handler_dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
            match wait_for_port(sink.port, &mut child) {
                Ok(()) => {
                    // Nothing reads its stderr from here on: let it go nowhere.
                    drop(child.stderr.take());
                    sink.watchdog = Some(watchdog(child.id()));
                    sink.child = Some(child);
                    return sink;
                }
                Err(e) => {
                    terminate(&mut child);
                    let mut stderr = String::new();
                    if let Some(mut pipe) = child.stderr.take() {
                        use std::io::Read;
                        let _ = pipe.read_to_string(&mut stderr);
                    }
                    last_error = format!("{e}\n{stderr}");
                }
            }
        }
        panic!("aiosmtpd did not start: {last_error}");
    }

    /// `smtp://127.0.0.1:PORT`: no login, no TLS.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every mail received so far, in the order it arrived, exactly as sent in DATA.
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.files("eml")
            .iter()
            .map(|p| std::fs::read(p).expect("read a received mail"))
            .collect()
    }

    /// The envelopes of [`SmtpSink::received`], in the same order.
    pub fn envelopes(&self) -> Vec<Envelope> {
        self.files("env")
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).expect("read an envelope");
                let mut lines = text.lines().map(str::to_owned);
                Envelope {
                    mail_from: lines.next().unwrap_or_default(),
                    rcpt_to: lines.collect(),
                }
            })
            .collect()
    }

    /// Waits until at least `n` mails arrived and returns them all; panics after `timeout`.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP sink received {} mails within {timeout:?}, expected {n}",
                received.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn files(&self, ext: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("mail").join("new"))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == ext))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child);
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

fn require(program: &str, package: &str) {
    assert!(
        have(program),
        "{program} is not installed: install the Debian package {package} \
         (`cargo xtask test` installs it)"
    );
}

fn running_as_root() -> bool {
    output(Command::new("id").arg("-u")) == "0"
}

fn output(cmd: &mut Command) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn parse_id(id: &str) -> u32 {
    id.parse()
        .unwrap_or_else(|_| panic!("`id` printed {id:?}, not a number"))
}

fn chown(path: &Path, (uid, gid): (u32, u32)) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Waits until `port` accepts a connection; an error if `child` exits first or time runs out.
fn wait_for_port(port: u16, child: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited with {status} before accepting connections"));
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "did not accept connections on port {port} within {START_TIMEOUT:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A shell that waits for this test process to exit, then stops `pid`: a server must not
/// outlive a test binary that was killed before it could drop it.
fn watchdog(pid: u32) -> Child {
    let script = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 1; done; kill -TERM {pid} 2>/dev/null",
        me = std::process::id(),
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn a watchdog")
}

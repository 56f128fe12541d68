use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{bin_path, terminate};

/// A `desk-server serve` child process on a free loopback port.
pub struct ServerProcess {
    child: Child,
    pub url: String,
    /// The SQLite data directory; empty for a server on a database URL.
    pub data_dir: PathBuf,
    /// `http://host:port/metrics` when the server was started with a metrics listener.
    pub metrics_url: Option<String>,
}

/// Runs a `desk-server` subcommand to completion, feeding `stdin`; panics with its output on
/// failure.
pub fn server_cmd(args: &[&str], stdin: &str) -> String {
    let out = crate::spawn_with_stdin(Command::new(bin_path("desk-server")).args(args), stdin)
        .wait_with_output()
        .unwrap();
    assert!(
        out.status.success(),
        "desk-server {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl ServerProcess {
    /// Seeds `tickets` demo tickets and one agent, then serves.
    pub fn seeded(data_dir: &Path, tickets: u32, email: &str, password: &str) -> Self {
        seed_data_dir(data_dir, tickets, email, password);
        Self::start(data_dir)
    }

    /// [`Self::seeded`], serving with `env` added: e.g. `DESK_INGEST_SECRETS` for a test
    /// that plays a channel bridge.
    pub fn seeded_with_env(
        data_dir: &Path,
        tickets: u32,
        email: &str,
        password: &str,
        env: &[(&str, &str)],
    ) -> Self {
        seed(
            &["--data-dir", data_dir.to_str().unwrap()],
            tickets,
            email,
            password,
        );
        let mut command = serve_sqlite(data_dir);
        command.envs(env.iter().copied());
        Self::spawn(command, data_dir.to_path_buf())
    }

    /// [`Self::seeded`] on a PostgreSQL database, e.g. one of
    /// [`crate::Postgres::fresh_database`].
    pub fn seeded_on_database(url: &str, tickets: u32, email: &str, password: &str) -> Self {
        seed(&["--database-url", url], tickets, email, password);
        Self::start_on_database(url)
    }

    /// Starts `desk-server serve` on 127.0.0.1:0 and waits for its `listening on` line.
    pub fn start(data_dir: &Path) -> Self {
        Self::spawn(serve_sqlite(data_dir), data_dir.to_path_buf())
    }

    /// Starts `desk-server serve` on a PostgreSQL database, e.g. one of
    /// [`crate::Postgres::fresh_database`]. Several may share one database, as production
    /// instances behind a load balancer do. The URL goes through the environment, as a
    /// deployment should pass it (a command line is readable by every user).
    pub fn start_on_database(url: &str) -> Self {
        let mut command = Command::new(bin_path("desk-server"));
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_remove("DESK_DATA_DIR")
            .env("DESK_DATABASE_URL", url);
        Self::spawn(command, PathBuf::new())
    }

    /// Starts `desk-server serve` with exactly `args` and `env` added to ours (nothing
    /// else: no data directory is chosen for it), its stderr written to `stderr` when given
    /// (to read its logs), and waits until it is healthy. With `metrics`, also waits for the
    /// metrics line.
    pub fn start_with(
        args: &[&str],
        env: &[(&str, &str)],
        stderr: Option<&Path>,
        metrics: bool,
    ) -> Self {
        let mut command = Command::new(bin_path("desk-server"));
        command
            .arg("serve")
            .args(args)
            .env_remove("DESK_DATA_DIR")
            .env_remove("DESK_DATABASE_URL")
            .envs(env.iter().copied());
        if let Some(path) = stderr {
            let file = std::fs::File::create(path).expect("create the stderr file");
            command.stderr(Stdio::from(file));
        }
        Self::spawn_with(command, PathBuf::new(), metrics)
    }

    /// [`Self::start_with`] serving HTTPS on a SQLite `data_dir` with `ca`'s server
    /// certificate and key.
    pub fn start_https(
        data_dir: &Path,
        ca: &crate::PrivateCa,
        env: &[(&str, &str)],
        stderr: Option<&Path>,
    ) -> Self {
        let mut server = Self::start_with(
            &[
                "--data-dir",
                data_dir.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
                "--tls-cert",
                ca.server_cert.to_str().unwrap(),
                "--tls-key",
                ca.server_key.to_str().unwrap(),
            ],
            env,
            stderr,
            false,
        );
        server.data_dir = data_dir.to_path_buf();
        server
    }

    fn spawn(command: Command, data_dir: PathBuf) -> Self {
        Self::spawn_with(command, data_dir, false)
    }

    fn spawn_with(mut command: Command, data_dir: PathBuf, metrics: bool) -> Self {
        // `start_with` may have sent stderr to a file; everything else inherits it.
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn desk-server serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for _ in 0..2 {
                if let Some(Ok(line)) = lines.next() {
                    let _ = tx.send(line);
                }
            }
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("desk-server printed no listening line in 30 s");
        let url = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from desk-server: {line:?}"))
            .trim()
            .to_owned();
        let metrics_url = metrics.then(|| {
            let line = rx
                .recv_timeout(Duration::from_secs(10))
                .expect("desk-server printed no metrics line");
            line.strip_prefix("metrics on ")
                .unwrap_or_else(|| panic!("expected the metrics line, got {line:?}"))
                .trim()
                .to_owned()
        });
        let server = Self {
            child,
            url,
            data_dir,
            metrics_url,
        };
        server.wait_healthy(Duration::from_secs(30));
        server
    }

    fn wait_healthy(&self, within: Duration) {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(2))
            // Liveness only: an HTTPS server's private CA is the tests' to check.
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        let deadline = Instant::now() + within;
        loop {
            if client
                .get(format!("{}/healthz", self.url))
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "desk-server at {} never became healthy",
                self.url
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The server's process id, e.g. to read its memory from `/proc/<pid>/status`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server gracefully (SIGTERM) and waits.
    pub fn stop(mut self) {
        terminate(&mut self.child);
    }

    /// Stops the server and returns what [`StoppedServer::restart`] needs to bring it
    /// back on the same address, as an outage ends: clients keep their server URL.
    pub fn go_down(mut self) -> StoppedServer {
        terminate(&mut self.child);
        self.stopped()
    }

    /// Kills the server with SIGKILL, mid-whatever it was doing (no graceful shutdown, no
    /// transaction finished), and returns what [`StoppedServer::restart`] needs.
    pub fn crash(mut self) -> StoppedServer {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stopped()
    }

    fn stopped(&mut self) -> StoppedServer {
        StoppedServer {
            url: std::mem::take(&mut self.url),
            data_dir: std::mem::take(&mut self.data_dir),
        }
    }
}

/// A SQLite-backed server stopped by [`ServerProcess::go_down`] or [`ServerProcess::crash`].
pub struct StoppedServer {
    pub url: String,
    pub data_dir: PathBuf,
}

impl StoppedServer {
    /// Starts it again on its old address and data.
    pub fn restart(self) -> ServerProcess {
        let addr = self
            .url
            .strip_prefix("http://")
            .expect("servers listen on http://ADDR");
        let mut command = Command::new(bin_path("desk-server"));
        command
            .args(["serve", "--listen", addr, "--data-dir"])
            .arg(&self.data_dir)
            .env_remove("DESK_DATABASE_URL");
        ServerProcess::spawn(command, self.data_dir)
    }
}

/// `desk-server serve` on 127.0.0.1:0 and the SQLite data in `data_dir`.
fn serve_sqlite(data_dir: &Path) -> Command {
    let mut command = Command::new(bin_path("desk-server"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env_remove("DESK_DATABASE_URL");
    command
}

/// Adds one agent and `tickets` demo tickets to the storage `storage_args` name.
/// Seeds the SQLite data directory `data_dir` as [`ServerProcess::seeded`] does, for a
/// caller that starts the server its own way ([`ServerProcess::start_with`]).
pub fn seed_data_dir(data_dir: &Path, tickets: u32, email: &str, password: &str) {
    seed(
        &["--data-dir", data_dir.to_str().unwrap()],
        tickets,
        email,
        password,
    );
}

fn seed(storage_args: &[&str], tickets: u32, email: &str, password: &str) {
    let mut add = vec!["agent", "add"];
    add.extend_from_slice(storage_args);
    add.extend_from_slice(&[
        "--email",
        email,
        "--name",
        "Lin Wei 林伟",
        "--role",
        "agent",
        "--password-stdin",
    ]);
    server_cmd(&add, &format!("{password}\n"));
    // Relative to now, so screenshots taken by tests show live SLA clocks.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let tickets = tickets.to_string();
    let mut seed = vec!["seed-demo"];
    seed.extend_from_slice(storage_args);
    seed.extend_from_slice(&["--tickets", &tickets, "--now-ms", &now_ms]);
    server_cmd(&seed, "");
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

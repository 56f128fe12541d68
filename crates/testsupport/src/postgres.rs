//! A throwaway PostgreSQL cluster for tests: `initdb` into a temp dir, a server on a free
//! 127.0.0.1 port with its unix socket in that dir, durability switched off for speed,
//! stopped on drop. One cluster serves a whole test binary ([`Postgres::shared`]); each
//! test takes its own database from it ([`Postgres::fresh_database`]), which costs tens of
//! milliseconds instead of an `initdb`.
//!
//! `initdb` and the server refuse to run as root, so under root (CI, containers) they run
//! as the `postgres` OS user, which the Debian package creates. The binaries come from
//! `/usr/lib/postgresql/<major>/bin` (the newest installed), or `DESK_PG_BIN_DIR`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use tempfile::TempDir;

/// Settings for a cluster whose data nobody needs after the test: nothing waits for disk.
const SPEED_SETTINGS: &[&str] = &[
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=300",
    "listen_addresses=127.0.0.1",
];

/// A running PostgreSQL cluster, removed with its data when dropped.
pub struct Postgres {
    bin: PathBuf,
    dir: TempDir,
    port: u16,
    /// Run PostgreSQL's programs as this OS user (we are root), or as ourselves.
    run_as: Option<&'static str>,
    next_database: AtomicU32,
    /// Stops the cluster if this process dies without dropping us (a `static` is never
    /// dropped, and a test may abort).
    watchdog: Option<Child>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("url", &self.url())
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl Postgres {
    /// The cluster shared by every test of this binary, started on first use.
    pub fn shared() -> &'static Postgres {
        static SHARED: OnceLock<Postgres> = OnceLock::new();
        SHARED.get_or_init(Postgres::start)
    }

    /// Initializes and starts a new cluster. Panics, naming the package to install, when
    /// PostgreSQL is missing.
    pub fn start() -> Self {
        let bin = bin_dir();
        let run_as = running_as_root().then_some("postgres");
        let dir = tempfile::Builder::new()
            .prefix("desk-pg-")
            .tempdir()
            .expect("create a temp dir for PostgreSQL");
        if let Some(user) = run_as {
            run(Command::new("chown").arg(user).arg(dir.path()), "chown");
        }
        let data = dir.path().join("data");
        let mut initdb = command(run_as, &bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "--encoding=UTF8"])
            // C collation: byte order, like SQLite, so both backends sort alike in tests.
            .args(["--locale=C", "--no-sync", "--no-instructions"]);
        run(&mut initdb, "initdb");

        let mut cluster = Self {
            bin,
            dir,
            port: 0,
            run_as,
            next_database: AtomicU32::new(0),
            watchdog: None,
        };
        // A port free a moment ago can be taken before the server binds it: try a few.
        let mut last_error = String::new();
        for _ in 0..5 {
            cluster.port = crate::free_port();
            match cluster.pg_ctl_start() {
                Ok(()) => {
                    cluster.watchdog = Some(cluster.spawn_watchdog());
                    return cluster;
                }
                Err(e) => last_error = e,
            }
        }
        panic!("PostgreSQL did not start: {last_error}");
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`, the maintenance database.
    pub fn url(&self) -> String {
        self.url_for("postgres")
    }

    /// The URL of database `name` on this cluster.
    pub fn url_for(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new, empty database with a name unique to this cluster; returns its URL.
    pub fn fresh_database(&self) -> String {
        let n = self.next_database.fetch_add(1, Ordering::Relaxed);
        let name = format!("desk_test_{n}");
        self.psql(&format!("CREATE DATABASE {name}"));
        self.url_for(&name)
    }

    /// Runs SQL on the maintenance database with `psql`; panics with its output on failure.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_at(&self.url(), sql)
    }

    /// Runs SQL on the database at `url` (one of this cluster's) with `psql`, printing
    /// rows unaligned, one a line; panics with its output on failure.
    pub fn psql_at(&self, url: &str, sql: &str) -> String {
        let output = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(url)
            .args(["-c", sql])
            .stdin(Stdio::null())
            .output()
            .expect("run psql");
        check(&output, &format!("psql -c {sql:?}"));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Stops the server (fast: open transactions are rolled back) and starts it again on
    /// the same port and data, as an operator's restart would.
    pub fn restart(&mut self) {
        self.pg_ctl_stop("fast");
        if let Err(e) = self.pg_ctl_start() {
            panic!("PostgreSQL did not come back after a restart: {e}");
        }
    }

    /// Stops the server (fast), leaving its data, until [`Self::start_again`]: the
    /// database an app was using is gone, as in an outage.
    pub fn stop(&self) {
        self.pg_ctl_stop("fast");
    }

    /// Starts a cluster stopped by [`Self::stop`] on the same port and data.
    pub fn start_again(&self) {
        if let Err(e) = self.pg_ctl_start() {
            panic!("PostgreSQL did not start again: {e}");
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's directory: `data/`, the server log `server.log`, the unix socket.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let mut options = format!(
            "-p {} -c unix_socket_directories={}",
            self.port,
            self.dir.path().display()
        );
        for setting in SPEED_SETTINGS {
            options.push_str(" -c ");
            options.push_str(setting);
        }
        let output = command(self.run_as, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            .args(["-w", "-t", "60", "-o", &options, "start"])
            // The server inherits pg_ctl's stdio: never our pipes, or a harness that reads
            // our output to its end would wait for the server too.
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run pg_ctl: {e}"))?;
        if output.status.success() {
            return Ok(());
        }
        let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
        Err(format!(
            "pg_ctl start failed: {}{}\nserver log:\n{log}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }

    fn pg_ctl_stop(&self, mode: &str) {
        let _ = command(self.run_as, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data_dir())
            .args(["-w", "-m", mode, "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// A shell that waits for this process to exit, then stops the server and removes its
    /// directory.
    fn spawn_watchdog(&self) -> Child {
        let stop = command_line(
            self.run_as,
            &self.bin.join("pg_ctl"),
            &["-D", &self.data_dir().display().to_string()],
        );
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             {stop} -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            dir = self.dir.path().display(),
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the PostgreSQL watchdog")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        self.pg_ctl_stop("fast");
    }
}

/// The newest `/usr/lib/postgresql/<major>/bin`, or `DESK_PG_BIN_DIR`.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DESK_PG_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .max_by_key(|(major, _)| *major);
    match newest {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: install the \
             Debian package `postgresql` (`cargo xtask test` installs it), or point \
             DESK_PG_BIN_DIR at a directory holding initdb, pg_ctl and psql"
        ),
    }
}

/// Whether this process runs as root: `/proc/self` belongs to our effective user.
fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// `program`, run as `user` when one is given. From `/`, which every user may enter: the
/// test's own working directory may be closed to the `postgres` user.
fn command(user: Option<&str>, program: &Path) -> Command {
    let mut command = match user {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--"]).arg(program);
            command
        }
        None => Command::new(program),
    };
    command.current_dir("/");
    command
}

/// The shell text of [`command`] with `args`, for the watchdog script.
fn command_line(user: Option<&str>, program: &Path, args: &[&str]) -> String {
    let mut words: Vec<String> = Vec::new();
    if let Some(user) = user {
        words.extend(["runuser".into(), "-u".into(), user.into(), "--".into()]);
    }
    words.push(program.display().to_string());
    words.extend(args.iter().map(|a| (*a).to_owned()));
    words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {what}: {e}"));
    check(&output, what);
}

fn check(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

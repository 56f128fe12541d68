//! What the server and sync benchmarks share: the two backends, a fresh store per run with
//! bench accounts, the release `desk-server serve` process, sign-in, and the JSON lines.

use std::sync::Arc;

use anyhow::Context;
use desk_core::Role;
use desk_core::wire::TokenResponse;
use desk_server::audit::Actor;
use desk_server::auth::{self, AddAgent};
use desk_server::{PasswordCost, PgStorage, SqliteStorage, Storage};
use testsupport::{Postgres, ServerProcess};

pub const PASSWORD: &str = "bench-password-2026";

/// What simulated agents write in replies and notes.
pub const REPLIES: &[&str] = &[
    "We can see the deposit on chain; it needs 12 confirmations before it is credited.",
    "您的提币正在审核中，预计 30 分钟内完成，请耐心等待。",
    "Please never share your recovery phrase with anyone, including our support team.",
    "充值已到账，请刷新页面查看余额。如仍有问题请回复此消息。",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// `sqlite`, `postgres` or `both`, as the `--backend` flag takes it.
    pub fn parse_list(value: &str) -> Option<Vec<Backend>> {
        match value {
            "sqlite" => Some(vec![Backend::Sqlite]),
            "postgres" => Some(vec![Backend::Postgres]),
            "both" => Some(vec![Backend::Sqlite, Backend::Postgres]),
            _ => None,
        }
    }
}

/// A fresh, empty store on one backend: a SQLite data directory, or a database on a
/// throwaway PostgreSQL cluster that stops when this is dropped (after the server).
pub struct FreshStore {
    data_dir: tempfile::TempDir,
    url: Option<String>,
    cluster: Option<Postgres>,
}

impl FreshStore {
    pub fn new(backend: Backend) -> anyhow::Result<Self> {
        let data_dir = tempfile::Builder::new().prefix("desk-bench-").tempdir()?;
        let (url, cluster) = match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let cluster = Postgres::start();
                (Some(cluster.fresh_database()), Some(cluster))
            }
        };
        Ok(Self {
            data_dir,
            url,
            cluster,
        })
    }

    /// Settles a PostgreSQL database just written in bulk: `VACUUM (ANALYZE)`, which
    /// autovacuum would otherwise start on its own (a million inserted rows cross its
    /// insert threshold) while the first client measured bootstraps, on the same two
    /// cores. A desk's records are not all written seconds before an agent signs in.
    /// Returns how long it took; nothing to do on SQLite.
    pub fn settle(&self) -> Option<std::time::Duration> {
        let (Some(cluster), Some(url)) = (&self.cluster, &self.url) else {
            return None;
        };
        let started = std::time::Instant::now();
        cluster.psql_at(url, "VACUUM (ANALYZE)");
        Some(started.elapsed())
    }

    /// The storage, through the library, as the `desk-server` subcommands open it.
    pub async fn open(&self) -> anyhow::Result<Arc<dyn Storage>> {
        Ok(match &self.url {
            None => Arc::new(SqliteStorage::open_in_dir(self.data_dir.path())?),
            Some(url) => Arc::new(PgStorage::connect(url).await?),
        })
    }

    /// The release `desk-server serve` on a free loopback port over this store, with its
    /// Prometheus endpoint on another (`metrics_url`), so a bench can split its figures into
    /// the server's share and the rest. Warn-level logs only: info would write a line per
    /// request, which is not what is measured.
    pub fn serve(&self) -> ServerProcess {
        self.serve_with(&[])
    }

    /// [`FreshStore::serve`] with more arguments, e.g. `--config FILE` for mailboxes.
    pub fn serve_with(&self, extra: &[&str]) -> ServerProcess {
        let mut args = vec![
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
            "--log-level",
            "warn",
        ];
        let mut env = vec![];
        match &self.url {
            None => args.extend(["--data-dir", self.data_dir.path().to_str().unwrap()]),
            Some(url) => env.push(("DESK_DATABASE_URL", url.as_str())),
        }
        args.extend_from_slice(extra);
        ServerProcess::start_with(&args, &env, None, true)
    }
}

/// Agent accounts with cheap password hashes (logins are not what the benches measure: a
/// console signs in once a day and syncs all day), as `desk-server agent add` would add them.
pub async fn add_agents(storage: &dyn Storage, emails: &[String]) -> anyhow::Result<()> {
    let now = now_ms();
    for (i, email) in emails.iter().enumerate() {
        auth::add_agent(
            storage,
            PasswordCost::InsecureFastForTests,
            now,
            AddAgent {
                email: email.clone(),
                name: format!("Bench Agent {i}"),
                role: Role::Agent,
                languages: vec!["en".into(), "zh-CN".into()],
                groups: Vec::new(),
                skills: vec![],
                capacity: None,
                password: Some(PASSWORD.into()),
                by: Actor::Operator("bench".into()),
            },
        )
        .await
        .with_context(|| format!("add {email}"))?;
    }
    Ok(())
}

/// Signs in over HTTP as a device of its own.
pub async fn login(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    device_name: &str,
) -> anyhow::Result<TokenResponse> {
    let response = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({
            "email": email,
            "password": PASSWORD,
            "device_name": device_name,
        }))
        .send()
        .await?
        .error_for_status()
        .with_context(|| format!("log in as {email}"))?;
    Ok(response.json().await?)
}

/// The command line as `--flag value` pairs; `usage` when a flag has no value.
pub fn flag_pairs(usage: fn() -> !) -> Vec<(String, String)> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut pairs = Vec::new();
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let Some(value) = it.next() else { usage() };
        pairs.push((flag, value));
    }
    pairs
}

/// A flag's value as a number.
pub fn number(flag: &str, value: &str) -> anyhow::Result<u64> {
    value
        .trim()
        .parse()
        .with_context(|| format!("{flag} expects a number, got {value:?}"))
}

/// One JSON line on stdout: {"metric","value","unit","target","better"}.
pub fn emit(metric: &str, value: f64, unit: &str, target: Option<f64>, better: &str) {
    println!(
        "{}",
        serde_json::json!({
            "metric": metric,
            "value": (value * 1000.0).round() / 1000.0,
            "unit": unit,
            "target": target,
            "better": better,
        })
    );
}

/// Nearest-rank percentile of microsecond samples, in milliseconds; infinite with no
/// samples, so an empty measurement never passes.
pub fn percentile(us: &mut [u32], q: f64) -> f64 {
    if us.is_empty() {
        return f64::INFINITY;
    }
    us.sort_unstable();
    let rank = ((q * us.len() as f64).ceil() as usize).clamp(1, us.len());
    f64::from(us[rank - 1]) / 1000.0
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

//! `desk-server`: serve the API, manage agents, seed the demo dataset, verify the audit log.
//!
//! A thin shell over the library: parse arguments, open storage, call one function,
//! report. Logs go to stderr; stdout carries only what scripts read (the listening
//! address, new ids, listings).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use desk_core::Role;
use desk_server::audit::{self, Actor};
use desk_server::auth::{self, AddAgent};
use desk_server::seed::{self, SeedOptions};
use desk_server::settings::{self, LogFormat, ServeSettings, Sources};
use desk_server::{
    AppState, Clock, Config, PgStorage, SqliteStorage, Storage, StorageConfig, SystemClock,
};

#[derive(Parser)]
#[command(
    name = "desk-server",
    version,
    about = "Desk's backend: API, auth and change feed"
)]
struct Cli {
    /// Log lines as `text` or `json` (one object per line) on stderr. Env DESK_LOG_FORMAT;
    /// for `serve` also the config file's `log_format`.
    #[arg(long, global = true)]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives: a SQLite data directory (the embedded default) or PostgreSQL.
#[derive(Args)]
struct DataDir {
    /// Directory holding desk.sqlite3 (embedded SQLite, one server instance); created if
    /// missing.
    #[arg(long, env = "DESK_DATA_DIR", required_unless_present = "database_url")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL instead of SQLite, for production and several server instances:
    /// postgres://user:password@host:port/database. Wins over --data-dir. Prefer the
    /// environment variable: every user of the machine can read a command line.
    #[arg(long, env = "DESK_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

impl DataDir {
    fn config(&self) -> StorageConfig {
        match (&self.database_url, &self.data_dir) {
            (Some(url), data_dir) => {
                if data_dir.is_some() {
                    tracing::warn!(
                        "both a database url and a data directory are set; using PostgreSQL"
                    );
                }
                StorageConfig::Postgres { url: url.clone() }
            }
            (None, Some(data_dir)) => StorageConfig::Sqlite {
                data_dir: data_dir.clone(),
            },
            // clap requires one of the two.
            (None, None) => unreachable!("clap requires --data-dir or --database-url"),
        }
    }
}

/// Opened storage, with what `migrate` reports about it.
struct Opened {
    storage: Arc<dyn Storage>,
    /// The file or the database, never with a password.
    location: String,
    schema_version: u32,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API until SIGTERM or ctrl-c. Settings come from the config file,
    /// then the environment (DESK_<KEY>), then these flags, each overriding the one
    /// before; README lists every key.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[command(flatten)]
        data: DataDir,
    },
    /// Manage agents.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a deterministic, realistic demo dataset (zh-CN and en tickets).
    SeedDemo {
        #[command(flatten)]
        data: DataDir,
        /// Number of tickets to generate.
        #[arg(long, default_value_t = 1000)]
        tickets: u32,
        /// The dataset's "now" in ms since the epoch; every time lies before it. Defaults
        /// to a fixed date so that reruns produce identical data.
        #[arg(long, default_value_t = seed::DEFAULT_NOW_MS)]
        now_ms: i64,
        /// PRNG seed.
        #[arg(long, default_value_t = seed::DEFAULT_SEED)]
        seed: u64,
    },
}

/// `serve`'s flags. Values are checked with the other layers' (see `settings`), so a bad
/// one is reported the same way wherever it came from.
#[derive(Args)]
struct ServeArgs {
    /// TOML config file.
    #[arg(long, env = "DESK_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port [default: 127.0.0.1:8080].
    #[arg(long)]
    listen: Option<String>,
    /// Directory holding desk.sqlite3 (embedded SQLite, one server instance).
    #[arg(long)]
    data_dir: Option<String>,
    /// PostgreSQL URL; wins over --data-dir. Prefer DESK_DATABASE_URL: every user of the
    /// machine can read a command line.
    #[arg(long)]
    database_url: Option<String>,
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long)]
    tls_cert: Option<String>,
    /// PEM private key of --tls-cert.
    #[arg(long)]
    tls_key: Option<String>,
    /// Address of the Prometheus /metrics endpoint (off unless set).
    #[arg(long)]
    metrics_listen: Option<String>,
    /// A tracing filter, e.g. `info` or `desk_server=debug,info` [default: info].
    #[arg(long)]
    log_level: Option<String>,
    /// Days the answers to pushed mutations are kept [default: 30].
    #[arg(long)]
    feed_retention_days: Option<String>,
    /// Secrets that sign ingestion requests, `id=secret,id2=secret2`, each at least 32
    /// bytes; all listed are accepted, for rotation. Unset: ingestion is refused. Prefer
    /// DESK_INGEST_SECRETS: every user of the machine can read a command line.
    #[arg(long)]
    ingest_secrets: Option<String>,
}

impl ServeArgs {
    fn flags(&self, log_format: Option<&String>) -> Vec<(&'static str, String)> {
        [
            ("listen", self.listen.as_ref()),
            ("data_dir", self.data_dir.as_ref()),
            ("database_url", self.database_url.as_ref()),
            ("tls_cert", self.tls_cert.as_ref()),
            ("tls_key", self.tls_key.as_ref()),
            ("metrics_listen", self.metrics_listen.as_ref()),
            ("log_level", self.log_level.as_ref()),
            ("log_format", log_format),
            ("feed_retention_days", self.feed_retention_days.as_ref()),
            ("ingest_secrets", self.ingest_secrets.as_ref()),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?.clone())))
        .collect()
    }

    fn settings(&self, log_format: Option<&String>) -> anyhow::Result<ServeSettings> {
        let text = match &self.config {
            Some(path) => Some(settings::read_file(path)?),
            None => None,
        };
        let env = |name: &str| std::env::var(name).ok();
        let flags = self.flags(log_format);
        let sources = Sources {
            file: self.config.as_deref().zip(text.as_deref()),
            env: &env,
            flags: &flags,
        };
        Ok(sources.resolve()?)
    }
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Add an agent, reading the password from stdin; prints the agent's id.
    Add {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read the password from stdin (one line; the trailing newline is dropped).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Languages the agent answers in, comma-separated BCP 47 tags.
        #[arg(long, value_delimiter = ',')]
        languages: Vec<String>,
        /// Teams the agent works in (a ticket's group), comma-separated; none: the agent
        /// sees every ticket, as supervisors and admins always do.
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
        /// When the email already exists, set its password instead of failing.
        #[arg(long)]
        update_password: bool,
    },
    /// Set the teams an agent works in (comma-separated; empty for none). The agent's
    /// consoles pull their new scope from scratch at their next sync, keeping their queued
    /// work.
    SetGroups {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        email: String,
        #[arg(long, value_delimiter = ',', num_args = 0..)]
        groups: Vec<String>,
    },
    /// List agents.
    List {
        #[command(flatten)]
        data: DataDir,
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Disable an agent: its devices are signed out and it can no longer sign in.
    Disable {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled agent again.
    Enable {
        #[command(flatten)]
        data: DataDir,
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 1 naming the first broken row, 0 when it is intact.
    Verify {
        #[command(flatten)]
        data: DataDir,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse::<Role>()
        .map_err(|_| "expected one of: agent, supervisor, admin".to_owned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Serve(args) = &cli.command {
        let settings = args.settings(cli.log_format.as_ref())?;
        init_logging(settings.log_format, &settings.log_level);
        return serve(settings).await;
    }
    // Other subcommands print results on stdout; their logs are for trouble only.
    let format = match cli
        .log_format
        .clone()
        .or_else(|| std::env::var("DESK_LOG_FORMAT").ok())
    {
        Some(text) => parse_log_format(&text)?,
        None => LogFormat::Text,
    };
    let filter = std::env::var("DESK_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".into());
    init_logging(format, &filter);

    match cli.command {
        Command::Serve(_) => unreachable!("handled above"),
        Command::Migrate { data } => {
            let opened = open(&data).await?;
            println!(
                "database {} is at schema version {}",
                opened.location, opened.schema_version
            );
            Ok(())
        }
        Command::Agent(command) => agent(command).await,
        Command::Audit(AuditCommand::Verify { data }) => {
            let storage = open(&data).await?.storage;
            match audit::verify(storage.as_ref())
                .await
                .context("read the audit log")?
            {
                Ok(rows) => {
                    println!("audit log intact: {rows} rows");
                    Ok(())
                }
                Err(broken) => {
                    eprintln!("audit log broken: {broken}");
                    std::process::exit(1);
                }
            }
        }
        Command::SeedDemo {
            data,
            tickets,
            now_ms,
            seed,
        } => {
            let storage = open(&data).await?.storage;
            let started = Instant::now();
            let summary = seed::seed_demo(
                storage.as_ref(),
                SeedOptions {
                    tickets,
                    now_ms,
                    seed,
                },
            )
            .await
            .context("seed the demo dataset")?;
            println!(
                "seeded {} tickets, {} messages, {} customers, {} transactions, {} macros, {} articles, {} groups in {:.1}s (cursor {})",
                summary.tickets,
                summary.messages,
                summary.customers,
                summary.transactions,
                summary.macros,
                summary.articles,
                summary.groups,
                started.elapsed().as_secs_f64(),
                summary.cursor
            );
            Ok(())
        }
    }
}

fn parse_log_format(text: &str) -> anyhow::Result<LogFormat> {
    match text.trim().to_ascii_lowercase().as_str() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => bail!("invalid log_format = {text:?}: expected `text` or `json`"),
    }
}

/// Logs on stderr. JSON lines carry the current span (the request's method, route,
/// request id, status and latency) beside each event.
fn init_logging(format: LogFormat, filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// Opens (creating, migrating) the storage `data` names.
async fn open(data: &DataDir) -> anyhow::Result<Opened> {
    open_storage(data.config()).await
}

async fn open_storage(config: StorageConfig) -> anyhow::Result<Opened> {
    match config {
        StorageConfig::Sqlite { data_dir } => {
            let storage = SqliteStorage::open_in_dir(&data_dir)
                .with_context(|| format!("open the database in {}", data_dir.display()))?;
            Ok(Opened {
                location: storage.path().display().to_string(),
                storage: Arc::new(storage),
                schema_version: desk_server::storage::sqlite::SCHEMA_VERSION,
            })
        }
        StorageConfig::Postgres { url } => {
            let storage = PgStorage::connect(&url)
                .await
                .context("open the PostgreSQL database")?;
            Ok(Opened {
                location: storage.target().to_owned(),
                storage: Arc::new(storage),
                schema_version: desk_server::storage::postgres::SCHEMA_VERSION as u32,
            })
        }
    }
}

/// How long `serve` waits for a database that is not reachable yet (an orchestrator often
/// starts the server and PostgreSQL together).
const DATABASE_WAIT: Duration = Duration::from_secs(60);

/// [`open`], retrying while the database cannot be reached. Other failures (a schema from a
/// newer server, a bad URL) end at once: waiting would not fix them.
async fn open_when_reachable(storage: &StorageConfig) -> anyhow::Result<Opened> {
    let deadline = Instant::now() + DATABASE_WAIT;
    let mut pause = Duration::from_millis(250);
    loop {
        match open_storage(storage.clone()).await {
            Ok(opened) => return Ok(opened),
            Err(e) if is_unreachable(&e) && Instant::now() + pause < deadline => {
                let error = format!("{e:#}");
                let retry_in_ms = pause.as_millis() as u64;
                tracing::warn!(%error, retry_in_ms, "database not reachable yet");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e),
        }
    }
}

fn is_unreachable(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<desk_server::Error>(),
        Some(desk_server::Error::Storage { context, .. }) if context.starts_with("connect to")
    )
}

async fn serve(settings: ServeSettings) -> anyhow::Result<()> {
    if settings.both_storages_set {
        tracing::warn!("both a database url and a data directory are set; using PostgreSQL");
    }
    // Storage is open and migrated before the socket is bound, so /healthz answers only
    // once the server can serve.
    // A bad certificate or key stops the server before anything else starts.
    let tls = settings
        .tls
        .as_ref()
        .map(desk_server::tls::server_config)
        .transpose()?;
    let opened = open_when_reachable(&settings.storage).await?;
    tracing::info!(database = %opened.location, "storage ready");
    let state = AppState::new(opened.storage, settings.config);
    let listen = settings.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listen on {listen}"))?;
    let address = listener.local_addr().context("read the bound address")?;
    let metrics = match settings.metrics_listen {
        Some(at) => Some(
            tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("listen for metrics on {at}"))?,
        ),
        None => None,
    };
    // Scripts and tests read the first line to learn the port; keep its shape.
    let mut stdout = std::io::stdout().lock();
    let scheme = if tls.is_some() { "https" } else { "http" };
    writeln!(stdout, "listening on {scheme}://{address}").context("write to stdout")?;
    if let Some(metrics) = &metrics {
        let at = metrics.local_addr().context("read the metrics address")?;
        writeln!(stdout, "metrics on http://{at}/metrics").context("write to stdout")?;
    }
    stdout.flush().context("flush stdout")?;
    drop(stdout);
    if let Some(metrics) = metrics {
        let app = desk_server::metrics_app(state.clone());
        let closing = state.clone();
        tokio::spawn(async move {
            let served = axum::serve(metrics, app)
                .with_graceful_shutdown(async move { closing.closed().await })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "metrics endpoint failed");
            }
        });
    }
    match tls {
        Some(config) => {
            let listener = desk_server::tls::TlsListener::new(listener, config)
                .context("serve TLS on the bound socket")?;
            desk_server::run(listener, state, shutdown_signal()).await
        }
        None => desk_server::run(listener, state, shutdown_signal()).await,
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

/// Who runs an admin command, for the audit log: the OS user, as far as the environment
/// tells (the log records it; it does not authenticate anyone).
fn operator() -> Actor {
    let name = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    Actor::Operator(name)
}

async fn agent(command: AgentCommand) -> anyhow::Result<()> {
    let now = SystemClock.now_ms();
    let by = operator();
    let cost = Config::default().password_cost;
    match command {
        AgentCommand::Add {
            data,
            email,
            name,
            role,
            password_stdin: _,
            languages,
            groups,
            update_password,
        } => {
            let storage = open(&data).await?.storage;
            let storage = storage.as_ref();
            let password = read_password()?;
            let languages: Vec<String> = languages
                .into_iter()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
                .collect();
            let added = auth::add_agent(
                storage,
                cost,
                now,
                AddAgent {
                    email: email.clone(),
                    name,
                    role,
                    languages,
                    groups,
                    skills: vec![],
                    capacity: None,
                    password: Some(password.clone()),
                    by: by.clone(),
                },
            )
            .await;
            let agent = match added {
                Ok(added) => added.agent,
                Err(desk_server::Error::Conflict(_)) if update_password => {
                    auth::set_password(storage, cost, now, &email, password, &by)
                        .await
                        .with_context(|| format!("set the password of {email}"))?
                }
                Err(desk_server::Error::Conflict(message)) => {
                    bail!("{message}; pass --update-password to set its password instead")
                }
                Err(e) => return Err(e).with_context(|| format!("add agent {email}")),
            };
            println!("{}", agent.id);
            Ok(())
        }
        AgentCommand::List { data, json } => {
            let agents = open(&data)
                .await?
                .storage
                .list_agents()
                .await
                .context("list agents")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&agents)?);
            } else {
                println!(
                    "{:<36}  {:<32}  {:<24}  {:<10}  {:<12}  {:<16}  status",
                    "id", "email", "name", "role", "languages", "groups"
                );
                for a in agents {
                    println!(
                        "{:<36}  {:<32}  {:<24}  {:<10}  {:<12}  {:<16}  {}",
                        a.agent.id,
                        a.agent.email,
                        a.agent.name,
                        a.agent.role,
                        a.agent.languages.join(","),
                        a.agent.groups.join(","),
                        if a.disabled { "disabled" } else { "active" }
                    );
                }
            }
            Ok(())
        }
        AgentCommand::SetGroups {
            data,
            email,
            groups,
        } => {
            // `--groups ""` arrives as one empty name: it means none.
            let groups: Vec<String> = groups
                .into_iter()
                .filter(|g| !g.trim().is_empty())
                .collect();
            let groups = auth::validate_groups(groups).context("--groups")?;
            let agent = open(&data)
                .await?
                .storage
                .set_agent_groups(&email, groups, now, &by)
                .await
                .with_context(|| format!("set the groups of {email}"))?;
            println!("{}", agent.id);
            Ok(())
        }
        AgentCommand::Disable { data, email } => open(&data)
            .await?
            .storage
            .set_agent_disabled(&email, true, now, &by)
            .await
            .with_context(|| format!("disable {email}")),
        AgentCommand::Enable { data, email } => open(&data)
            .await?
            .storage
            .set_agent_disabled(&email, false, now, &by)
            .await
            .with_context(|| format!("enable {email}")),
    }
}

/// One line from stdin, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (shown as typed; end with Enter): ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("read the password from stdin")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        bail!("no password on stdin");
    }
    Ok(password.to_owned())
}

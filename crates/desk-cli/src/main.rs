//! `desk`: the headless face of the console's engine (desk-sync), for scripting and tests.
//! Each verb is a few lines over [`desk_sync::Client`]; no logic lives here.
//!
//! Errors print as `error[code]: message` on stderr and exit 1 (2 for usage errors), or as
//! `{"code", "message"}` JSON with `--json`, so scripts can branch on the code.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use desk_core::ApiError;
use desk_core::view::InboxView;
use desk_sync::{Client, Profile};

#[derive(Parser)]
#[command(
    name = "desk",
    version,
    about = "Desk from the command line: sign in, sync, list tickets"
)]
struct Cli {
    /// Named profile: an isolated cache and keyring entry (two agents on one machine).
    #[arg(long, global = true)]
    profile: Option<String>,
    /// Profile directory; wins over --profile.
    #[arg(long, global = true, env = "DESK_HOME")]
    home: Option<PathBuf>,
    /// Machine-readable output (and errors as {"code","message"}).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in; the refresh token goes to the OS keyring.
    Login {
        #[arg(long)]
        server: String,
        #[arg(long)]
        email: String,
        /// Read the password from standard input (the only way: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Pull every change since the last sync into the local cache.
    Sync,
    /// List cached tickets (works offline).
    Tickets {
        #[arg(long, value_enum, default_value_t = View::Open)]
        view: View,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Show who is signed in and the state of the cache.
    Status,
    /// Sign out; --wipe also deletes the cache.
    Logout {
        #[arg(long)]
        wipe: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum View {
    Open,
    Mine,
    Unassigned,
    AwaitingConfirmation,
    All,
}

impl From<View> for InboxView {
    fn from(v: View) -> Self {
        match v {
            View::Open => InboxView::Open,
            View::Mine => InboxView::Mine,
            View::Unassigned => InboxView::Unassigned,
            View::AwaitingConfirmation => InboxView::AwaitingConfirmation,
            View::All => InboxView::All,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DESK_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let json = cli.json;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                eprintln!("{}", serde_json::to_string(&e).expect("error serializes"));
            } else {
                eprintln!("error[{}]: {}", e.code, e.message);
            }
            ExitCode::FAILURE
        }
    }
}

fn device_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this computer".into());
    format!("desk CLI on {host}")
}

async fn run(cli: Cli) -> Result<(), ApiError> {
    let profile = Profile::resolve(cli.home.as_deref(), cli.profile.as_deref())?;
    let client = Client::open(profile, device_name())?;
    match cli.command {
        Command::Login {
            server,
            email,
            password_stdin: _,
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| {
                    ApiError::new(
                        desk_core::ErrorCode::BadRequest,
                        format!("read password from stdin: {e}"),
                    )
                })?;
            // Only the line break a shell pipeline adds; spaces may be part of a password.
            let password = password
                .strip_suffix('\n')
                .map(|p| p.strip_suffix('\r').unwrap_or(p))
                .unwrap_or(&password);
            let account = client.sign_in(&server, &email, password).await?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string(&account.agent).expect("agent serializes")
                );
            } else {
                println!(
                    "signed in as {} <{}> ({}) on {}",
                    account.agent.name, account.agent.email, account.agent.role, account.server_url
                );
            }
        }
        Command::Sync => {
            let report = client.sync().await?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string(&report).expect("report serializes")
                );
            } else {
                println!(
                    "synced: {} changes in {} pages",
                    report.changes, report.pages
                );
            }
        }
        Command::Tickets { view, limit } => {
            let rows = client.list_tickets(view.into(), limit)?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string(&rows).expect("tickets serialize")
                );
            } else {
                for t in rows {
                    let number = t
                        .number
                        .map(|n| format!("#{n}"))
                        .unwrap_or_else(|| "#—".into());
                    println!(
                        "{number:>7}  {:<16}  {:<8}  {}  — {}",
                        t.status.as_str(),
                        t.priority.as_str(),
                        t.subject,
                        t.customer_name
                    );
                }
            }
        }
        Command::Status => {
            let state = client.state()?;
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string(&state).expect("state serializes")
                );
            } else if let Some(agent) = &state.agent {
                println!(
                    "signed in as {} <{}> on {}; {} cached tickets",
                    agent.name,
                    agent.email,
                    state.server_url.as_deref().unwrap_or("?"),
                    state.cached_tickets
                );
            } else {
                println!("not signed in; {} cached tickets", state.cached_tickets);
            }
        }
        Command::Logout { wipe } => {
            client.sign_out(wipe).await?;
            if !cli.json {
                println!("signed out{}", if wipe { "; cache deleted" } else { "" });
            }
        }
    }
    Ok(())
}

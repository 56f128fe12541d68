//! `desk`: the headless face of the console's engine (desk-sync), for scripting and tests.
//! Each verb is a few lines over [`desk_sync::Client`]; no logic lives here.
//!
//! Errors print as `error[code]: message` on stderr and exit 1 (2 for usage errors), or as
//! `{"code", "message"}` JSON with `--json`, so scripts can branch on the code. One verb
//! has a third outcome: `desk admin audit verify` exits 3 when the audit log's chain is
//! broken (see `admin`).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use desk_core::search::{HIGHLIGHT_END, HIGHLIGHT_START, SearchQuery};
use desk_core::view::InboxView;
use desk_core::wire::PresenceState;
use desk_core::{
    ApiError, Category, ErrorCode, MutationOp, MutationResult, Priority, TicketStatus,
};
use desk_sync::{Client, Profile, SyncReport, Wake, run_sync_loop};

mod admin;
mod attachments;
mod content;
mod delivery;
mod progress;
mod timestamp;

#[derive(Parser)]
#[command(
    name = "desk",
    version,
    about = "Desk from the command line: sign in, sync, triage and answer tickets, online or not; \
             manage agents and read the audit log, online"
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
    /// Days a solved or closed ticket keeps its whole conversation in the cache after its
    /// last activity; older ones are fetched again when shown online.
    #[arg(
        long,
        global = true,
        env = "DESK_KEEP_CLOSED_DAYS",
        default_value_t = 30
    )]
    keep_closed_days: u32,
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
    /// Accept an invitation an admin handed over: choose a password (from standard input,
    /// as for `login`) and sign in. The code works once, until it expires.
    AcceptInvitation {
        #[arg(long)]
        server: String,
        #[arg(long)]
        email: String,
        /// The invitation code, as handed over (case, spaces and hyphens do not matter).
        #[arg(long)]
        code: String,
        /// Read the new password from standard input (the only way: never on the command
        /// line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Send queued work and pull every change since the last sync into the local cache.
    Sync {
        /// Keep syncing: on every poke from the server, and every 30 s; until interrupted.
        #[arg(long)]
        watch: bool,
    },
    /// List cached tickets (works offline).
    Tickets {
        #[arg(long, value_enum, default_value_t = View::Open)]
        view: View,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Show who is signed in and the state of the cache.
    Status,
    /// One ticket with its conversation and customer (works offline).
    Show { id: String },
    /// Search the cached tickets: words, "phrases", prefix*, Chinese of any length.
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Knowledge-base articles and macros for a ticket, from the cache (works offline).
    Suggest {
        id: String,
        /// Your language, for a ticket whose own is not known.
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// Answer a ticket (or add an internal note); queued when offline.
    Reply {
        id: String,
        /// The reply's text, from this file (`-` for standard input).
        #[arg(long)]
        body_file: PathBuf,
        /// An internal note, not sent to the customer.
        #[arg(long, conflicts_with = "attach")]
        internal: bool,
        /// Send this file with the reply; repeatable. Queued with it when offline, and
        /// uploaded before the reply is sent.
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<PathBuf>,
    },
    /// Write a message's file (its SHA-256 from `desk show`) to FILE, `-` for standard
    /// output: from the cache, or fetched from the server and cached for offline use.
    Attachment {
        sha256: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The ticket whose conversation it belongs to; found in the cache when left out.
        #[arg(long)]
        ticket: Option<String>,
    },
    /// Change a ticket; each change is queued when offline and applied in order.
    Set {
        id: String,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        priority: Option<String>,
        #[arg(long)]
        category: Option<String>,
        /// Hand the ticket to this team (`none`: to no team); it is left unassigned.
        #[arg(long)]
        group: Option<String>,
        /// Assign to this agent id (`none` unassigns).
        #[arg(long, conflicts_with = "claim")]
        assignee: Option<String>,
        /// Take the ticket if nobody has it (the first claim the server sees wins).
        #[arg(long)]
        claim: bool,
        /// `+name` adds a tag, `-name` removes one; repeatable.
        #[arg(long = "tag", allow_hyphen_values = true)]
        tags: Vec<String>,
    },
    /// Send a public reply whose delivery failed again (`desk show` says why it failed);
    /// queued when offline.
    Resend {
        /// The reply's message id (`desk --json show TICKET`).
        message_id: String,
        /// The reply's ticket; looked up in the cache when left out.
        #[arg(long)]
        ticket: Option<String>,
        /// Send it to this email address instead (a bounced address, corrected).
        #[arg(long)]
        to: Option<String>,
    },
    /// Delete a ticket (spam, a duplicate, a test): it leaves every view; the server keeps
    /// it, and the delete wins over colleagues' concurrent edits.
    Delete { id: String },
    /// What is queued for the server; release a held reply, send rejected work again, or
    /// discard held/rejected work.
    Outbox {
        /// Send a held reply after all (the agent has read what arrived meanwhile).
        #[arg(long, conflicts_with_all = ["discard", "retry"])]
        release: Option<String>,
        /// Send a rejected mutation again, as a new one (the server failed on it, or what
        /// refused it has changed); then sync, as an action verb does.
        #[arg(long, conflicts_with = "discard")]
        retry: Option<String>,
        /// Give up a held or rejected mutation.
        #[arg(long)]
        discard: Option<String>,
    },
    /// Who else is viewing or replying to a ticket; with --state, say what you are doing
    /// on it first (online only: offline it answers nobody and queues nothing).
    Presence {
        id: String,
        #[arg(long, value_enum)]
        state: Option<PresenceArg>,
    },
    /// Sign out; --wipe also deletes the cache.
    Logout {
        #[arg(long)]
        wipe: bool,
    },
    /// Print standard input with every wallet secret (recovery phrase, private key)
    /// replaced by a marker: what ingestion stores of a customer's text.
    Redact,
    /// Print what ingestion keeps of HTML on standard input: sanitized, or nothing when it
    /// holds a wallet secret.
    Sanitize,
    /// Administration: agents' accounts and groups (admins), the audit log, macros and KB
    /// articles (supervisors); online only, but for `group list` (the cache).
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum PresenceArg {
    Viewing,
    Replying,
    /// Leave whatever ticket this device announced.
    Leave,
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
    // Two workers: a sync fetches the next pull page while the cache applies this one.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
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

/// One line per sync: a JSON object with `--json`, else a summary and what the agent must
/// know (conflicts lost, replies held, rejections).
fn print_report(report: &SyncReport, json: bool) {
    if json {
        print_json(report);
        return;
    }
    println!(
        "synced: {} changes in {} pages; {} answers; {} still queued",
        report.changes,
        report.pages,
        report.answers.len(),
        report.pending
    );
    if report.trimmed > 0 {
        println!(
            "  {} messages of old closed tickets left on the server (fetched when opened)",
            report.trimmed
        );
    }
    for a in &report.answers {
        match &a.result {
            MutationResult::Applied => {}
            MutationResult::Conflict { resolution } => {
                println!("  {}: conflict — {resolution}", a.mutation_id)
            }
            MutationResult::Rejected { code, reason } => println!(
                "  {}: rejected ({code}) — {reason} (desk outbox --retry {} to send it again)",
                a.mutation_id, a.mutation_id
            ),
            MutationResult::Held { reason } => println!(
                "  {}: held — {reason} (desk outbox --release {} to send)",
                a.mutation_id, a.mutation_id
            ),
        }
    }
}

/// Ctrl-C or SIGTERM: `desk sync --watch` stops cleanly between syncs.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("install SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn print_json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string(value).expect("output serializes")
    );
}

fn usage(message: &str) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, message)
}

/// A password from standard input, all of it but the line break a shell pipeline adds
/// (spaces may be part of a password): never an argument, which shell history and `ps`
/// would show.
fn read_password() -> Result<String, ApiError> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| usage(&format!("read password from stdin: {e}")))?;
    let kept = password
        .strip_suffix('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line).len());
    if let Some(len) = kept {
        password.truncate(len);
    }
    Ok(password)
}

fn read_body(path: &std::path::Path) -> Result<String, ApiError> {
    let mut body = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut body).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|b| body = b)
    };
    read.map_err(|e| usage(&format!("read {}: {e}", path.display())))?;
    if body.trim().is_empty() {
        return Err(usage("the reply is empty"));
    }
    Ok(body)
}

fn parse<T: std::str::FromStr>(what: &str, value: &str) -> Result<T, ApiError> {
    value
        .parse()
        .map_err(|_| usage(&format!("unknown {what} {value:?}")))
}

/// The flags of `desk set`, as mutations in a fixed order.
/// The flags of `desk set` that choose values.
struct SetFlags {
    status: Option<String>,
    priority: Option<String>,
    category: Option<String>,
    group: Option<String>,
    assignee: Option<String>,
}

fn set_ops(
    id: &str,
    SetFlags {
        status,
        priority,
        category,
        group,
        assignee,
    }: SetFlags,
    claim: bool,
    tags: Vec<String>,
) -> Result<Vec<MutationOp>, ApiError> {
    let ticket_id = || id.to_owned();
    let mut ops = Vec::new();
    if let Some(s) = status {
        ops.push(MutationOp::SetStatus {
            ticket_id: ticket_id(),
            status: parse::<TicketStatus>("status", &s)?,
        });
    }
    if let Some(p) = priority {
        ops.push(MutationOp::SetPriority {
            ticket_id: ticket_id(),
            priority: parse::<Priority>("priority", &p)?,
        });
    }
    if let Some(c) = category {
        ops.push(MutationOp::SetCategory {
            ticket_id: ticket_id(),
            category: parse::<Category>("category", &c)?,
        });
    }
    // Before any assignment, which is then meant for the new team.
    if let Some(g) = group {
        ops.push(MutationOp::SetGroup {
            ticket_id: ticket_id(),
            group: (g != "none").then_some(g),
        });
    }
    if claim {
        ops.push(MutationOp::Claim {
            ticket_id: ticket_id(),
        });
    }
    if let Some(a) = assignee {
        ops.push(MutationOp::Assign {
            ticket_id: ticket_id(),
            assignee_id: (a != "none").then_some(a),
        });
    }
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    for t in tags {
        match (t.strip_prefix('+'), t.strip_prefix('-')) {
            (Some(name), _) if !name.is_empty() => add.push(name.to_owned()),
            (_, Some(name)) if !name.is_empty() => remove.push(name.to_owned()),
            _ => return Err(usage(&format!("--tag {t:?}: write +name or -name"))),
        }
    }
    if !add.is_empty() {
        ops.push(MutationOp::AddTags {
            ticket_id: ticket_id(),
            tags: add,
        });
    }
    if !remove.is_empty() {
        ops.push(MutationOp::RemoveTags {
            ticket_id: ticket_id(),
            tags: remove,
        });
    }
    Ok(ops)
}

fn op_name(op: &MutationOp) -> &'static str {
    match op {
        MutationOp::Reply { .. } => "reply",
        MutationOp::Note { .. } => "note",
        MutationOp::SetStatus { .. } => "status",
        MutationOp::SetPriority { .. } => "priority",
        MutationOp::SetCategory { .. } => "category",
        MutationOp::SetGroup { .. } => "group",
        MutationOp::Claim { .. } => "claim",
        MutationOp::Assign { .. } => "assign",
        MutationOp::AddTags { .. } => "add tags",
        MutationOp::RemoveTags { .. } => "remove tags",
        MutationOp::CreateTicket { .. } => "new ticket",
        MutationOp::DeleteTicket { .. } => "delete",
        MutationOp::RetryDelivery { .. } => "resend",
    }
}

/// What an action verb prints: the mutations made, whether they reached the server now,
/// and where each stands. Offline is not a failure: the work is queued. Nor is a server
/// failing for the moment (its database restarting): reporting the action as failed
/// would have the agent do it again, and the queued one would be sent too.
async fn report_actions(
    client: &Client,
    made: Vec<desk_core::Mutation>,
    json: bool,
) -> Result<(), ApiError> {
    let (sent, answers) = match client.sync().await {
        Ok(report) => (true, report.answers),
        Err(e) if e.is_transient() => (false, Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let outbox = client.outbox()?;
    let states: Vec<serde_json::Value> = made
        .iter()
        .map(|m| {
            let entry = outbox.iter().find(|e| e.mutation.id == m.id);
            let answer = answers.iter().find(|a| a.mutation_id == m.id);
            serde_json::json!({
                "mutation_id": m.id,
                "op": op_name(&m.op),
                "state": entry.map_or("settled", |e| e.state.as_str()),
                "result": answer.map(|a| &a.result).or(entry.and_then(|e| e.result.as_ref())),
            })
        })
        .collect();
    if json {
        print_json(&serde_json::json!({ "sent": sent, "mutations": states }));
    } else {
        for s in &states {
            println!(
                "{} {}: {}",
                s["op"].as_str().unwrap_or("?"),
                s["mutation_id"].as_str().unwrap_or("?"),
                s["state"].as_str().unwrap_or("?")
            );
        }
        if !sent {
            println!(
                "not sent now (offline or the server is failing): queued, sent at the next sync"
            );
        }
    }
    Ok(())
}

/// A sign-in's outcome: the agent as JSON, or a line saying who is signed in where.
fn print_signed_in(account: &desk_sync::Account, json: bool) {
    if json {
        print_json(&account.agent);
    } else {
        println!(
            "signed in as {} <{}> ({}) on {}",
            account.agent.name, account.agent.email, account.agent.role, account.server_url
        );
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn device_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this computer".into());
    format!("desk CLI on {host}")
}

async fn run(cli: Cli) -> Result<ExitCode, ApiError> {
    // The content filters need no profile: they must work on any machine, signed in or not.
    match cli.command {
        Command::Redact => return content::redact(cli.json).map(|()| ExitCode::SUCCESS),
        Command::Sanitize => return content::sanitize(cli.json).map(|()| ExitCode::SUCCESS),
        _ => {}
    }
    let profile = Profile::resolve(cli.home.as_deref(), cli.profile.as_deref())?;
    let client = Client::open(profile, device_name())?;
    client.keep_closed_for(std::time::Duration::from_secs(
        u64::from(cli.keep_closed_days) * 24 * 3600,
    ));
    match cli.command {
        Command::Login {
            server,
            email,
            password_stdin: _,
        } => {
            let password = read_password()?;
            let account = client.sign_in(&server, &email, &password).await?;
            print_signed_in(&account, cli.json);
        }
        Command::AcceptInvitation {
            server,
            email,
            code,
            password_stdin: _,
        } => {
            let password = read_password()?;
            let account = client
                .accept_invitation(&server, &email, &code, &password)
                .await?;
            print_signed_in(&account, cli.json);
        }
        Command::Sync { watch: false } => {
            let printer = progress::Printer::new(cli.json);
            client.on_progress(move |p| printer.show(p));
            let report = client.sync().await?;
            print_report(&report, cli.json);
        }
        Command::Sync { watch: true } => {
            let printer = progress::Printer::new(cli.json);
            client.on_progress(move |p| printer.show(p));
            let client = std::sync::Arc::new(client);
            let wake = std::sync::Arc::new(Wake::default());
            let listener = {
                let (client, wake) = (client.clone(), wake.clone());
                tokio::spawn(async move { client.listen_for_pokes(&wake).await })
            };
            let json = cli.json;
            let watch = run_sync_loop(client, wake, move |result| match result {
                Ok(report) => print_report(report, json),
                Err(e) => {
                    let e = ApiError::from(e);
                    if json {
                        eprintln!("{}", serde_json::to_string(&e).expect("error serializes"));
                    } else {
                        eprintln!("error[{}]: {}", e.code, e.message);
                    }
                }
            });
            tokio::select! {
                _ = watch => {}
                _ = shutdown_signal() => {}
            }
            listener.abort();
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
        Command::Show { id } => {
            let detail = client.open_ticket(&id).await?;
            if cli.json {
                print_json(&detail);
            } else {
                let t = &detail.ticket;
                println!(
                    "#{} {} [{} / {} / {}]",
                    t.number
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "—".into()),
                    t.subject,
                    t.status.as_str(),
                    t.priority.as_str(),
                    t.assignee_id.as_deref().unwrap_or("unassigned")
                );
                if let Some(c) = &detail.customer {
                    println!("customer: {} ({})", c.name, c.tier.as_str());
                }
                if detail.conversation_on_server {
                    println!("(earlier messages are on the server: run again online to see them)");
                }
                let now = now_ms();
                for view in &detail.messages {
                    let m = &view.message;
                    println!(
                        "--- {} {} ({})",
                        m.author.name,
                        m.created_at,
                        m.kind.as_str()
                    );
                    println!("{}", m.body_text);
                    for file in &m.attachments {
                        println!("{}", attachments::line(file));
                    }
                    if let Some(d) = &view.delivery {
                        println!("{}", delivery::line(d, now));
                    }
                }
            }
        }
        Command::Search { query, limit } => {
            // The CLI has no background indexer: catch up before searching.
            while client.index_pending(20_000)? > 0 {}
            let hits = client.search(&SearchQuery {
                text: query,
                limit,
                ..Default::default()
            })?;
            if cli.json {
                print_json(&hits);
            } else {
                for h in hits {
                    let snippet: String = h
                        .snippet
                        .chars()
                        .map(|c| match c {
                            HIGHLIGHT_START | HIGHLIGHT_END => '*',
                            c => c,
                        })
                        .collect();
                    println!("{}  {}  — {}", h.ticket.id, h.ticket.subject, snippet);
                }
            }
        }
        Command::Suggest { id, language } => {
            // As search: the KB documents must be indexed to be found.
            while client.index_pending(20_000)? > 0 {}
            let found = client.suggest_knowledge(&id, &language)?;
            if cli.json {
                print_json(&found);
            } else {
                for a in &found.articles {
                    let url = a.url.as_deref().unwrap_or("");
                    println!(
                        "article  {}  [{}]  {}  {url}",
                        a.article_id, a.language, a.title
                    );
                }
                for m in &found.macros {
                    println!("macro    {}  {}", m.macro_id, m.title);
                }
            }
        }
        Command::Reply {
            id,
            body_file,
            internal,
            attach,
        } => {
            let body = read_body(&body_file)?;
            let m = if attach.is_empty() {
                client.reply(&id, &body, internal)?
            } else {
                client.reply_with_files(&id, &body, attachments::read_files(&attach)?)?
            };
            report_actions(&client, vec![m], cli.json).await?;
        }
        Command::Attachment {
            sha256,
            out,
            ticket,
        } => {
            let written = attachments::fetch(&client, &sha256, ticket.as_deref(), &out).await?;
            if cli.json && out.as_os_str() != "-" {
                print_json(&serde_json::json!({
                    "sha256": sha256,
                    "size": written,
                    "path": out,
                }));
            } else if out.as_os_str() != "-" {
                println!("wrote {written} bytes to {}", out.display());
            }
        }
        Command::Set {
            id,
            status,
            priority,
            category,
            group,
            assignee,
            claim,
            tags,
        } => {
            let flags = SetFlags {
                status,
                priority,
                category,
                group,
                assignee,
            };
            let ops = set_ops(&id, flags, claim, tags)?;
            if ops.is_empty() {
                return Err(usage(
                    "nothing to change: give --status, --priority, --category, --group, --assignee, --claim or --tag",
                ));
            }
            let mut made = Vec::new();
            for op in ops {
                made.push(client.act(op)?);
            }
            report_actions(&client, made, cli.json).await?;
        }
        Command::Presence { id, state } => {
            let others = match state {
                None => client.presence(&id).await?,
                Some(PresenceArg::Leave) => client.announce_presence(&id, None).await?,
                Some(PresenceArg::Viewing) => {
                    client
                        .announce_presence(&id, Some(PresenceState::Viewing))
                        .await?
                }
                Some(PresenceArg::Replying) => {
                    client
                        .announce_presence(&id, Some(PresenceState::Replying))
                        .await?
                }
            };
            if cli.json {
                print_json(&others);
            } else {
                for a in &others {
                    let doing = match a.state {
                        PresenceState::Viewing => "viewing",
                        PresenceState::Replying => "replying",
                    };
                    println!("{} is {doing}", a.agent_name);
                }
            }
        }
        Command::Resend {
            message_id,
            ticket,
            to,
        } => {
            let ticket = match ticket {
                Some(t) => t,
                None => client.message_ticket(&message_id)?.ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::NotFound,
                        format!(
                            "no message {message_id} in the cache: sync first, or name its ticket with --ticket"
                        ),
                    )
                })?,
            };
            let m = client.retry_delivery(&ticket, &message_id, to)?;
            report_actions(&client, vec![m], cli.json).await?;
        }
        Command::Delete { id } => {
            let m = client.act(MutationOp::DeleteTicket { ticket_id: id })?;
            report_actions(&client, vec![m], cli.json).await?;
        }
        Command::Outbox {
            release,
            retry,
            discard,
        } => {
            if let Some(id) = release {
                let m = client.release_held(&id)?;
                report_actions(&client, vec![m], cli.json).await?;
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(id) = retry {
                let m = client.retry_rejected(&id)?;
                report_actions(&client, vec![m], cli.json).await?;
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(id) = discard {
                client.discard(&id)?;
            }
            let entries = client.outbox()?;
            if cli.json {
                print_json(&entries);
            } else if entries.is_empty() {
                println!("nothing queued");
            } else {
                for e in entries {
                    let why = match &e.result {
                        Some(MutationResult::Held { reason }) => format!(" — held: {reason}"),
                        Some(MutationResult::Rejected { code, reason }) => {
                            format!(" — rejected ({code}): {reason}")
                        }
                        _ => String::new(),
                    };
                    println!(
                        "{}  {:<8} {} on {}{why}",
                        e.mutation.id,
                        e.state.as_str(),
                        op_name(&e.mutation.op),
                        e.mutation.op.ticket_id()
                    );
                }
            }
        }
        Command::Logout { wipe } => {
            client.sign_out(wipe).await?;
            if !cli.json {
                println!("signed out{}", if wipe { "; cache deleted" } else { "" });
            }
        }
        Command::Admin { command } => return admin::run(&client, command, cli.json).await,
        Command::Redact | Command::Sanitize => unreachable!("answered before the profile opens"),
    }
    Ok(ExitCode::SUCCESS)
}

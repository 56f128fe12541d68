//! `desk admin …`: agents' accounts and groups for admins, the audit log, macros and KB
//! articles for supervisors, over the server's administration API ([`desk_sync::Client`]'s
//! admin calls). Online only (`group list` aside, read from the cache): offline is
//! `offline`, and a role too low is the server's `forbidden`. `--json` prints what the API
//! answered.
//!
//! `desk admin audit verify` exits 3 when the chain is broken: the check itself worked
//! (its answer is on stdout), and a cron job must tell tampering from a check that could
//! not run (exit 1, `{code, message}` on stderr).

mod agents;
mod groups;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use desk_core::admin::{AuditPage, AuditQuery, AuditRecord};
use desk_core::{ApiError, ErrorCode};
use desk_sync::Client;
use desk_sync::api::AuditFormat;

use self::agents::{AgentCommand, account_id};
use self::groups::GroupCommand;
use crate::{print_json, timestamp, usage};

/// What `desk admin audit verify` exits with when the chain is broken.
const BROKEN_CHAIN: u8 = 3;
/// Rows per request of `desk admin audit --all`: the server's most.
const ALL_PAGE: u32 = 1000;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Every agent's account: email, name, role, groups, languages, skills, capacity,
    /// a pending invitation, disabled (admins).
    Agents,
    /// Add an agent or change one (admins).
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// The audit log, newest first, filtered (supervisors); `verify` checks its hash
    /// chain, `export` writes it as a file.
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        command: Option<AuditCommand>,
        // Boxed here and in `export`: inline, eight optional filters would make every
        // parsed command that large.
        #[command(flatten)]
        filters: Box<AuditFilters>,
        /// Rows to show: 1-1000 (100 when left out); `--before` pages on.
        #[arg(long, conflicts_with = "all")]
        limit: Option<u32>,
        /// Every row the filters select, page after page.
        #[arg(long)]
        all: bool,
    },
    /// The desk's groups (teams): list them from the cache, write or delete one (admins).
    Group {
        #[command(subcommand)]
        command: GroupCommand,
    },
    /// Write or delete a macro (supervisors): `put ID --file macro.json` takes
    /// `{title, bodies: {"zh-CN": …, "en": …}, actions, categories}`.
    Macro {
        #[command(subcommand)]
        command: RecordCommand,
    },
    /// Write or delete a knowledge-base article (supervisors): `put ID --file article.json`
    /// takes `{translations: {"zh-CN": {title, body}}, tags, categories, status}`.
    Kb {
        #[command(subcommand)]
        command: RecordCommand,
    },
}

#[derive(Subcommand)]
pub enum RecordCommand {
    /// Create or replace it from a JSON file (`-` for standard input).
    Put {
        id: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete it: every console drops it at its next pull.
    Delete { id: String },
}

/// The JSON in `path` (`-`: standard input) as `T`; a file that is not one is `bad_request`
/// naming what is wrong.
fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, ApiError> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("read stdin: {e}")))?
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            ApiError::new(
                ErrorCode::BadRequest,
                format!("read {}: {e}", path.display()),
            )
        })?
    };
    serde_json::from_str(&text)
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("{}: {e}", path.display())))
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the whole hash chain: exit 0 when intact, 3 naming the first broken row.
    Verify,
    /// Write the rows the filters select as one file (to standard output without --out).
    Export {
        #[arg(long, value_enum)]
        format: FormatArg,
        #[command(flatten)]
        filters: Box<AuditFilters>,
        /// Rows at most, newest first: up to 100000 (the server's most when left out).
        #[arg(long)]
        limit: Option<u32>,
        /// The file to write; `-` for standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Which rows of the audit log; every filter given must match.
#[derive(Args)]
pub struct AuditFilters {
    /// What this agent did, by email or id (`--actor agent:<id>`); an email is looked up
    /// among the synced agents, or the accounts for an admin.
    #[arg(long, value_name = "EMAIL_OR_ID", conflicts_with = "actor")]
    agent: Option<String>,
    /// Who acted, as the log writes it: agent:<id>, operator:<name>, ingest:<key>, system.
    #[arg(long)]
    actor: Option<String>,
    /// What was done to this ticket, by id (`--subject ticket:<id>`).
    #[arg(long, value_name = "ID", conflicts_with = "subject")]
    ticket: Option<String>,
    /// What a row is about, as the log writes it: ticket:<id>, agent:<id>, device:<id>,
    /// mailbox:<address>.
    #[arg(long)]
    subject: Option<String>,
    /// An action (push.applied), or a family of them ending in a dot (agent.).
    #[arg(long)]
    action: Option<String>,
    /// At or after: RFC 3339 (2025-03-01T08:00:00+08:00; a date alone is midnight UTC) or
    /// milliseconds since the epoch.
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Before: as --since.
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Rows before this seq: the `next_before` of the page before.
    #[arg(long, value_name = "SEQ")]
    before: Option<i64>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// For a spreadsheet (formulas defused by the server).
    Csv,
    /// One JSON object per line, for tools.
    Jsonl,
}

pub async fn run(client: &Client, command: AdminCommand, json: bool) -> Result<ExitCode, ApiError> {
    match command {
        AdminCommand::Macro {
            command: RecordCommand::Put { id, file },
        } => {
            let stored = client.put_macro(&id, &read_json(&file)?).await?;
            if json {
                print_json(&stored);
            } else {
                println!(
                    "macro {} \"{}\" saved ({})",
                    stored.id,
                    stored.title,
                    stored.bodies.keys().cloned().collect::<Vec<_>>().join(", ")
                );
            }
        }
        AdminCommand::Kb {
            command: RecordCommand::Put { id, file },
        } => {
            let stored = client.put_article(&id, &read_json(&file)?).await?;
            if json {
                print_json(&stored);
            } else {
                println!(
                    "article {} saved as {} ({})",
                    stored.id,
                    stored.status,
                    stored
                        .translations
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        AdminCommand::Macro {
            command: RecordCommand::Delete { id },
        } => {
            client.delete_macro(&id).await?;
            if json {
                print_json(&serde_json::json!({ "deleted": id }));
            } else {
                println!("macro {id} deleted");
            }
        }
        AdminCommand::Kb {
            command: RecordCommand::Delete { id },
        } => {
            client.delete_article(&id).await?;
            if json {
                print_json(&serde_json::json!({ "deleted": id }));
            } else {
                println!("article {id} deleted");
            }
        }
        AdminCommand::Agents => agents::list_accounts(client, json).await?,
        AdminCommand::Agent { command } => agents::run(client, command, json).await?,
        AdminCommand::Group { command } => groups::run(client, command, json).await?,
        AdminCommand::Audit {
            command: None,
            filters,
            limit,
            all,
        } => {
            let mut query = audit_query(client, *filters).await?;
            if !all {
                query.limit = limit;
                let page = client.audit_log(&query).await?;
                if json {
                    print_json(&page);
                } else {
                    page.entries.iter().for_each(print_row);
                    if let Some(before) = page.next_before {
                        println!("(older rows: --before {before}, or --all)");
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            query.limit = Some(ALL_PAGE);
            // Shown page by page, so a long log starts at once; one JSON page at the end.
            let mut entries = Vec::new();
            loop {
                let page = client.audit_log(&query).await?;
                if json {
                    entries.extend(page.entries);
                } else {
                    page.entries.iter().for_each(print_row);
                }
                match page.next_before {
                    Some(before) => query.before = Some(before),
                    None => break,
                }
            }
            if json {
                print_json(&AuditPage {
                    entries,
                    next_before: None,
                });
            }
        }
        AdminCommand::Audit {
            command: Some(AuditCommand::Verify),
            ..
        } => {
            let check = client.verify_audit().await?;
            if json {
                print_json(&check);
            } else if check.intact {
                println!("audit log intact: {} rows", check.rows);
            } else {
                println!(
                    "audit log broken at row {}: {} ({} rows)",
                    check.broken_at.map_or("?".into(), |s| s.to_string()),
                    check.reason.as_deref().unwrap_or("no reason given"),
                    check.rows
                );
            }
            if !check.intact {
                return Ok(ExitCode::from(BROKEN_CHAIN));
            }
        }
        AdminCommand::Audit {
            command:
                Some(AuditCommand::Export {
                    format,
                    filters,
                    limit,
                    out,
                }),
            ..
        } => {
            let mut query = audit_query(client, *filters).await?;
            query.limit = limit;
            let format = match format {
                FormatArg::Csv => AuditFormat::Csv,
                FormatArg::Jsonl => AuditFormat::Jsonl,
            };
            let file = client.export_audit(format, &query).await?;
            match out.filter(|p| p.as_os_str() != "-") {
                None => {
                    let mut stdout = std::io::stdout().lock();
                    stdout
                        .write_all(&file)
                        .and_then(|()| stdout.flush())
                        .map_err(|e| {
                            ApiError::new(ErrorCode::Storage, format!("write stdout: {e}"))
                        })?;
                }
                Some(path) => {
                    std::fs::write(&path, &file).map_err(|e| {
                        ApiError::new(ErrorCode::Storage, format!("write {}: {e}", path.display()))
                    })?;
                    if json {
                        print_json(&serde_json::json!({
                            "format": format.as_str(),
                            "size": file.len(),
                            "path": path,
                        }));
                    } else {
                        println!("wrote {} bytes to {}", file.len(), path.display());
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The filters as the API takes them: `--agent` and `--ticket` as the log names them,
/// times as milliseconds.
async fn audit_query(client: &Client, f: AuditFilters) -> Result<AuditQuery, ApiError> {
    let actor = match f.agent {
        Some(agent) => Some(format!("agent:{}", actor_id(client, &agent).await?)),
        None => f.actor,
    };
    let subject = match f.ticket {
        Some(ticket) => {
            let number = ticket.strip_prefix('#').unwrap_or(&ticket);
            if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
                // The cache has no lookup by number (a scan of every ticket would be slow
                // on a big desk), and an id is never all digits: refused, rather than a
                // filter that quietly matches nothing.
                return Err(usage(&format!(
                    "--ticket takes a ticket's id, not its number {ticket}: `desk --json tickets` or `desk --json show` gives it"
                )));
            }
            Some(format!("ticket:{ticket}"))
        }
        None => f.subject,
    };
    let time = |flag: &str, value: Option<String>| {
        value
            .map(|v| {
                timestamp::parse(&v).ok_or_else(|| {
                    usage(&format!(
                        "{flag} {v:?}: give RFC 3339 (2025-03-01T08:00:00+08:00), a date (2025-03-01) or milliseconds since the epoch"
                    ))
                })
            })
            .transpose()
    };
    Ok(AuditQuery {
        actor,
        subject,
        action: f.action,
        since: time("--since", f.since)?,
        until: time("--until", f.until)?,
        before: f.before,
        limit: None,
    })
}

/// The id of the agent `agent` names for `--agent`: an email is looked up among the agents
/// the cache synced (every role reads those), then among the accounts (admins only, but
/// they know an agent added since the last sync).
async fn actor_id(client: &Client, agent: &str) -> Result<String, ApiError> {
    if !agent.contains('@') {
        return Ok(agent.to_owned());
    }
    let email = agent.trim();
    if let Some(a) = client
        .agents()?
        .into_iter()
        .find(|a| a.email.eq_ignore_ascii_case(email))
    {
        return Ok(a.id);
    }
    match account_id(client, email).await {
        Err(e) if e.code == ErrorCode::Forbidden => Err(ApiError::new(
            ErrorCode::NotFound,
            format!(
                "no agent with the email {email} in the cache: `desk sync` first, or give the agent's id"
            ),
        )),
        found => found,
    }
}

/// One row: `12  2025-03-01T00:00:00Z  agent:…  agent.add  agent:…  {"email":…}`.
fn print_row(r: &AuditRecord) {
    println!(
        "{}  {}  {}  {}  {}  {}",
        r.seq,
        timestamp::format(r.at),
        r.actor,
        r.action,
        r.subject,
        r.details
    );
}

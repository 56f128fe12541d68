//! `desk admin agents` and `desk admin agent add|invite|set`: agents' accounts for admins,
//! with their skills and capacity, added with a first password (standard input only) or
//! an invitation whose single-use code is printed once.

use desk_core::admin::{AgentAccount, AgentUpdate, Invitation, NewAgentRequest};
use desk_core::{ApiError, Category, ErrorCode, Role};
use desk_sync::Client;

use clap::{Subcommand, ValueEnum};

use crate::{print_json, read_password, timestamp, usage};

#[derive(Subcommand)]
pub enum AgentCommand {
    /// Add an agent. With --password-stdin, with a first password read from standard input
    /// (never the command line, where shell history and `ps` keep it) that they change
    /// once signed in; without it, with an invitation: its single-use code is printed
    /// once, to hand over securely, and they choose their password with
    /// `desk accept-invitation`.
    Add {
        /// The email they sign in with.
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// A language they answer in (BCP 47: zh-CN, en); repeatable.
        #[arg(long = "language", value_name = "TAG")]
        languages: Vec<String>,
        /// A team they work in (a ticket's group); repeatable.
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// A ticket category they handle (security, dispute, …); repeatable.
        #[arg(long = "skill", value_name = "CATEGORY", value_parser = parse_skill)]
        skills: Vec<Category>,
        /// The most open tickets assigned to them at once (1-500), or `none`.
        #[arg(long, value_name = "N|none", value_parser = parse_capacity)]
        capacity: Option<Capacity>,
        /// A first password from standard input instead of an invitation.
        #[arg(long)]
        password_stdin: bool,
    },
    /// A new invitation for an agent who has not accepted theirs (lost or expired), named
    /// by email or id: the code they had stops working; the new one is printed once.
    Invite {
        /// Their email, or their id.
        agent: String,
    },
    /// Change an agent, named by email or id; what is not given stays as it is.
    Set {
        /// Their email, or their id.
        agent: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
        /// Every language they answer in, comma-separated ("" for none).
        #[arg(long, value_name = "TAGS")]
        languages: Option<String>,
        /// Every team they work in, comma-separated ("" for none).
        #[arg(long, value_name = "GROUPS")]
        groups: Option<String>,
        /// Every ticket category they handle; repeatable (the ones not given are dropped).
        #[arg(long = "skill", value_name = "CATEGORY", value_parser = parse_skill)]
        skills: Vec<Category>,
        /// They handle no category in particular.
        #[arg(long, conflicts_with = "skills")]
        no_skills: bool,
        /// The most open tickets assigned to them at once (1-500), or `none` for no limit.
        #[arg(long, value_name = "N|none", value_parser = parse_capacity)]
        capacity: Option<Capacity>,
        /// Refuse their sign-ins and sign them out on every device.
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        /// Let a disabled agent sign in again.
        #[arg(long)]
        enable: bool,
        /// A new password, read from standard input (they forgot theirs); their devices
        /// stay signed in.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// `--capacity`: a number of open tickets, or none for no limit.
#[derive(Clone, Copy, Debug)]
pub struct Capacity(Option<u32>);

fn parse_capacity(text: &str) -> Result<Capacity, String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(Capacity(None));
    }
    text.trim()
        .parse::<u32>()
        .map(|n| Capacity(Some(n)))
        .map_err(|_| format!("{text:?} is not a number of tickets or `none`"))
}

fn parse_skill(text: &str) -> Result<Category, String> {
    text.trim().parse().map_err(|_| {
        let known: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        format!("{text:?} is not a ticket category: {}", known.join(", "))
    })
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Agent,
    Supervisor,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Agent => Role::Agent,
            RoleArg::Supervisor => Role::Supervisor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// Every agent's account: the API's answer with `--json`, a line each without.
pub(super) async fn list_accounts(client: &Client, json: bool) -> Result<(), ApiError> {
    let accounts = client.agent_accounts().await?;
    if json {
        print_json(&accounts);
    } else {
        for a in &accounts {
            println!("{}", account_line(a));
        }
    }
    Ok(())
}

pub(super) async fn run(
    client: &Client,
    command: AgentCommand,
    json: bool,
) -> Result<(), ApiError> {
    match command {
        AgentCommand::Add {
            email,
            name,
            role,
            languages,
            groups,
            skills,
            capacity,
            password_stdin,
        } => {
            let password = password_from_stdin(password_stdin)?;
            let new = NewAgentRequest {
                email,
                name,
                role: role.into(),
                languages,
                groups,
                skills,
                capacity: capacity.and_then(|c| c.0),
                password,
            };
            let added = client.add_agent(&new).await?;
            if json {
                print_json(&added);
            } else {
                println!("added: {}", account_line(&added.account));
                if let Some(invitation) = &added.invitation {
                    print_invitation(&added.account.agent.email, invitation);
                }
            }
        }
        AgentCommand::Invite { agent } => {
            let accounts = client.agent_accounts().await?;
            let account = find_account(&accounts, &agent)?;
            let invitation = client.reissue_invitation(&account.agent.id).await?;
            if json {
                print_json(&invitation);
            } else {
                print_invitation(&account.agent.email, &invitation);
            }
        }
        AgentCommand::Set {
            agent,
            name,
            role,
            languages,
            groups,
            skills,
            no_skills,
            capacity,
            disable,
            enable,
            password_stdin,
        } => {
            let password = password_from_stdin(password_stdin)?;
            let update = AgentUpdate {
                name,
                role: role.map(Role::from),
                languages: languages.as_deref().map(list),
                groups: groups.as_deref().map(list),
                skills: (no_skills || !skills.is_empty()).then_some(skills),
                capacity: capacity.map(|c| c.0),
                disabled: (disable || enable).then_some(disable),
                password,
            };
            if update.is_empty() {
                return Err(usage(
                    "nothing to change: give --name, --role, --languages, --groups, --skill, --no-skills, --capacity, --disable, --enable or --password-stdin",
                ));
            }
            let id = account_id(client, &agent).await?;
            show_account(&client.update_agent(&id, &update).await?, "updated", json);
        }
    }
    Ok(())
}

/// `bo@desk.test  Bo 波  supervisor  groups: cn-support,vip-desk  languages: zh-CN
/// skills: security  capacity: 20`, then `invited until …` while their invitation is
/// pending, and `disabled` at the end when they are.
fn account_line(a: &AgentAccount) -> String {
    let list = |v: &[String]| {
        if v.is_empty() {
            "—".to_owned()
        } else {
            v.join(",")
        }
    };
    let skills: Vec<String> = a.agent.skills.iter().map(|c| c.to_string()).collect();
    let invited = match (a.invitation_pending, a.invited_until) {
        (false, _) => String::new(),
        (true, Some(until)) => format!("  invited until {}", timestamp::format(until)),
        (true, None) => "  invited, no invitation".to_owned(),
    };
    format!(
        "{}  {}  {}  groups: {}  languages: {}  skills: {}  capacity: {}{}{}",
        a.agent.email,
        a.agent.name,
        a.agent.role,
        list(&a.agent.groups),
        list(&a.agent.languages),
        list(&skills),
        a.agent
            .capacity
            .map_or_else(|| "no limit".to_owned(), |c| c.to_string()),
        invited,
        if a.disabled { "  disabled" } else { "" }
    )
}

/// The code, once, with what to do with it.
fn print_invitation(email: &str, invitation: &Invitation) {
    println!("invitation code: {}", invitation.code);
    println!(
        "valid until {}, once. Hand it to {email} securely (in person or over a channel you trust, not the email it is for); they choose their password with `desk accept-invitation --server URL --email {email} --code CODE --password-stdin`",
        timestamp::format(invitation.expires_at)
    );
}

fn show_account(account: &AgentAccount, done: &str, json: bool) {
    if json {
        print_json(account);
    } else {
        println!("{done}: {}", account_line(account));
    }
}

/// `a, b,,c` as `[a, b, c]`; `""` as none.
fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The account `agent` names, by email or id, among `accounts`.
fn find_account<'a>(
    accounts: &'a [AgentAccount],
    agent: &str,
) -> Result<&'a AgentAccount, ApiError> {
    let agent = agent.trim();
    accounts
        .iter()
        .find(|a| a.agent.id == agent || a.agent.email.eq_ignore_ascii_case(agent))
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no agent {agent}")))
}

/// The id of the agent named by `agent`: an email is looked up among the accounts, any
/// other text is taken for the id (the server says `not_found` if it is not one).
pub(super) async fn account_id(client: &Client, agent: &str) -> Result<String, ApiError> {
    if !agent.contains('@') {
        return Ok(agent.to_owned());
    }
    let accounts = client.agent_accounts().await?;
    accounts
        .into_iter()
        .find(|a| a.agent.email.eq_ignore_ascii_case(agent.trim()))
        .map(|a| a.agent.id)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("no agent with the email {agent}"),
            )
        })
}

/// The password on standard input when `--password-stdin` was given; an empty one is a
/// usage error.
fn password_from_stdin(given: bool) -> Result<Option<String>, ApiError> {
    if !given {
        return Ok(None);
    }
    let password = read_password()?;
    if password.is_empty() {
        return Err(usage("no password on standard input"));
    }
    Ok(Some(password))
}

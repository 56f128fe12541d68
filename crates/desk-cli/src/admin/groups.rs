//! `desk admin group list|put|delete`: the desk's groups (teams), with their names per
//! language. `list` reads the cache (every agent's console holds every group: `desk sync`
//! brings the latest); `put` and `delete` are an admin's, online. A group still in use is
//! not deleted: the server's `conflict` says how many agents and open tickets to move.

use std::path::PathBuf;

use clap::Subcommand;
use desk_core::ApiError;
use desk_sync::Client;

use super::read_json;
use crate::print_json;

#[derive(Subcommand)]
pub enum GroupCommand {
    /// Every group in the cache, by id, with how many synced agents work in it.
    List,
    /// Create or replace a group from a JSON file (`-` for standard input):
    /// `{"names": {"zh-CN": "中文一线", "en": "Chinese tier 1"}, "description": "…"}`. The
    /// id is what tickets and agents carry: lowercase letters, digits, `-`, `_`, `.`.
    Put {
        id: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Delete a group no enabled agent works in and no open ticket is in.
    Delete { id: String },
}

pub async fn run(client: &Client, command: GroupCommand, json: bool) -> Result<(), ApiError> {
    match command {
        GroupCommand::List => {
            let groups = client.groups()?;
            if json {
                print_json(&groups);
                return Ok(());
            }
            let agents = client.agents()?;
            for g in &groups {
                let members = agents.iter().filter(|a| a.groups.contains(&g.id)).count();
                let names: Vec<String> = g
                    .names
                    .iter()
                    .map(|(language, name)| format!("{language}: {name}"))
                    .collect();
                println!("{}  {}  ({members} agents)", g.id, names.join(" · "));
                if let Some(description) = &g.description {
                    println!("    {}", description.replace('\n', "\n    "));
                }
            }
        }
        GroupCommand::Put { id, file } => {
            let stored = client.put_group(&id, &read_json(&file)?).await?;
            if json {
                print_json(&stored);
            } else {
                let names: Vec<&str> = stored.names.values().map(String::as_str).collect();
                println!("group {} \"{}\" saved", stored.id, names.join(" / "));
            }
        }
        GroupCommand::Delete { id } => {
            client.delete_group(&id).await?;
            if json {
                print_json(&serde_json::json!({ "deleted": id }));
            } else {
                println!("group {id} deleted");
            }
        }
    }
    Ok(())
}

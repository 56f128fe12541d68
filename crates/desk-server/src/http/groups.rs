//! Groups written by admins (DESIGN.md §3): the teams tickets go to and agents work in,
//! with a name per language. A write is checked by `desk_core::groups::group_from`, stored
//! with its audit row in one transaction, and reaches every console through the feed,
//! unscoped (every agent names the teams it hands tickets to). A deletion is a record too
//! (`deleted_at`).
//!
//! A group still in use is not deleted: enabled agents working in it or open tickets in
//! it make the answer `409 conflict` naming how many, so the admin moves them first. The
//! check reads before the write, not in its transaction: tickets and agents carry group
//! ids as plain strings, valid with or without a record (a ticket may be moved into a
//! deleted group's id by a console that still offers it), so the check guards a careful
//! admin's mistake, not an invariant.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::put;
use axum::{Json, Router};
use desk_core::Role;
use desk_core::groups::{Group, GroupInput, group_from};
use desk_core::wire::Change;
use serde_json::json;

use super::extract::{ApiJson, AuthedAgent, needs};
use crate::audit::{Actor, AuditEntry};
use crate::error::{Error, Result};
use crate::state::AppState;

pub(super) fn routes(state: &AppState) -> Router<AppState> {
    let admin = |route| needs(state, Role::Admin, route);
    Router::new().route("/groups/{id}", admin(put(put_group).delete(delete_group)))
}

/// The stored group `id`, unless there is none or it was deleted.
async fn current(state: &AppState, id: &str) -> Result<Option<Group>> {
    let Some(text) = state.storage().stored_record("group", id).await? else {
        return Ok(None);
    };
    let group: Group = serde_json::from_str(&text)
        .map_err(|e| Error::Internal(format!("stored group {id} does not decode: {e}")))?;
    Ok(group.deleted_at.is_none().then_some(group))
}

fn by(caller: &AuthedAgent) -> Actor {
    Actor::Agent(caller.agent().id.clone())
}

async fn put_group(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<GroupInput>,
) -> Result<Json<Group>> {
    let now = state.now_ms();
    let group = group_from(&id, input, now).map_err(Error::BadRequest)?;
    let before = current(&state, &id).await?;
    let entry = AuditEntry::new(
        &by(&caller),
        "group.put",
        format!("group:{id}"),
        json!({
            "names": group.names,
            "was": before.as_ref().map(|b| &b.names),
            "created": before.is_none(),
        }),
    );
    state
        .storage()
        .write_audited(vec![Change::Group(group.clone())], vec![entry], now)
        .await?;
    Ok(Json(group))
}

async fn delete_group(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let now = state.now_ms();
    let mut group = current(&state, &id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no group {id:?}")))?;
    let agents = state
        .storage()
        .list_agents()
        .await?
        .into_iter()
        .filter(|a| !a.disabled && a.agent.groups.contains(&id))
        .count();
    let tickets = state.storage().count_open_tickets_in_group(&id).await?;
    if agents > 0 || tickets > 0 {
        return Err(Error::Conflict(format!(
            "group {id} is still used by {agents} enabled agent(s) and {tickets} open ticket(s): move them to another group first"
        )));
    }
    group.deleted_at = Some(now);
    group.updated_at = now;
    let entry = AuditEntry::new(
        &by(&caller),
        "group.delete",
        format!("group:{id}"),
        json!({ "names": group.names }),
    );
    state
        .storage()
        .write_audited(vec![Change::Group(group)], vec![entry], now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

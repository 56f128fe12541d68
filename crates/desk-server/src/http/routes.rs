//! Route handlers: a few lines each, over `auth` and `feed`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use desk_core::Agent;
use desk_core::wire::{
    AcceptInvitationRequest, Health, LoginRequest, PresenceRequest, PullQuery, PushRequest,
    PushResponse, RefreshRequest, SCHEMA_VERSION, TicketConversation, TicketPresence,
    TokenResponse,
};

use super::extract::{ApiJson, ApiQuery, AuthedAgent};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::{auth, feed, presence, push};

pub(super) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        schema_version: SCHEMA_VERSION,
    })
}

pub(super) async fn login(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<TokenResponse>> {
    let result = auth::login(&state, request).await;
    if let Err(e) = &result {
        state.metrics().login_failed(e.code());
    }
    result.map(Json)
}

/// An invited agent chooses their password and is signed in, as by a login.
pub(super) async fn accept_invitation(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<AcceptInvitationRequest>,
) -> Result<Json<TokenResponse>> {
    auth::invitation::accept(&state, request).await.map(Json)
}

pub(super) async fn refresh(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>> {
    auth::refresh(&state, request).await.map(Json)
}

pub(super) async fn logout(
    State(state): State<AppState>,
    caller: AuthedAgent,
) -> Result<StatusCode> {
    auth::logout(&state, &caller.0).await?;
    // A signed-out device is on no ticket any more.
    state.presence().leave(&caller.0.device_id);
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn me(caller: AuthedAgent) -> Json<Agent> {
    Json(caller.0.agent)
}

pub(super) async fn pull(
    State(state): State<AppState>,
    caller: AuthedAgent,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> Result<Json<feed::PullPage>> {
    let response = feed::pull(
        state.storage(),
        state.config(),
        &caller.0,
        query.cursor.as_deref(),
        query.limit,
        query.count.unwrap_or(false),
        query.closed_before,
    )
    .await?;
    state.metrics().pulled(response.changes.len());
    Ok(Json(response))
}

/// A ticket's whole conversation, for a console that evicted it (DESIGN.md §4 Scope).
pub(super) async fn ticket_messages(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(id): Path<String>,
) -> Result<Json<TicketConversation>> {
    // Outside the caller's groups, a ticket is not found, as in its pulls.
    let messages = state
        .storage()
        .ticket_messages(&id, &crate::feed::scope_for(&caller.0))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no ticket {id:?}")))?;
    let deliveries = state.storage().ticket_deliveries(&id).await?;
    Ok(Json(TicketConversation {
        ticket_id: id,
        messages,
        deliveries,
    }))
}

pub(super) async fn push(
    State(state): State<AppState>,
    caller: AuthedAgent,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>> {
    let response = push::push(
        state.storage(),
        state.config(),
        &caller.0,
        state.now_ms(),
        request,
    )
    .await?;
    state
        .metrics()
        .pushed(response.results.iter().map(|a| &a.result));
    Ok(Json(response))
}

/// The caller's device is on a ticket (DESIGN.md §8 presence); answers who is on it now.
/// A refresh of the same ticket skips the existence check, which reads storage.
pub(super) async fn announce_presence(
    State(state): State<AppState>,
    caller: AuthedAgent,
    ApiJson(request): ApiJson<PresenceRequest>,
) -> Result<Json<TicketPresence>> {
    let id = request.ticket_id;
    if id.is_empty() || id.len() > presence::MAX_TICKET_ID_LEN {
        return Err(Error::BadRequest(format!(
            "ticket_id must be 1 to {} bytes",
            presence::MAX_TICKET_ID_LEN
        )));
    }
    let now = state.now_ms();
    let device = &caller.0.device_id;
    if !state.presence().is_on(device, &id, now) {
        // The check keeps unknown ids, and tickets outside the caller's groups, out of
        // the map.
        if !ticket_in_scope(&state, &caller, &id).await? {
            return Err(Error::NotFound(format!("no ticket {id:?}")));
        }
    }
    let ttl = i64::try_from(state.config().presence_ttl.as_millis()).unwrap_or(i64::MAX);
    state
        .presence()
        .announce(device, caller.agent(), &id, request.state, now, ttl);
    let agents = state.presence().on_ticket(&id, now);
    Ok(Json(TicketPresence {
        ticket_id: id,
        agents,
    }))
}

/// The caller's device left the ticket it was on.
pub(super) async fn leave_presence(
    State(state): State<AppState>,
    caller: AuthedAgent,
) -> StatusCode {
    state.presence().leave(&caller.0.device_id);
    StatusCode::NO_CONTENT
}

/// Who is on a ticket now. Unknown ids answer an empty list rather than a storage read:
/// presence is polled every few seconds by every console with the ticket open. A ticket
/// outside the caller's groups answers the same empty list, so who works another group's
/// tickets does not leak. The scope check reads storage only when someone is on the
/// ticket and the caller's own device is not (its announcement passed the same check).
pub(super) async fn ticket_presence(
    State(state): State<AppState>,
    caller: AuthedAgent,
    Path(id): Path<String>,
) -> Result<Json<TicketPresence>> {
    let now = state.now_ms();
    let mut agents = state.presence().on_ticket(&id, now);
    if !agents.is_empty()
        && !state.presence().is_on(&caller.0.device_id, &id, now)
        && !ticket_in_scope(&state, &caller, &id).await?
    {
        agents.clear();
    }
    Ok(Json(TicketPresence {
        ticket_id: id,
        agents,
    }))
}

/// Whether the ticket exists and is in the caller's groups (or they see every group).
async fn ticket_in_scope(state: &AppState, caller: &AuthedAgent, id: &str) -> Result<bool> {
    let scope = crate::feed::scope_for(&caller.0);
    Ok(state.storage().ticket_messages(id, &scope).await?.is_some())
}

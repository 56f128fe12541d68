//! Route handlers: a few lines each, over `auth` and `feed`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use desk_core::Agent;
use desk_core::wire::{
    Health, LoginRequest, PullQuery, PullResponse, PushRequest, PushResponse, RefreshRequest,
    SCHEMA_VERSION, TicketConversation, TokenResponse,
};

use super::extract::{ApiJson, ApiQuery, AuthedAgent};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::{auth, feed, push};

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
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn me(caller: AuthedAgent) -> Json<Agent> {
    Json(caller.0.agent)
}

pub(super) async fn pull(
    State(state): State<AppState>,
    caller: AuthedAgent,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> Result<Json<PullResponse>> {
    let response = feed::pull(
        state.storage(),
        state.config(),
        &caller.0,
        query.cursor.as_deref(),
        query.limit,
        query.count.unwrap_or(false),
    )
    .await?;
    state.metrics().pulled(response.changes.len());
    Ok(Json(response))
}

/// A ticket's whole conversation, for a console that evicted it (DESIGN.md §4 Scope).
pub(super) async fn ticket_messages(
    State(state): State<AppState>,
    _caller: AuthedAgent,
    Path(id): Path<String>,
) -> Result<Json<TicketConversation>> {
    // Every agent sees every ticket for now; scoping lands with `feed::scope_for`.
    let messages = state
        .storage()
        .ticket_messages(&id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no ticket {id:?}")))?;
    Ok(Json(TicketConversation {
        ticket_id: id,
        messages,
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

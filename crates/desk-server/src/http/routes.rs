//! Route handlers: a few lines each, over `auth` and `feed`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use desk_core::Agent;
use desk_core::wire::{
    Health, LoginRequest, PullQuery, PullResponse, PushRequest, PushResponse, RefreshRequest,
    SCHEMA_VERSION, TokenResponse,
};

use super::extract::{ApiJson, ApiQuery, AuthedAgent};
use crate::error::Result;
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

//! `POST /ingest/events` and `POST /ingest/messages`: signed requests from the platform
//! and channel bridges (see [`crate::ingest`]). No access token: the HMAC signature is the
//! credential. The body is read as bytes, because the signature covers it byte for byte.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};

use desk_core::wire::{InboundMessageResponse, IngestEventsResponse};

use crate::error::Result;
use crate::ingest::{self, SignedHeaders, signature};
use crate::state::AppState;

/// The ingestion routes, with their own (smaller) body limit.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ingest/events", post(events))
        .route("/ingest/messages", post(messages))
        .layer(DefaultBodyLimit::max(ingest::BODY_LIMIT))
}

fn signed(headers: &HeaderMap) -> SignedHeaders<'_> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    SignedHeaders {
        timestamp: text(signature::TIMESTAMP_HEADER),
        nonce: text(signature::NONCE_HEADER),
        signature: text(signature::SIGNATURE_HEADER),
    }
}

async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<IngestEventsResponse>> {
    ingest::events(&state, signed(&headers), &body)
        .await
        .map(Json)
}

async fn messages(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<InboundMessageResponse>> {
    ingest::message(&state, signed(&headers), &body)
        .await
        .map(Json)
}

//! Operations endpoints and the per-request observation layer: `/readyz`, the OpenAPI
//! document, `/metrics` (on its own listener, see [`metrics_app`]), and the middleware that
//! gives every request an id, a log span and its metrics.
//!
//! Kept apart from the API routes so that adding a route never touches this file, and
//! this file never touches theirs.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use tracing::Instrument;

use crate::state::AppState;

/// The header that carries a request's id, taken from the client when it sent a sane
/// one (so a proxy's id follows the request through), otherwise made here.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How long `/readyz` waits for the database before calling it unavailable: a probe that
/// hangs is as bad as one that fails, and orchestrators time out around a few seconds.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Routes beside `/healthz`: the readiness probe.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/readyz", get(readyz))
}

/// Routes under the API prefix: the document describing it.
pub(super) fn api_routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi))
}

/// The metrics router, served on its own listener (`metrics_listen`), never on the public
/// port: request counts by route and login failures tell an attacker what works, and
/// operators expect scrape targets to be reachable only from their network.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(super::not_found)
        .with_state(state)
}

async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics().render(state.storage().pool_status());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
        )],
        text,
    )
        .into_response()
}

async fn openapi() -> Response {
    let mut response = axum::Json(super::openapi::document()).into_response();
    // The document only changes with the binary.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

#[derive(Debug, Serialize)]
struct Ready {
    status: &'static str,
    storage: &'static str,
    schema_version: u32,
}

/// 200 when the database answers with the schema this build writes; 503 `unavailable`
/// otherwise, and while shutting down (so a load balancer drains this instance).
async fn readyz(State(state): State<AppState>) -> Response {
    if state.is_closing() {
        return unavailable("the server is shutting down");
    }
    let storage = state.storage();
    let expected = storage.expected_schema_version();
    match tokio::time::timeout(READY_TIMEOUT, storage.schema_version()).await {
        Err(_) => {
            tracing::warn!("readiness: the database did not answer in time");
            unavailable(&format!(
                "the database did not answer within {} s",
                READY_TIMEOUT.as_secs()
            ))
        }
        Ok(Err(e)) => {
            // The detail (host, driver error) is for the operator's log, not the wire.
            tracing::warn!(error = %e, "readiness: the database is not reachable");
            unavailable("the database is not reachable")
        }
        Ok(Ok(found)) if found != expected => unavailable(&format!(
            "the database schema is at version {found}, this server needs {expected}: \
             run `desk-server migrate` with the matching build"
        )),
        Ok(Ok(found)) => axum::Json(Ready {
            status: "ready",
            storage: storage.backend(),
            schema_version: found,
        })
        .into_response(),
    }
}

/// A 503 with the `{code, message}` shape. `unavailable` is not (yet) a desk-core
/// `ErrorCode`: no client branches on it, only probes reading the status.
fn unavailable(message: &str) -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(serde_json::json!({ "code": "unavailable", "message": message })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Gives every request an id, runs it inside a `request` span (method, route template,
/// request id; status and latency recorded at the end) and counts it. Never records
/// headers, query strings or bodies: they carry tokens, passwords and customer text.
pub(super) async fn observe(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    // A route template, so the label set stays bounded whatever paths clients try.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_sane_request_id(id))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let span = tracing::info_span!(
        "request",
        %method,
        %route,
        %request_id,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let in_flight = state.metrics().request_started();
    let mut response = next.run(request).instrument(span.clone()).await;
    drop(in_flight);
    let status = response.status();
    let elapsed = started.elapsed();
    span.record("status", status.as_u16());
    span.record("latency_ms", elapsed.as_secs_f64() * 1000.0);
    state
        .metrics()
        .request_done(method, &route, status.as_u16(), elapsed.as_secs_f64());
    span.in_scope(|| {
        // Probes arrive every few seconds from every orchestrator; keep them out of info.
        if route == "/healthz" || route == "/readyz" {
            tracing::debug!("request finished");
        } else if status.is_server_error() {
            tracing::warn!("request finished");
        } else {
            tracing::info!("request finished");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Up to 64 of `[A-Za-z0-9._-]`: enough for UUIDs and common proxy ids, nothing that could
/// forge a log line or balloon one.
fn is_sane_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_request_ids_are_taken_from_clients() {
        assert!(is_sane_request_id("0190f3c2-7b1a-7cc0-9d2e-5f1e2a3b4c5d"));
        assert!(is_sane_request_id("lb.abc_123"));
        for forged in [
            "",
            "a b",
            "x\"}{\"level\":\"ERROR",
            &"a".repeat(65),
            "id\u{7f}",
        ] {
            assert!(
                !is_sane_request_id(forged),
                "{forged:?} could forge or flood a log line"
            );
        }
    }
}

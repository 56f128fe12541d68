//! The HTTP surface: routes, request limits and the guarantee that every error response is
//! JSON `{code, message}` (handler errors, unknown routes, wrong methods, panics).
//!
//! The only module that knows axum routing. Handlers stay thin: extract, call a
//! transport-neutral function (`auth`, `feed`), serialize.

mod admin;
mod attachments;
pub mod events;
pub mod extract;
mod form;
mod groups;
mod help;
mod ingest;
mod knowledge;
mod openapi;
mod ops;
mod routes;

pub use openapi::document as openapi_document;
pub use ops::{REQUEST_ID, metrics_app};

use std::any::Any;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use desk_core::wire::API_PREFIX;
use desk_core::{ApiError, ErrorCode, Role};
use tower_http::catch_panic::CatchPanicLayer;

use self::extract::needs;
use crate::error::api_error_response;
use crate::state::AppState;

/// The whole HTTP application over `state`.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config().body_limit;
    // Named so its route call stays on one line, where the OpenAPI test reads routes.
    // Every route that takes an access token sits behind the gate of its least role
    // (DESIGN.md §3, `extract::needs`); the OpenAPI document states the same role per
    // operation as `x-desk-role`, and the authorization matrix test holds the two
    // together.
    let s = &state;
    let agent = |route| needs(s, Role::Agent, route);
    let presence = agent(put(routes::announce_presence).delete(routes::leave_presence));
    let api = Router::new()
        .route("/auth/login", post(routes::login))
        .route("/auth/refresh", post(routes::refresh))
        .route("/auth/invitation", post(routes::accept_invitation))
        .route("/auth/logout", agent(post(routes::logout)))
        .route("/me", agent(get(routes::me)))
        .route("/sync/pull", agent(get(routes::pull)))
        .route("/push", agent(post(routes::push)))
        .route(
            "/tickets/{id}/messages",
            agent(get(routes::ticket_messages)),
        )
        .route("/presence", presence)
        .route(
            "/tickets/{id}/presence",
            agent(get(routes::ticket_presence)),
        )
        .route("/events", agent(get(events::events)))
        .merge(attachments::routes(s))
        .merge(admin::routes(s))
        .merge(knowledge::routes(s))
        .merge(groups::routes(s))
        .merge(ingest::routes())
        .merge(ops::api_routes());
    Router::new()
        .route("/healthz", get(routes::healthz))
        .merge(ops::routes())
        .merge(form::routes())
        .merge(help::routes())
        .nest(API_PREFIX, api)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(json_errors))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::observe,
        ))
        .with_state(state)
}

async fn not_found() -> Response {
    api_error_response(ApiError::new(ErrorCode::NotFound, "no such route"))
}

/// Rewrites error responses that axum or a layer produced as text or empty bodies (405,
/// 413 from a layer, ...) into `{code, message}`, keeping their status.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // JSON errors are the API's; HTML ones are the web form's own pages.
    let kept = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html")
        });
    if kept {
        return response;
    }
    let code = match status {
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::CONFLICT => ErrorCode::Conflict,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
        s if s.is_client_error() => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    };
    let message = status.canonical_reason().unwrap_or("error").to_lowercase();
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut rewritten = api_error_response(ApiError::new(code, message));
    *rewritten.status_mut() = status;
    if let Some(allow) = allow {
        rewritten.headers_mut().insert(header::ALLOW, allow);
    }
    rewritten
}

fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic payload");
    tracing::error!(%detail, "request handler panicked");
    let mut response =
        api_error_response(ApiError::new(ErrorCode::Internal, "internal server error"));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.into_response()
}

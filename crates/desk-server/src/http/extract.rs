//! Extractors that answer bad input with the `{code, message}` shape: JSON bodies, query
//! strings, and the authenticated caller.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use desk_core::{Agent, Role};
use serde::de::DeserializeOwned;

use crate::auth::{self, Caller};
use crate::error::{Error, Result};
use crate::state::AppState;

/// A JSON body; malformed → 400 `bad_request`, too large → 413 `payload_too_large`.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection, state.config().body_limit)),
        }
    }
}

fn json_rejection(rejection: JsonRejection, limit: usize) -> Error {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge { limit },
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            Error::BadRequest("expected a body with content-type application/json".into())
        }
        _ => Error::BadRequest(format!("invalid json body: {}", rejection.body_text())),
    }
}

/// A query string; malformed → 400 `bad_request`.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|rejection| {
                Error::BadRequest(format!("invalid query string: {}", rejection.body_text()))
            })
    }
}

/// The agent behind the request's `Authorization: Bearer` access token. Any route that
/// takes this refuses requests without a valid token (401 `unauthorized`).
#[derive(Debug, Clone)]
pub struct AuthedAgent(pub Caller);

impl AuthedAgent {
    pub fn agent(&self) -> &Agent {
        &self.0.agent
    }

    pub fn role(&self) -> Role {
        self.0.role()
    }

    /// 403 `forbidden` unless the caller's role is at least `min`.
    pub fn require_role(&self, min: Role) -> Result<()> {
        self.0.require_role(min)
    }
}

impl FromRequestParts<AppState> for AuthedAgent {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        // The route's gate already authenticated the request (every bearer route has one).
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(Self(caller.clone()));
        }
        let token = bearer_token(parts).ok_or(Error::Unauthorized(
            "an access token is required: Authorization: Bearer <token>",
        ))?;
        auth::authenticate(state, token).await.map(Self)
    }
}

/// `route`'s handlers behind the gate of `least` role. Only the handlers: a method the
/// route does not serve is still answered 405 whoever asks (axum's fallback of the
/// method router stays outside the gate).
pub(super) fn needs(
    state: &AppState,
    least: Role,
    route: axum::routing::MethodRouter<AppState>,
) -> axum::routing::MethodRouter<AppState> {
    route.route_layer(axum::middleware::from_fn_with_state(
        (state.clone(), least),
        gate,
    ))
}

/// The gate in front of every route that needs an access token: authenticates the
/// request and checks the caller's role is at least the route's, before the handler
/// runs, so a refusal never depends on, or reads, the request's body. The caller is left
/// in the request's extensions for the handler's [`AuthedAgent`].
pub async fn gate(
    axum::extract::State((state, least)): axum::extract::State<(AppState, Role)>,
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (mut parts, body) = request.into_parts();
    let caller = match AuthedAgent::from_request_parts(&mut parts, &state).await {
        Ok(AuthedAgent(caller)) => caller,
        Err(e) => return axum::response::IntoResponse::into_response(e),
    };
    if let Err(e) = caller.require_role(least) {
        return axum::response::IntoResponse::into_response(e);
    }
    parts.extensions.insert(caller);
    next.run(Request::from_parts(parts, body)).await
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

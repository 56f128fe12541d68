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
        let token = bearer_token(parts).ok_or(Error::Unauthorized(
            "an access token is required: Authorization: Bearer <token>",
        ))?;
        auth::authenticate(state, token).await.map(Self)
    }
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

//! The server's error type and its mapping to the `{code, message}` wire shape.
//!
//! Every failure a handler can meet is a variant here; [`Error::to_api`] decides what the
//! caller may see. Storage and internal failures are logged in full and answered with a
//! generic message, so no SQL, path or stack detail ever reaches a client. This module
//! must not depend on a storage backend: backends convert their errors into
//! [`Error::Storage`] themselves.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use desk_core::{ApiError, ErrorCode, Role};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed; the text says what was wrong with which input.
    #[error("{0}")]
    BadRequest(String),
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Never says which: the code is wrong, expired or used, or the email has no such one.
    #[error("the invitation code is wrong, expired or already used, or not for this email")]
    InvalidInvitation,
    /// No, an unknown, an expired or a revoked access token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The refresh token is unknown, expired, revoked or was already used.
    #[error("{0}")]
    SessionExpired(&'static str),
    /// The refresh token is a revoked device's.
    #[error("this device was signed out on the server; its local data must be deleted")]
    DeviceRevoked,
    #[error("this action needs the {need} role, the agent has {have}")]
    Forbidden { need: Role, have: Role },
    #[error("the agent account is disabled")]
    AccountDisabled,
    #[error("too many attempts, try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    NotFound(String),
    /// A unique value is already taken, e.g. an agent email.
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The client's cursor is older than the server keeps: it must pull again from zero
    /// (its outbox stays; replays are answered).
    #[error("the cursor is older than the server keeps; pull again from an empty cursor")]
    RebootstrapRequired,
    /// The storage backend failed. `context` says which operation; the source is logged only.
    #[error("storage failed: {context}")]
    Storage {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A bug or an unexpected state; logged in full, shown as a generic message.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn storage(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Storage {
            context: context.into(),
            source: source.into(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest(_) => ErrorCode::BadRequest,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::InvalidInvitation => ErrorCode::InvalidInvitation,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::SessionExpired(_) => ErrorCode::SessionExpired,
            Self::DeviceRevoked => ErrorCode::DeviceRevoked,
            Self::Forbidden { .. } => ErrorCode::Forbidden,
            Self::AccountDisabled => ErrorCode::AccountDisabled,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::RebootstrapRequired => ErrorCode::RebootstrapRequired,
            Self::Storage { .. } if self.is_database_unavailable() => ErrorCode::Unavailable,
            Self::Storage { .. } | Self::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        status_for(self.code())
    }

    /// A storage failure because the database cannot be reached or is restarting, not
    /// because of what was asked: the client should retry, and nothing was written.
    pub fn is_database_unavailable(&self) -> bool {
        let Self::Storage { source, .. } = self else {
            return false;
        };
        crate::storage::postgres::is_unavailable(source.as_ref())
    }

    /// What the caller sees. Internal failures never carry their details.
    pub fn to_api(&self) -> ApiError {
        match self {
            Self::Storage { .. } if self.is_database_unavailable() => ApiError::new(
                ErrorCode::Unavailable,
                "the database is unavailable; nothing was changed, try again shortly",
            ),
            Self::Storage { .. } | Self::Internal(_) => {
                ApiError::new(ErrorCode::Internal, "internal server error")
            }
            other => ApiError::new(other.code(), other.to_string()),
        }
    }
}

/// The HTTP status that goes with each code the server answers.
pub fn status_for(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        // Understood and refused for what it says (a reply asking for a seed phrase).
        ErrorCode::Blocked => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidCredentials
        | ErrorCode::InvalidInvitation
        | ErrorCode::Unauthorized
        | ErrorCode::SessionExpired
        | ErrorCode::DeviceRevoked => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden | ErrorCode::AccountDisabled => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::RebootstrapRequired => StatusCode::GONE,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Offline
        | ErrorCode::UntrustedServer
        | ErrorCode::NotSignedIn
        | ErrorCode::Keyring
        | ErrorCode::Storage
        | ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A JSON `{code, message}` response with the status that goes with the code.
pub fn api_error_response(err: ApiError) -> Response {
    (status_for(err.code), axum::Json(err)).into_response()
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match &self {
            Self::Storage { context, source } => {
                tracing::error!(%context, error = %source, "storage failure");
            }
            Self::Internal(detail) => tracing::error!(%detail, "internal failure"),
            _ => tracing::debug!(code = %self.code(), message = %self, "request refused"),
        }
        let retry_after = match &self {
            Self::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let mut response = api_error_response(self.to_api());
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_never_reach_the_wire() {
        let err = Error::storage("insert ticket", "UNIQUE constraint failed: tickets.secret");
        let api = err.to_api();
        assert_eq!(
            api.code,
            ErrorCode::Internal,
            "a storage failure is internal to the caller"
        );
        assert!(
            !api.message.contains("UNIQUE"),
            "sql text must stay in the logs: {api:?}"
        );
    }

    #[test]
    fn credentials_and_sessions_answer_401() {
        for err in [
            Error::InvalidCredentials,
            Error::InvalidInvitation,
            Error::Unauthorized("x"),
            Error::SessionExpired("x"),
            Error::DeviceRevoked,
        ] {
            assert_eq!(
                err.status(),
                StatusCode::UNAUTHORIZED,
                "{err:?} is an authentication failure"
            );
        }
    }
}

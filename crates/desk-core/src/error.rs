//! The `{code, message}` error shape used across HTTP and IPC.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Machine-readable error codes. Callers (the UI, the CLI, the sync client) branch on the
/// code, never on the message text. Add a code when a caller needs to tell a case apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or parameters are malformed.
    BadRequest,
    /// Wrong email or password.
    InvalidCredentials,
    /// An invitation code that is wrong, expired, already used, or not this email's.
    InvalidInvitation,
    /// No, an expired or a revoked access token.
    Unauthorized,
    /// The refresh token is unknown, expired, revoked or was already used.
    SessionExpired,
    /// The device was revoked (its agent disabled, or its refresh token reused): the client
    /// signs out and deletes its cache, which a revoked device must not keep.
    DeviceRevoked,
    /// The agent's role does not allow this.
    Forbidden,
    /// The agent account is disabled.
    AccountDisabled,
    NotFound,
    Conflict,
    /// Too many attempts; try again later.
    RateLimited,
    /// Refused by a safety rule: a reply that asks the customer for a seed phrase,
    /// private key, password or 2FA code. The message says what to change.
    Blocked,
    PayloadTooLarge,
    /// The client's cursor is older than the server keeps: pull again from zero.
    RebootstrapRequired,
    /// The server is up but its database is not (a restart, an outage): try again shortly;
    /// nothing was changed.
    Unavailable,
    /// The server could not be reached (client side only).
    Offline,
    /// The server's TLS certificate is not trusted by this computer (client side only):
    /// its CA must be installed in the OS trust store or named by `DESK_CA_FILE`. Not
    /// retried as an outage: it does not pass by itself.
    UntrustedServer,
    /// The console has no signed-in agent (client side only).
    NotSignedIn,
    /// The OS keyring refused or is unavailable (client side only).
    Keyring,
    /// The local cache failed (client side only).
    Storage,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidInvitation => "invalid_invitation",
            Self::Unauthorized => "unauthorized",
            Self::SessionExpired => "session_expired",
            Self::DeviceRevoked => "device_revoked",
            Self::Forbidden => "forbidden",
            Self::AccountDisabled => "account_disabled",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::RateLimited => "rate_limited",
            Self::Blocked => "blocked",
            Self::PayloadTooLarge => "payload_too_large",
            Self::RebootstrapRequired => "rebootstrap_required",
            Self::Unavailable => "unavailable",
            Self::Offline => "offline",
            Self::UntrustedServer => "untrusted_server",
            Self::NotSignedIn => "not_signed_in",
            Self::Keyring => "keyring",
            Self::Storage => "storage",
            Self::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error body on the wire, over HTTP and Tauri IPC alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

use desk_core::{ApiError, ErrorCode};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// The server could not be reached or did not answer in time.
    #[error("cannot reach {url}: {source}")]
    Offline {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// A file the cache does not hold, asked for while the server cannot be reached.
    #[error(
        "file {0} is not in the local cache and the server cannot be reached; it opens once the connection is back"
    )]
    FileOffline(String),
    /// The server's TLS certificate is not trusted here (an unknown CA, an expired or a
    /// wrong-name certificate). Not an outage: retrying changes nothing until the CA is
    /// installed or the server's certificate is fixed.
    #[error(
        "the certificate of {url} is not trusted ({detail}); install its CA in the system's \
         trust store or name a PEM bundle in DESK_CA_FILE"
    )]
    Untrusted { url: String, detail: String },
    /// The server answered with an error body.
    #[error("server refused: {0}")]
    Server(ApiError),
    /// The server answered something that is not the wire format.
    #[error("unexpected answer from {url}: {detail}")]
    Protocol { url: String, detail: String },
    #[error("no agent is signed in on this profile")]
    NotSignedIn,
    #[error("os keyring: {0}")]
    Keyring(String),
    #[error("local cache: {0}")]
    Store(#[from] desk_store::Error),
    #[error("{0}")]
    BadInput(String),
    /// A file, or a message's files together, over the limits (`desk_core::attachment`).
    #[error("{0}")]
    TooLarge(String),
    #[error("profile directory {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Offline { .. } | Error::FileOffline(_) => ErrorCode::Offline,
            Error::Untrusted { .. } => ErrorCode::UntrustedServer,
            Error::Server(e) => e.code,
            Error::Protocol { .. } => ErrorCode::Internal,
            Error::NotSignedIn => ErrorCode::NotSignedIn,
            Error::Keyring(_) => ErrorCode::Keyring,
            Error::Store(
                desk_store::Error::TicketNotFound(_)
                | desk_store::Error::CustomerNotFound(_)
                | desk_store::Error::MessageNotFound { .. },
            ) => ErrorCode::NotFound,
            Error::Store(desk_store::Error::BadCursor(_) | desk_store::Error::BadFile(_)) => {
                ErrorCode::BadRequest
            }
            // The rules said no (e.g. an invalid status change): their code, not "storage".
            Error::Store(desk_store::Error::Refused(r)) => r.code,
            Error::Store(
                desk_store::Error::MutationNotFound(_) | desk_store::Error::OutboxState { .. },
            ) => ErrorCode::Conflict,
            Error::Store(_) | Error::Io { .. } => ErrorCode::Storage,
            Error::BadInput(_) => ErrorCode::BadRequest,
            Error::TooLarge(_) => ErrorCode::PayloadTooLarge,
        }
    }

    /// Whether the server (or the network to it) is simply not there right now.
    pub fn is_offline(&self) -> bool {
        matches!(self, Error::Offline { .. } | Error::FileOffline(_))
    }

    /// Whether the failure is of the moment rather than of the request: the server is
    /// unreachable, or reachable but failing inside (`internal`: its database restarting,
    /// say). Queued work stays queued and the next sync sends it, so an action must not be
    /// reported as failed for it: the agent would do it again.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Offline { .. } | Error::FileOffline(_) => true,
            Error::Server(api) => matches!(api.code, ErrorCode::Internal | ErrorCode::Unavailable),
            _ => false,
        }
    }
}

/// The `{code, message}` shown to the agent. Server errors keep the server's message, which
/// is written for people; local failures say what failed without internals.
impl From<&Error> for ApiError {
    fn from(e: &Error) -> Self {
        let message = match e {
            Error::Server(api) => api.message.clone(),
            Error::Offline { url, .. } => format!("cannot reach the server at {url}"),
            other => other.to_string(),
        };
        ApiError::new(e.code(), message)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::from(&e)
    }
}

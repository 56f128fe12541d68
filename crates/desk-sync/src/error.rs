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

    /// Whether a read, or a sync as a whole, failed for the moment rather than for what it
    /// asked: the server is unreachable, or reachable but failing inside (`internal`: its
    /// database restarting, say). A read falls back to the cache, the sync loop backs off,
    /// and a verb does not report queued work as failed (the agent would do it again).
    ///
    /// Not what decides the fate of pushed work: a server failing inside on an action
    /// would leave it queued for ever. That is [`Error::refuses_pushed_actions`].
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Offline { .. } | Error::FileOffline(_) => true,
            Error::Server(api) => matches!(api.code, ErrorCode::Internal | ErrorCode::Unavailable),
            _ => false,
        }
    }

    /// Whether a push (or the upload of a reply's file) that failed this way refuses the
    /// actions it carried: they become `rejected` with this error's `{code, message}`,
    /// shown like any refusal of the server's, for the agent to send again by hand
    /// ([`crate::Client::retry_rejected`]) or discard. A refusal is final, not a retry:
    /// `internal` is one (a server bug answering an action with it would otherwise keep
    /// the action "queued" for ever, retried unseen on every sync), and so are
    /// `bad_request`, `payload_too_large`, `forbidden`, `conflict`, `not_found` and an
    /// answer that is not the wire format.
    ///
    /// The work stays queued, and the error goes back to the caller, only when the action
    /// was never judged:
    /// - the server is out of reach or busy: offline (and an untrusted certificate),
    ///   `unavailable` (a gateway's bare 502/503/504 included, see `api.rs`),
    ///   `rate_limited`;
    /// - the sign-in has to be renewed (`unauthorized` after the one refresh,
    ///   `session_expired`, `device_revoked`, `account_disabled`, `not_signed_in`): not a
    ///   refusal of the action but of the session, and once the agent signs in again the
    ///   queued work goes as they left it;
    /// - a local failure (the cache, the keyring, the profile): nothing was sent.
    ///
    /// Unlike [`Error::is_transient`], `internal` is no reason to wait here: a read that
    /// falls back to the cache loses nothing, an action queued for ever is lost unseen.
    pub fn refuses_pushed_actions(&self) -> bool {
        match self {
            Error::Server(api) => !matches!(
                api.code,
                ErrorCode::Offline
                    | ErrorCode::Unavailable
                    | ErrorCode::RateLimited
                    | ErrorCode::UntrustedServer
                    | ErrorCode::Unauthorized
                    | ErrorCode::SessionExpired
                    | ErrorCode::DeviceRevoked
                    | ErrorCode::AccountDisabled
                    | ErrorCode::NotSignedIn
            ),
            // Another server, or ours answering what is not the wire format.
            Error::Protocol { .. } => true,
            Error::Offline { .. }
            | Error::FileOffline(_)
            | Error::Untrusted { .. }
            | Error::NotSignedIn
            | Error::Keyring(_)
            | Error::Store(_)
            | Error::BadInput(_)
            | Error::TooLarge(_)
            | Error::Io { .. } => false,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: ErrorCode) -> Error {
        Error::Server(ApiError::new(code, "answered"))
    }

    #[test]
    fn a_push_failure_refuses_its_actions_unless_it_is_of_the_moment_or_the_session() {
        for code in [
            ErrorCode::Internal,
            ErrorCode::BadRequest,
            ErrorCode::Forbidden,
            ErrorCode::PayloadTooLarge,
            ErrorCode::Conflict,
            ErrorCode::NotFound,
            ErrorCode::Blocked,
        ] {
            assert!(
                server(code).refuses_pushed_actions(),
                "{code}: the server judged the action, so it is shown as rejected"
            );
        }
        for code in [
            ErrorCode::Unavailable,
            ErrorCode::RateLimited,
            ErrorCode::Unauthorized,
            ErrorCode::SessionExpired,
            ErrorCode::DeviceRevoked,
            ErrorCode::AccountDisabled,
            ErrorCode::NotSignedIn,
        ] {
            assert!(
                !server(code).refuses_pushed_actions(),
                "{code}: the action was never judged, so it stays queued"
            );
        }
        let bad_json = Error::Protocol {
            url: "http://desk.test/api/v1/push".into(),
            detail: "bad json: expected value".into(),
        };
        assert!(
            bad_json.refuses_pushed_actions(),
            "an answer that is not the wire format refuses the action"
        );
        assert!(
            !Error::NotSignedIn.refuses_pushed_actions(),
            "signed out: nothing was sent"
        );
        assert!(
            server(ErrorCode::Internal).is_transient(),
            "reads still fall back to the cache when the server fails inside"
        );
    }
}

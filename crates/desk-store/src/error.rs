use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored record {what} is not valid json: {source}")]
    Corrupt {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("the cache was written by a newer Desk (schema {found}, this build knows {known})")]
    TooNew { found: u32, known: u32 },
    /// A reader opened on a cache its writer has not brought up to date (see
    /// `Store::open_reader`).
    #[error(
        "the cache {path} is at schema {found}, this build's is {known}: open it for writing first"
    )]
    NotMigrated {
        path: String,
        found: u32,
        known: u32,
    },
    #[error("no ticket {0} in the cache")]
    TicketNotFound(String),
    #[error("no message {message} of ticket {ticket} in the cache")]
    MessageNotFound { ticket: String, message: String },
    #[error("no customer {0} in the cache")]
    CustomerNotFound(String),
    #[error("page cursor {0:?} does not belong to this list; start from the first page")]
    BadCursor(String),
    /// An agent action the rules refuse (invalid status transition, claimed ticket, …);
    /// nothing was written.
    #[error("{0}")]
    Refused(#[from] desk_core::apply::Refusal),
    #[error("no mutation {0} in the outbox")]
    MutationNotFound(String),
    #[error("mutation {id} is {state}, so it cannot be {action}")]
    OutboxState {
        id: String,
        state: &'static str,
        action: &'static str,
    },
    /// File bytes that are not the file they are given for, or a reply's file given
    /// without its bytes; nothing was written.
    #[error("{0}")]
    BadFile(String),
    /// The cache is encrypted with another key (the keyring lost or changed it): it
    /// cannot be read, only replaced.
    #[error("the cache {0} cannot be read with the key in the keyring")]
    WrongKey(String),
    #[error("cache file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

//! The crate's errors: what failed and with which input. A password never appears in one.

use thiserror::Error;

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, Error)]
pub enum Error {
    /// A mailbox URL that cannot be used; `url` is shown without its password.
    #[error("mailbox url {url}: {reason}")]
    InvalidUrl { url: String, reason: String },

    // --- parsing inbound mail ---
    #[error("mail is empty")]
    Empty,
    #[error("mail of {size} bytes is larger than the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("mail has more than {limit} MIME parts")]
    TooManyParts { limit: usize },
    #[error("mail nests MIME parts {depth} deep, deeper than the limit of {limit}")]
    TooDeep { depth: usize, limit: usize },
    #[error("attachment {file_name:?} of {size} bytes is larger than the limit of {limit} bytes")]
    AttachmentTooLarge {
        file_name: String,
        size: usize,
        limit: usize,
    },
    #[error("mail has no headers that can be parsed")]
    NotMail,
    #[error("mail has no From address")]
    NoFrom,
    /// The MIME parser failed on this input (a debug assertion of mail-parser's, in a
    /// debug build, on mail corrupt enough); a release build parses on.
    #[error("mail could not be parsed: the mime parser failed on it")]
    ParserFailed,

    // --- composing outbound mail ---
    #[error("outgoing {field} {value:?} is not valid: {reason}")]
    InvalidOutgoing {
        field: &'static str,
        value: String,
        reason: String,
    },

    // --- IMAP ---
    #[error("imap {host}:{port}: cannot connect: {source}")]
    Connect {
        host: String,
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("imap {host}: tls: {reason}")]
    Tls { host: String, reason: String },
    #[error("imap {host}: login as {user:?} refused: {reason}")]
    Login {
        host: String,
        user: String,
        reason: String,
    },
    #[error("imap {host}: {command} failed: {reason}")]
    Imap {
        host: String,
        command: &'static str,
        reason: String,
    },
    #[error("imap {host}: {command} got no answer within {seconds} s")]
    Timeout {
        host: String,
        command: &'static str,
        seconds: u64,
    },
    /// The folder was recreated (its UIDVALIDITY changed): UIDs the caller kept no longer
    /// name the same mails, so it must start over from the new value.
    #[error("imap {host}: folder {folder:?} changed its uidvalidity from {old} to {new}")]
    UidValidityChanged {
        host: String,
        folder: String,
        old: u32,
        new: u32,
    },
}

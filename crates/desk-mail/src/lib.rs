//! The email adapter the server drives: parsing inbound MIME into what a ticket needs
//! ([`parse`]), composing outbound replies ([`compose`]), handing them to an SMTP relay
//! ([`smtp`]) and fetching a mailbox over IMAP ([`imap`]), with mailbox settings given as
//! URLs ([`url`]).
//!
//! It decides nothing about tickets: threading, redaction, sanitizing HTML and the delivery
//! queue are the server's (desk-core's rules), which get plain values from here. It must
//! not depend on axum, on storage or on desk-server; it reads no clock where a caller can
//! pass the time (a composed mail's `Date` comes from the caller).
//!
//! Customer mail is hostile input: [`parse()`] is bounded by [`Limits`] and refuses what it
//! cannot hold with an [`Error`] naming the input, and it never panics.

pub mod compose;
pub mod error;
pub mod imap;
pub mod parse;
pub mod smtp;
pub mod url;

pub use compose::{Outgoing, OutgoingAttachment, build, subject_with_tag, writable_id};
pub use error::{Error, Result};
pub use imap::{Fetched, Folder, ImapSource};
pub use parse::{Address, Limits, MailKind, ParsedAttachment, ParsedMail, parse};
pub use smtp::{SendError, SmtpSender};
pub use url::{MailboxUrl, Scheme};

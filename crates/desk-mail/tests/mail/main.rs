//! desk-mail against real mail and real servers: a corpus of mail shaped as clients and
//! mail servers write it (`tests/corpus/`), mutations of it, composed mail sent through a
//! real SMTP server (aiosmtpd) and read back, and mail fetched from a real IMAP server
//! (Dovecot). The servers come from `testsupport::mail`.

mod corpus;
mod imap;
mod limits;
mod smtp;

use std::path::PathBuf;

use desk_mail::{Limits, ParsedMail};

pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

pub fn corpus(name: &str) -> Vec<u8> {
    let path = corpus_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The corpus mail `name`, parsed with the default limits; panics with the refusal.
pub fn parsed(name: &str) -> ParsedMail {
    desk_mail::parse(&corpus(name), &Limits::default())
        .unwrap_or_else(|e| panic!("{name} should parse: {e}"))
}

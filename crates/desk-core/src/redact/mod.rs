//! The seed-phrase and private-key firewall (DESIGN.md §7): finds wallet secrets in text
//! a customer wrote and replaces each with a marker, before the text is stored, indexed
//! or shown anywhere.
//!
//! What is redacted:
//! - a run of 12 or more BIP-39 words of one wordlist language (all ten; English also by
//!   the words' unique first four letters) separated by white space, commas, `、`, `;`,
//!   line breaks or list numbering (`1.` `1)` `(1)` `1、` `①`), checksum valid or not;
//! - an unbroken run of 12–24 Chinese characters that is a checksum-valid mnemonic with
//!   a cue such as 助记词 or "seed phrase" within about 40 characters;
//! - a checksum-valid WIF key, any extended private key (`xprv`, `yprv`, `zprv`, `tprv`
//!   and the multisig variants), and a 64-digit hex string (or a 51/52-character Base58
//!   string) whose nearest label calls it a private key (私钥, private key, …).
//!
//! What survives: transaction hashes (unlabelled or labelled as a hash), addresses,
//! public keys (`xpub`…) and ordinary prose, including prose full of wordlist words:
//! sentences break runs at their punctuation, and Chinese text is only suspected near a
//! cue and with a valid checksum. See the tests for the prose this was checked against.
//!
//! Pure and deterministic; no I/O. Idempotent: redacting redacted text changes nothing
//! (markers are neither words nor cues, and the passes repeat until nothing is found).
//! A [`Finding`] says what was found and where its marker is, never what the secret was.

mod cues;
mod keys;
mod lexicon;
mod mnemonic;
mod tokens;
mod warning;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::UnknownVariant;

pub use warning::customer_warning;

string_enum!(
    /// What kind of secret a marker replaced.
    SecretKind {
        SeedPhrase = "seed_phrase",
        WifKey = "wif_key",
        ExtendedPrivateKey = "extended_private_key",
        HexPrivateKey = "hex_private_key",
    }
);

impl SecretKind {
    /// The text that replaces a secret of this kind. Language-neutral (agents of every
    /// language read the same conversation), and made of no wordlist run or cue, so
    /// redacting again finds nothing in it.
    pub fn marker(self) -> &'static str {
        match self {
            Self::SeedPhrase => "[REDACTED:seed]",
            Self::WifKey => "[REDACTED:wif]",
            Self::ExtendedPrivateKey => "[REDACTED:xprv]",
            Self::HexPrivateKey => "[REDACTED:hexkey]",
        }
    }
}

/// One redaction: what was there, and where its marker now is (byte offsets into the
/// redacted text). Nothing of the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: SecretKind,
    pub start: usize,
    pub end: usize,
    /// How many words a seed phrase had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<u8>,
}

/// Redacted text and what was taken out of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redacted {
    pub text: String,
    pub findings: Vec<Finding>,
}

impl Redacted {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// Findings counted by kind, in kind order: what the audit log records.
    pub fn counts(&self) -> Vec<(SecretKind, usize)> {
        SecretKind::ALL
            .iter()
            .map(|&k| (k, self.findings.iter().filter(|f| f.kind == k).count()))
            .filter(|&(_, n)| n > 0)
            .collect()
    }
}

/// A secret found in one pass, as a byte range of that pass's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    kind: SecretKind,
    words: Option<u8>,
}

fn find(text: &str) -> Vec<Span> {
    let tokens = tokens::tokenize(text);
    let cues = cues::find(text);
    let mut spans = Vec::new();
    keys::find(&tokens, &cues, &mut spans);
    mnemonic::separated(&tokens, &mut spans);
    mnemonic::unseparated(&tokens, &cues, &mut spans);
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    // Overlaps (a phrase that is a run in two languages) become one span.
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.start < last.end => {
                last.end = last.end.max(s.end);
                last.words = last.words.max(s.words);
            }
            _ => merged.push(s),
        }
    }
    merged
}

/// Passes are repeated until one finds nothing; taking a secret out brings text closer
/// together (a cue nearer to a Chinese run), which a later pass must see as the reader
/// will. In practice the second pass finds nothing; the bound is a guard, and the
/// property tests hold redaction idempotent.
const MAX_PASSES: usize = 4;

/// Whether `text` holds a secret: what `!redact(text).is_clean()` says, without building
/// the redacted text (redaction finds nothing exactly when its first pass does).
pub fn holds_secret(text: &str) -> bool {
    !find(text).is_empty()
}

/// Redacts every secret in `text`.
pub fn redact(text: &str) -> Redacted {
    let mut text = text.to_owned();
    let mut findings: Vec<Finding> = Vec::new();
    for _ in 0..MAX_PASSES {
        let spans = find(&text);
        if spans.is_empty() {
            break;
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut fresh = Vec::with_capacity(spans.len());
        for s in &spans {
            out.push_str(&text[copied..s.start]);
            let marker = s.kind.marker();
            fresh.push(Finding {
                kind: s.kind,
                start: out.len(),
                end: out.len() + marker.len(),
                words: s.words,
            });
            out.push_str(marker);
            copied = s.end;
        }
        out.push_str(&text[copied..]);
        // Earlier markers move by what this pass took out before them (spans never
        // overlap a marker: its brackets end every run and every key).
        for f in &mut findings {
            let shift: isize = spans
                .iter()
                .filter(|s| s.end <= f.start)
                .map(|s| s.kind.marker().len() as isize - (s.end - s.start) as isize)
                .sum();
            f.start = f.start.saturating_add_signed(shift);
            f.end = f.end.saturating_add_signed(shift);
        }
        findings.extend(fresh);
        text = out;
    }
    findings.sort_by_key(|f| f.start);
    Redacted { text, findings }
}

#[cfg(test)]
mod tests;

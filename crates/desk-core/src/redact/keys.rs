//! Private keys: WIF, extended private keys, and 64-digit hex labelled as a private key.
//! Addresses, public keys and transaction hashes look alike and are not secrets: only a
//! checksum, an unambiguous prefix or a label tells a key apart.

use super::cues::Cue;
use super::tokens::{Kind, Token};
use super::{SecretKind, Span};

/// Prefixes of BIP-32 extended private keys (mainnet, testnet, and SLIP-132's segwit
/// variants). The public ones (`xpub`…) are not secrets.
const EXTENDED_PREFIXES: [&str; 10] = [
    "xprv", "yprv", "zprv", "tprv", "uprv", "vprv", "Yprv", "Zprv", "Uprv", "Vprv",
];

/// How far a label may be before a hex key (`私钥：…`, `private key is 0x…`), and after
/// it (`… 是我的私钥`), in bytes.
const LABEL_BEFORE: usize = 48;
const LABEL_AFTER: usize = 24;

fn is_base58(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'))
}

/// A Base58Check WIF private key: version 0x80 (mainnet) or 0xef (testnet), 32 key bytes
/// and, for a compressed key, 0x01.
fn is_wif(text: &str) -> bool {
    if !matches!(text.len(), 51 | 52) || !is_base58(text) {
        return false;
    }
    match bs58::decode(text).with_check(None).into_vec() {
        Ok(payload) => {
            matches!(payload.first(), Some(0x80 | 0xef))
                && (payload.len() == 33 || (payload.len() == 34 && payload[33] == 0x01))
        }
        Err(_) => false,
    }
}

/// An extended private key by its shape. Its checksum is not required: a mistyped xprv is
/// still most of a key, and nothing public starts this way.
fn is_extended_private(text: &str) -> bool {
    (100..=120).contains(&text.len())
        && EXTENDED_PREFIXES.iter().any(|p| text.starts_with(p))
        && is_base58(text)
}

fn is_hex_key_shape(text: &str) -> bool {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    digits.len() == 64 && digits.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether the nearest label around `start..end` says private key. The nearest one wins
/// so that `私钥泄露了吗？交易哈希：<hex>` keeps its hash. A label after the value counts
/// double its distance (labels usually come first); on a tie the key wins.
fn labelled_private(start: usize, end: usize, cues: &[(usize, usize, Cue)]) -> bool {
    let mut nearest: Option<(usize, Cue)> = None;
    for &(s, e, cue) in cues {
        if cue == Cue::Mnemonic {
            continue;
        }
        let distance = if e <= start && start - e <= LABEL_BEFORE {
            start - e
        } else if s >= end && s - end <= LABEL_AFTER {
            (s - end) * 2 + 1
        } else {
            continue;
        };
        let closer = match nearest {
            None => true,
            Some((d, c)) => distance < d || (distance == d && c == Cue::Public),
        };
        if closer {
            nearest = Some((distance, cue));
        }
    }
    nearest.is_some_and(|(_, cue)| cue == Cue::PrivateKey)
}

pub fn find(tokens: &[Token<'_>], cues: &[(usize, usize, Cue)], out: &mut Vec<Span>) {
    for t in tokens {
        if !matches!(t.kind, Kind::Alnum | Kind::Word(_)) || t.text.len() < 51 || !t.text.is_ascii()
        {
            continue;
        }
        let kind = if is_extended_private(t.text) {
            SecretKind::ExtendedPrivateKey
        } else if is_wif(t.text) {
            SecretKind::WifKey
        } else if is_hex_key_shape(t.text) && labelled_private(t.start, t.end, cues) {
            SecretKind::HexPrivateKey
        } else if matches!(t.text.len(), 51 | 52)
            && is_base58(t.text)
            && labelled_private(t.start, t.end, cues)
        {
            // A WIF with a typo is still most of a key when the customer calls it one.
            SecretKind::WifKey
        } else {
            continue;
        };
        out.push(Span {
            start: t.start,
            end: t.end,
            kind,
            words: None,
        });
    }
}

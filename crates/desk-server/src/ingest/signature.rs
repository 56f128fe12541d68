//! Who may ingest: requests signed with HMAC-SHA256 by a configured secret, fresh, and
//! never seen before (the nonce half of that is checked by storage, in the transaction
//! that ingests, so a replay racing the original on another instance is refused too).
//!
//! A sender signs `"{timestamp}.{nonce}.{body}"` (the timestamp and nonce exactly as sent
//! in their headers, the body byte for byte) and sends:
//!
//! ```text
//! X-Desk-Timestamp: 1750118400          (Unix seconds)
//! X-Desk-Nonce: 3f9c0e2a6b5d4c1e8f7a    (16-128 of A-Z a-z 0-9 - _; fresh per request)
//! X-Desk-Signature: v1=<hex hmac>       (several, comma-separated, while rotating)
//! ```

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::{IngestSecret, millis};
use crate::error::{Error, Result};

pub const TIMESTAMP_HEADER: &str = "x-desk-timestamp";
pub const NONCE_HEADER: &str = "x-desk-nonce";
pub const SIGNATURE_HEADER: &str = "x-desk-signature";

const MIN_NONCE_BYTES: usize = 16;
const MAX_NONCE_BYTES: usize = 128;
/// Signatures accepted in one header: a sender mid-rotation signs with old and new.
const MAX_SIGNATURES: usize = 4;

/// The signing headers as received (`None` when absent or not text).
#[derive(Debug, Clone, Copy, Default)]
pub struct SignedHeaders<'a> {
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// A request whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The id of the secret that signed it.
    pub key_id: String,
    pub nonce: String,
    /// Past this time (ms) the timestamp check alone refuses a replay, so the nonce need
    /// not be remembered any longer.
    pub nonce_expires_at: i64,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], timestamp: &str, nonce: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key).expect("hmac accepts any key length");
    for part in [timestamp.as_bytes(), b".", nonce.as_bytes(), b".", body] {
        mac.update(part);
    }
    mac
}

/// The `X-Desk-Signature` value a sender puts on a request (tests and senders' reference).
pub fn sign(key: &[u8], timestamp: &str, nonce: &str, body: &[u8]) -> String {
    let tag = mac(key, timestamp, nonce, body).finalize().into_bytes();
    format!("v1={}", hex::encode(tag))
}

fn refused(why: &'static str) -> Error {
    Error::Unauthorized(why)
}

/// Checks the headers against `body`: the signature by any of `secrets` (compared in
/// constant time), the timestamp within `window` of `now_ms`. Every refusal is
/// `unauthorized`, with a message that names the check but never a secret.
pub fn authenticate(
    secrets: &[IngestSecret],
    window: Duration,
    now_ms: i64,
    headers: SignedHeaders<'_>,
    body: &[u8],
) -> Result<Signed> {
    if secrets.is_empty() {
        return Err(refused("ingestion is not enabled on this server"));
    }
    let malformed = || {
        refused(
            "the X-Desk-Timestamp, X-Desk-Nonce and X-Desk-Signature headers are required and well-formed",
        )
    };
    let timestamp = headers.timestamp.ok_or_else(malformed)?;
    let nonce = headers.nonce.ok_or_else(malformed)?;
    let signature = headers.signature.ok_or_else(malformed)?;
    let seconds: i64 = (!timestamp.is_empty()
        && timestamp.len() <= 12
        && timestamp.bytes().all(|b| b.is_ascii_digit()))
    .then(|| timestamp.parse().ok())
    .flatten()
    .ok_or_else(malformed)?;
    let nonce_ok = (MIN_NONCE_BYTES..=MAX_NONCE_BYTES).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !nonce_ok {
        return Err(malformed());
    }
    let tags: Vec<Vec<u8>> = signature
        .split(',')
        .map(|part| {
            part.trim()
                .strip_prefix("v1=")
                .and_then(|h| hex::decode(h).ok())
        })
        .collect::<Option<_>>()
        .filter(|tags: &Vec<Vec<u8>>| !tags.is_empty() && tags.len() <= MAX_SIGNATURES)
        .ok_or_else(malformed)?;

    let sent_at = seconds.saturating_mul(1000);
    let window = millis(window);
    if sent_at.abs_diff(now_ms) > window.unsigned_abs() {
        return Err(refused(
            "the request timestamp is outside the accepted window; check the sender's clock",
        ));
    }
    for secret in secrets {
        let expected = mac(&secret.key, timestamp, nonce, body);
        // `verify_slice` compares in constant time.
        if tags
            .iter()
            .any(|tag| expected.clone().verify_slice(tag).is_ok())
        {
            return Ok(Signed {
                key_id: secret.id.clone(),
                nonce: nonce.to_owned(),
                nonce_expires_at: sent_at.saturating_add(window),
            });
        }
    }
    Err(refused("the request signature does not match"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_750_118_400_000;

    fn secret(id: &str, key: &str) -> IngestSecret {
        IngestSecret {
            id: id.into(),
            key: key.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_signature_by_any_active_secret_is_accepted_and_named() {
        let secrets = [secret("old", "old-key"), secret("new", "new-key")];
        let nonce = "0123456789abcdef";
        let sig = sign(b"new-key", "1750118400", nonce, b"{}");
        let signed = authenticate(
            &secrets,
            Duration::from_secs(300),
            NOW,
            SignedHeaders {
                timestamp: Some("1750118400"),
                nonce: Some(nonce),
                signature: Some(&format!("v1=00, {sig}")),
            },
            b"{}",
        )
        .expect("signed by an active secret");
        assert_eq!(
            signed.key_id, "new",
            "the audit log names the signing secret"
        );
        assert_eq!(
            signed.nonce_expires_at,
            NOW + 300_000,
            "the nonce is kept as long as the timestamp would be accepted"
        );
    }
}

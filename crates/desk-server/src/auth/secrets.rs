//! Password hashing (argon2id) and opaque tokens (random, stored only as SHA-256).
//!
//! Pure functions: no storage, no HTTP, no clock.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::PasswordCost;
use crate::error::{Error, Result};

/// Longest password accepted, in bytes: longer ones only cost hashing time.
pub const MAX_PASSWORD_BYTES: usize = 1024;

const ACCESS_PREFIX: &str = "desk_at_";
const REFRESH_PREFIX: &str = "desk_rt_";

fn argon2(cost: PasswordCost) -> Result<Argon2<'static>> {
    let params = match cost {
        PasswordCost::Standard => Params::default(),
        PasswordCost::InsecureFastForTests => Params::new(Params::MIN_M_COST, 1, 1, None)
            .map_err(|e| Error::Internal(format!("argon2 test params: {e}")))?,
    };
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A PHC string for `password`. CPU-heavy: call it off the async threads.
pub fn hash_password(password: &str, cost: PasswordCost) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2(cost)?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Internal(format!("hash password: {e}")))
}

/// Whether `password` matches the PHC string. The cost comes from the string itself.
/// A malformed stored hash verifies nothing (and is logged).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored password hash is malformed");
            false
        }
    }
}

/// A fresh access token: 32 random bytes, hex, with a prefix that secret scanners can spot.
pub fn new_access_token() -> String {
    random_token(ACCESS_PREFIX)
}

/// A fresh refresh token, like an access token but with its own prefix.
pub fn new_refresh_token() -> String {
    random_token(REFRESH_PREFIX)
}

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// What the database keeps instead of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not
/// misread; 32 symbols, so a random byte's low five bits pick one evenly.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in an invitation code: 100 random bits, in groups of four.
const CODE_SYMBOLS: usize = 20;
/// Longer typed text is not one of our codes, whatever its spacing.
pub const MAX_CODE_CHARS: usize = 64;

/// A fresh invitation code, as a person reads it: `7KQ2-M9XD-…`, five groups of four.
pub fn new_invitation_code() -> String {
    let mut bytes = [0u8; CODE_SYMBOLS];
    OsRng.fill_bytes(&mut bytes);
    let symbols: Vec<char> = bytes
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(b & 31)] as char)
        .collect();
    symbols
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// What the database keeps instead of an invitation code, from the code as typed: case,
/// spaces and hyphens do not matter, and I, L and O are read as 1, 1 and 0. `None` when
/// the text cannot be a code (no lookup is needed to refuse it).
pub fn invitation_hash(typed: &str) -> Option<String> {
    if typed.chars().count() > MAX_CODE_CHARS {
        return None;
    }
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            other => other,
        })
        .collect();
    let shaped = code.len() == CODE_SYMBOLS && code.bytes().all(|b| CODE_ALPHABET.contains(&b));
    shaped.then(|| token_hash(&format!("invitation:{code}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trips_and_rejects_others() {
        let phc = hash_password("correct horse", PasswordCost::InsecureFastForTests).unwrap();
        assert!(
            phc.starts_with("$argon2id$"),
            "hashes must be argon2id PHC strings: {phc}"
        );
        assert!(
            verify_password("correct horse", &phc),
            "the right password must verify"
        );
        assert!(
            !verify_password("correct horsf", &phc),
            "a wrong password must not verify"
        );
        assert!(
            !verify_password("x", "not a hash"),
            "a malformed hash verifies nothing"
        );
    }

    #[test]
    fn invitation_codes_are_random_and_typed_back_loosely() {
        let code = new_invitation_code();
        assert_eq!(code.len(), 24, "five groups of four: {code}");
        assert_ne!(code, new_invitation_code(), "two codes differ");
        let hash = invitation_hash(&code).expect("a code is one");
        let typed = code.to_lowercase().replace('-', " ").replace('0', "o");
        assert_eq!(
            invitation_hash(&typed),
            Some(hash.clone()),
            "lower case, spaces and an O for a zero name the same code"
        );
        assert!(
            !hash.contains(&code.replace('-', "")),
            "the hash hides the code"
        );
        assert_eq!(invitation_hash("ABCD-EFGH"), None, "too short");
        assert_eq!(invitation_hash(&format!("{code}U")), None, "no U in a code");
        assert_eq!(
            invitation_hash(&"-".repeat(100)),
            None,
            "too long to be typed"
        );
        assert_ne!(
            invitation_hash(&code),
            Some(token_hash(&code.replace('-', ""))),
            "an invitation's hash is not a token's"
        );
    }

    #[test]
    fn tokens_are_random_and_hashes_hide_them() {
        let (a, b) = (new_access_token(), new_access_token());
        assert_ne!(a, b, "two tokens must differ");
        assert_eq!(a.len(), ACCESS_PREFIX.len() + 64, "32 random bytes in hex");
        let hash = token_hash(&a);
        assert_eq!(hash.len(), 64, "sha-256 hex");
        assert!(
            !hash.contains(&a[ACCESS_PREFIX.len()..]),
            "the hash must not contain the token"
        );
        assert!(
            new_refresh_token().starts_with(REFRESH_PREFIX),
            "refresh tokens are told apart"
        );
    }
}

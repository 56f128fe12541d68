//! The refresh token and the cache's encryption key in the OS keyring (Secret Service,
//! Keychain, Credential Manager). Neither is ever written to the cache, a file or a log;
//! the access token lives in memory only.

use crate::profile::{KEYRING_SERVICE, Profile};
use crate::{Error, Result};

/// A secret string that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Self(s)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

fn entry(profile: &Profile) -> Result<keyring::Entry> {
    keyring::Entry::new(KEYRING_SERVICE, &profile.refresh_token_account())
        .map_err(|e| Error::Keyring(e.to_string()))
}

fn cache_key_entry(profile: &Profile) -> Result<keyring::Entry> {
    keyring::Entry::new(KEYRING_SERVICE, &profile.cache_key_account())
        .map_err(|e| Error::Keyring(e.to_string()))
}

/// The profile's cache key; `None` when the keyring has none (a new profile, or a keyring
/// that was reset). An entry that is not a key counts as none: the cache cannot be opened
/// with it either way.
pub fn load_cache_key(profile: &Profile) -> Result<Option<desk_store::CacheKey>> {
    match cache_key_entry(profile)?.get_password() {
        Ok(hex) => Ok(desk_store::CacheKey::from_hex(&hex)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(Error::Keyring(e.to_string())),
    }
}

pub fn store_cache_key(profile: &Profile, key: &desk_store::CacheKey) -> Result<()> {
    cache_key_entry(profile)?
        .set_password(&key.to_hex())
        .map_err(|e| Error::Keyring(e.to_string()))
}

pub fn delete_cache_key(profile: &Profile) -> Result<()> {
    match cache_key_entry(profile)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(Error::Keyring(e.to_string())),
    }
}

pub fn load_refresh_token(profile: &Profile) -> Result<Option<Secret>> {
    match entry(profile)?.get_password() {
        Ok(s) => Ok(Some(Secret(s))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(Error::Keyring(e.to_string())),
    }
}

pub fn store_refresh_token(profile: &Profile, token: &Secret) -> Result<()> {
    entry(profile)?
        .set_password(token.expose())
        .map_err(|e| Error::Keyring(e.to_string()))
}

pub fn delete_refresh_token(profile: &Profile) -> Result<()> {
    match entry(profile)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(Error::Keyring(e.to_string())),
    }
}

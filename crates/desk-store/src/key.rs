//! The cache's encryption key (DESIGN.md §7: agents' laptops hold customers' data). The
//! cache is a SQLCipher database: every page, the WAL included, is encrypted with a random
//! 256-bit key that lives in the OS keyring (desk-sync keeps it there), never on disk.
//!
//! The key is given to SQLCipher raw (`x'…'`), so no passphrase derivation runs: it is
//! already uniformly random.

use std::path::Path;

use rusqlite::Connection;

use crate::{Error, Result};

/// The cache's page size, part of its file format (a cache opens only with the size it was
/// written with). SQLite's 4 KiB: 16 KiB pages made the 1M-ticket bootstrap 11% faster
/// (fewer pages to encrypt and check) but search 4–6 times slower, every random read
/// decrypting four times the bytes (BENCHMARKS.md, store), and search is what agents wait
/// on all day.
const PAGE_SIZE: u32 = 4096;

/// A cache key. Never printed (its `Debug` hides it) and wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// A fresh key from the OS's random source.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the OS random source is available");
        Self(key)
    }

    /// The key as the keyring keeps it: 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn from_hex(hex: &str) -> Option<Self> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(key))
    }

    /// The key as SQLCipher takes a raw key (no passphrase derivation).
    fn sqlcipher_literal(&self) -> String {
        format!("x'{}'", self.to_hex())
    }

    /// Gives the key to a connection; must be its first statement.
    pub(crate) fn apply(&self, conn: &Connection) -> Result<()> {
        // SQLCipher would log a failed page check to stderr; the caller reports a wrong key
        // itself, as an error the agent can act on.
        let _ = conn.pragma_update(None, "cipher_log_level", "NONE");
        conn.pragma_update(None, "key", self.sqlcipher_literal())?;
        conn.pragma_update(None, "cipher_page_size", PAGE_SIZE)?;
        Ok(())
    }
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(…)")
    }
}

impl Drop for CacheKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// What a cache file is, read from its first bytes without opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheFile {
    /// No file (or an empty one): a new cache.
    Missing,
    /// A plain SQLite database: a cache written before encryption.
    Plaintext,
    /// Anything else: encrypted (SQLCipher files look random from byte 0).
    Encrypted,
}

pub fn inspect(path: &Path) -> Result<CacheFile> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CacheFile::Missing),
        Err(source) => {
            return Err(Error::Io {
                path: path.display().to_string(),
                source,
            });
        }
    };
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(source) => {
                return Err(Error::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        }
    }
    Ok(match read {
        0 => CacheFile::Missing,
        _ if &header[..read] == b"SQLite format 3\0" => CacheFile::Plaintext,
        _ => CacheFile::Encrypted,
    })
}

/// Rewrites a plaintext cache as an encrypted one with `key`, keeping every row (the
/// outbox above all) and the schema version: the file is exported to a sibling and
/// renamed over the original only once the copy is complete and synced, so a crash
/// midway leaves the plaintext cache as it was.
pub(crate) fn encrypt_plaintext(path: &Path, key: &CacheKey) -> Result<()> {
    let io = |p: &Path, source| Error::Io {
        path: p.display().to_string(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".encrypting");
    let tmp = std::path::PathBuf::from(tmp);
    crate::remove_cache_files(&tmp)?;
    {
        let conn = Connection::open(path)?;
        // Fold the WAL into the file first: the export reads the database as a whole.
        conn.pragma_update(None, "journal_mode", "DELETE")?;
        let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            [
                tmp.to_string_lossy().as_ref(),
                key.sqlcipher_literal().as_str(),
            ],
        )?;
        conn.pragma_update(Some("encrypted"), "cipher_page_size", PAGE_SIZE)?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        // The export copies schema and rows, not the header's schema version.
        conn.pragma_update(Some("encrypted"), "user_version", version)?;
        conn.execute_batch("DETACH DATABASE encrypted")?;
    }
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io(path, e))?;
    if let Some(dir) = path.parent() {
        // The rename itself must reach the disk before the plaintext is gone for good.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    crate::remove_cache_files(&tmp)?;
    Ok(())
}

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

/// How a cache's pages are checked (SQLCipher's HMAC of every page), part of its file
/// format like the page size. A bootstrap encrypts and checks each of the hundreds of MB it
/// writes, and SHA-256, which x86 and ARM CPUs compute in hardware, runs three times as fast
/// as SQLCipher 4's default SHA-512 here (1.6 against 0.55 GB/s, `openssl speed`): about
/// 1 s less for 100k tickets and 1M messages (BENCHMARKS.md, sync). Either is far beyond
/// what telling a tampered or torn page needs. Caches made before keep SHA-512.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageCheck {
    Sha256,
    Sha512,
}

impl PageCheck {
    /// The formats a cache may be in, the current one first: a new cache gets it, an
    /// existing one opens with the first that reads it.
    pub(crate) const ALL: [PageCheck; 2] = [PageCheck::Sha256, PageCheck::Sha512];

    fn pragma(self) -> &'static str {
        match self {
            PageCheck::Sha256 => "HMAC_SHA256",
            PageCheck::Sha512 => "HMAC_SHA512",
        }
    }
}

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

    /// Gives the key to a connection, for a cache in the `check` format; must be its
    /// first statement.
    fn apply(&self, conn: &Connection, check: PageCheck) -> Result<()> {
        // SQLCipher would log a failed page check to stderr; the caller reports a wrong key
        // itself, as an error the agent can act on.
        let _ = conn.pragma_update(None, "cipher_log_level", "NONE");
        conn.pragma_update(None, "key", self.sqlcipher_literal())?;
        conn.pragma_update(None, "cipher_page_size", PAGE_SIZE)?;
        conn.pragma_update(None, "cipher_hmac_algorithm", check.pragma())?;
        Ok(())
    }
}

/// Opens the encrypted cache at `path` (creating it, in the current format, if there is
/// none) in whichever [`PageCheck`] format it was written. `Error::WrongKey` when `key`
/// reads it in none: nothing is written to a file no attempt could read.
pub(crate) fn open(path: &Path, key: &CacheKey) -> Result<Connection> {
    for check in PageCheck::ALL {
        let conn = Connection::open(path)?;
        key.apply(&conn, check)?;
        // The key is only checked when a page is first read: read one now, so a wrong
        // key (or format) is told apart from every later failure.
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())) {
            Ok(()) => return Ok(conn),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::WrongKey(path.display().to_string()))
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
        conn.pragma_update(
            Some("encrypted"),
            "cipher_hmac_algorithm",
            PageCheck::ALL[0].pragma(),
        )?;
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

//! Desk's local cache: the SQLite file an agent's console works from, online or not.
//!
//! It holds the server's confirmed records (tickets, messages, customers, wallet
//! transactions, agents), the sync cursor and the account the cache belongs to, and answers
//! the console's views as indexed queries. WAL with `synchronous=FULL`: a write the console
//! acknowledged survives a power cut. One writer: callers own the [`Store`] exclusively.
//!
//! It knows nothing of HTTP, the keyring or Tauri, and nothing secret is ever written here
//! (no tokens, no passwords): the sync client keeps those in the OS keyring, with the
//! cache's own encryption key ([`CacheKey`]): the file, its WAL included, is SQLCipher.

mod catalog;
mod deliveries;
mod derived;
mod error;
mod files;
mod key;
mod local;
pub mod migrations;
mod records;
mod search;
mod views;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

pub use catalog::body_for;
pub use error::{Error, Result};
pub use files::FileToUpload;
pub use key::{CacheFile, CacheKey, inspect as inspect_cache_file};
pub use local::{CLIENT_ID_KEY, LAST_SEQ_KEY};
pub use records::CURSOR_KEY;
pub use views::ViewQuery;

/// The file name of the cache inside a profile directory.
pub const CACHE_FILE: &str = "cache.sqlite3";

/// The page cache of a cache's connection, in KiB (negative: SQLite's unit).
pub(crate) const CACHE_KIB: i64 = -32768;

/// An open cache. Not `Sync`: wrap it in a mutex to share it.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) an unencrypted cache at `path` and brings its schema up
    /// to date: for tools, tests and benchmarks of the store itself. The console and the
    /// CLI open theirs with [`Store::open_encrypted`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_inner(path.as_ref(), None)
    }

    /// Opens (creating if needed) the cache at `path`, encrypted with `key`. A cache written
    /// before encryption is encrypted in place first, keeping everything in it. A cache
    /// this key does not open answers [`Error::WrongKey`] and is left untouched.
    pub fn open_encrypted(path: impl AsRef<Path>, key: &CacheKey) -> Result<Self> {
        let path = path.as_ref();
        if key::inspect(path)? == CacheFile::Plaintext {
            key::encrypt_plaintext(path, key)?;
        }
        Self::open_inner(path, Some(key))
    }

    fn open_inner(path: &Path, key: Option<&CacheKey>) -> Result<Self> {
        let path = path.to_path_buf();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut conn = match key {
            Some(key) => key::open(&path, key)?,
            None => Connection::open(&path)?,
        };
        // WAL lets readers run beside the one writer; FULL makes each commit durable, which
        // a queued reply needs (DESIGN.md §5). busy_timeout covers a second process (the
        // CLI) touching the same profile for a moment.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Triggers (tags, the search queue) make SQLite keep a statement journal per write;
        // in memory it costs little, on a temp file it halves bulk-apply throughput.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // 32 MiB of page cache (negative = KiB): views and search at 1M tickets read far
        // more than the 2 MiB default holds.
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if (derived::SINCE_VERSION..migrations::LATEST).contains(&version) {
            // A bulk load cut short by an older build: restore what it deferred, so the
            // migration steps meet the schema they were written against.
            derived::finish_all(&mut conn)?;
        }
        migrations::migrate(&mut conn)?;
        Ok(Self { conn, path })
    }

    /// A second connection to the cache at `path` that only reads: the console's views,
    /// counts and ticket detail answer from it while the one writer applies a pull or
    /// indexes for search, instead of waiting for it (WAL readers never wait on the writer).
    /// The writer must have opened (and so migrated) the file first; a write through this
    /// connection fails (`query_only`). Hold none open during a bulk load: leaving WAL for
    /// the load's faster journal needs the writer to be the only connection.
    pub fn open_reader(path: impl AsRef<Path>, key: Option<&CacheKey>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let conn = match key {
            Some(key) => key::open(&path, key)?,
            None => Connection::open(&path)?,
        };
        conn.pragma_update(None, "query_only", "ON")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version != migrations::LATEST {
            return Err(Error::NotMigrated {
                path: path.display().to_string(),
                found: version,
                known: migrations::LATEST,
            });
        }
        Ok(Self { conn, path })
    }

    /// An in-memory cache, for tests of code above the store.
    pub fn open_in_memory() -> Result<Self> {
        let mut conn = Connection::open_in_memory()?;
        migrations::migrate(&mut conn)?;
        Ok(Self {
            conn,
            path: PathBuf::from(":memory:"),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads a small piece of sync state (cursor, account, last sync time).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, v],
            )?,
            None => self
                .conn
                .execute("DELETE FROM meta WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    /// Ends a bootstrap's bulk load: builds the inbox's indexes and the derived state it
    /// deferred (see [`Store::apply_pull_page`]); the secondary indexes are left to
    /// [`Store::build_next_deferred_index`]. Call it when a pull ends, successfully or not;
    /// without a bulk load in progress it does nothing.
    pub fn finish_bulk_load(&mut self) -> Result<()> {
        derived::finish(&mut self.conn)
    }

    /// Builds the next index a finished bootstrap left for after the inbox showed, in a
    /// transaction of its own; returns whether it built one. [`Store::index_pending`]
    /// does this before any search work, so the background indexer builds them all.
    pub fn build_next_deferred_index(&mut self) -> Result<bool> {
        derived::build_next_background(&mut self.conn)
    }

    /// Whether a bootstrap's bulk load is in progress: views are correct meanwhile, but
    /// answer without their indexes.
    pub fn bulk_load_in_progress(&self) -> Result<bool> {
        derived::in_progress(&self.conn)
    }

    /// Forgets every cached server record, the cursor and the other sync state, keeping
    /// the file. Used when the cache is about to hold a different account's data, so one
    /// agent never sees another's server data. The outbox, its client id and sequence
    /// survive (DESIGN.md §4: queued work outlives re-login and re-bootstrap) and stay
    /// shown; each mutation names its agent, so it is only ever pushed as that agent.
    pub fn clear(&mut self) -> Result<()> {
        local::clear(&mut self.conn, false)
    }

    /// [`Store::clear`] and the outbox too: sign-out with wipe. Queued work is lost.
    pub fn clear_all_including_outbox(&mut self) -> Result<()> {
        local::clear(&mut self.conn, true)
    }
}

/// Deletes a cache file and its companions: WAL, shared memory, rollback journal.
pub fn remove_cache_files(path: &Path) -> Result<()> {
    // The rollback journal a bulk load writes with (derived.rs) goes too, and after the
    // file: SQLite deletes a journal it finds beside an empty database, never rolls it in.
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(Error::Io {
                    path: PathBuf::from(p).display().to_string(),
                    source,
                });
            }
        }
    }
    Ok(())
}

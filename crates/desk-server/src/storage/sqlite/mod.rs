//! The embedded SQLite backend: one file in WAL mode, one writer connection behind a mutex,
//! a small pool of read-only connections, every call on tokio's blocking pool.
//!
//! SQL lives in this module and its children only; callers see the [`Storage`] trait.
//! Must not depend on HTTP.

mod accounts;
mod audit;
mod delivery;
mod ingest;
mod invitations;
mod push;
mod records;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use desk_core::Agent;
use desk_core::wire::Change;
use rusqlite::{Connection, OpenFlags};

use super::{
    AcceptOutcome, Acceptance, AgentPatch, AgentRecord, FeedPage, IngestBatch, IngestReceipt,
    LoginInfo, NewAgent, NewDevice, NewInvitation, PoolStatus, PushBatch, PushReceipt,
    RotateOutcome, Rotation, Session, Storage, WriteReceipt,
};
use super::{Blob, ClaimedDelivery, NewBlob, Settlement};
use crate::audit::{Actor, AuditFilter, AuditHead, AuditRow};
use crate::error::{Error, Result};
use crate::feed::{FeedPosition, Scope};

pub use schema::LATEST as SCHEMA_VERSION;

/// The database file inside a data directory.
pub const DB_FILE_NAME: &str = "desk.sqlite3";

/// Reads running at once, each on its own connection, kept open between reads. More would
/// not read faster on a few cores: every extra one is a blocking thread with its own page
/// cache and allocator arena, and a connection opened and closed per read under load. A
/// read beyond these waits its turn on the async side, which costs nothing.
const MAX_READERS: usize = 8;

#[derive(Clone)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// One permit per read in flight ([`MAX_READERS`]).
    reading: tokio::sync::Semaphore,
    /// Poked after each commit that moved the feed. One process owns the file, so its own
    /// writes are all there is to hear about.
    feed_moved: tokio::sync::watch::Sender<()>,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// Attaches an operation's name to a SQLite error.
pub(crate) trait Ctx<T> {
    fn ctx(self, what: &str) -> Result<T>;
}

impl<T> Ctx<T> for rusqlite::Result<T> {
    fn ctx(self, what: &str) -> Result<T> {
        self.map_err(|e| Error::storage(what, e))
    }
}

impl SqliteStorage {
    /// Creates `dir` if needed and opens (creating, migrating) `dir/desk.sqlite3`.
    pub fn open_in_dir(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::storage(format!("create data directory {}", dir.display()), e))?;
        Self::open(&dir.join(DB_FILE_NAME))
    }

    /// Opens (creating, migrating) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let mut writer = Connection::open(path)
            .map_err(|e| Error::storage(format!("open database {}", path.display()), e))?;
        configure(&writer, false)?;
        schema::migrate(&mut writer)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                reading: tokio::sync::Semaphore::new(MAX_READERS),
                feed_moved: tokio::sync::watch::Sender::new(()),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on the writer connection, off the async threads.
    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            // A poisoned lock only means another write panicked mid-call; its transaction
            // was rolled back when its guard dropped, so the connection is still sound.
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
    }

    /// [`Self::write`] for a write that moves the feed: pokes listeners once it committed.
    async fn write_feed<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let value = self.write(f).await?;
        self.inner.feed_moved.send_replace(());
        Ok(value)
    }

    /// Runs `f` on a read-only connection, off the async threads.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        let _permit = self
            .inner
            .reading
            .acquire()
            .await
            .map_err(|_| Error::Internal("the storage is closed".into()))?;
        run_blocking(move || {
            let pooled = inner
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop();
            let mut conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&inner.path)?,
            };
            let result = f(&mut conn);
            let mut idle = inner.readers.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < MAX_READERS && conn.is_autocommit() {
                idle.push(conn);
            }
            result
        })
        .await
    }
}

async fn run_blocking<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("storage task failed: {e}")))?
}

fn open_reader(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| Error::storage(format!("open reader {}", path.display()), e))?;
    configure(&conn, true)?;
    Ok(conn)
}

fn configure(conn: &Connection, read_only: bool) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .ctx("set busy timeout")?;
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")
            .ctx("enable WAL")?;
        // The server holds the truth: an acknowledged write must survive a power cut.
        conn.pragma_update(None, "synchronous", "FULL")
            .ctx("set synchronous")?;
    }
    conn.pragma_update(None, "foreign_keys", true)
        .ctx("enable foreign keys")?;
    Ok(())
}

#[async_trait]
impl Storage for SqliteStorage {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn create_agent(&self, new: NewAgent, now: i64) -> Result<Agent> {
        self.write_feed(move |conn| accounts::create_agent(conn, new, now))
            .await
    }

    async fn set_agent_password(
        &self,
        email: &str,
        password_hash: String,
        now: i64,
        by: &Actor,
    ) -> Result<Agent> {
        let (email, by) = (email.to_owned(), by.clone());
        self.write(move |conn| accounts::set_agent_password(conn, &email, &password_hash, now, &by))
            .await
    }

    async fn update_agent(
        &self,
        email: &str,
        patch: AgentPatch,
        now: i64,
        by: &Actor,
    ) -> Result<Agent> {
        let (email, by) = (email.to_owned(), by.clone());
        self.write_feed(move |conn| accounts::update_agent(conn, &email, &patch, now, &by))
            .await
    }

    async fn set_agent_disabled(
        &self,
        email: &str,
        disabled: bool,
        now: i64,
        by: &Actor,
    ) -> Result<()> {
        let (email, by) = (email.to_owned(), by.clone());
        self.write(move |conn| accounts::set_agent_disabled(conn, &email, disabled, now, &by))
            .await
    }

    async fn list_agents(&self) -> Result<Vec<AgentRecord>> {
        self.read(|conn| accounts::list_agents(conn)).await
    }

    async fn login_info(&self, email: &str) -> Result<Option<LoginInfo>> {
        let email = email.to_owned();
        self.read(move |conn| accounts::login_info(conn, &email))
            .await
    }

    async fn issue_invitation(
        &self,
        agent_id: &str,
        invitation: NewInvitation,
        now: i64,
        by: &Actor,
    ) -> Result<Agent> {
        let (agent_id, by) = (agent_id.to_owned(), by.clone());
        self.write(move |conn| invitations::issue(conn, &agent_id, &invitation, now, &by))
            .await
    }

    async fn accept_invitation(&self, acceptance: Acceptance) -> Result<AcceptOutcome> {
        self.write(move |conn| invitations::accept(conn, &acceptance))
            .await
    }

    async fn create_device(&self, new: NewDevice) -> Result<()> {
        self.write(move |conn| accounts::create_device(conn, new))
            .await
    }

    async fn rotate_refresh(&self, rotation: Rotation) -> Result<RotateOutcome> {
        self.write(move |conn| accounts::rotate_refresh(conn, rotation))
            .await
    }

    async fn session_for_access(&self, access_hash: &str, now: i64) -> Result<Option<Session>> {
        let hash = access_hash.to_owned();
        let found = self
            .read(move |conn| accounts::session_for_access(conn, &hash, now))
            .await?;
        let Some((session, last_used_at, used)) = found else {
            return Ok(None);
        };
        if !used {
            // Once per token: its first use closes the retry of the rotation that made it.
            let hash = access_hash.to_owned();
            self.write(move |conn| accounts::mark_access_used(conn, &hash))
                .await?;
        }
        // Keep `last_used_at` roughly current without a write on every request.
        if now - last_used_at > accounts::LAST_USED_GRANULARITY_MS {
            let device_id = session.device_id.clone();
            self.write(move |conn| accounts::touch_device(conn, &device_id, now))
                .await?;
        }
        Ok(Some(session))
    }

    async fn revoke_device(&self, device_id: &str, now: i64, by: &Actor) -> Result<()> {
        let (device_id, by) = (device_id.to_owned(), by.clone());
        self.write(move |conn| accounts::revoke_device(conn, &device_id, now, &by))
            .await
    }

    async fn write_records(&self, records: Vec<Change>) -> Result<WriteReceipt> {
        self.write_feed(move |conn| records::write_records(conn, records))
            .await
    }

    async fn ticket_deliveries(&self, ticket_id: &str) -> Result<Vec<desk_core::Delivery>> {
        let id = ticket_id.to_owned();
        let texts: Vec<String> = self
            .read(move |conn| {
                conn.prepare_cached(
                    "SELECT record FROM deliveries WHERE ticket_id = ?1 ORDER BY id",
                )
                .and_then(|mut s| s.query_map([&id], |r| r.get(0))?.collect())
                .ctx("read a ticket's deliveries")
            })
            .await?;
        texts.iter().map(|t| push::parse(t)).collect()
    }

    async fn stored_records(&self, kind: &str) -> Result<Vec<String>> {
        let kind = kind.to_owned();
        self.read(move |conn| {
            conn.prepare_cached("SELECT record FROM records WHERE kind = ?1 ORDER BY id")
                .and_then(|mut s| s.query_map([&kind], |r| r.get(0))?.collect())
                .ctx("read records")
        })
        .await
    }

    async fn stored_record(&self, kind: &str, id: &str) -> Result<Option<String>> {
        let (kind, id) = (kind.to_owned(), id.to_owned());
        self.read(move |conn| {
            use rusqlite::OptionalExtension;
            conn.prepare_cached("SELECT record FROM records WHERE kind = ?1 AND id = ?2")
                .and_then(|mut s| s.query_row([&kind, &id], |r| r.get(0)).optional())
                .ctx("read a record")
        })
        .await
    }

    async fn count_open_tickets_in_group(&self, group: &str) -> Result<u64> {
        let group = group.to_owned();
        let count: i64 = self
            .read(move |conn| {
                // Open tickets by the status index, each one's group read from its record.
                conn.prepare_cached(
                    "SELECT count(*) FROM tickets
                     WHERE status NOT IN ('solved', 'closed')
                       AND json_extract(record, '$.group') = ?1
                       AND json_extract(record, '$.deleted_at') IS NULL",
                )
                .and_then(|mut s| s.query_row([&group], |r| r.get(0)))
                .ctx("count a group's open tickets")
            })
            .await?;
        Ok(count as u64)
    }

    async fn write_audited(
        &self,
        records: Vec<Change>,
        audit: Vec<crate::audit::AuditEntry>,
        at: i64,
    ) -> Result<WriteReceipt> {
        self.write_feed(move |conn| records::write_audited(conn, records, audit, at))
            .await
    }

    async fn pull_trimming(
        &self,
        after: FeedPosition,
        limit: u32,
        scope: &Scope,
        closed_before: Option<i64>,
    ) -> Result<FeedPage> {
        let scope = scope.clone();
        self.read(move |conn| records::pull(conn, after, limit, &scope, closed_before))
            .await
    }

    async fn count_changes_after(&self, after: FeedPosition, scope: &Scope) -> Result<u64> {
        let scope = scope.clone();
        self.read(move |conn| records::count_changes_after(conn, after, &scope))
            .await
    }

    async fn ticket_messages(
        &self,
        ticket_id: &str,
        scope: &Scope,
    ) -> Result<Option<Vec<desk_core::Message>>> {
        let (id, scope) = (ticket_id.to_owned(), scope.clone());
        self.read(move |conn| records::ticket_messages(conn, &id, &scope))
            .await
    }

    async fn push(&self, batch: PushBatch) -> Result<PushReceipt> {
        self.write_feed(move |conn| push::push(conn, batch)).await
    }

    async fn prune(&self, before: i64) -> Result<u64> {
        self.write(move |conn| push::prune(conn, before)).await
    }

    fn feed_moved(&self) -> tokio::sync::watch::Receiver<()> {
        self.inner.feed_moved.subscribe()
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<IngestReceipt> {
        self.write_feed(move |conn| ingest::ingest(conn, batch))
            .await
    }

    async fn prune_ingest_nonces(&self, now: i64) -> Result<u64> {
        self.write(move |conn| ingest::prune_nonces(conn, now))
            .await
    }

    async fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>> {
        // Looked for on a reader first: the writer is everyone's, and the queue is woken by
        // every move of the feed.
        let due = self
            .read(move |conn| {
                conn.prepare_cached(delivery::ANY_DUE)
                    .and_then(|mut s| s.exists([now]))
                    .ctx("look for due deliveries")
            })
            .await?;
        if !due {
            return Ok(vec![]);
        }
        let claimed = self
            .write(move |conn| delivery::claim(conn, now, lease_ms, limit))
            .await?;
        // Only a claim that took something moved the feed.
        if !claimed.is_empty() {
            self.inner.feed_moved.send_replace(());
        }
        Ok(claimed)
    }

    async fn settle_deliveries(
        &self,
        settlements: Vec<Settlement>,
        now: i64,
        give_up_after_ms: i64,
    ) -> Result<Vec<Option<desk_core::Delivery>>> {
        self.write_feed(move |conn| delivery::settle(conn, settlements, now, give_up_after_ms))
            .await
    }

    async fn put_blob(&self, blob: NewBlob) -> Result<()> {
        self.write(move |conn| delivery::put_blob(conn, blob)).await
    }

    async fn blob_for(&self, sha256: &str, agent: &Agent) -> Result<Option<Blob>> {
        let (sha256, agent) = (sha256.to_owned(), agent.clone());
        self.read(move |conn| delivery::blob(conn, &sha256, Some(&agent)))
            .await
    }

    async fn blob(&self, sha256: &str) -> Result<Option<Blob>> {
        let sha256 = sha256.to_owned();
        self.read(move |conn| delivery::blob(conn, &sha256, None))
            .await
    }

    async fn lease_mailbox(
        &self,
        address: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool> {
        let (address, holder) = (address.to_owned(), holder.to_owned());
        self.write(move |conn| {
            let taken = conn
                .prepare_cached(
                    "INSERT INTO mailbox_cursors (address, uid_validity, last_uid, lease_holder, lease_until)
                     VALUES (?1, 0, 0, ?2, ?4)
                     ON CONFLICT (address) DO UPDATE
                         SET lease_holder = excluded.lease_holder, lease_until = excluded.lease_until
                         WHERE lease_holder IS NULL OR lease_holder = ?2 OR lease_until < ?3",
                )
                .and_then(|mut s| s.execute(rusqlite::params![address, holder, now, until]))
                .ctx("lease mailbox")?;
            Ok(taken == 1)
        })
        .await
    }

    async fn mailbox_cursor(&self, address: &str) -> Result<Option<(u32, u32)>> {
        let address = address.to_owned();
        self.read(move |conn| {
            use rusqlite::OptionalExtension;
            let row: Option<(i64, i64)> = conn
                .prepare_cached(
                    "SELECT uid_validity, last_uid FROM mailbox_cursors
                     WHERE address = ?1 AND uid_validity > 0",
                )
                .and_then(|mut s| {
                    s.query_row([address], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                })
                .ctx("read mailbox cursor")?;
            Ok(row.map(|(v, u)| (v as u32, u as u32)))
        })
        .await
    }

    async fn advance_mailbox_cursor(
        &self,
        address: &str,
        uid_validity: u32,
        last_uid: u32,
    ) -> Result<()> {
        let address = address.to_owned();
        self.write(move |conn| ingest::advance_place(conn, &address, uid_validity, last_uid))
            .await
    }

    async fn audit_head(&self) -> Result<AuditHead> {
        self.read(|conn| audit::head(conn)).await
    }

    async fn audit_rows(&self, after: i64, limit: u32) -> Result<Vec<AuditRow>> {
        self.read(move |conn| audit::rows(conn, after, limit)).await
    }

    async fn audit_search(&self, filter: AuditFilter, limit: u32) -> Result<Vec<AuditRow>> {
        self.read(move |conn| audit::search(conn, &filter, limit))
            .await
    }

    async fn schema_version(&self) -> Result<u32> {
        self.read(|conn| {
            conn.query_row("PRAGMA user_version", [], |row| row.get(0))
                .ctx("read schema version")
        })
        .await
    }

    fn expected_schema_version(&self) -> u32 {
        SCHEMA_VERSION
    }

    fn pool_status(&self) -> PoolStatus {
        // The writer is one connection held for good; each read in flight holds a permit
        // and a connection.
        let idle = self
            .inner
            .readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len();
        let in_use = MAX_READERS - self.inner.reading.available_permits();
        PoolStatus {
            max_size: MAX_READERS + 1,
            size: (idle + in_use).min(MAX_READERS) + 1,
            idle,
            waiting: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_under_load_share_a_bounded_set_of_connections() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open_in_dir(dir.path()).unwrap();
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let reads = (0..64).map(|_| {
            let (storage, now, most) = (storage.clone(), now.clone(), most.clone());
            tokio::spawn(async move {
                storage
                    .read(move |_| {
                        let at_once = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(at_once, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(10));
                        now.fetch_sub(1, Ordering::SeqCst);
                        Ok(())
                    })
                    .await
            })
        });
        for read in futures_util::future::join_all(reads).await {
            read.unwrap().unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!(
            (2..=MAX_READERS).contains(&most),
            "64 reads ran {most} at once"
        );
        assert!(
            storage.inner.readers.lock().unwrap().len() <= MAX_READERS,
            "no more connections are kept than may read at once"
        );
    }
}

//! The PostgreSQL backend, for production: many stateless server instances share one
//! database. A `deadpool-postgres` pool of `tokio-postgres` connections; writes run READ
//! COMMITTED and serialize on the feed's version row (see [`records`] for why that makes
//! the change feed commit-ordered); each pull reads one REPEATABLE READ snapshot.
//!
//! SQL lives in this module and its children only; callers see the [`Storage`] trait.
//! Must not depend on HTTP.
//!
//! Instances learn of each other's commits through LISTEN/NOTIFY (`listen.rs`).
//!
//! Not yet here: TLS to the database (the connector is `NoTls`; a rustls `MakeTlsConnect`
//! goes where [`PgStorage::connect_with`] builds the manager, and `sslmode=require` is
//! refused with a clear message until then).

mod accounts;
mod audit;
mod delivery;
mod ingest;
mod invitations;
mod listen;
mod push;
mod records;
mod schema;
mod write;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use desk_core::Agent;
use desk_core::wire::Change;
use tokio_postgres::config::SslMode;
use tokio_postgres::{IsolationLevel, NoTls};

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

/// Tuning for [`PgStorage::connect_with`].
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Most connections this instance keeps open. Writers of the feed serialize on one row
    /// anyway, so more connections mostly help concurrent readers.
    pub max_connections: usize,
    /// How long a request waits for a free connection (or a new one) before failing.
    pub acquire_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub struct PgStorage {
    pool: Pool,
    /// Host, port and database, for logs: never the password.
    target: String,
    /// For the listening connection, which lives outside the pool.
    config: tokio_postgres::Config,
    feed: Arc<listen::FeedSignal>,
}

impl std::fmt::Debug for PgStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStorage")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// Attaches an operation's name to a driver or pool error.
pub(crate) trait Ctx<T> {
    fn ctx(self, what: &str) -> Result<T>;
}

impl<T> Ctx<T> for std::result::Result<T, tokio_postgres::Error> {
    fn ctx(self, what: &str) -> Result<T> {
        self.map_err(|e| {
            // PostgreSQL's text type cannot hold NUL and says so with this code. The
            // callers refuse NUL before it gets here; should one slip through, it is the
            // input that was bad, not the server.
            if e.code() == Some(&tokio_postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE) {
                return Error::BadRequest(format!(
                    "{what}: text holds a character that cannot be stored (NUL)"
                ));
            }
            Error::storage(what, e)
        })
    }
}

impl PgStorage {
    /// Connects to `url` (`postgres://user:password@host:port/db?options`) with default
    /// [`PgOptions`] and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, PgOptions::default()).await
    }

    pub async fn connect_with(url: &str, options: PgOptions) -> Result<Self> {
        // The driver's parse errors never echo the URL, so no password reaches a log.
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| Error::storage("parse the database url", e))?;
        if matches!(config.get_ssl_mode(), SslMode::Require) {
            return Err(Error::Internal(
                "sslmode=require: TLS to PostgreSQL is not built in yet; connect over a \
                 trusted network or a local socket"
                    .into(),
            ));
        }
        if config.get_application_name().is_none() {
            // Shows in pg_stat_activity, so an operator can tell our sessions apart.
            config.application_name("desk-server");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.acquire_timeout);
        }
        let target = describe(&config);
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.acquire_timeout))
            .create_timeout(Some(options.acquire_timeout))
            .build()
            .map_err(|e| Error::Internal(format!("build the connection pool: {e}")))?;
        let storage = Self {
            pool,
            target,
            config,
            feed: listen::FeedSignal::new(),
        };
        let mut client = storage.client().await?;
        schema::migrate(&mut client).await?;
        Ok(storage)
    }

    /// Host, port and database name, for logs and messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    async fn client(&self) -> Result<Object> {
        self.pool
            .get()
            .await
            .map_err(|e| Error::storage(format!("connect to {}", self.target), e))
    }
}

fn describe(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("(default database)");
    format!("postgresql {host}:{port}/{db}")
}

/// Tries per operation when its connection turns out to be lost before it committed.
const ATTEMPTS: u32 = 3;

/// Whether PostgreSQL itself is gone or going away: the connection closed or failed on
/// the network, or the server is shutting down or restarting (class 57P: admin_shutdown, …).
fn is_gone(e: &tokio_postgres::Error) -> bool {
    e.is_closed()
        || e.code().is_some_and(|c| c.code().starts_with("57P"))
        || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

/// Whether a storage failure's source says PostgreSQL cannot be reached or is going
/// away: the pool could not connect or timed out, or the connection is gone ([`is_gone`]).
pub fn is_unavailable(source: &(dyn std::error::Error + 'static)) -> bool {
    match source.downcast_ref::<deadpool_postgres::PoolError>() {
        Some(deadpool_postgres::PoolError::Backend(e)) => is_gone(e),
        Some(deadpool_postgres::PoolError::Timeout(_)) => true,
        Some(_) => false,
        None => source
            .downcast_ref::<tokio_postgres::Error>()
            .is_some_and(is_gone),
    }
}

/// Whether `error` means the connection was lost (the server restarted, the network was
/// cut, a pooled connection died while idle) rather than that the request was wrong.
fn is_connection_lost(error: &Error) -> bool {
    let Error::Storage { source, .. } = error else {
        return false;
    };
    source
        .downcast_ref::<tokio_postgres::Error>()
        .is_some_and(is_gone)
}

impl PgStorage {
    /// Called when a connection was found lost: after a server restart every idle
    /// connection in the pool is dead too, so all of them are dropped and the next
    /// requests open fresh ones instead of failing one by one.
    fn forget_idle_connections(&self) {
        self.pool.retain(|_, _| false);
    }
}

/// Runs `$body` inside a READ COMMITTED transaction on a pooled connection and commits it;
/// an early return or error drops the transaction, which rolls it back. When the
/// connection is lost before COMMIT was sent, the server has rolled the transaction back,
/// so the whole operation is run again on a fresh connection. A failure of COMMIT itself is
/// never retried: whether it committed is unknown, and e.g. a refresh-token rotation must
/// not run twice.
macro_rules! in_transaction {
    ($storage:expr, |$tx:ident| $body:expr) => {{
        let mut attempt = 1;
        loop {
            let mut client = $storage.client().await?;
            let done = async {
                let $tx = client.transaction().await.ctx("begin")?;
                let value = $body.await?;
                Ok::<_, Error>(($tx, value))
            }
            .await;
            match done {
                Ok((tx, value)) => {
                    tx.commit().await.ctx("commit")?;
                    break Ok(value);
                }
                Err(e) if attempt < ATTEMPTS && is_connection_lost(&e) => {
                    tracing::warn!(error = %e, attempt, "database connection lost; retrying");
                    $storage.forget_idle_connections();
                    attempt += 1;
                }
                Err(e) => break Err(e),
            }
        }
    }};
}

/// Runs `$body` (which only reads, or writes idempotently) with a pooled connection, again
/// on a fresh connection when the first one turns out to be lost.
macro_rules! reading {
    ($storage:expr, |$client:pat_param| $body:expr) => {{
        let mut attempt = 1;
        loop {
            let $client = $storage.client().await?;
            match $body.await {
                Err(e) if attempt < ATTEMPTS && is_connection_lost(&e) => {
                    tracing::warn!(error = %e, attempt, "database connection lost; retrying");
                    $storage.forget_idle_connections();
                    attempt += 1;
                }
                done => break done,
            }
        }
    }};
}

/// A read-only transaction that sees one snapshot for all its statements.
async fn snapshot(
    client: &mut deadpool_postgres::Client,
) -> Result<deadpool_postgres::Transaction<'_>> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .ctx("begin read")
}

#[async_trait]
impl Storage for PgStorage {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn create_agent(&self, new: NewAgent, now: i64) -> Result<Agent> {
        in_transaction!(self, |tx| accounts::create_agent(&tx, new.clone(), now))
    }

    async fn set_agent_password(
        &self,
        email: &str,
        password_hash: String,
        now: i64,
        by: &Actor,
    ) -> Result<Agent> {
        in_transaction!(self, |tx| accounts::set_agent_password(
            &tx,
            email,
            &password_hash,
            now,
            by
        ))
    }

    async fn update_agent(
        &self,
        email: &str,
        patch: AgentPatch,
        now: i64,
        by: &Actor,
    ) -> Result<Agent> {
        in_transaction!(self, |tx| accounts::update_agent(
            &tx, email, &patch, now, by
        ))
    }

    async fn set_agent_disabled(
        &self,
        email: &str,
        disabled: bool,
        now: i64,
        by: &Actor,
    ) -> Result<()> {
        in_transaction!(self, |tx| accounts::set_agent_disabled(
            &tx, email, disabled, now, by
        ))
    }

    async fn list_agents(&self) -> Result<Vec<AgentRecord>> {
        reading!(self, |client| accounts::list_agents(&client))
    }

    async fn login_info(&self, email: &str) -> Result<Option<LoginInfo>> {
        reading!(self, |client| accounts::login_info(&client, email))
    }

    async fn issue_invitation(
        &self,
        agent_id: &str,
        invitation: NewInvitation,
        now: i64,
        by: &Actor,
    ) -> Result<Agent> {
        in_transaction!(self, |tx| invitations::issue(
            &tx,
            agent_id,
            &invitation,
            now,
            by
        ))
    }

    async fn accept_invitation(&self, acceptance: Acceptance) -> Result<AcceptOutcome> {
        in_transaction!(self, |tx| invitations::accept(&tx, &acceptance))
    }

    async fn create_device(&self, new: NewDevice) -> Result<()> {
        in_transaction!(self, |tx| accounts::create_device(&tx, new.clone()))
    }

    async fn rotate_refresh(&self, rotation: Rotation) -> Result<RotateOutcome> {
        in_transaction!(self, |tx| accounts::rotate_refresh(&tx, rotation.clone()))
    }

    async fn session_for_access(&self, access_hash: &str, now: i64) -> Result<Option<Session>> {
        // The touch (`greatest`) and the mark are idempotent: running this twice is harmless.
        reading!(self, |client| async {
            let Some((session, last_used_at, used)) =
                accounts::session_for_access(&client, access_hash, now).await?
            else {
                return Ok(None);
            };
            if !used {
                // Once per token: its first use closes the retry of the rotation that made it.
                accounts::mark_access_used(&client, access_hash).await?;
            }
            // Keep `last_used_at` roughly current without a write on every request.
            if now - last_used_at > accounts::LAST_USED_GRANULARITY_MS {
                accounts::touch_device(&client, &session.device_id, now).await?;
            }
            Ok(Some(session))
        })
    }

    async fn revoke_device(&self, device_id: &str, now: i64, by: &Actor) -> Result<()> {
        in_transaction!(self, |tx| accounts::revoke_device(&tx, device_id, now, by))
    }

    async fn write_records(&self, records: Vec<Change>) -> Result<WriteReceipt> {
        // Cloned per attempt: a retry must write the same batch again.
        in_transaction!(self, |tx| write::write_records(&tx, records.clone()))
    }

    async fn ticket_deliveries(&self, ticket_id: &str) -> Result<Vec<desk_core::Delivery>> {
        let texts: Vec<String> = reading!(self, |client| async {
            let rows = client
                .query(
                    "SELECT record::text FROM deliveries WHERE ticket_id = $1 ORDER BY id",
                    &[&ticket_id],
                )
                .await
                .ctx("read a ticket's deliveries")?;
            Ok::<_, Error>(rows.iter().map(|r| r.get(0)).collect())
        })?;
        texts.iter().map(|t| push::parse(t)).collect()
    }

    async fn stored_records(&self, kind: &str) -> Result<Vec<String>> {
        reading!(self, |client| async {
            let rows = client
                .query(
                    "SELECT record::text FROM records WHERE kind = $1 ORDER BY id",
                    &[&kind],
                )
                .await
                .ctx("read records")?;
            Ok::<_, Error>(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    async fn stored_record(&self, kind: &str, id: &str) -> Result<Option<String>> {
        reading!(self, |client| async {
            let row = client
                .query_opt(
                    "SELECT record::text FROM records WHERE kind = $1 AND id = $2",
                    &[&kind, &id],
                )
                .await
                .ctx("read a record")?;
            Ok::<_, Error>(row.map(|r| r.get(0)))
        })
    }

    async fn count_open_tickets_in_group(&self, group: &str) -> Result<u64> {
        let count: i64 = reading!(self, |client| async {
            let row = client
                .query_one(
                    "SELECT count(*) FROM tickets
                     WHERE status NOT IN ('solved', 'closed')
                       AND record->>'group' = $1
                       AND record->>'deleted_at' IS NULL",
                    &[&group],
                )
                .await
                .ctx("count a group's open tickets")?;
            Ok::<_, Error>(row.get(0))
        })?;
        Ok(count as u64)
    }

    async fn write_audited(
        &self,
        records: Vec<Change>,
        audit: Vec<crate::audit::AuditEntry>,
        at: i64,
    ) -> Result<WriteReceipt> {
        in_transaction!(self, |tx| async {
            let receipt = write::write_records(&tx, records.clone()).await?;
            // Last: the audit head is the most contended row of all.
            audit::append(&tx, at, audit.clone()).await?;
            Ok::<_, Error>(receipt)
        })
    }

    async fn count_changes_after(&self, after: FeedPosition, scope: &Scope) -> Result<u64> {
        let groups = scope.groups().map(<[String]>::to_vec);
        reading!(self, |client| async {
            let row = client
                .query_one(
                    concat!(
                        "SELECT count(*) FROM changes WHERE (version, ord) > ($1, $2) AND (",
                        records::in_scope!("$3"),
                        ")"
                    ),
                    &[&after.version, &after.ord, &groups],
                )
                .await
                .ctx("count changes")?;
            Ok(row.get::<_, i64>(0) as u64)
        })
    }

    async fn ticket_messages(
        &self,
        ticket_id: &str,
        scope: &Scope,
    ) -> Result<Option<Vec<desk_core::Message>>> {
        reading!(self, |mut client| async {
            // One snapshot: the ticket's existence and its messages agree.
            let tx = snapshot(&mut client).await?;
            let messages = records::ticket_messages(&tx, ticket_id, scope).await?;
            tx.commit().await.ctx("end read")?;
            Ok(messages)
        })
    }

    async fn pull_trimming(
        &self,
        after: FeedPosition,
        limit: u32,
        scope: &Scope,
        closed_before: Option<i64>,
    ) -> Result<FeedPage> {
        if closed_before.is_none() {
            return reading!(self, |client| records::pull_at_once(
                &client, after, limit, scope
            ));
        }
        reading!(self, |mut client| async {
            let tx = snapshot(&mut client).await?;
            let page = records::pull(&tx, after, limit, scope, closed_before).await?;
            tx.commit().await.ctx("end read")?;
            Ok(page)
        })
    }

    async fn push(&self, batch: PushBatch) -> Result<PushReceipt> {
        in_transaction!(self, |tx| push::push(&tx, &batch))
    }

    async fn prune(&self, before: i64) -> Result<u64> {
        in_transaction!(self, |tx| push::prune(&tx, before))
    }

    fn feed_moved(&self) -> tokio::sync::watch::Receiver<()> {
        self.feed.subscribe(&self.config, &self.target)
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<IngestReceipt> {
        in_transaction!(self, |tx| ingest::ingest(&tx, &batch))
    }

    async fn prune_ingest_nonces(&self, now: i64) -> Result<u64> {
        in_transaction!(self, |tx| ingest::prune_nonces(&tx, now))
    }

    async fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>> {
        let due = reading!(self, |client| async move {
            Ok(client
                .query_opt(delivery::ANY_DUE, &[&now])
                .await
                .ctx("look for due deliveries")?
                .is_some())
        })?;
        if !due {
            return Ok(vec![]);
        }
        in_transaction!(self, |tx| delivery::claim(&tx, now, lease_ms, limit))
    }

    async fn settle_deliveries(
        &self,
        settlements: Vec<Settlement>,
        now: i64,
        give_up_after_ms: i64,
    ) -> Result<Vec<Option<desk_core::Delivery>>> {
        in_transaction!(self, |tx| delivery::settle(
            &tx,
            &settlements,
            now,
            give_up_after_ms
        ))
    }

    async fn put_blob(&self, blob: NewBlob) -> Result<()> {
        in_transaction!(self, |tx| async {
            delivery::insert_blob(&tx, &blob).await?;
            Ok::<_, Error>(())
        })
    }

    async fn blob_for(&self, sha256: &str, agent: &Agent) -> Result<Option<Blob>> {
        reading!(self, |client| delivery::blob(&client, sha256, Some(agent)))
    }

    async fn blob(&self, sha256: &str) -> Result<Option<Blob>> {
        reading!(self, |client| delivery::blob(&client, sha256, None))
    }

    async fn lease_mailbox(
        &self,
        address: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool> {
        in_transaction!(self, |tx| async {
            let taken = tx
                .execute(
                    "INSERT INTO mailbox_cursors (address, uid_validity, last_uid, lease_holder, lease_until)
                     VALUES ($1, 0, 0, $2, $4)
                     ON CONFLICT (address) DO UPDATE
                         SET lease_holder = excluded.lease_holder, lease_until = excluded.lease_until
                         WHERE mailbox_cursors.lease_holder IS NULL
                            OR mailbox_cursors.lease_holder = $2
                            OR mailbox_cursors.lease_until < $3",
                    &[&address, &holder, &now, &until],
                )
                .await
                .ctx("lease mailbox")?;
            Ok::<_, Error>(taken == 1)
        })
    }

    async fn mailbox_cursor(&self, address: &str) -> Result<Option<(u32, u32)>> {
        reading!(self, |client| async move {
            let row = client
                .query_opt(
                    "SELECT uid_validity, last_uid FROM mailbox_cursors
                     WHERE address = $1 AND uid_validity > 0",
                    &[&address],
                )
                .await
                .ctx("read mailbox cursor")?;
            Ok(row.map(|r| (r.get::<_, i64>(0) as u32, r.get::<_, i64>(1) as u32)))
        })
    }

    async fn advance_mailbox_cursor(
        &self,
        address: &str,
        uid_validity: u32,
        last_uid: u32,
    ) -> Result<()> {
        in_transaction!(self, |tx| ingest::advance_place(
            &tx,
            address,
            uid_validity,
            last_uid
        ))
    }

    async fn audit_head(&self) -> Result<AuditHead> {
        reading!(self, |client| audit::head(&client))
    }

    async fn audit_rows(&self, after: i64, limit: u32) -> Result<Vec<AuditRow>> {
        reading!(self, |client| audit::rows(&client, after, limit))
    }

    async fn audit_search(&self, filter: AuditFilter, limit: u32) -> Result<Vec<AuditRow>> {
        reading!(self, |client| audit::search(&client, &filter, limit))
    }

    async fn schema_version(&self) -> Result<u32> {
        // No retry: a probe must report the database as it is, not wait for it.
        let client = self.client().await?;
        let version: i32 = match client
            .query_one(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                &[],
            )
            .await
        {
            Ok(row) => row.get(0),
            Err(e) => {
                let error = Error::storage("read schema version", e);
                if is_connection_lost(&error) {
                    self.forget_idle_connections();
                }
                return Err(error);
            }
        };
        Ok(u32::try_from(version).unwrap_or(0))
    }

    fn expected_schema_version(&self) -> u32 {
        SCHEMA_VERSION as u32
    }

    fn pool_status(&self) -> PoolStatus {
        let status = self.pool.status();
        PoolStatus {
            max_size: status.max_size,
            size: status.size,
            idle: status.available,
            waiting: status.waiting,
        }
    }
}

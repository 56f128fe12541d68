//! The client engine the console and the `desk` CLI share: sign-in, the session, pulling
//! into the cache, and the cached views. Callers are thin: a Tauri command or a CLI verb
//! calls one method here.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use desk_core::search::{SearchHit, SearchQuery};
use desk_core::view::{
    BulkFailure, BulkOutcome, CacheReset, Connectivity, InboxView, OutboxCounts, SessionState,
    SlaCounts, SyncPhase, TicketDetail, TicketEdit, TicketPage, TicketQuery, TicketSummary,
    ViewCounts,
};
use desk_core::wire::{Acknowledgement, LoginRequest, PullResponse, SCHEMA_VERSION};
use desk_core::{Agent, ApiError, ErrorCode, Macro, Mutation, MutationOp, OutboxEntry};
use desk_store::{CacheFile, CacheKey, Store, ViewQuery};
use serde::{Deserialize, Serialize};

use crate::api::{Api, is_unauthorized, normalize_server_url};
use crate::credentials::{self, Secret};
use crate::profile::Profile;
use crate::progress::{Progress, Receiving};
use crate::{Error, Result};

/// How many changes to ask for per pull page: the server's most (`pull_max_limit`). Each
/// page is one request and one durable SQLite commit, so a bootstrap of 1.3M records pays
/// those 257 times rather than 1,284 (BENCHMARKS.md, sync: 32–41 s instead of 47 s); a page
/// of 5,000 applies in about a tenth of a second, so local actions never wait long.
pub const PULL_PAGE: u32 = 5000;
/// Search documents indexed per store transaction in the background: small enough that the
/// console's reads, which share the store, wait at most a few tens of milliseconds.
const INDEX_BATCH: usize = 500;
/// Refresh the access token this long before it expires, so a request never races expiry.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

const ACCOUNT_KEY: &str = "account";
const LAST_SYNCED_KEY: &str = "sync.last_synced_at";
const LAST_EVICTED_KEY: &str = "evict.last_at";
/// Solved and closed tickets idle this long lose their cached conversation by default
/// (DESIGN.md §4 Scope); `Client::keep_closed_for` changes it.
pub const DEFAULT_KEEP_CLOSED: Duration = Duration::from_secs(30 * 24 * 3600);
/// Eviction runs after a sync at most this often: it scans the closed tickets.
const EVICT_EVERY: Duration = Duration::from_secs(3600);

/// Who this cache belongs to. Not secret: stored in the cache's meta table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub server_url: String,
    pub agent: Agent,
    pub device_id: String,
}

struct Access {
    token: Secret,
    expires: Instant,
}

struct Status {
    connectivity: Connectivity,
    last_error: Option<ApiError>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Changes applied to the cache.
    pub changes: usize,
    /// Messages of old closed conversations a bootstrap left on the server (fetched when
    /// such a ticket is opened).
    pub trimmed: usize,
    pub pages: usize,
    /// The server's answers to queued mutations (from push responses, or from pulls when
    /// a response was lost), so the agent is told of conflicts, holds and rejections.
    pub answers: Vec<Acknowledgement>,
    /// This agent's mutations still waiting to be sent (none after a clean sync).
    pub pending: u64,
    /// Milliseconds the pull waited for its next page from the server (what the network
    /// and the server cost beyond what the store's writing hid).
    pub waited_ms: u64,
    /// Milliseconds the pull spent writing pages into the cache, a bootstrap's finish
    /// included: with `waited_ms`, which side a slow sync was bound by.
    pub stored_ms: u64,
}

/// Where the cache's encryption key lives.
enum KeySource {
    /// The OS keyring (the console and the CLI).
    Keyring,
    /// Given by the caller, who keeps it (tests of the code above the keyring).
    Given(CacheKey),
}

pub struct Client {
    profile: Profile,
    device_name: String,
    keys: KeySource,
    /// Why the cache was started afresh, if it was (when it was opened, or since).
    cache_reset: Mutex<Option<CacheReset>>,
    /// The one writer: pulls, local actions, the search indexer.
    store: Mutex<Store>,
    /// A second connection for the console's reads (see [`Client::read`]), opened when
    /// first needed and closed while a bootstrap's bulk load runs.
    reader: Mutex<Option<Store>>,
    /// Set while a bootstrap may be bulk loading: reads go to the writer meanwhile.
    bulk_loading: std::sync::atomic::AtomicBool,
    /// The cache's key, for opening the reader.
    cache_key: CacheKey,
    access: Mutex<Option<Access>>,
    status: Mutex<Status>,
    /// Bumped after every change of what [`Client::state`] reports.
    revision: AtomicU64,
    /// One sync at a time per process: two pulls racing would apply pages out of order.
    sync_lock: tokio::sync::Mutex<()>,
    /// One refresh at a time per process (see [`Client::access_token`]).
    refresh_lock: tokio::sync::Mutex<()>,
    progress: Progress,
    keep_closed: Mutex<Duration>,
}

/// The account a cache belongs to, from its meta table.
fn read_account(store: &Store) -> Result<Option<Account>> {
    store
        .meta(ACCOUNT_KEY)?
        .map(|r| {
            serde_json::from_str(&r).map_err(|e| {
                Error::Store(desk_store::Error::Corrupt {
                    what: "account".into(),
                    source: e,
                })
            })
        })
        .transpose()
}

/// Pages applied in one store transaction at most (see `Store::apply_pull_responses`):
/// what the fetch has ready when the store is free, so a bootstrap whose store is the slow
/// side commits every 32 pages, and a pull whose network is the slow side still applies
/// each page as it comes. Each commit writes again the id indexes' leaves the pages before
/// it wrote (a feed's ids come in no key order): 32 pages took a bootstrap of 100k tickets
/// and 1M messages from 10.1–12.8 to 9.1–9.7 s of store apply, where 64 gained nothing more
/// (BENCHMARKS.md, sync). The price is memory while the store is behind: up to 32 decoded
/// pages of 5,000 records, 109 MB of the bench desk's (measured).
pub const GROUP_PAGES: usize = 32;

/// The pages of one pull fetched in the background, in order, each from the cursor the one
/// before it left, while the store applies earlier ones. Holds up to [`GROUP_PAGES`]
/// fetched pages; dropping it cancels the fetch.
struct Feed {
    pages: tokio::sync::mpsc::Receiver<Result<PullResponse>>,
    /// A failure seen while taking a group, given back by the next `next`.
    failed: Option<Error>,
    task: tokio::task::JoinHandle<()>,
}

impl Feed {
    fn start(
        api: &Api,
        access: &Secret,
        cursor: Option<String>,
        count: bool,
        closed_before: Option<i64>,
    ) -> Self {
        let (api, access) = (api.clone(), access.clone());
        let (send, pages) = tokio::sync::mpsc::channel(GROUP_PAGES);
        let task = tokio::spawn(async move {
            let (mut cursor, mut count) = (cursor, count);
            loop {
                let page = api
                    .pull(&access, cursor.as_deref(), PULL_PAGE, count, closed_before)
                    .await;
                // Only the first page counts what is left: later pages add up from it.
                count = false;
                let next = match &page {
                    Ok(p) if p.has_more => Some(p.next_cursor.clone()),
                    _ => None,
                };
                if send.send(page).await.is_err() {
                    return;
                }
                match next {
                    Some(c) => cursor = Some(c),
                    None => return,
                }
            }
        });
        Self {
            pages,
            failed: None,
            task,
        }
    }

    /// The next page, waiting for it.
    async fn next(&mut self, url: &str) -> Result<PullResponse> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        self.pages.recv().await.unwrap_or_else(|| {
            Err(Error::Protocol {
                url: url.to_owned(),
                detail: "the pull task stopped".into(),
            })
        })
    }

    /// `first` and the pages after it that are already fetched, up to [`GROUP_PAGES`] and
    /// up to the pull's last page. A failure ends the group and waits for `next`.
    fn group(&mut self, first: PullResponse) -> Vec<PullResponse> {
        let mut group = vec![first];
        while group.len() < GROUP_PAGES && group.last().is_some_and(|p| p.has_more) {
            match self.pages.try_recv() {
                Ok(Ok(page)) => group.push(page),
                Ok(Err(e)) => {
                    self.failed = Some(e);
                    break;
                }
                Err(_) => break,
            }
        }
        group
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Increments the revision when dropped.
struct Bump<'a>(&'a AtomicU64);

impl Drop for Bump<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A UUIDv7: time-ordered, so ids the console makes sort roughly by creation.
fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these cannot leave the data half-updated (each guarded
    // section is one assignment or one SQLite transaction), so poisoning is not fatal.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

mod admin;
mod attachments;
pub use attachments::save_into;
mod attention;
mod delivery;
mod invitation;
mod knowledge;
mod presence;
mod progress;
mod push;
mod scope;

impl Client {
    /// Opens the profile's cache, encrypted with its key from the OS keyring (made on first
    /// use). `device_name` is what the server lists for this device.
    ///
    /// A cache the keyring has no key for, or whose key does not open it, cannot be read
    /// by anyone: it is replaced by an empty one and [`SessionState::cache_reset`] says
    /// why, so the agent signs in again instead of meeting a crash. Its credentials go
    /// with it (the account it belonged to was inside).
    pub fn open(profile: Profile, device_name: impl Into<String>) -> Result<Self> {
        Self::open_with(profile, device_name.into(), KeySource::Keyring)
    }

    /// [`Client::open`] with a cache key the caller keeps instead of the keyring's: for
    /// tests of the code above the keyring (the app's commands), which must never touch
    /// the developer's keyring.
    pub fn open_with_cache_key(
        profile: Profile,
        device_name: impl Into<String>,
        key: CacheKey,
    ) -> Result<Self> {
        Self::open_with(profile, device_name.into(), KeySource::Given(key))
    }

    fn open_with(profile: Profile, device_name: String, keys: KeySource) -> Result<Self> {
        std::fs::create_dir_all(&profile.dir).map_err(|source| Error::Io {
            path: profile.dir.display().to_string(),
            source,
        })?;
        let path = profile.cache_path();
        let mut cache_reset = None;
        let key = match &keys {
            KeySource::Given(key) => key.clone(),
            KeySource::Keyring => match credentials::load_cache_key(&profile)? {
                Some(key) => key,
                None => {
                    if desk_store::inspect_cache_file(&path)? == CacheFile::Encrypted {
                        cache_reset = Some(CacheReset::KeyMissing);
                    }
                    let key = CacheKey::generate();
                    credentials::store_cache_key(&profile, &key)?;
                    key
                }
            },
        };
        let opened = match cache_reset {
            // No key opens it: do not try a fresh one.
            Some(_) => Err(desk_store::Error::WrongKey(path.display().to_string())),
            None => Store::open_encrypted(&path, &key),
        };
        let store = match opened {
            Ok(store) => store,
            Err(desk_store::Error::WrongKey(_)) => {
                cache_reset.get_or_insert(CacheReset::KeyMismatch);
                // Info, not a warning: the agent is told through the session state, and
                // the CLI's stderr (warnings and up) stays the `{code, message}` it promises.
                tracing::info!(
                    cache = %path.display(),
                    reason = ?cache_reset,
                    "the cache cannot be read with the keyring's key; starting an empty one"
                );
                desk_store::remove_cache_files(&path)?;
                if matches!(keys, KeySource::Keyring) {
                    credentials::delete_refresh_token(&profile)?;
                }
                Store::open_encrypted(&path, &key)?
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Self {
            profile,
            device_name,
            keys,
            cache_reset: Mutex::new(cache_reset),
            store: Mutex::new(store),
            reader: Mutex::new(None),
            bulk_loading: std::sync::atomic::AtomicBool::new(false),
            cache_key: key,
            access: Mutex::new(None),
            status: Mutex::new(Status {
                connectivity: Connectivity::Unknown,
                last_error: None,
            }),
            revision: AtomicU64::new(1),
            sync_lock: tokio::sync::Mutex::new(()),
            refresh_lock: tokio::sync::Mutex::new(()),
            progress: Progress::default(),
            keep_closed: Mutex::new(DEFAULT_KEEP_CLOSED),
        })
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn account(&self) -> Result<Option<Account>> {
        self.read(read_account)
    }

    /// Runs a read on the reader connection, so the console's views, counts and ticket
    /// detail never queue behind a pull page, a local action or a batch of search
    /// indexing on the writer (BENCHMARKS.md, console: view switch). What the writer has
    /// committed is what the reader sees. While a bootstrap bulk loads, the writer must be
    /// the file's only connection, so reads take the writer's turn then, as before.
    fn read<T, E>(&self, f: impl FnOnce(&Store) -> std::result::Result<T, E>) -> Result<T>
    where
        Error: From<E>,
    {
        if !self.bulk_loading.load(Ordering::SeqCst) {
            let mut reader = lock(&self.reader);
            if reader.is_none() {
                match Store::open_reader(self.profile.cache_path(), Some(&self.cache_key)) {
                    Ok(opened) => *reader = Some(opened),
                    // Reading through the writer is slower, never wrong.
                    Err(e) => tracing::warn!(error = %e, "no reader connection to the cache"),
                }
            }
            if let Some(r) = reader.as_ref() {
                return Ok(f(r)?);
            }
        }
        Ok(f(&lock(&self.store))?)
    }

    /// Before a pull that may bulk load: reads go to the writer, and the reader closes
    /// (after the read it may be serving) so the load can leave WAL.
    fn begin_bulk_reads(&self) {
        self.bulk_loading.store(true, Ordering::SeqCst);
        *lock(&self.reader) = None;
    }

    /// Signs in, keeps the refresh token in the OS keyring and the access token in memory.
    /// Signing into another account or server first clears the cache: one agent never sees
    /// another's cached customers.
    pub async fn sign_in(&self, server_url: &str, email: &str, password: &str) -> Result<Account> {
        let email = email.trim();
        if email.is_empty() || password.is_empty() {
            return Err(Error::BadInput("email and password are required".into()));
        }
        let server_url = normalize_server_url(server_url)?;
        let api = Api::new(&server_url)?;
        let login = LoginRequest {
            email: email.to_owned(),
            password: password.into(),
            device_name: self.device_name.clone(),
        };
        let tokens = match api.login(&login).await {
            Ok(t) => t,
            Err(e) => {
                self.note_result(&Err::<(), _>(&e));
                return Err(e);
            }
        };
        self.keep_session(&api, server_url, tokens).await
    }

    /// Signs out: revokes the device on the server when reachable, forgets the tokens, and
    /// with `wipe` deletes the cache too.
    pub async fn sign_out(&self, wipe: bool) -> Result<()> {
        if let Some(account) = self.account()? {
            let access = lock(&self.access).take();
            if let (Some(access), Ok(api)) = (access, Api::new(&account.server_url)) {
                // Best effort: an offline sign-out still forgets the credentials locally.
                let _ = api.logout(&access.token).await;
            }
        }
        credentials::delete_refresh_token(&self.profile)?;
        let mut store = lock(&self.store);
        store.set_meta(ACCOUNT_KEY, None)?;
        if wipe {
            self.wipe(&mut store)?;
        }
        self.revision.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Nothing stays behind, unsent work included: the cache file and its WAL are
    /// deleted, its key leaves the keyring, and an empty cache under a new key takes
    /// their place (the console keeps running, signed out).
    fn wipe(&self, store: &mut Store) -> Result<()> {
        let path = store.path().to_path_buf();
        // Close the file before deleting it.
        *store = Store::open_in_memory()?;
        desk_store::remove_cache_files(&path)?;
        let key = match &self.keys {
            KeySource::Given(key) => key.clone(),
            KeySource::Keyring => {
                credentials::delete_cache_key(&self.profile)?;
                let key = CacheKey::generate();
                credentials::store_cache_key(&self.profile, &key)?;
                key
            }
        };
        *store = Store::open_encrypted(&path, &key)?;
        Ok(())
    }

    /// A valid access token: the one in memory, or a new one from the refresh token in the
    /// keyring (which the server rotates; the new one replaces it at once).
    /// A valid access token, refreshing when the cached one is (nearly) expired.
    ///
    /// Refresh tokens rotate and a reused one revokes the device, so two refreshes must
    /// never start from the same token: not two tasks of this process (the sync loop and
    /// the event stream), nor this process and another on the same profile (the console
    /// and the `desk` CLI). Each refresh holds this process's lock and the profile's lock
    /// file, and reads the keyring only once it holds both.
    async fn access_token(&self, api: &Api) -> Result<Secret> {
        if let Some(token) = self.cached_access() {
            return Ok(token);
        }
        let _in_process = self.refresh_lock.lock().await;
        if let Some(token) = self.cached_access() {
            return Ok(token); // Another task refreshed while we waited.
        }
        let _across_processes = self.profile.lock_refresh().await?;
        let refresh = credentials::load_refresh_token(&self.profile)?.ok_or(Error::NotSignedIn)?;
        let tokens = match api.refresh(&refresh).await {
            Ok(t) => t,
            Err(Error::Server(e)) if e.code == ErrorCode::SessionExpired => {
                // The session ended (expired, or the token reused): sign in again.
                credentials::delete_refresh_token(&self.profile)?;
                lock(&self.store).set_meta(ACCOUNT_KEY, None)?;
                self.revision.fetch_add(1, Ordering::SeqCst);
                return Err(Error::Server(e));
            }
            Err(Error::Server(e)) if e.code == ErrorCode::DeviceRevoked => {
                // A revoked device must not keep customers' data (a lost or stolen
                // laptop, a departed agent): everything goes, queued work included.
                tracing::info!("the server revoked this device; deleting its cache");
                credentials::delete_refresh_token(&self.profile)?;
                {
                    let mut store = lock(&self.store);
                    store.set_meta(ACCOUNT_KEY, None)?;
                    self.wipe(&mut store)?;
                }
                *lock(&self.cache_reset) = Some(CacheReset::DeviceRevoked);
                self.revision.fetch_add(1, Ordering::SeqCst);
                return Err(Error::Server(e));
            }
            Err(e) => return Err(e),
        };
        credentials::store_refresh_token(
            &self.profile,
            &Secret::new(tokens.refresh_token.into_inner()),
        )?;
        let token = Secret::new(tokens.access_token.into_inner());
        *lock(&self.access) = Some(Access {
            token: token.clone(),
            expires: Instant::now() + Duration::from_secs(tokens.access_expires_in),
        });
        Ok(token)
    }

    /// The signed-in account's API and a valid access token.
    pub(crate) async fn api_and_access(&self) -> Result<(Api, Secret)> {
        let account = self.account()?.ok_or(Error::NotSignedIn)?;
        let api = Api::new(&account.server_url)?;
        let access = self.access_token(&api).await?;
        Ok((api, access))
    }

    /// Drops the cached access token: the server refused it (revoked, or expired early).
    pub(crate) fn forget_access(&self) {
        *lock(&self.access) = None;
    }

    fn cached_access(&self) -> Option<Secret> {
        lock(&self.access)
            .as_ref()
            .filter(|a| a.expires > Instant::now() + EXPIRY_MARGIN)
            .map(|a| a.token.clone())
    }

    /// Pulls every change since the cache's cursor, page by page; each page and its cursor
    /// are applied in one transaction.
    pub async fn sync(&self) -> Result<SyncReport> {
        let result = self.sync_inner().await;
        if result.is_err() {
            // A bootstrap cut short leaves its indexes unbuilt; build them now, so the
            // agent's offline views are fast. The next pull carries on from the cursor.
            lock(&self.store).finish_bulk_load()?;
        }
        if self.bulk_loading.load(Ordering::SeqCst) && !lock(&self.store).bulk_load_in_progress()? {
            self.bulk_loading.store(false, Ordering::SeqCst);
        }
        self.note_result(&result.as_ref().map(|_| ()));
        result
    }

    async fn sync_inner(&self) -> Result<SyncReport> {
        let _one_at_a_time = self.sync_lock.lock().await;
        let account = self.account()?.ok_or(Error::NotSignedIn)?;
        let api = Api::new(&account.server_url)?;
        let mut report = SyncReport::default();
        // Push first: the pull that follows then brings the effects of what was applied.
        self.push_pending(&api, &account, &mut report).await?;
        let mut retried_auth = false;
        let bootstrap = {
            // A bootstrap cut short (crash, outage) carries on from its cursor.
            let store = lock(&self.store);
            let from_zero = store.cursor()?.is_none();
            if from_zero {
                // A pull from zero brings evicted conversations back: evict after it.
                store.set_meta(LAST_EVICTED_KEY, None)?;
            }
            from_zero || store.bulk_load_in_progress()?
        };
        if bootstrap {
            self.begin_bulk_reads();
        }
        let mut receiving = Receiving::new(bootstrap);
        // A bootstrap brings old closed conversations down to their latest message, as the
        // eviction after it would leave them (DESIGN.md §4 Scope): far fewer rows before
        // the inbox is usable. A catch-up brings everything.
        let trim_before = || now_ms() - lock(&self.keep_closed).as_millis() as i64;
        let mut closed_before = bootstrap.then(trim_before);
        // The pages ahead, fetched while the store applies earlier ones (the server reads
        // and sends while the store writes). Started again from the cache's cursor after
        // a failure; aborted if this sync stops early.
        let mut feed: Option<Feed> = None;
        loop {
            let access = self.access_token(&api).await?;
            let feed_now = match &mut feed {
                Some(f) => f,
                None => {
                    let cursor = lock(&self.store).cursor()?;
                    let count = receiving.total.is_none();
                    feed.insert(Feed::start(&api, &access, cursor, count, closed_before))
                }
            };
            let waiting = Instant::now();
            let next = feed_now.next(&account.server_url).await;
            report.waited_ms += waiting.elapsed().as_millis() as u64;
            let page = match next {
                Ok(p) => p,
                Err(e) if is_unauthorized(&e) && !retried_auth => {
                    // Expired or revoked between our check and the server's: refresh once.
                    retried_auth = true;
                    *lock(&self.access) = None;
                    feed = None;
                    continue;
                }
                Err(Error::Server(e)) if e.code == ErrorCode::RebootstrapRequired => {
                    // The server no longer keeps our cursor, or the agent's scope changed
                    // (groups, role): pull everything again into an emptied cache, so no
                    // ticket of a group the agent left lingers. The outbox and the
                    // agent's unsent messages are kept (DESIGN.md §4), and so is the
                    // sign-in.
                    feed = None;
                    self.begin_bulk_reads();
                    {
                        let mut store = lock(&self.store);
                        let account = store.meta(ACCOUNT_KEY)?;
                        store.clear()?;
                        store.set_meta(ACCOUNT_KEY, account.as_deref())?;
                    }
                    receiving = Receiving::new(true);
                    closed_before = Some(trim_before());
                    continue;
                }
                Err(e) => return Err(e),
            };
            // A refresh is tried once per failure, not once per sync: a long bootstrap
            // may outlive more than one access token.
            retried_auth = false;
            let group = feed_now.group(page);
            if let Some(newer) = group.iter().find(|p| p.schema_version > SCHEMA_VERSION) {
                return Err(Error::Protocol {
                    url: account.server_url.clone(),
                    detail: format!(
                        "server speaks schema {} but this console knows {SCHEMA_VERSION}: update Desk",
                        newer.schema_version
                    ),
                });
            }
            let last = group.last().is_some_and(|p| !p.has_more);
            // With the pages, in their transaction: answers to pushes whose response was
            // lost on the way (the rest repeat what push responses said, and are no news).
            // Conversations the pages trimmed are marked in it too. Progress once per page
            // written, as when each page had its own transaction.
            let (changes, trimmed) = (&mut report.changes, &mut report.trimmed);
            let storing = Instant::now();
            let answers = lock(&self.store).apply_pull_responses_with(&group, |i| {
                let page = &group[i];
                let trimmed_here = page.trimmed_messages() as usize;
                receiving.page(page.changes.len() + trimmed_here, page.remaining);
                *changes += page.changes.len();
                *trimmed += trimmed_here;
                if receiving.bootstrap && !page.has_more {
                    // The last page of a bootstrap also builds the cache's indexes.
                    self.report_progress(SyncPhase::Preparing, &receiving);
                } else if receiving.total.is_some_and(|t| t > 0) {
                    self.report_progress(SyncPhase::Receiving, &receiving);
                }
            })?;
            report.stored_ms += storing.elapsed().as_millis() as u64;
            report.answers.extend(answers);
            report.pages += group.len();
            if group.len() > 1 {
                // Freeing a group's decoded records (up to 160k, each a handful of
                // allocations: ~0.27 s per bootstrap of 1.2M) on a blocking thread, so it
                // runs beside the next group's writing instead of before it.
                tokio::task::spawn_blocking(move || drop(group));
            }
            if last {
                break;
            }
        }
        lock(&self.store).set_meta(LAST_SYNCED_KEY, Some(&now_ms().to_string()))?;
        report.pending = self.pending_count(&account)?;
        self.evict_if_due()?;
        if receiving.done > 0 || receiving.bootstrap || !report.answers.is_empty() {
            self.report_progress(SyncPhase::Done, &receiving);
        }
        Ok(report)
    }

    fn pending_count(&self, account: &Account) -> Result<u64> {
        // Counts only what this agent can send; another agent's work waits for them.
        Ok(lock(&self.store)
            .outbox()?
            .iter()
            .filter(|e| {
                e.state == desk_core::OutboxState::Pending
                    && e.mutation.agent_id == account.agent.id
            })
            .count() as u64)
    }

    /// Applies an agent action to the cache and queues it for the server, in one
    /// transaction; the next sync sends it. Works offline.
    pub fn act(&self, op: MutationOp) -> Result<Mutation> {
        let account = self.account()?.ok_or(Error::NotSignedIn)?;
        let _bump = Bump(&self.revision);
        Ok(lock(&self.store).apply_local(&account.agent, op, now_ms(), new_id)?)
    }

    /// A public reply (or with `internal`, a note) to a ticket, as seen now: if someone
    /// else writes before it reaches the server, the server holds it for the agent.
    pub fn reply(&self, ticket_id: &str, body_text: &str, internal: bool) -> Result<Mutation> {
        let ticket_id = ticket_id.to_owned();
        let message_id = new_id();
        let body_text = body_text.to_owned();
        let op = if internal {
            MutationOp::Note {
                ticket_id,
                message_id,
                body_text,
            }
        } else {
            let last_seen_message_id = lock(&self.store).latest_confirmed_message(&ticket_id)?;
            MutationOp::Reply {
                ticket_id,
                message_id,
                body_text,
                last_seen_message_id,
                attachments: vec![],
            }
        };
        self.act(op)
    }

    /// Every queued mutation with its state: pending, held (waiting for the agent to
    /// confirm) or rejected (with the server's reason).
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        self.read(Store::outbox)
    }

    /// The agent confirms a held reply: it is queued again, having seen the conversation.
    pub fn release_held(&self, mutation_id: &str) -> Result<Mutation> {
        let _bump = Bump(&self.revision);
        Ok(lock(&self.store).release_held(mutation_id, new_id)?)
    }

    /// The agent rewrites a held reply (the customer wrote meanwhile) and sends it: as
    /// [`Client::release_held`], with the new text, which meets the rules of a new reply.
    pub fn release_held_edited(&self, mutation_id: &str, body_text: &str) -> Result<Mutation> {
        let _bump = Bump(&self.revision);
        Ok(lock(&self.store).release_held_edited(mutation_id, body_text, new_id)?)
    }

    /// Applies an edit of one ticket (status, priority, category, claim, assignee, tags),
    /// one action per field in [`TicketEdit::ops`] order. Stops at the first refusal:
    /// the fields before it are applied and queued, the rest are not.
    pub fn edit(&self, ticket_id: &str, edit: &TicketEdit) -> Result<Vec<Mutation>> {
        let ops = edit.ops(ticket_id);
        if ops.is_empty() {
            return Err(Error::BadInput(format!(
                "edit of {ticket_id} changes nothing"
            )));
        }
        ops.into_iter().map(|op| self.act(op)).collect()
    }

    /// The same edit on many tickets. A ticket the rules refuse is reported and the others
    /// still change; a failure of the cache itself stops the whole edit.
    pub fn edit_many(&self, ticket_ids: &[String], edit: &TicketEdit) -> Result<BulkOutcome> {
        let mut outcome = BulkOutcome::default();
        for id in ticket_ids {
            match self.edit(id, edit) {
                Ok(_) => outcome.edited += 1,
                Err(e @ (Error::Store(desk_store::Error::Refused(_)) | Error::BadInput(_))) => {
                    outcome.failed.push(BulkFailure {
                        ticket_id: id.clone(),
                        error: ApiError::from(&e),
                    });
                }
                Err(Error::Store(desk_store::Error::TicketNotFound(_))) => {
                    outcome.failed.push(BulkFailure {
                        ticket_id: id.clone(),
                        error: ApiError::new(ErrorCode::NotFound, format!("no ticket {id}")),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(outcome)
    }

    /// The team's agents in the cache, by name (the assignee picker).
    pub fn agents(&self) -> Result<Vec<Agent>> {
        self.read(Store::agents)
    }

    /// Macros with a body for `language` (or every macro), by title.
    pub fn macros(&self, language: Option<&str>) -> Result<Vec<Macro>> {
        self.read(|s| s.macros(language))
    }

    /// Every cached group (team), by id: the names a ticket's group is shown with, and
    /// the choices for handing a ticket on. Offline too.
    pub fn groups(&self) -> Result<Vec<desk_core::Group>> {
        self.read(Store::groups)
    }

    /// Every cached knowledge-base article, drafts too, by id.
    pub fn kb_articles(&self) -> Result<Vec<desk_core::KbArticle>> {
        self.read(Store::kb_articles)
    }

    /// A page of a view with filters and a sort (the SLA views, tickets of an incident).
    pub fn query_tickets(&self, query: &TicketQuery) -> Result<TicketPage> {
        let me = self.me()?;
        self.read(|s| s.query_tickets(query, me.as_deref(), now_ms()))
    }

    /// Incidents not yet resolved, with their open tickets counted (the sidebar).
    pub fn active_incidents(&self) -> Result<Vec<desk_core::view::IncidentView>> {
        self.read(Store::active_incidents)
    }

    /// Open tickets at risk of breaching their SLA, and breached, now.
    pub fn sla_counts(&self) -> Result<SlaCounts> {
        self.read(|s| s.sla_counts(now_ms()))
    }

    /// The agent gives up a held or rejected mutation.
    pub fn discard(&self, mutation_id: &str) -> Result<()> {
        let _bump = Bump(&self.revision);
        Ok(lock(&self.store).discard(mutation_id)?)
    }

    /// Indexes up to `max` queued records for search; 0 when caught up.
    pub fn index_pending(&self, max: usize) -> Result<usize> {
        Ok(lock(&self.store).index_pending(max)?)
    }

    /// Searches the cache (what is indexed so far).
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        self.read(|s| s.search(q))
    }

    fn note_result(&self, result: &std::result::Result<(), &Error>) {
        // Bumped when this returns, after the guarded update below (drop order).
        let _bump = Bump(&self.revision);
        let mut status = lock(&self.status);
        match result {
            Ok(()) => {
                status.connectivity = Connectivity::Online;
                status.last_error = None;
            }
            Err(e) => {
                // An untrusted certificate keeps the server out of reach as surely as a
                // cable: the agent works from the cache, the error says why.
                if e.is_offline() || matches!(e, Error::Untrusted { .. }) {
                    status.connectivity = Connectivity::Offline;
                } else if matches!(e, Error::Server(_)) {
                    // The server answered, so it is reachable even though it refused.
                    status.connectivity = Connectivity::Online;
                }
                status.last_error = Some(ApiError::from(*e));
            }
        }
    }

    /// What the console's chrome shows.
    pub fn state(&self) -> Result<SessionState> {
        // Read first: what follows is at least as new as this revision.
        let revision = self.revision.load(Ordering::SeqCst);
        let account = self.account()?;
        let (outbox, last_synced_at, cached_tickets) =
            self.read(|store: &Store| -> desk_store::Result<_> {
                let outbox = match &account {
                    Some(a) => store.outbox_counts(&a.agent.id)?,
                    None => OutboxCounts::default(),
                };
                let last_synced_at = store.meta(LAST_SYNCED_KEY)?.and_then(|v| v.parse().ok());
                Ok((outbox, last_synced_at, store.ticket_count()?))
            })?;
        let status = lock(&self.status);
        Ok(SessionState {
            revision,
            signed_in: account.is_some(),
            server_url: account.as_ref().map(|a| a.server_url.clone()),
            capabilities: account
                .as_ref()
                .map(|a| desk_core::access::Capability::of(a.agent.role))
                .unwrap_or_default(),
            agent: account.map(|a| a.agent),
            connectivity: status.connectivity,
            last_synced_at,
            last_error: status.last_error.clone(),
            cached_tickets,
            outbox,
            cache_reset: *lock(&self.cache_reset),
        })
    }

    fn me(&self) -> Result<Option<String>> {
        Ok(self.account()?.map(|a| a.agent.id))
    }

    pub fn list_tickets(&self, view: InboxView, limit: u32) -> Result<Vec<TicketSummary>> {
        let me = self.me()?;
        let limit = limit.clamp(1, 100_000);
        self.read(|s| {
            s.list_tickets(&ViewQuery {
                view,
                me: me.as_deref(),
                limit,
            })
        })
    }

    pub fn view_counts(&self) -> Result<ViewCounts> {
        let me = self.me()?;
        self.read(|s| s.view_counts(me.as_deref()))
    }

    /// A customer's profile, their cached tickets newest first (at most `max_tickets`) and
    /// their wallet transactions: the customer panel's earlier tickets, offline too.
    pub fn customer_history(
        &self,
        customer_id: &str,
        max_tickets: u32,
    ) -> Result<desk_core::view::CustomerHistory> {
        let max_tickets = max_tickets.clamp(1, 500);
        self.read(|s| s.customer_history(customer_id, max_tickets))
    }

    pub fn ticket(&self, id: &str) -> Result<TicketDetail> {
        self.read(|s| s.ticket_detail(id))
    }
}

//! The parts the simulation drives: the real server logic over a real SQLite file, and
//! real client caches, each a file that a restart closes and opens again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use desk_core::wire::{Change, PullResponse, PushRequest, PushResponse, SCHEMA_VERSION};
use desk_core::{Agent, Message, Mutation, Ticket};
use desk_server::auth::Caller;
use desk_server::feed::{self, FeedPosition, Scope};
use desk_server::{Config, SqliteStorage, Storage, push};
use desk_store::Store;

/// The server: the same `push::push` and `feed::pull` the HTTP routes call, minus HTTP.
pub struct Server {
    path: PathBuf,
    storage: Option<SqliteStorage>,
    config: Config,
    /// A current-thread runtime: the storage's async calls run one at a time, in program
    /// order, so nothing about a run depends on thread scheduling.
    rt: tokio::runtime::Runtime,
}

/// What the server holds, as a pull from zero of every record shows it.
#[derive(Debug, Default)]
pub struct ServerView {
    pub tickets: BTreeMap<String, Ticket>,
    pub messages: BTreeMap<String, Message>,
}

impl Server {
    pub fn open(dir: &Path) -> Result<Self, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| format!("build runtime: {e}"))?;
        let path = dir.join(desk_server::storage::sqlite::DB_FILE_NAME);
        let storage = SqliteStorage::open(&path).map_err(|e| format!("open server: {e}"))?;
        Ok(Self {
            path,
            storage: Some(storage),
            config: Config::default(),
            rt,
        })
    }

    pub fn storage(&self) -> &SqliteStorage {
        self.storage
            .as_ref()
            .expect("the server is open between restarts")
    }

    pub fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Closes the database (every connection) and opens it again from its file.
    pub fn restart(&mut self) -> Result<(), String> {
        self.storage = None;
        self.storage =
            Some(SqliteStorage::open(&self.path).map_err(|e| format!("reopen server: {e}"))?);
        Ok(())
    }

    pub fn push(
        &self,
        caller: &Caller,
        now: i64,
        mutations: Vec<Mutation>,
    ) -> Result<PushResponse, String> {
        let request = PushRequest {
            schema_version: SCHEMA_VERSION,
            mutations,
        };
        self.block(push::push(
            self.storage(),
            &self.config,
            caller,
            now,
            request,
        ))
        .map_err(|e| format!("push: {e}"))
    }

    pub fn pull(
        &self,
        caller: &Caller,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<PullResponse, String> {
        // Read as a console reads the wire: the page's JSON, decoded.
        self.block(feed::pull(
            self.storage(),
            &self.config,
            caller,
            cursor,
            Some(limit),
            false,
            None,
        ))
        .and_then(|page| page.decode())
        .map_err(|e| format!("pull: {e}"))
    }

    pub fn write(&self, records: Vec<Change>) -> Result<(), String> {
        self.block(self.storage().write_records(records))
            .map(|_| ())
            .map_err(|e| format!("write records: {e}"))
    }

    /// Every record the server holds, read through the feed from zero.
    pub fn view(&self) -> Result<ServerView, String> {
        let mut view = ServerView::default();
        let mut after = FeedPosition::ZERO;
        loop {
            let page = self
                .block(self.storage().pull(after, 5000, &Scope::All))
                .map_err(|e| format!("read the server's records: {e}"))?;
            let changes = page
                .decoded_changes()
                .map_err(|e| format!("decode the server's records: {e}"))?;
            for (_, change) in &changes {
                match change {
                    Change::Ticket(t) => {
                        view.tickets.insert(t.id.clone(), t.clone());
                    }
                    Change::Message(m) => {
                        let earlier = view.messages.insert(m.id.clone(), m.clone());
                        if earlier.is_some() {
                            return Err(format!("the feed holds message {} twice", m.id));
                        }
                    }
                    _ => {}
                }
            }
            match page.last_position() {
                Some(p) if page.has_more => after = p,
                _ => return Ok(view),
            }
        }
    }
}

/// One console: a cache file, its agent, its device, and what the network does to it.
pub struct Client {
    pub index: usize,
    pub caller: Caller,
    path: PathBuf,
    store: Option<Store>,
    /// Ids this client makes (client id, mutation ids, message ids), unique in the run.
    /// Kept outside the cache, like the UUIDv7 clock a real console reads.
    next_id: u64,
    /// Offline (partitioned) until this step.
    pub offline_until: u64,
    /// A push request stuck in the network, delivered (or not) later.
    pub delayed: Option<Vec<Mutation>>,
}

impl Client {
    pub fn open(dir: &Path, index: usize, agent: Agent) -> Result<Self, String> {
        let path = dir.join(format!("client{index}.sqlite3"));
        std::fs::write(&path, empty_cache()?)
            .map_err(|e| format!("write client {index}'s cache: {e}"))?;
        let store = Store::open(&path).map_err(|e| format!("open client {index}: {e}"))?;
        Ok(Self {
            index,
            caller: Caller {
                agent,
                device_id: format!("device{index}"),
            },
            path,
            store: Some(store),
            next_id: 0,
            offline_until: 0,
            delayed: None,
        })
    }

    pub fn agent(&self) -> &Agent {
        &self.caller.agent
    }

    pub fn store(&self) -> &Store {
        self.store
            .as_ref()
            .expect("the cache is open between restarts")
    }

    /// The cache and an id maker, borrowed together for `Store::apply_local`.
    pub fn store_and_ids(&mut self) -> (&mut Store, impl FnMut() -> String + '_) {
        let index = self.index;
        let next = &mut self.next_id;
        let ids = move || {
            *next += 1;
            format!("k{index}-{next}")
        };
        (
            self.store
                .as_mut()
                .expect("the cache is open between restarts"),
            ids,
        )
    }

    pub fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("k{}-{}", self.index, self.next_id)
    }

    pub fn store_mut(&mut self) -> &mut Store {
        self.store
            .as_mut()
            .expect("the cache is open between restarts")
    }

    /// The console quits (or crashes between transactions) and starts again.
    pub fn restart(&mut self) -> Result<(), String> {
        self.store = None;
        self.store = Some(
            Store::open(&self.path).map_err(|e| format!("reopen client {}: {e}", self.index))?,
        );
        Ok(())
    }

    pub fn online(&self, step: u64) -> bool {
        step >= self.offline_until
    }
}

/// The bytes of a freshly migrated, empty cache file. Creating the schema is most of what
/// opening a new cache costs, and a run opens several: each starts from a copy instead,
/// which `Store::open` then finds up to date.
fn empty_cache() -> Result<&'static [u8], String> {
    static BYTES: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    BYTES
        .get_or_init(|| {
            let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
            let path = dir.path().join("template.sqlite3");
            // Closing the only connection checkpoints the WAL into the file and removes it.
            drop(Store::open(&path).map_err(|e| format!("create the cache template: {e}"))?);
            std::fs::read(&path).map_err(|e| format!("read the cache template: {e}"))
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

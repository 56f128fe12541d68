//! The state every request handler shares: storage, settings, clock, login throttle.
//!
//! Cheap to clone (one `Arc`). Must not depend on a storage backend: it holds
//! `Arc<dyn Storage>`, whichever backend the binary chose.

use std::sync::{Arc, OnceLock};

use crate::auth::throttle::LoginThrottle;
use crate::config::{Clock, Config, SystemClock, millis};
use crate::ingest::limit::IngestLimiter;
use crate::metrics::Metrics;
use crate::presence::Presence;
use crate::storage::Storage;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    storage: Arc<dyn Storage>,
    config: Config,
    clock: Arc<dyn Clock>,
    throttle: LoginThrottle,
    ingest_limiter: IngestLimiter,
    /// Verified against when the email is unknown, so both cases cost the same time.
    dummy_password_hash: OnceLock<String>,
    /// Set once the server is shutting down: long-lived responses (event streams) end, so
    /// a graceful shutdown does not wait for them for ever.
    closing: tokio::sync::watch::Sender<bool>,
    metrics: Metrics,
    /// Who is on which ticket; this instance's memory only (see `crate::presence`).
    presence: Presence,
    /// The help center's published articles, refreshed from storage every few seconds.
    help: crate::help::HelpCache,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("storage", &self.inner.storage.backend())
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State reading the system clock.
    pub fn new(storage: Arc<dyn Storage>, config: Config) -> Self {
        Self::with_clock(storage, config, Arc::new(SystemClock))
    }

    /// State reading `clock`, e.g. a [`crate::ManualClock`] in tests.
    pub fn with_clock(storage: Arc<dyn Storage>, config: Config, clock: Arc<dyn Clock>) -> Self {
        let throttle = LoginThrottle::new(config.login_max_failures, millis(config.login_window));
        let ingest_limiter = IngestLimiter::new(config.ingest_limits);
        Self {
            inner: Arc::new(Inner {
                storage,
                config,
                clock,
                throttle,
                ingest_limiter,
                dummy_password_hash: OnceLock::new(),
                closing: tokio::sync::watch::Sender::new(false),
                metrics: Metrics::new(),
                presence: Presence::default(),
                help: crate::help::HelpCache::default(),
            }),
        }
    }

    pub fn help(&self) -> &crate::help::HelpCache {
        &self.inner.help
    }

    pub fn storage(&self) -> &dyn Storage {
        self.inner.storage.as_ref()
    }

    pub fn storage_arc(&self) -> Arc<dyn Storage> {
        self.inner.storage.clone()
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn ingest_limiter(&self) -> &IngestLimiter {
        &self.inner.ingest_limiter
    }

    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// Tells long-lived responses to end: the server is shutting down.
    pub fn close(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Whether [`Self::close`] was called: `/readyz` then says "not ready", so a load
    /// balancer stops sending requests while in-flight ones finish.
    pub fn is_closing(&self) -> bool {
        *self.inner.closing.borrow()
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn presence(&self) -> &Presence {
        &self.inner.presence
    }

    /// Resolves once [`Self::close`] was called.
    pub async fn closed(&self) {
        let mut closing = self.inner.closing.subscribe();
        // An error means the sender is gone, i.e. so is the state: closed too.
        let _ = closing.wait_for(|closing| *closing).await;
    }

    pub(crate) fn throttle(&self) -> &LoginThrottle {
        &self.inner.throttle
    }

    pub(crate) fn dummy_password_hash(&self) -> &OnceLock<String> {
        &self.inner.dummy_password_hash
    }
}

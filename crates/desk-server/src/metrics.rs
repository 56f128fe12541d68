//! The server's Prometheus metrics: what operators graph and alert on (DESIGN.md §6).
//!
//! One registry per [`crate::AppState`], not a process-global recorder: tests run many
//! servers in one process and each must count only its own traffic. Rendered in the
//! OpenMetrics text format, which Prometheus scrapes natively. Must not depend on HTTP
//! routing: callers pass plain labels (the matched route template, never a raw path, so a
//! scanner probing random URLs cannot grow the series without bound).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use desk_core::{ErrorCode, MutationResult};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::storage::PoolStatus;

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

type LatencyFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms .. ~16 s: the sync budget is p99 < 100 ms, the tail shows trouble.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// Counters and gauges of one server; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    in_flight: Gauge,
    event_streams: Gauge,
    pulls: Counter,
    pulled_changes: Counter,
    pushes: Counter,
    pushed_mutations: Family<OutcomeLabels, Counter>,
    login_failures: Family<CodeLabels, Counter>,
    mails_refused: Counter,
    pool_max: Gauge<u64, AtomicU64>,
    pool_size: Gauge<u64, AtomicU64>,
    pool_idle: Gauge<u64, AtomicU64>,
    pool_waiting: Gauge<u64, AtomicU64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("desk");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        let latency = LatencyFamily::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to the response head, by method, route template and status",
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being handled now",
            in_flight.clone(),
        );
        let event_streams = Gauge::default();
        registry.register(
            "event_streams",
            "Connected server-sent event streams (consoles waiting for pokes)",
            event_streams.clone(),
        );
        let pulls = Counter::default();
        registry.register("pulls", "Pulls answered", pulls.clone());
        let pulled_changes = Counter::default();
        registry.register(
            "pulled_changes",
            "Changes sent in pull answers",
            pulled_changes.clone(),
        );
        let pushes = Counter::default();
        registry.register("pushes", "Pushes answered", pushes.clone());
        let pushed_mutations = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "pushed_mutations",
            "Pushed mutations answered, by outcome (replays included)",
            pushed_mutations.clone(),
        );
        let login_failures = Family::<CodeLabels, Counter>::default();
        registry.register(
            "login_failures",
            "Refused logins, by error code (invalid_credentials, rate_limited, ...)",
            login_failures.clone(),
        );
        let mails_refused = Counter::default();
        registry.register(
            "mails_refused",
            "Fetched mails passed over as unreadable or bad input (each logged with its reason)",
            mails_refused.clone(),
        );
        let pool_max = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "db_pool_max_connections",
            "Most database connections the pool opens",
            pool_max.clone(),
        );
        let pool_size = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "db_pool_connections",
            "Database connections open",
            pool_size.clone(),
        );
        let pool_idle = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "db_pool_idle_connections",
            "Open database connections not in use",
            pool_idle.clone(),
        );
        let pool_waiting = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "db_pool_waiting",
            "Requests waiting for a database connection",
            pool_waiting.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry,
                requests,
                latency,
                in_flight,
                event_streams,
                pulls,
                pulled_changes,
                pushes,
                pushed_mutations,
                login_failures,
                mails_refused,
                pool_max,
                pool_size,
                pool_idle,
                pool_waiting,
            }),
        }
    }

    /// Counts an answered request. `route` must be a route template (or a fixed word for
    /// unmatched requests), never the raw path.
    pub fn request_done(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        let labels = RequestLabels {
            method,
            route: route.to_owned(),
            status,
        };
        self.inner.latency.get_or_create(&labels).observe(seconds);
        self.inner.requests.get_or_create(&labels).inc();
    }

    /// Counts a request as in flight until the guard drops (also when the client leaves
    /// and the handler is cancelled).
    pub fn request_started(&self) -> GaugeGuard {
        GaugeGuard::new(&self.inner.in_flight)
    }

    /// Counts a connected event stream until the guard drops.
    pub fn event_stream_opened(&self) -> GaugeGuard {
        GaugeGuard::new(&self.inner.event_streams)
    }

    /// Event streams connected now.
    pub fn event_streams(&self) -> i64 {
        self.inner.event_streams.get()
    }

    pub fn pulled(&self, changes: usize) {
        self.inner.pulls.inc();
        self.inner.pulled_changes.inc_by(changes as u64);
    }

    pub fn pushed<'a>(&self, results: impl IntoIterator<Item = &'a MutationResult>) {
        self.inner.pushes.inc();
        for result in results {
            let outcome = match result {
                MutationResult::Applied => "applied",
                MutationResult::Conflict { .. } => "conflict",
                MutationResult::Rejected { .. } => "rejected",
                MutationResult::Held { .. } => "held",
            };
            self.inner
                .pushed_mutations
                .get_or_create(&OutcomeLabels { outcome })
                .inc();
        }
    }

    /// A fetched mail intake passed over.
    pub fn mail_refused(&self) {
        self.inner.mails_refused.inc();
    }

    pub fn login_failed(&self, code: ErrorCode) {
        self.inner
            .login_failures
            .get_or_create(&CodeLabels {
                code: code.as_str(),
            })
            .inc();
    }

    /// The exposition text, with the pool figures read now.
    pub fn render(&self, pool: PoolStatus) -> String {
        let inner = &self.inner;
        inner.pool_max.set(pool.max_size as u64);
        inner.pool_size.set(pool.size as u64);
        inner.pool_idle.set(pool.idle as u64);
        inner.pool_waiting.set(pool.waiting as u64);
        let mut text = String::new();
        // Writing into a String cannot fail; an encoding error would be a bug in a label.
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &inner.registry) {
            tracing::error!(error = %e, "encode metrics");
        }
        text
    }
}

/// Decrements its gauge when dropped.
#[derive(Debug)]
pub struct GaugeGuard(Gauge);

impl GaugeGuard {
    fn new(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

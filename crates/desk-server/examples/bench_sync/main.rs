//! `cargo xtask bench sync`: the sync client against a real `desk-server serve` process on
//! loopback, on SQLite and on PostgreSQL (DESIGN.md §12: bootstrap of 100k tickets + 1M
//! messages ≤ 10 s; a change visible on another client p95 ≤ 300 ms; 1,000 queued
//! mutations drained ≤ 5 s).
//!
//! Per backend: a fresh store with three accounts and the bench desk (`dataset.rs`), the
//! release server, then
//! - **the peer**: the client's own pull loop (same page size) with a timer per phase:
//!   server read and transfer, JSON decode, store apply (desk-store, as the client applies);
//! - **bootstrap**: `Client::sync` from a fresh cache, then the inbox's first page and view
//!   counts (the usable inbox), then the background indexer drained (search ready);
//! - **change visible**: a second bootstrapped client runs the console's loop
//!   (`listen_for_pokes` + `run_sync_loop`); the first acts (tag or status) and syncs; the
//!   time runs from the action to the change in the second client's cache;
//! - **drain**: 1,000 actions queued offline (replies, notes, tags, status), then
//!   `Client::sync` until the outbox is empty.
//!
//! Clients keep refresh tokens in the OS keyring: the bench re-runs itself inside a private
//! D-Bus + Secret Service session (testsupport), never the user's keyring.
//! Prints one JSON line per metric on stdout; progress goes to stderr.
//! `DESK_BENCH_SAVE_PAGES=DIR` saves the peer's pull pages for desk-store's `replay_pages`.

#[path = "../bench/mod.rs"]
mod bench;
mod dataset;
mod outbox;
mod realtime;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench::{Backend, FreshStore, emit, now_ms, percentile};
use desk_core::TicketStatus;
use desk_core::search::SearchQuery;
use desk_core::view::InboxView;
use desk_core::wire::PullResponse;
use desk_sync::{Client, Profile};

const BOOTSTRAP_BUDGET_S: f64 = 10.0;
const VISIBLE_P95_BUDGET_MS: f64 = 300.0;
const DRAIN_BUDGET_S: f64 = 5.0;
/// Set in the re-run inside the private keyring session.
const IN_KEYRING: &str = "DESK_BENCH_IN_PRIVATE_KEYRING";

const LEAD: &str = "bench-lead@desk.bench";
const FOLLOWER: &str = "bench-follower@desk.bench";
const PEER: &str = "bench-peer@desk.bench";

#[derive(Debug, Clone)]
struct Options {
    backends: Vec<Backend>,
    tickets: u32,
    messages: u64,
    changes: usize,
    mutations: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: bench_sync [--backend sqlite|postgres|both] [--tickets 100000]\n\
         \x20                 [--messages 1000000] [--changes 200] [--mutations 1000]"
    );
    std::process::exit(2)
}

fn parse_args() -> anyhow::Result<Options> {
    let mut o = Options {
        backends: vec![Backend::Sqlite, Backend::Postgres],
        tickets: 100_000,
        messages: 1_000_000,
        changes: 200,
        mutations: 1000,
    };
    for (flag, value) in bench::flag_pairs(usage) {
        let number = || bench::number(&flag, &value);
        match flag.as_str() {
            "--backend" => o.backends = Backend::parse_list(&value).unwrap_or_else(|| usage()),
            "--tickets" => o.tickets = number()?.max(10) as u32,
            "--messages" => o.messages = number()?,
            "--changes" => o.changes = number()?.max(1) as usize,
            "--mutations" => o.mutations = number()?.max(1) as usize,
            _ => usage(),
        }
    }
    Ok(o)
}

fn main() -> anyhow::Result<()> {
    let options = parse_args()?;
    if std::env::var_os(IN_KEYRING).is_none() {
        std::process::exit(rerun_in_private_keyring()?);
    }
    let runtime = tokio::runtime::Runtime::new()?;
    for &backend in &options.backends {
        bench_backend(&runtime, backend, &options)
            .with_context(|| format!("bench on {}", backend.name()))?;
    }
    Ok(())
}

/// Runs this benchmark again as a child whose session bus is a private Secret Service.
fn rerun_in_private_keyring() -> anyhow::Result<i32> {
    let root = tempfile::Builder::new()
        .prefix("desk-bench-keyring-")
        .tempdir()?;
    let session = testsupport::KeyringSession::start(root.path());
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.args(std::env::args_os().skip(1)).env(IN_KEYRING, "1");
    session.apply(&mut cmd);
    let status = cmd
        .status()
        .context("run the bench in the keyring session")?;
    Ok(status.code().unwrap_or(1))
}

fn bench_backend(
    runtime: &tokio::runtime::Runtime,
    backend: Backend,
    o: &Options,
) -> anyhow::Result<()> {
    let name = backend.name();
    let store = FreshStore::new(backend)?;
    eprintln!(
        "bench sync [{name}]: writing {} tickets, {} messages",
        o.tickets, o.messages
    );
    let started = Instant::now();
    let written = runtime.block_on(async {
        let storage = store.open().await?;
        let emails = [LEAD, FOLLOWER, PEER].map(String::from);
        bench::add_agents(storage.as_ref(), &emails).await?;
        dataset::write(storage.as_ref(), o.tickets, o.messages, now_ms()).await
    })?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("bench sync [{name}]: {written:?} in {seconds:.1}s");
    emit(
        &format!("sync_{name}_server_write_rows_per_s"),
        written.records as f64 / seconds,
        "rows/s",
        None,
        "higher",
    );
    if let Some(took) = store.settle() {
        eprintln!(
            "bench sync [{name}]: VACUUM (ANALYZE) in {:.1}s",
            took.as_secs_f64()
        );
    }
    let server = store.serve();
    let result = runtime.block_on(measure(name, &server, o, &written));
    server.stop();
    result
}

async fn measure(
    name: &str,
    server: &testsupport::ServerProcess,
    o: &Options,
    written: &dataset::Written,
) -> anyhow::Result<()> {
    let base = server.url.as_str();
    let metrics = server
        .metrics_url
        .as_deref()
        .context("the server serves no metrics")?;
    let server_time = || async {
        Ok::<_, anyhow::Error>((
            server_seconds(metrics, "/api/v1/push").await?,
            server_seconds(metrics, "/api/v1/sync/pull").await?,
        ))
    };
    let work = tempfile::Builder::new()
        .prefix("desk-bench-sync-")
        .tempdir()?;
    let peer = peer_pull(base, &work.path().join("peer.db")).await?;
    eprintln!("bench sync [{name}]: peer {peer:?}");
    // The feed also carries the bench's agents.
    if peer.records + peer.trimmed < written.records {
        bail!(
            "the pull from zero carried {} records and trimmed {}, the bench wrote {}",
            peer.records,
            peer.trimmed,
            written.records
        );
    }

    let lead = Arc::new(signed_in(work.path(), "lead", base, LEAD).await?);
    let (_, pulled_before) = server_time().await?;
    let boot = bootstrap(&lead).await?;
    let (_, pulled_after) = server_time().await?;
    eprintln!("bench sync [{name}]: bootstrap {boot:?}");
    // Both trimmed with a cutoff of their own start: a conversation crossing it between
    // the two moves from one count to the other, the sum stays.
    if boot.records + boot.trimmed != peer.records + peer.trimmed {
        bail!(
            "the bootstrap applied {} changes and trimmed {}, the peer {} and {}",
            boot.records,
            boot.trimmed,
            peer.records,
            peer.trimmed
        );
    }
    let m = |metric: &str| format!("sync_{name}_{metric}");
    let secs = |d: Duration| d.as_secs_f64();
    let records = boot.records as f64;
    emit(
        &m("bootstrap_to_usable_inbox"),
        secs(boot.usable),
        "s",
        Some(BOOTSTRAP_BUDGET_S),
        "lower",
    );
    emit(
        &m("bootstrap_rows_trimmed"),
        boot.trimmed as f64,
        "rows",
        None,
        "lower",
    );
    emit(
        &m("bootstrap_rows_per_s"),
        records / secs(boot.synced),
        "rows/s",
        None,
        "higher",
    );
    let raw_pull = secs(peer.fetch + peer.decode);
    emit(
        &m("raw_pull_rows_per_s"),
        records / raw_pull,
        "rows/s",
        None,
        "higher",
    );
    emit(
        &m("bootstrap_vs_raw_pull"),
        raw_pull / secs(boot.synced),
        "ratio",
        None,
        "higher",
    );
    // The client's own split of its bootstrap: waiting for the next page (server,
    // transfer, decode, beyond what writing hid) and writing pages (the finish included).
    emit(
        &m("bootstrap_client_waited_for_pages"),
        boot.waited_ms as f64 / 1000.0,
        "s",
        None,
        "lower",
    );
    emit(
        &m("bootstrap_client_store_writes"),
        boot.stored_ms as f64 / 1000.0,
        "s",
        None,
        "lower",
    );
    // The server's share of the client's own bootstrap: reading and encoding the pages.
    emit(
        &m("bootstrap_server_pull"),
        pulled_after - pulled_before,
        "s",
        None,
        "lower",
    );
    emit(
        &m("peer_server_and_transfer"),
        secs(peer.fetch),
        "s",
        None,
        "lower",
    );
    emit(
        &m("peer_json_decode"),
        secs(peer.decode),
        "s",
        None,
        "lower",
    );
    emit(&m("peer_store_apply"), secs(peer.apply), "s", None, "lower");
    emit(
        &m("peer_store_index_build"),
        secs(peer.last_page_apply),
        "s",
        None,
        "lower",
    );
    emit(
        &m("bootstrap_bytes"),
        peer.bytes as f64 / 1e6,
        "MB",
        None,
        "lower",
    );
    emit(
        &m("search_indexed_after_usable"),
        secs(boot.indexed),
        "s",
        None,
        "lower",
    );
    emit(
        &m("search_index_docs_per_s"),
        boot.docs as f64 / secs(boot.indexed),
        "docs/s",
        None,
        "higher",
    );
    emit(
        &m("inbox_first_page_after_bootstrap"),
        boot.first_page_ms,
        "ms",
        None,
        "lower",
    );
    emit(
        &m("view_counts_after_bootstrap"),
        boot.counts_ms,
        "ms",
        None,
        "lower",
    );

    let follower = Arc::new(signed_in(work.path(), "follower", base, FOLLOWER).await?);
    // A second bootstrap, with the first client's cache beside it: the spread between the
    // two says how much the shared machine moved the figure.
    let started = Instant::now();
    let second = follower.sync().await?;
    let second_took = started.elapsed();
    eprintln!(
        "bench sync [{name}]: follower bootstrapped ({} changes) in {:.1}s",
        second.changes,
        second_took.as_secs_f64()
    );
    emit(
        &m("bootstrap_second_client_sync"),
        secs(second_took),
        "s",
        None,
        "lower",
    );
    let visible = realtime::change_visible(&lead, follower, o.changes).await?;
    eprintln!(
        "bench sync [{name}]: {} changes seen, {} missed",
        visible.samples_us.len(),
        visible.missed
    );
    let mut samples = visible.samples_us;
    emit(
        &m("change_visible_p50"),
        percentile(&mut samples, 0.50),
        "ms",
        None,
        "lower",
    );
    emit(
        &m("change_visible_p95"),
        percentile(&mut samples, 0.95),
        "ms",
        Some(VISIBLE_P95_BUDGET_MS),
        "lower",
    );
    emit(
        &m("change_visible_max"),
        percentile(&mut samples, 1.0),
        "ms",
        None,
        "lower",
    );
    emit(
        &m("change_visible_missed"),
        visible.missed as f64,
        "changes",
        Some(0.0),
        "lower",
    );
    emit(
        &m("change_push_p50"),
        percentile(&mut visible.push_us.clone(), 0.50),
        "ms",
        None,
        "lower",
    );

    let (pushed_before, pulled_before) = server_time().await?;
    let drained = outbox::drain(&lead, o.mutations).await?;
    let (pushed_after, pulled_after) = server_time().await?;
    eprintln!("bench sync [{name}]: drain {drained:?}");
    emit(
        &m("outbox_drain_server_push"),
        pushed_after - pushed_before,
        "s",
        None,
        "lower",
    );
    emit(
        &m("outbox_drain_server_pull"),
        pulled_after - pulled_before,
        "s",
        None,
        "lower",
    );
    emit(&m("outbox_queue"), secs(drained.queued), "s", None, "lower");
    emit(
        &m("outbox_drained"),
        secs(drained.drained),
        "s",
        Some(DRAIN_BUDGET_S),
        "lower",
    );
    emit(
        &m("outbox_drain_mutations_per_s"),
        o.mutations as f64 / secs(drained.drained),
        "1/s",
        None,
        "higher",
    );
    Ok(())
}

/// What the client's pull loop costs, phase by phase, on the same pages as its bootstrap.
#[derive(Debug, Default)]
struct PeerPull {
    records: u64,
    /// Message rows the server left out (old closed conversations, DESIGN.md §4 Scope).
    trimmed: u64,
    pages: u64,
    bytes: u64,
    /// Send to last body byte: the server's read, encode and the loopback transfer.
    fetch: Duration,
    decode: Duration,
    /// desk-store's apply of each page and, with the last, the bulk load's index build.
    apply: Duration,
    /// Of `apply`, the last page's: the bulk load's index build and derived state.
    last_page_apply: Duration,
}

async fn peer_pull(base: &str, cache: &Path) -> anyhow::Result<PeerPull> {
    let http = reqwest::Client::new();
    let token = bench::login(&http, base, PEER, "bench peer")
        .await?
        .access_token;
    // Encrypted and trimmed as the client's bootstrap is.
    let mut store = desk_store::Store::open_encrypted(cache, &desk_store::CacheKey::generate())?;
    let closed_before = now_ms() - desk_sync::DEFAULT_KEEP_CLOSED.as_millis() as i64;
    let mut peer = PeerPull::default();
    let mut cursor = String::new();
    // Applied in groups of pages, one transaction each, as the client applies them when
    // its store is the slow side (`desk_sync::GROUP_PAGES`, 32).
    let mut group = Vec::new();
    let save = std::env::var_os("DESK_BENCH_SAVE_PAGES").map(std::path::PathBuf::from);
    if let Some(dir) = &save {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    loop {
        let started = Instant::now();
        let body = http
            .get(format!("{base}/api/v1/sync/pull"))
            .query(&[
                ("cursor", cursor.as_str()),
                ("limit", &desk_sync::PULL_PAGE.to_string()),
                ("closed_before", &closed_before.to_string()),
            ])
            .bearer_auth(token.expose())
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let fetched = Instant::now();
        let page: PullResponse = serde_json::from_slice(&body).context("decode a pull page")?;
        peer.decode += fetched.elapsed();
        if let Some(dir) = &save {
            let file = dir.join(format!("page-{:05}.json", peer.pages));
            std::fs::write(&file, &body).with_context(|| format!("write {}", file.display()))?;
        }
        peer.fetch += fetched - started;
        peer.bytes += body.len() as u64;
        peer.records += page.changes.len() as u64;
        peer.trimmed += page.trimmed_messages();
        peer.pages += 1;
        cursor = page.next_cursor.clone();
        let last = !page.has_more;
        group.push(page);
        if group.len() == desk_sync::GROUP_PAGES || last {
            // The last page on its own, so its time is the bulk load's index build.
            let (pages, tail) = group.split_at(group.len() - usize::from(last));
            for pages in [pages, tail] {
                let applying = Instant::now();
                store.apply_pull_responses(pages)?;
                let applied = applying.elapsed();
                peer.apply += applied;
                peer.last_page_apply = applied;
            }
            group.clear();
        }
        if last {
            break;
        }
    }
    drop(store);
    // Not needed again: leave the disk to the clients.
    let _ = desk_store::remove_cache_files(cache);
    Ok(peer)
}

/// Seconds the server spent answering a route so far (to the response head, every status),
/// from its Prometheus histogram; `route` is the route template, e.g. `/api/v1/push`.
async fn server_seconds(metrics_url: &str, route: &str) -> anyhow::Result<f64> {
    let text = reqwest::get(metrics_url)
        .await?
        .error_for_status()?
        .text()
        .await?;
    let label = format!("route=\"{route}\"");
    Ok(text
        .lines()
        .filter(|l| l.starts_with("desk_http_request_duration_seconds_sum{") && l.contains(&label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum())
}

async fn signed_in(work: &Path, who: &str, base: &str, email: &str) -> anyhow::Result<Client> {
    let client = Client::open(Profile::at(&work.join(who)), format!("bench {who}"))?;
    client
        .sign_in(base, email, bench::PASSWORD)
        .await
        .with_context(|| format!("sign in as {email}"))?;
    Ok(client)
}

#[derive(Debug)]
struct Bootstrap {
    records: u64,
    trimmed: u64,
    synced: Duration,
    usable: Duration,
    first_page_ms: f64,
    counts_ms: f64,
    indexed: Duration,
    docs: usize,
    waited_ms: u64,
    stored_ms: u64,
}

async fn bootstrap(client: &Client) -> anyhow::Result<Bootstrap> {
    let started = Instant::now();
    let report = client.sync().await?;
    let synced = started.elapsed();
    let page = client.list_tickets(InboxView::Open, 50)?;
    let first_page = started.elapsed();
    let counts = client.view_counts()?;
    let usable = started.elapsed();
    if page.is_empty() || counts.all == 0 {
        bail!("the inbox is empty after the bootstrap: {counts:?}");
    }
    let index_started = Instant::now();
    let mut docs = 0;
    loop {
        let n = client.index_pending(20_000)?;
        if n == 0 {
            break;
        }
        docs += n;
    }
    let indexed = index_started.elapsed();
    let hits = client.search(&SearchQuery {
        text: "确认".into(),
        filters: Default::default(),
        limit: 20,
    })?;
    if hits.is_empty() {
        bail!("search finds nothing once indexed");
    }
    Ok(Bootstrap {
        records: report.changes as u64,
        trimmed: report.trimmed as u64,
        synced,
        usable,
        first_page_ms: (first_page - synced).as_secs_f64() * 1000.0,
        counts_ms: (usable - first_page).as_secs_f64() * 1000.0,
        indexed,
        docs,
        waited_ms: report.waited_ms,
        stored_ms: report.stored_ms,
    })
}

/// Tickets the lead may toggle between open and pending-customer, with their status now.
pub fn toggleable(client: &Client, want: usize) -> anyhow::Result<Vec<(String, TicketStatus)>> {
    let tickets: Vec<_> = client
        .list_tickets(InboxView::Open, 5000)?
        .into_iter()
        .filter(|t| matches!(t.status, TicketStatus::Open | TicketStatus::PendingCustomer))
        .map(|t| (t.id, t.status))
        .take(want)
        .collect();
    if tickets.len() < want.min(100) {
        bail!("only {} open tickets to act on", tickets.len());
    }
    Ok(tickets)
}

pub fn toggled(status: TicketStatus) -> TicketStatus {
    if status == TicketStatus::Open {
        TicketStatus::PendingCustomer
    } else {
        TicketStatus::Open
    }
}

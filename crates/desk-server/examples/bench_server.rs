//! `cargo xtask bench server`: simulated consoles against a real `desk-server serve` process
//! on loopback, on SQLite and on PostgreSQL (DESIGN.md §12: ≥ 1,000 syncing agents at
//! p99 < 100 ms on 2 cores).
//!
//! Each simulated agent signs in as its own account and device, holds an SSE event stream
//! open (as a console does, so the server pays for every poke it fans out), and loops: think
//! (jittered), pull from its cursor until `has_more` is false, and now and then push one
//! realistic mutation (tags, status, a reply or a note). The ramp adds agents step by step;
//! each step warms up, then records the latency of every pull and push (send to last body
//! byte). The figure is the largest step whose p99 stayed under 100 ms with no errors.
//! Memory per connected client: the server's RSS with every account's event stream open
//! and idle, minus its RSS before, over the number of streams.
//!
//! Prints one JSON line per metric on stdout: {"metric","value","unit","target","better"};
//! progress goes to stderr. The load generator shares the machine's cores with the server,
//! so the figures are a floor for the server alone.

mod bench;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bench::{Backend, FreshStore, REPLIES, emit, now_ms, percentile};
use desk_core::wire::{PushRequest, SCHEMA_VERSION};
use desk_core::{Mutation, MutationOp, TicketStatus};
use desk_server::seed::{self, SeedOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use testsupport::ServerProcess;

const P99_BUDGET_MS: f64 = 100.0;
/// Past this p99 the next, larger step can only be worse: stop the ramp and save the time.
const GIVE_UP_P99_MS: f64 = 1000.0;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
struct Options {
    backends: Vec<Backend>,
    steps: Vec<usize>,
    warmup: Duration,
    measure: Duration,
    think: Duration,
    /// One pull cycle in this many also pushes one mutation.
    push_every: u32,
    tickets: u32,
    /// Whether an agent also pulls on every poke, as the console's sync loop does
    /// (`--pokes pull`), or only reads its pokes and pulls on its think loop (`read`).
    pull_on_poke: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: bench_server [--backend sqlite|postgres|both] [--agents 100,250,500,1000,1500]\n\
         \x20                   [--warmup-secs 5] [--measure-secs 12] [--think-ms 1000]\n\
         \x20                   [--push-every 10] [--tickets 2000] [--pokes read|pull]"
    );
    std::process::exit(2)
}

fn parse_args() -> anyhow::Result<Options> {
    let mut o = Options {
        backends: vec![Backend::Sqlite, Backend::Postgres],
        steps: vec![100, 250, 500, 1000, 1500],
        warmup: Duration::from_secs(5),
        measure: Duration::from_secs(12),
        think: Duration::from_millis(1000),
        push_every: 10,
        tickets: 2000,
        pull_on_poke: false,
    };
    for (flag, value) in bench::flag_pairs(usage) {
        let number = |v: &str| bench::number(&flag, v);
        match flag.as_str() {
            "--backend" => o.backends = Backend::parse_list(&value).unwrap_or_else(|| usage()),
            "--agents" => {
                o.steps = value
                    .split(',')
                    .map(|v| number(v.trim()).map(|n| n as usize))
                    .collect::<anyhow::Result<_>>()?;
                o.steps.sort_unstable();
            }
            "--warmup-secs" => o.warmup = Duration::from_secs(number(&value)?),
            "--measure-secs" => o.measure = Duration::from_secs(number(&value)?.max(1)),
            "--think-ms" => o.think = Duration::from_millis(number(&value)?.max(1)),
            "--push-every" => o.push_every = number(&value)?.max(1) as u32,
            "--tickets" => o.tickets = number(&value)? as u32,
            "--pokes" => {
                o.pull_on_poke = match value.as_str() {
                    "read" => false,
                    "pull" => true,
                    _ => usage(),
                }
            }
            _ => usage(),
        }
    }
    if o.steps.is_empty() || o.steps[0] == 0 {
        bail!("--agents needs at least one step above zero");
    }
    Ok(o)
}

fn main() -> anyhow::Result<()> {
    let options = parse_args()?;
    let runtime = tokio::runtime::Runtime::new()?;
    for &backend in &options.backends {
        bench_backend(&runtime, backend, &options)
            .with_context(|| format!("bench on {}", backend.name()))?;
    }
    Ok(())
}

/// One backend: fresh storage with the accounts and a seeded desk, a server process, then
/// the idle-stream memory probe and the ramp. The server and cluster stop on return.
fn bench_backend(
    runtime: &tokio::runtime::Runtime,
    backend: Backend,
    options: &Options,
) -> anyhow::Result<()> {
    let accounts = *options.steps.last().unwrap();
    // The console's own loop (a pull per poke) is reported under its own metric names.
    let name = match options.pull_on_poke {
        false => backend.name().to_owned(),
        true => format!("{}_pull_on_poke", backend.name()),
    };
    let name = name.as_str();
    eprintln!(
        "bench server [{name}]: {accounts} accounts, {} tickets",
        options.tickets
    );
    let store = FreshStore::new(backend)?;
    let started = Instant::now();
    runtime.block_on(prepare(&store, accounts, options))?;
    eprintln!(
        "bench server [{name}]: prepared in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if let Some(took) = store.settle() {
        eprintln!(
            "bench server [{name}]: VACUUM (ANALYZE) in {:.1}s",
            took.as_secs_f64()
        );
    }
    let server = store.serve();
    let result = runtime.block_on(load(name, &server, accounts, options));
    server.stop();
    result
}

/// The accounts, then the demo desk, through the library as `desk-server agent add` and
/// `seed-demo` would.
async fn prepare(store: &FreshStore, accounts: usize, options: &Options) -> anyhow::Result<()> {
    let storage = store.open().await?;
    let emails: Vec<String> = (0..accounts).map(email).collect();
    bench::add_agents(storage.as_ref(), &emails).await?;
    seed::seed_demo(
        storage.as_ref(),
        SeedOptions {
            tickets: options.tickets,
            now_ms: now_ms(),
            seed: seed::DEFAULT_SEED,
        },
    )
    .await?;
    Ok(())
}

fn email(i: usize) -> String {
    format!("bench-{i}@desk.bench")
}

/// One signed-in simulated console.
#[derive(Clone)]
struct Session {
    token: String,
    agent_id: String,
    client_id: String,
}

/// What the agents share: where to send, which tickets exist, and the recorder.
struct Shared {
    http: reqwest::Client,
    base: String,
    tickets: Vec<String>,
    head_cursor: String,
    recording: AtomicBool,
    samples: Mutex<Samples>,
    stop: tokio::sync::watch::Sender<bool>,
}

#[derive(Default)]
struct Samples {
    pull_us: Vec<u32>,
    push_us: Vec<u32>,
    errors: u64,
    /// Answers by outcome, to show the pushes were real work and not all refusals.
    outcomes: HashMap<String, u64>,
}

impl Shared {
    fn record(&self, push: bool, took: Duration, ok: bool) {
        if !self.recording.load(Ordering::Relaxed) {
            return;
        }
        let mut s = self.samples.lock().unwrap();
        if !ok {
            s.errors += 1;
        }
        let us = took.as_micros().min(u32::MAX as u128) as u32;
        if push {
            s.push_us.push(us)
        } else {
            s.pull_us.push(us)
        }
    }
}

async fn load(
    name: &str,
    server: &ServerProcess,
    accounts: usize,
    options: &Options,
) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(90))
        .build()?;
    let sessions = login_all(&http, &server.url, accounts).await?;
    let (tickets, head_cursor) = bootstrap(&http, &server.url, &sessions[0]).await?;
    eprintln!(
        "bench server [{name}]: {} sessions, {} tickets, feed head {head_cursor}",
        sessions.len(),
        tickets.len()
    );
    let (stop, _) = tokio::sync::watch::channel(false);
    let shared = Arc::new(Shared {
        http,
        base: server.url.clone(),
        tickets,
        head_cursor,
        recording: AtomicBool::new(false),
        samples: Mutex::default(),
        stop,
    });
    let pid = server.pid();

    // Memory per connected client: every account's event stream open and idle.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(pid)?;
    let opened = Arc::new(AtomicU64::new(0));
    let streams: Vec<_> = sessions
        .iter()
        .map(|s| {
            tokio::spawn(hold_stream(
                shared.clone(),
                s.token.clone(),
                opened.clone(),
                None,
            ))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while opened.load(Ordering::Relaxed) < accounts as u64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let with_streams = rss_kib(pid)?;
    let open = opened.load(Ordering::Relaxed).max(1);
    let per_client = with_streams.saturating_sub(before) as f64 / open as f64;
    eprintln!(
        "bench server [{name}]: RSS {before} KiB idle, {with_streams} KiB with {open} open event streams"
    );
    emit(
        &format!("server_{name}_rss_per_sse_client"),
        per_client,
        "KiB",
        None,
        "lower",
    );
    emit(
        &format!("server_{name}_rss_idle"),
        before as f64 / 1024.0,
        "MiB",
        None,
        "lower",
    );
    for s in streams {
        s.abort();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The ramp.
    let mut agents = Vec::new();
    let mut held: Option<(usize, StepFigures)> = None;
    for &step in &options.steps {
        while agents.len() < step {
            let session = sessions[agents.len()].clone();
            agents.push(tokio::spawn(agent(
                shared.clone(),
                session,
                options.clone(),
            )));
        }
        tokio::time::sleep(options.warmup).await;
        *shared.samples.lock().unwrap() = Samples::default();
        shared.recording.store(true, Ordering::Relaxed);
        tokio::time::sleep(options.measure).await;
        shared.recording.store(false, Ordering::Relaxed);
        let samples = std::mem::take(&mut *shared.samples.lock().unwrap());
        let figures = StepFigures::of(samples, options.measure, rss_kib(pid)?);
        eprintln!("bench server [{name}]: {step} agents: {figures}");
        emit(
            &format!("server_{name}_p99_at_{step}_agents"),
            figures.p99_ms,
            "ms",
            Some(P99_BUDGET_MS),
            "lower",
        );
        let ok = figures.p99_ms < P99_BUDGET_MS && figures.errors == 0;
        if ok {
            held = Some((step, figures.clone()));
        } else if figures.p99_ms > GIVE_UP_P99_MS {
            eprintln!("bench server [{name}]: p99 past {GIVE_UP_P99_MS} ms, ending the ramp");
            break;
        }
    }
    let _ = shared.stop.send(true);
    for a in agents {
        a.abort();
    }
    let (n, figures) = held.unwrap_or((0, StepFigures::default()));
    emit(
        &format!("server_{name}_agents_at_p99_under_100ms"),
        n as f64,
        "agents",
        Some(1000.0),
        "higher",
    );
    emit(
        &format!("server_{name}_pulls_per_s"),
        figures.pulls_per_s,
        "1/s",
        None,
        "higher",
    );
    emit(
        &format!("server_{name}_pushes_per_s"),
        figures.pushes_per_s,
        "1/s",
        None,
        "higher",
    );
    emit(
        &format!("server_{name}_rss_at_held_step"),
        figures.rss_kib as f64 / 1024.0,
        "MiB",
        None,
        "lower",
    );
    Ok(())
}

#[derive(Debug, Clone, Default)]
struct StepFigures {
    p50_ms: f64,
    p99_ms: f64,
    pull_p99_ms: f64,
    push_p99_ms: f64,
    pulls_per_s: f64,
    pushes_per_s: f64,
    errors: u64,
    rss_kib: u64,
    outcomes: Vec<(String, u64)>,
}

impl StepFigures {
    fn of(s: Samples, over: Duration, rss_kib: u64) -> Self {
        let secs = over.as_secs_f64();
        let mut all: Vec<u32> = s.pull_us.iter().chain(&s.push_us).copied().collect();
        let mut outcomes: Vec<_> = s.outcomes.into_iter().collect();
        outcomes.sort();
        Self {
            p50_ms: percentile(&mut all, 0.50),
            p99_ms: percentile(&mut all, 0.99),
            pull_p99_ms: percentile(&mut s.pull_us.clone(), 0.99),
            push_p99_ms: percentile(&mut s.push_us.clone(), 0.99),
            pulls_per_s: s.pull_us.len() as f64 / secs,
            pushes_per_s: s.push_us.len() as f64 / secs,
            errors: s.errors,
            rss_kib,
            outcomes,
        }
    }
}

impl std::fmt::Display for StepFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.1} ms, p99 {:.1} ms (pull {:.1}, push {:.1}), {:.0} pulls/s, {:.1} pushes/s, \
             {} errors, RSS {} MiB, push answers {:?}",
            self.p50_ms,
            self.p99_ms,
            self.pull_p99_ms,
            self.push_p99_ms,
            self.pulls_per_s,
            self.pushes_per_s,
            self.errors,
            self.rss_kib / 1024,
            self.outcomes
        )
    }
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .context("read the server's /proc status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in the server's /proc status")
}

async fn login_all(
    http: &reqwest::Client,
    base: &str,
    accounts: usize,
) -> anyhow::Result<Vec<Session>> {
    use futures_util::StreamExt;
    let logins = futures_util::stream::iter(0..accounts)
        .map(|i| login(http, base, i))
        .buffered(16)
        .collect::<Vec<_>>()
        .await;
    logins.into_iter().collect()
}

async fn login(http: &reqwest::Client, base: &str, i: usize) -> anyhow::Result<Session> {
    let tokens = bench::login(http, base, &email(i), &format!("bench console {i}")).await?;
    Ok(Session {
        token: tokens.access_token.into_inner(),
        agent_id: tokens.agent.id,
        client_id: uuid::Uuid::new_v4().to_string(),
    })
}

/// One full pull from zero: the tickets the agents will act on, and the feed's head, where
/// every simulated console starts (as consoles that bootstrapped earlier would).
async fn bootstrap(
    http: &reqwest::Client,
    base: &str,
    session: &Session,
) -> anyhow::Result<(Vec<String>, String)> {
    let mut cursor = String::new();
    let mut tickets = Vec::new();
    loop {
        let page: serde_json::Value = http
            .get(format!("{base}/api/v1/sync/pull"))
            .query(&[("cursor", cursor.as_str()), ("limit", "5000")])
            .bearer_auth(&session.token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        for change in page["changes"].as_array().into_iter().flatten() {
            if change["kind"] == "ticket"
                && let Some(id) = change["record"]["id"].as_str()
            {
                tickets.push(id.to_owned());
            }
        }
        cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
        if page["has_more"] != true {
            break;
        }
    }
    if tickets.is_empty() {
        bail!("the bootstrap pull carried no tickets");
    }
    Ok((tickets, cursor))
}

/// Holds one event stream open, reading its pokes until aborted or closed; with `poked`,
/// each chunk holding a poke wakes the agent's loop, as a console's stream does.
async fn hold_stream(
    shared: Arc<Shared>,
    token: String,
    opened: Arc<AtomicU64>,
    poked: Option<Arc<tokio::sync::Notify>>,
) {
    let response = shared
        .http
        .get(format!("{}/api/v1/events", shared.base))
        .bearer_auth(&token)
        .send()
        .await;
    let Ok(mut response) = response else { return };
    if !response.status().is_success() {
        return;
    }
    opened.fetch_add(1, Ordering::Relaxed);
    while let Ok(Some(chunk)) = response.chunk().await {
        if let Some(poked) = &poked
            && chunk.windows(11).any(|w| w == b"event: poke")
        {
            poked.notify_one();
        }
    }
}

/// Only what the loop needs from a pull; the rest of the body is parsed and dropped, as a
/// console would parse it.
#[derive(serde::Deserialize)]
struct PullHead {
    next_cursor: String,
    has_more: bool,
}

async fn agent(shared: Arc<Shared>, session: Session, options: Options) {
    let mut stop = shared.stop.subscribe();
    let poked = Arc::new(tokio::sync::Notify::new());
    let stream = tokio::spawn(hold_stream(
        shared.clone(),
        session.token.clone(),
        Arc::new(AtomicU64::new(0)),
        options.pull_on_poke.then(|| poked.clone()),
    ));
    let mut rng = StdRng::from_entropy();
    let mut cursor = shared.head_cursor.clone();
    let mut seq = 0u64;
    // Spread the first pulls over one think time, so the step does not start in lockstep.
    let mut pause = options.think.mul_f64(rng.gen_range(0.0..1.0));
    let mut next_think = Instant::now() + pause;
    loop {
        // A poke pulls (the console's loop); the end of a think pulls and may push.
        let thought = tokio::select! {
            () = tokio::time::sleep_until(next_think.into()) => true,
            () = poked.notified() => false,
            _ = stop.changed() => break,
        };
        if thought {
            pause = options.think.mul_f64(rng.gen_range(0.5..1.5));
            next_think = Instant::now() + pause;
        }
        loop {
            let started = Instant::now();
            let result = pull(&shared, &session, &cursor).await;
            shared.record(false, started.elapsed(), result.is_ok());
            match result {
                Ok(head) => {
                    cursor = head.next_cursor;
                    if !head.has_more {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        if thought && rng.gen_ratio(1, options.push_every) {
            seq += 1;
            let mutation = mutation(&mut rng, &shared.tickets, &session, seq);
            let started = Instant::now();
            let result = push(&shared, &session, mutation).await;
            shared.record(true, started.elapsed(), result.is_ok());
            if let (Ok(outcomes), true) = (result, shared.recording.load(Ordering::Relaxed)) {
                let mut s = shared.samples.lock().unwrap();
                for outcome in outcomes {
                    *s.outcomes.entry(outcome).or_default() += 1;
                }
            }
        }
    }
    stream.abort();
}

async fn pull(shared: &Shared, session: &Session, cursor: &str) -> anyhow::Result<PullHead> {
    let response = shared
        .http
        .get(format!("{}/api/v1/sync/pull", shared.base))
        .query(&[("cursor", cursor)])
        .bearer_auth(&session.token)
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await?
        .error_for_status()?;
    Ok(response.json().await?)
}

/// Pushes one mutation; returns the answers' outcomes.
async fn push(
    shared: &Shared,
    session: &Session,
    mutation: Mutation,
) -> anyhow::Result<Vec<String>> {
    let body = PushRequest {
        schema_version: SCHEMA_VERSION,
        mutations: vec![mutation],
    };
    let answer: serde_json::Value = shared
        .http
        .post(format!("{}/api/v1/push", shared.base))
        .json(&body)
        .bearer_auth(&session.token)
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(answer["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["result"]["outcome"].as_str().unwrap_or("?").to_owned())
        .collect())
}

const TAGS: &[&str] = &[
    "vip",
    "kyc",
    "refund",
    "chain-delay",
    "phishing",
    "escalated",
];
/// The actions agents take all day, in rough proportion: tags most, then status changes,
/// replies and internal notes.
fn mutation(rng: &mut StdRng, tickets: &[String], session: &Session, seq: u64) -> Mutation {
    let ticket_id = tickets[rng.gen_range(0..tickets.len())].clone();
    let tag = || TAGS[rand::thread_rng().gen_range(0..TAGS.len())].to_owned();
    let text = REPLIES[rng.gen_range(0..REPLIES.len())].to_owned();
    let op = match rng.gen_range(0..10) {
        0..=2 => MutationOp::AddTags {
            ticket_id,
            tags: vec![tag()],
        },
        3 => MutationOp::RemoveTags {
            ticket_id,
            tags: vec![tag()],
        },
        4..=5 => {
            let status = [
                TicketStatus::Open,
                TicketStatus::PendingCustomer,
                TicketStatus::OnHold,
                TicketStatus::Solved,
            ][rng.gen_range(0..4)];
            MutationOp::SetStatus { ticket_id, status }
        }
        6..=7 => MutationOp::Reply {
            ticket_id,
            message_id: uuid::Uuid::now_v7().to_string(),
            body_text: text,
            last_seen_message_id: None,
            attachments: vec![],
        },
        _ => MutationOp::Note {
            ticket_id,
            message_id: uuid::Uuid::now_v7().to_string(),
            body_text: text,
        },
    };
    Mutation {
        id: uuid::Uuid::now_v7().to_string(),
        client_id: session.client_id.clone(),
        seq,
        agent_id: session.agent_id.clone(),
        created_at: now_ms(),
        op,
    }
}

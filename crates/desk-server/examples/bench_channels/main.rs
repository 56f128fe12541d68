//! `cargo xtask bench channels`: email in and out against real mail servers, on SQLite and
//! on PostgreSQL (DESIGN.md §12: 10,000 mails into tickets at ≥ 200 mails/s; 10,000 queued
//! replies handed to SMTP at ≥ 300 messages/s; a reply pushed to an idle server `sent`
//! within 2 s p95).
//!
//! Once per run: a seeded corpus of realistic mail (`corpus.rs`) dropped into a real
//! Dovecot's maildir, then the peers the figures are read against: the IMAP conversation
//! alone (fetch rounds storing nothing), the parse alone, and the SMTP sends alone (a real
//! aiosmtpd). Per backend, on a fresh store:
//! - **inbound**: `desk_server::intake::fetch_round` until the folder is drained (parse,
//!   ingestion transaction, place), then a census of what it stored;
//! - **outbound**: replies to those tickets written with their deliveries
//!   (`write_records`, as push writes them; not measured), then
//!   `desk_server::delivery::deliver_once` back to back until the queue is empty;
//! - **latency**: the release `desk-server serve` with the mailbox in its config file; one
//!   agent pushes replies over HTTP one at a time and polls the feed until each delivery
//!   is `sent`;
//! - **split**: the steps of a fetch round, each with its timer, on another fresh store,
//!   to say where the inbound time goes.
//!
//! Prints one JSON line per metric on stdout; progress goes to stderr.
//! `DESK_BENCH_SAVE_MAILS=DIR` also writes the corpus there, one `.eml` per mail.

// Shared with the other benches; this one starts its server with `serve_with` only.
#[allow(dead_code)]
#[path = "../bench/mod.rs"]
mod bench;
mod corpus;
mod inbound;
mod latency;
mod mime;
mod outbound;
mod split;

use std::time::Instant;

use anyhow::{Context, bail};
use bench::{Backend, FreshStore, emit, percentile};
use desk_mail::MailboxUrl;
use desk_server::config::Mailbox;
use desk_server::delivery::Transports;
use desk_server::{AppState, Config};
use testsupport::mail::{Dovecot, SmtpSink};

const INBOUND_BUDGET: f64 = 200.0;
const OUTBOUND_BUDGET: f64 = 300.0;
const LATENCY_P95_BUDGET_MS: f64 = 2000.0;
const AGENT: &str = "bench-agent@desk.bench";
const SEED: u64 = 2026;

#[derive(Debug, Clone)]
struct Options {
    backends: Vec<Backend>,
    mails: usize,
    replies: usize,
    latency: usize,
    /// Mails for the timing split (0: none).
    split: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: bench_channels [--backend sqlite|postgres|both] [--mails 10000]\n\
         \x20                     [--replies 10000] [--latency 200] [--split MAILS]"
    );
    std::process::exit(2)
}

fn parse_args() -> anyhow::Result<Options> {
    let mut o = Options {
        backends: vec![Backend::Sqlite, Backend::Postgres],
        mails: 10_000,
        replies: 10_000,
        latency: 200,
        split: usize::MAX,
    };
    for (flag, value) in bench::flag_pairs(usage) {
        let number = || bench::number(&flag, &value).map(|n| n as usize);
        match flag.as_str() {
            "--backend" => o.backends = Backend::parse_list(&value).unwrap_or_else(|| usage()),
            "--mails" => o.mails = number()?.max(20),
            "--replies" => o.replies = number()?.max(1),
            "--latency" => o.latency = number()?.max(1),
            "--split" => o.split = number()?,
            _ => usage(),
        }
    }
    Ok(o)
}

/// What the per-backend figures are read against.
struct Peers {
    fetch_per_s: f64,
    send_per_s: f64,
}

fn main() -> anyhow::Result<()> {
    let options = parse_args()?;
    let runtime = tokio::runtime::Runtime::new()?;

    let started = Instant::now();
    let corpus = corpus::generate(options.mails, SEED);
    let (mean, min, max) = corpus.sizes();
    eprintln!(
        "bench channels: {} mails ({:.1}s to make), {mean} bytes on average ({min}–{max}), \
         {} conversations, {} to store; {:?}",
        corpus.mails.len(),
        started.elapsed().as_secs_f64(),
        corpus.conversations,
        corpus.stored,
        corpus.counts
    );

    if let Some(dir) = std::env::var_os("DESK_BENCH_SAVE_MAILS") {
        std::fs::create_dir_all(&dir)?;
        for (i, raw) in corpus.mails.iter().enumerate() {
            std::fs::write(std::path::Path::new(&dir).join(format!("{i:05}.eml")), raw)?;
        }
    }

    let dovecot = Dovecot::start();
    let started = Instant::now();
    for raw in &corpus.mails {
        dovecot.deliver(raw);
    }
    eprintln!(
        "bench channels: delivered into Dovecot's maildir in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let dovecot_url = dovecot.url();
    let imap = MailboxUrl::parse(&dovecot_url)?;

    let peers = runtime.block_on(peers(&imap, &corpus, &options))?;

    for &backend in &options.backends {
        bench_backend(&runtime, backend, &options, &corpus, &dovecot_url, &peers)
            .with_context(|| format!("bench on {}", backend.name()))?;
    }
    Ok(())
}

async fn peers(
    imap: &MailboxUrl,
    corpus: &corpus::Corpus,
    options: &Options,
) -> anyhow::Result<Peers> {
    // Dovecot indexes mail dropped into new/ when a client first looks (a delivery agent
    // would have at delivery), and the page cache warms: one drain first, not counted.
    let warm = inbound::fetch_only(imap).await?;
    eprintln!(
        "bench channels: warm-up drain, {} mails in {:.1}s",
        warm.mails,
        warm.took.as_secs_f64()
    );
    let fetched = inbound::fetch_only(imap).await?;
    if fetched.mails != corpus.mails.len() {
        bail!(
            "Dovecot served {} mails of the {} delivered",
            fetched.mails,
            corpus.mails.len()
        );
    }
    eprintln!(
        "bench channels: fetch only: {} mails ({:.1} MB) in {:.2}s (SELECT {:.2}s), {:.0} mails/s, \
         {:.2} ms/mail",
        fetched.mails,
        fetched.bytes as f64 / 1e6,
        fetched.took.as_secs_f64(),
        fetched.selecting.as_secs_f64(),
        fetched.per_s(),
        fetched.took.as_secs_f64() * 1000.0 / fetched.mails as f64
    );
    let (first, last) = fetched.first_and_last_rounds_ms();
    eprintln!(
        "bench channels: fetch only: SEARCH and FETCH of 50 mails took {first:.1} ms per round \
         in the drain's first tenth, {last:.1} ms in its last; this process's CPU {:.2}s",
        fetched.own_cpu.as_secs_f64()
    );
    emit(
        "channels_inbound_fetch_only_mails_per_s",
        fetched.per_s(),
        "mails/s",
        None,
        "higher",
    );

    let mailbox = mailbox(imap, imap)?;
    let took = inbound::parse_only(&corpus.mails, &mailbox);
    let parse_per_s = corpus.mails.len() as f64 / took.as_secs_f64();
    eprintln!(
        "bench channels: parse only (one core): {:.2} ms/mail, {parse_per_s:.0} mails/s",
        took.as_secs_f64() * 1000.0 / corpus.mails.len() as f64
    );
    emit(
        "channels_inbound_parse_only_mails_per_s",
        parse_per_s,
        "mails/s",
        None,
        "higher",
    );

    let sink = tokio::task::spawn_blocking(SmtpSink::start).await?;
    let batch = Config::default().delivery.batch as usize;
    let (sent, took) = outbound::send_only(&sink.url(), options.replies, batch).await?;
    let send_per_s = sent as f64 / took.as_secs_f64();
    eprintln!(
        "bench channels: send only: {sent} of {} in {:.2}s, {send_per_s:.0} messages/s \
         ({batch} at once)",
        options.replies,
        took.as_secs_f64()
    );
    emit(
        "channels_outbound_send_only_messages_per_s",
        send_per_s,
        "messages/s",
        None,
        "higher",
    );
    Ok(Peers {
        fetch_per_s: fetched.per_s(),
        send_per_s,
    })
}

fn mailbox(imap: &MailboxUrl, smtp: &MailboxUrl) -> anyhow::Result<Mailbox> {
    Ok(Mailbox {
        address: corpus::SUPPORT.into(),
        name: Some("钱包客服".into()),
        imap: imap.clone(),
        smtp: smtp.clone(),
        // Ungrouped, so the bench agent (in no group) may answer every ticket.
        group: None,
    })
}

fn bench_backend(
    runtime: &tokio::runtime::Runtime,
    backend: Backend,
    options: &Options,
    corpus: &corpus::Corpus,
    dovecot_url: &str,
    peers: &Peers,
) -> anyhow::Result<()> {
    let name = backend.name();
    let imap = &MailboxUrl::parse(dovecot_url)?;
    let label = format!("channels_{name}");
    let store = FreshStore::new(backend)?;
    let sink = SmtpSink::start();
    let smtp = MailboxUrl::parse(&sink.url())?;
    let mailbox = mailbox(imap, &smtp)?;
    let config = Config {
        mailboxes: vec![mailbox.clone()],
        ..Config::default()
    };

    // Inbound, then the replies queued (not measured).
    let (state, storage, agent) = runtime.block_on(async {
        let storage = store.open().await?;
        bench::add_agents(storage.as_ref(), &[AGENT.to_owned()]).await?;
        let agent = storage
            .list_agents()
            .await?
            .into_iter()
            .find(|a| a.agent.email == AGENT)
            .context("the bench agent")?
            .agent;
        let state = AppState::new(storage.clone(), config.clone());
        let drained = inbound::intake(&state, &mailbox, &label).await?;
        let per_s = drained.per_s();
        eprintln!(
            "bench channels [{name}]: inbound {} mails in {:.2}s, {per_s:.0} mails/s, \
             {:.2} ms/mail",
            drained.mails,
            drained.took.as_secs_f64(),
            drained.took.as_secs_f64() * 1000.0 / drained.mails.max(1) as f64
        );
        emit(
            &format!("channels_inbound_{name}_mails_per_s"),
            per_s,
            "mails/s",
            Some(INBOUND_BUDGET),
            "higher",
        );
        emit(
            &format!("channels_inbound_{name}_share_of_fetch_only"),
            per_s / peers.fetch_per_s,
            "ratio",
            None,
            "higher",
        );
        let census = inbound::census(storage.as_ref()).await?;
        let held = census.tickets.len() == corpus.conversations
            && census.customer_messages == corpus.stored;
        eprintln!(
            "bench channels [{name}]: stored {} tickets (expected {}), {} customer messages \
             (expected {}){}",
            census.tickets.len(),
            corpus.conversations,
            census.customer_messages,
            corpus.stored,
            if held { "" } else { " — THREADING DIFFERS" }
        );
        let queued =
            outbound::queue_replies(storage.as_ref(), &census, &agent, options.replies).await?;
        eprintln!(
            "bench channels [{name}]: {} replies queued in {:.1}s",
            options.replies,
            queued.as_secs_f64()
        );
        anyhow::Ok((state, storage, agent))
    })?;
    // As after any bulk write: PostgreSQL's statistics, before the queue is worked.
    if let Some(took) = store.settle() {
        eprintln!(
            "bench channels [{name}]: VACUUM (ANALYZE) in {:.1}s",
            took.as_secs_f64()
        );
    }

    let tickets = runtime.block_on(async {
        let transports = Transports::from_config(state.config()).map_err(anyhow::Error::msg)?;
        let (claimed, took) = outbound::deliver(&state, &transports, &label).await?;
        let per_s = claimed as f64 / took.as_secs_f64();
        eprintln!(
            "bench channels [{name}]: outbound {claimed} in {:.2}s, {per_s:.0} messages/s, \
             {:.2} ms/message",
            took.as_secs_f64(),
            took.as_secs_f64() * 1000.0 / claimed.max(1) as f64
        );
        emit(
            &format!("channels_outbound_{name}_messages_per_s"),
            per_s,
            "messages/s",
            Some(OUTBOUND_BUDGET),
            "higher",
        );
        emit(
            &format!("channels_outbound_{name}_share_of_send_only"),
            per_s / peers.send_per_s,
            "ratio",
            None,
            "higher",
        );
        let census = inbound::census(storage.as_ref()).await?;
        eprintln!(
            "bench channels [{name}]: deliveries {:?}, {} mails at the relay",
            census.deliveries,
            sink.received().len()
        );
        // The latency's replies go to the tickets the mail opened, each after its newest
        // message (the agent has read the thread).
        let tickets: Vec<(String, String)> = census
            .tickets
            .iter()
            .filter_map(|t| Some((t.id.clone(), census.last_message.get(&t.id)?.clone())))
            .collect();
        anyhow::Ok(tickets)
    })?;
    drop((state, storage, agent));

    // Latency: the release server over the same store, with the mailbox configured.
    let dir = tempfile::tempdir()?;
    let config_file = dir.path().join("desk.toml");
    std::fs::write(
        &config_file,
        format!(
            "[[mailbox]]\naddress = \"{}\"\nname = \"钱包客服\"\nimap_url = \"{}\"\n\
             smtp_url = \"{}\"\n",
            corpus::SUPPORT,
            dovecot_url,
            sink.url()
        ),
    )?;
    let server = store.serve_with(&["--config", config_file.to_str().unwrap()]);
    eprintln!(
        "bench channels [{name}]: {} replies one at a time to {}",
        options.latency, server.url
    );
    let result = runtime.block_on(latency::one_at_a_time(
        &server.url,
        AGENT,
        tickets,
        options.latency,
    ));
    server.stop();
    let mut l = result?;
    let seen_p95 = percentile(&mut l.seen_us, 0.95);
    eprintln!(
        "bench channels [{name}]: reply to sent, seen in the feed p50 {:.0} / p95 {seen_p95:.0} / \
         max {:.0} ms; by sent_at p50 {:.0} / p95 {:.0} ms; push p50 {:.1} ms; \
         {} missed, {} failed",
        percentile(&mut l.seen_us, 0.5),
        percentile(&mut l.seen_us, 1.0),
        percentile(&mut l.sent_at_us, 0.5),
        percentile(&mut l.sent_at_us, 0.95),
        percentile(&mut l.push_us, 0.5),
        l.missed,
        l.failed
    );
    let p95 = if l.missed + l.failed > 0 {
        f64::INFINITY
    } else {
        seen_p95
    };
    emit(
        &format!("channels_latency_{name}_sent_p95_ms"),
        p95,
        "ms",
        Some(LATENCY_P95_BUDGET_MS),
        "lower",
    );
    emit(
        &format!("channels_latency_{name}_sent_p50_ms"),
        percentile(&mut l.seen_us, 0.5),
        "ms",
        None,
        "lower",
    );
    drop(sink);

    // Where the inbound time goes, step by step, on a fresh store of the same backend.
    if options.split > 0 {
        let store = FreshStore::new(backend)?;
        let split = runtime.block_on(async {
            let storage = store.open().await?;
            let state = AppState::new(storage, config.clone());
            split::split(&state, &mailbox, options.split.min(corpus.mails.len())).await
        })?;
        eprintln!("bench channels [{name}]: inbound split, {}", split.line());
        eprintln!("bench channels [{name}]: {}", split.by_ids_line());
        let per = |d: std::time::Duration| d.as_secs_f64() * 1000.0 / split.mails.max(1) as f64;
        for (step, took) in [
            ("fetch", split.fetch),
            ("parse", split.parse),
            ("ingest", split.ingest),
            ("place", split.cursor),
        ] {
            emit(
                &format!("channels_inbound_{name}_split_{step}_ms_per_mail"),
                per(took),
                "ms",
                None,
                "lower",
            );
        }
    }
    Ok(())
}

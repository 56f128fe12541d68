//! Mail into tickets: the product's intake round (`desk_server::intake::fetch_round`)
//! against Dovecot until the folder is drained, and beside it the IMAP conversation alone
//! and the parse alone, so the figure splits into fetching, reading and storing.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use desk_core::wire::Change;
use desk_core::{AuthorKind, Customer, DeliveryState, Ticket};
use desk_mail::{ImapSource, Limits, MailboxUrl};
use desk_server::config::Mailbox;
use desk_server::feed::{FeedPosition, Scope};
use desk_server::{AppState, Storage, intake};

/// Mails per round, as intake fetches them.
const BATCH: usize = 50;

/// How long a whole drain took.
#[derive(Debug, Clone)]
pub struct Drained {
    pub mails: usize,
    pub bytes: usize,
    pub took: Duration,
    /// Of `took`, in SELECT (the rest is UID SEARCH and FETCH).
    pub selecting: Duration,
    /// CPU time this process spent meanwhile (user and system): the client's share.
    pub own_cpu: Duration,
    /// Each round's SEARCH and FETCH, in order: a round early in a large folder searches
    /// many more UIDs than it fetches.
    pub rounds: Vec<Duration>,
}

impl Drained {
    /// Milliseconds per round (SEARCH and FETCH of up to 50 mails) in the first and the
    /// last tenth of the drain.
    pub fn first_and_last_rounds_ms(&self) -> (f64, f64) {
        let tenth = (self.rounds.len() / 10).max(1);
        let mean = |r: &[Duration]| {
            r.iter().map(Duration::as_secs_f64).sum::<f64>() * 1000.0 / r.len().max(1) as f64
        };
        let last = self.rounds.len().saturating_sub(tenth);
        (
            mean(&self.rounds[..tenth.min(self.rounds.len())]),
            mean(&self.rounds[last..]),
        )
    }
}

impl Drained {
    pub fn per_s(&self) -> f64 {
        self.mails as f64 / self.took.as_secs_f64()
    }
}

/// The IMAP side alone: the same conversation a fetch round holds (SELECT, then UID
/// SEARCH and FETCH of up to 50 mails after the last one), storing nothing.
pub async fn fetch_only(url: &MailboxUrl) -> anyhow::Result<Drained> {
    let mut source = ImapSource::connect(url)
        .await
        .context("connect to Dovecot")?
        .with_max_bytes(Limits::default().max_bytes);
    let started = Instant::now();
    let cpu_before = own_cpu();
    let (mut after, mut mails, mut bytes) = (0, 0, 0);
    let mut selecting = Duration::ZERO;
    let mut rounds = Vec::new();
    loop {
        let select_started = Instant::now();
        source.select().await.context("select")?;
        selecting += select_started.elapsed();
        let round_started = Instant::now();
        let batch = source.fetch_after(after, BATCH).await.context("fetch")?;
        rounds.push(round_started.elapsed());
        let Some(last) = batch.last() else { break };
        after = last.uid;
        mails += batch.len();
        bytes += batch.iter().map(|m| m.raw.len()).sum::<usize>();
    }
    Ok(Drained {
        mails,
        bytes,
        took: started.elapsed(),
        selecting,
        own_cpu: own_cpu().saturating_sub(cpu_before),
        rounds,
    })
}

/// User and system CPU time of this process so far (Linux `/proc/self/stat`, in ticks of
/// 10 ms); zero where that cannot be read.
fn own_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // The fields after the command name (which may hold spaces), from field 3 on.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Intake as the server runs it, one round after another until a round finds nothing.
pub async fn intake(state: &AppState, mailbox: &Mailbox, label: &str) -> anyhow::Result<Drained> {
    let mut source = ImapSource::connect(&mailbox.imap)
        .await
        .context("connect to Dovecot")?
        .with_max_bytes(Limits::default().max_bytes);
    let started = Instant::now();
    let mut mails = 0;
    let mut reported = 0;
    loop {
        let n = intake::fetch_round(state, mailbox, &mut source)
            .await
            .context("fetch round")?;
        if n == 0 {
            break;
        }
        mails += n;
        if mails - reported >= 2_000 {
            reported = mails;
            eprintln!(
                "bench channels [{label}]: {mails} mails stored, {:.0}/s",
                mails as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(Drained {
        mails,
        bytes: 0,
        took: started.elapsed(),
        selecting: Duration::ZERO,
        own_cpu: Duration::ZERO,
        rounds: Vec::new(),
    })
}

/// The reading alone, on one core: MIME parsing (desk-mail) and the ingestion item made
/// of it, mail by mail, as intake does before its transaction.
pub fn parse_only(mails: &[Vec<u8>], mailbox: &Mailbox) -> Duration {
    let started = Instant::now();
    for raw in mails {
        if let Ok(parsed) = desk_mail::parse(raw, &Limits::default()) {
            std::hint::black_box(intake::item(parsed, raw, mailbox));
        }
    }
    started.elapsed()
}

/// What the store holds, read back through its feed.
#[derive(Default)]
pub struct Census {
    pub tickets: Vec<Ticket>,
    pub customers: HashMap<String, Customer>,
    /// Each ticket's newest message, by feed order: what a console last saw of it.
    pub last_message: HashMap<String, String>,
    pub customer_messages: usize,
    pub desk_messages: usize,
    pub deliveries: HashMap<&'static str, usize>,
}

pub async fn census(storage: &dyn Storage) -> anyhow::Result<Census> {
    let mut census = Census::default();
    let mut after = FeedPosition::ZERO;
    loop {
        let page = storage.pull(after, 5_000, &Scope::All).await?;
        let changes = page.decoded_changes()?;
        for (position, change) in changes {
            after = position;
            match change {
                Change::Ticket(t) => census.tickets.push(t),
                Change::Customer(c) => {
                    census.customers.insert(c.id.clone(), c);
                }
                Change::Message(m) => {
                    match m.author.kind {
                        AuthorKind::Customer => census.customer_messages += 1,
                        _ => census.desk_messages += 1,
                    }
                    census.last_message.insert(m.ticket_id, m.id);
                }
                Change::Delivery(d) => {
                    let state = match d.state {
                        DeliveryState::Queued => "queued",
                        DeliveryState::Sending => "sending",
                        DeliveryState::Sent => "sent",
                        DeliveryState::Failed => "failed",
                    };
                    *census.deliveries.entry(state).or_default() += 1;
                }
                _ => {}
            }
        }
        if !page.has_more {
            break;
        }
    }
    Ok(census)
}

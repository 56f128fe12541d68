//! The desk the sync benchmark bootstraps: the demo seed's customers, wallet transactions and
//! Chinese and English tickets (DESIGN.md §1 situations), with each conversation lengthened
//! until the desk holds the asked number of messages: the customer writes again, the agent
//! answers again (the same texts re-sent, as customers do on a slow day), dated between the
//! ticket's first and last message so every ticket's summary stays true. Written through
//! `Storage::write_records` in large transactions, so every record is in the change feed.

use std::time::Instant;

use desk_core::wire::Change;
use desk_core::{AuthorKind, Message};
use desk_server::Storage;
use desk_server::seed::{self, Generator, SeedOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Tickets per write transaction (with their messages, some 20k records).
const TICKETS_PER_WRITE: usize = 2000;

#[derive(Debug, Default)]
pub struct Written {
    pub records: u64,
    pub tickets: u64,
    pub messages: u64,
}

pub async fn write(
    storage: &dyn Storage,
    tickets: u32,
    messages: u64,
    now_ms: i64,
) -> anyhow::Result<Written> {
    let agents = seed::enabled_agents(storage).await?;
    let options = SeedOptions {
        tickets,
        now_ms,
        seed: seed::DEFAULT_SEED,
    };
    let started = Instant::now();
    let mut generator = Generator::new(options, agents);
    let mut written = Written::default();
    for batch in generator.customer_batches() {
        written.records += batch.len() as u64;
        storage.write_records(batch).await?;
    }
    let mut rng = StdRng::seed_from_u64(seed::DEFAULT_SEED);
    let mut logged = 0;
    while let Some(batch) = generator.next_ticket_batch(TICKETS_PER_WRITE) {
        let batch = lengthen(batch, tickets, messages, &mut written, &mut rng);
        written.records += batch.len() as u64;
        storage.write_records(batch).await?;
        if written.tickets >= logged + 20_000 || written.tickets == u64::from(tickets) {
            logged = written.tickets;
            eprintln!(
                "  wrote {} tickets, {} messages, {} records in {:.1}s",
                written.tickets,
                written.messages,
                written.records,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(written)
}

/// A batch of generated tickets (transaction, ticket, messages, ...) with more messages per
/// ticket, so that after ticket `n` of `tickets` the desk holds `n * messages / tickets`.
fn lengthen(
    batch: Vec<Change>,
    tickets: u32,
    messages: u64,
    written: &mut Written,
    rng: &mut StdRng,
) -> Vec<Change> {
    let mut out = Vec::with_capacity(batch.len() * 2);
    let mut conversation: Vec<Message> = Vec::new();
    let mut flush = |conversation: &mut Vec<Message>, out: &mut Vec<Change>, w: &mut Written| {
        if conversation.is_empty() {
            return;
        }
        let want = w.tickets * messages / u64::from(tickets);
        let extra = want.saturating_sub(w.messages);
        out.extend(follow_ups(conversation, extra, rng).map(Change::Message));
        w.messages += extra;
        conversation.clear();
    };
    for change in batch {
        match &change {
            Change::Ticket(_) => {
                flush(&mut conversation, &mut out, written);
                written.tickets += 1;
            }
            Change::Message(m) => {
                conversation.push(m.clone());
                written.messages += 1;
            }
            _ => {}
        }
        out.push(change);
    }
    flush(&mut conversation, &mut out, written);
    out
}

/// `extra` messages re-sending the conversation's customer and agent messages in turn,
/// spread between its first and last message.
fn follow_ups<'a>(
    conversation: &'a [Message],
    extra: u64,
    rng: &'a mut StdRng,
) -> impl Iterator<Item = Message> + 'a {
    let spoken: Vec<&Message> = conversation
        .iter()
        .filter(|m| m.author.kind != AuthorKind::System)
        .collect();
    let first = conversation.iter().map(|m| m.created_at).min().unwrap_or(0);
    let last = conversation.iter().map(|m| m.created_at).max().unwrap_or(0);
    let extra = if spoken.is_empty() { 0 } else { extra };
    (0..extra).map(move |k| {
        let like = spoken[k as usize % spoken.len()];
        let at = first + (last - first) * (k as i64 + 1) / (extra as i64 + 1);
        let random: [u8; 10] = rng.r#gen();
        Message {
            id: uuid::Builder::from_unix_timestamp_millis(at.max(0) as u64, &random)
                .into_uuid()
                .to_string(),
            created_at: at,
            attachments: Vec::new(),
            ..like.clone()
        }
    })
}

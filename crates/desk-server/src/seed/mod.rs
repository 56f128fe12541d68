//! A deterministic, realistic demo dataset: customers with wallet transactions and Chinese
//! and English tickets about the situations of DESIGN.md §1.
//!
//! Same options and same agents → identical records (ids, texts, timestamps): a fixed seed
//! drives our own PRNG, each customer and ticket draws from its own stream, and every time
//! is an offset from `now_ms`, which defaults to a fixed date. Tickets are written oldest
//! first, so server-assigned numbers follow creation time. Seeded records go through
//! [`Storage::write_records`] like any other write, so they reach the change feed.
//! Must not depend on HTTP or on a storage backend.

mod articles;
mod groups;
mod macros;
mod people;
mod rng;
mod template;
mod templates_en;
mod templates_zh;
mod ticket;

use std::collections::HashMap;

use desk_core::wire::Change;
use desk_core::{Agent, Customer};

use crate::error::Result;
use crate::feed::FeedPosition;
use crate::storage::Storage;
use rng::Rng;

/// 2025-06-02T09:30:00Z: the default "now" of the demo, so reruns match.
pub const DEFAULT_NOW_MS: i64 = 1_748_856_600_000;
pub const DEFAULT_SEED: u64 = 0x00de_5c5e_ed00_2025;

/// Tickets written per transaction.
const TICKETS_PER_BATCH: usize = 500;
const CUSTOMERS_PER_BATCH: usize = 2000;

const LABEL_CUSTOMER: u64 = 1;
const LABEL_HISTORY: u64 = 2;
const LABEL_TICKET: u64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedOptions {
    pub tickets: u32,
    /// The moment the dataset is "now"; every timestamp lies before it.
    pub now_ms: i64,
    pub seed: u64,
}

impl Default for SeedOptions {
    fn default() -> Self {
        Self {
            tickets: 1000,
            now_ms: DEFAULT_NOW_MS,
            seed: DEFAULT_SEED,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeedSummary {
    pub customers: usize,
    pub transactions: usize,
    pub tickets: usize,
    pub messages: usize,
    /// Canned replies (macros), in Chinese and English.
    pub macros: usize,
    /// Knowledge-base articles, in Chinese and English (one a draft).
    pub articles: usize,
    /// Groups (teams) the tickets are routed to, named in Chinese and English.
    pub groups: usize,
    /// The feed cursor after the last seeded change.
    pub cursor: String,
}

/// Generates the dataset and writes it in batched transactions. Existing, enabled agents
/// (in email order) become assignees and reply authors.
pub async fn seed_demo(storage: &dyn Storage, options: SeedOptions) -> Result<SeedSummary> {
    let mut generator = Generator::new(options, enabled_agents(storage).await?);
    let mut summary = SeedSummary::default();
    let mut last = FeedPosition::ZERO;
    let macros = macros::demo_macros(options.now_ms);
    summary.macros = macros.len();
    let articles = articles::demo_articles(options.now_ms);
    summary.articles = articles.len();
    let groups = groups::demo_groups(options.now_ms);
    summary.groups = groups.len();
    write_batch(
        storage,
        groups
            .into_iter()
            .map(Change::Group)
            .chain(macros.into_iter().map(Change::Macro))
            .chain(articles.into_iter().map(Change::KbArticle))
            .collect(),
        &mut summary,
        &mut last,
    )
    .await?;
    for batch in generator.customer_batches() {
        write_batch(storage, batch, &mut summary, &mut last).await?;
    }
    while let Some(batch) = generator.next_ticket_batch(TICKETS_PER_BATCH) {
        write_batch(storage, batch, &mut summary, &mut last).await?;
    }
    summary.cursor = last.to_string();
    Ok(summary)
}

/// The agents a generated desk assigns tickets to and signs replies with: the enabled ones,
/// in email order.
pub async fn enabled_agents(storage: &dyn Storage) -> Result<Vec<Agent>> {
    Ok(storage
        .list_agents()
        .await?
        .into_iter()
        .filter(|a| !a.disabled)
        .map(|a| a.agent)
        .collect())
}

async fn write_batch(
    storage: &dyn Storage,
    batch: Vec<Change>,
    summary: &mut SeedSummary,
    last: &mut FeedPosition,
) -> Result<()> {
    for change in &batch {
        match change {
            Change::Customer(_) => summary.customers += 1,
            Change::WalletTransaction(_) => summary.transactions += 1,
            Change::Ticket(_) => summary.tickets += 1,
            Change::Message(_) => summary.messages += 1,
            _ => {}
        }
    }
    if let Some(position) = storage.write_records(batch).await?.last_position {
        *last = position;
    }
    Ok(())
}

/// What every ticket is generated from.
struct Inputs {
    options: SeedOptions,
    agents: Vec<Agent>,
    customers: Vec<Customer>,
}

/// Produces the dataset batch by batch: customers first, then tickets oldest first.
pub struct Generator {
    inputs: Inputs,
    /// Ticket indexes by creation time.
    order: Vec<u32>,
    next: usize,
    /// The latest ticket of each customer, for duplicates merged into it.
    last_ticket_of: HashMap<usize, String>,
}

impl Generator {
    pub fn new(options: SeedOptions, agents: Vec<Agent>) -> Self {
        let count = (options.tickets as usize * 3 / 5).max(5);
        let customers = (0..count as u64)
            .map(|i| {
                let mut rng = Rng::derive(options.seed, LABEL_CUSTOMER, i);
                people::customer(&mut rng, i, options.now_ms)
            })
            .collect();
        let inputs = Inputs {
            options,
            agents,
            customers,
        };
        // Creation times do not depend on order, so plan first, then build oldest first.
        let mut planned: Vec<(i64, u32)> = (0..options.tickets)
            .map(|index| (ticket::build(&inputs, index, None).created_at, index))
            .collect();
        planned.sort_unstable();
        let order = planned.into_iter().map(|(_, index)| index).collect();
        Self {
            inputs,
            order,
            next: 0,
            last_ticket_of: HashMap::new(),
        }
    }

    /// Customers and their settled transaction history.
    pub fn customer_batches(&self) -> Vec<Vec<Change>> {
        let options = &self.inputs.options;
        self.inputs
            .customers
            .chunks(CUSTOMERS_PER_BATCH)
            .enumerate()
            .map(|(chunk_index, chunk)| {
                let mut batch = Vec::with_capacity(chunk.len() * 2);
                for (offset, customer) in chunk.iter().enumerate() {
                    let index = (chunk_index * CUSTOMERS_PER_BATCH + offset) as u64;
                    let mut rng = Rng::derive(options.seed, LABEL_HISTORY, index);
                    batch.push(Change::Customer(customer.clone()));
                    for tx in people::history(&mut rng, customer, options.now_ms) {
                        batch.push(Change::WalletTransaction(tx));
                    }
                }
                batch
            })
            .collect()
    }

    /// The next `max` tickets with their transactions and messages; `None` when done.
    pub fn next_ticket_batch(&mut self, max: usize) -> Option<Vec<Change>> {
        if self.next >= self.order.len() {
            return None;
        }
        let end = self.order.len().min(self.next + max);
        let mut batch = Vec::new();
        for &index in &self.order[self.next..end] {
            let last = &self.last_ticket_of;
            let merge_target = |customer: usize| last.get(&customer).cloned();
            let built = ticket::build(&self.inputs, index, Some(&merge_target));
            self.last_ticket_of
                .insert(built.customer_index, built.ticket_id);
            batch.extend(built.changes);
        }
        self.next = end;
        Some(batch)
    }
}

#[cfg(test)]
mod tests;

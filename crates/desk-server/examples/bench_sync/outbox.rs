//! Work queued offline, then drained: `Client::sync` until the outbox is empty.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::bail;
use desk_core::MutationOp;
use desk_sync::Client;

use crate::bench::REPLIES;
use crate::{toggleable, toggled};

#[derive(Debug)]
pub struct Drained {
    pub queued: Duration,
    pub drained: Duration,
    syncs: usize,
    answers: HashMap<String, usize>,
}

/// Queues `n` actions offline (no sync meanwhile), one ticket each: 30% replies, 20% notes,
/// 30% tags, 20% status; then syncs until the outbox is empty.
pub async fn drain(client: &Client, n: usize) -> anyhow::Result<Drained> {
    let tickets = toggleable(client, n)?;
    let started = Instant::now();
    for i in 0..n {
        let (ticket_id, status) = &tickets[i % tickets.len()];
        let text = REPLIES[i % REPLIES.len()];
        match i % 10 {
            0..=2 => client.reply(ticket_id, text, false)?,
            3..=4 => client.reply(ticket_id, text, true)?,
            5..=7 => client.act(MutationOp::AddTags {
                ticket_id: ticket_id.clone(),
                tags: vec!["escalated".into(), format!("drain-{i}")],
            })?,
            _ => client.act(MutationOp::SetStatus {
                ticket_id: ticket_id.clone(),
                status: toggled(*status),
            })?,
        };
    }
    let queued = started.elapsed();
    let started = Instant::now();
    let mut drained = Drained {
        queued,
        drained: Duration::ZERO,
        syncs: 0,
        answers: HashMap::new(),
    };
    loop {
        let report = client.sync().await?;
        drained.syncs += 1;
        for answer in report.answers {
            let outcome = serde_json::to_value(&answer.result)?["outcome"]
                .as_str()
                .unwrap_or("?")
                .to_owned();
            *drained.answers.entry(outcome).or_default() += 1;
        }
        if report.pending == 0 {
            break;
        }
        if drained.syncs > 50 {
            bail!("the outbox still holds {} after 50 syncs", report.pending);
        }
    }
    drained.drained = started.elapsed();
    let answered: usize = drained.answers.values().sum();
    if answered != n {
        bail!(
            "{answered} of {n} queued actions were answered: {:?}",
            drained.answers
        );
    }
    Ok(drained)
}

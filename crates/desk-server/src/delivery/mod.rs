//! The outbound delivery queue's worker (DESIGN.md §11): the one road by which every
//! public message the desk writes reaches its customer.
//!
//! Deliveries are written with their messages (by push and ingestion, in the same
//! transaction) and stored on both backends. Each serving instance runs [`run`]: it
//! claims what is due ([`Storage::claim_deliveries`]: several instances never take the
//! same one), hands each to its channel's [`Transport`] (email through a mailbox, chats
//! through their bridge), and records how each attempt ended
//! ([`Storage::settle_deliveries`]); the pure rules of `desk_core::delivery` decide the
//! states and the retry schedule. A server killed mid-send leaves its claims to lapse and
//! another round sends those messages again, with the same idempotency key. Every state
//! reaches the consoles through the feed. Must not depend on axum.

pub mod bridge;
pub mod mail;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use desk_core::Channel;
use desk_core::delivery::AttemptOutcome;
use rand::Rng;

use crate::config::millis;
use crate::error::Result;
use crate::state::AppState;
use crate::storage::{ClaimedDelivery, Settlement};

/// Sends one claimed delivery on one channel. Whatever goes wrong is an outcome, never a
/// panic or an error: the queue records it and retries or fails the delivery.
#[async_trait]
pub trait Transport: Send + Sync {
    async fn send(&self, claimed: &ClaimedDelivery) -> AttemptOutcome;
}

/// The transports of an instance, by the channel a delivery leaves on.
#[derive(Clone, Default)]
pub struct Transports {
    by_channel: HashMap<Channel, Arc<dyn Transport>>,
}

impl std::fmt::Debug for Transports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transports")
            .field("channels", &self.by_channel.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Transports {
    /// The mailboxes and bridges of `config`, each on its channel. A mailbox whose relay
    /// cannot be set up is the error, naming it.
    pub fn from_config(config: &crate::Config) -> std::result::Result<Self, String> {
        let mut transports = Self::default();
        if let Some(mail) = mail::MailTransport::new(&config.mailboxes)? {
            transports.insert(Channel::Email, Arc::new(mail));
        }
        for b in &config.bridges {
            transports.insert(
                b.channel,
                Arc::new(bridge::BridgeTransport::new(
                    b.clone(),
                    config.delivery.attempt_timeout,
                )),
            );
        }
        Ok(transports)
    }

    pub fn insert(&mut self, channel: Channel, transport: Arc<dyn Transport>) {
        self.by_channel.insert(channel, transport);
    }

    async fn send(&self, claimed: &ClaimedDelivery) -> AttemptOutcome {
        let channel = claimed.delivery.channel;
        match self.by_channel.get(&channel) {
            Some(transport) => transport.send(claimed).await,
            // Final: nothing will send it until an operator configures the channel, and an
            // agent seeing "failed" with this reason can tell the customer another way.
            None if channel == Channel::Email => {
                AttemptOutcome::Permanent("no mailbox is configured to send email".into())
            }
            None => AttemptOutcome::Permanent(format!("no {channel} bridge is configured")),
        }
    }
}

/// Reads the bytes of a claimed message's files into it; the name of one that is not
/// stored, if any (the delivery then fails: a reply must not leave without its files).
/// Only mail carries the bytes: a bridge is sent the files' descriptions, so theirs are
/// not read.
async fn load_files(state: &AppState, claimed: &mut ClaimedDelivery) -> Result<Option<String>> {
    if claimed.delivery.channel != Channel::Email {
        return Ok(None);
    }
    for file in &claimed.message.attachments {
        match state.storage().blob(&file.sha256).await? {
            Some(blob) => claimed.files.push(blob.data),
            None => return Ok(Some(file.file_name.clone())),
        }
    }
    Ok(None)
}

/// One round: claims what is due, sends it all at once, records the outcomes. Returns
/// how many deliveries it claimed.
pub async fn deliver_once(state: &AppState, transports: &Transports) -> Result<usize> {
    let config = &state.config().delivery;
    let lease_ms = millis(config.lease);
    let claimed = state
        .storage()
        .claim_deliveries(state.now_ms(), lease_ms, config.batch)
        .await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let mut claimed = claimed;
    let mut missing = Vec::with_capacity(claimed.len());
    for c in &mut claimed {
        missing.push(load_files(state, c).await?);
    }
    let timeout = config.attempt_timeout;
    let sends = claimed.iter().zip(&missing).map(|(c, missing)| async move {
        if let Some(name) = missing {
            return AttemptOutcome::Permanent(format!("the file {name} is not stored"));
        }
        match tokio::time::timeout(timeout, transports.send(c)).await {
            Ok(outcome) => outcome,
            Err(_) => {
                AttemptOutcome::Transient(format!("no answer within {} s", timeout.as_secs()))
            }
        }
    });
    let outcomes = futures_util::future::join_all(sends).await;
    let settlements: Vec<Settlement> = {
        let mut rng = rand::thread_rng();
        claimed
            .iter()
            .zip(outcomes)
            .map(|(c, outcome)| {
                log_outcome(c, &outcome);
                Settlement {
                    id: c.delivery.id.clone(),
                    attempt: c.delivery.attempts,
                    outcome,
                    jitter: rng.r#gen::<f64>(),
                }
            })
            .collect()
    };
    state
        .storage()
        .settle_deliveries(settlements, state.now_ms(), millis(config.give_up_after))
        .await?;
    Ok(claimed.len())
}

fn log_outcome(c: &ClaimedDelivery, outcome: &AttemptOutcome) {
    let d = &c.delivery;
    match outcome {
        AttemptOutcome::Sent => {
            tracing::info!(message = %d.id, channel = %d.channel, attempt = d.attempts, "delivered");
        }
        AttemptOutcome::Transient(reason) => {
            tracing::warn!(message = %d.id, channel = %d.channel, attempt = d.attempts, %reason, "delivery failed; will retry");
        }
        AttemptOutcome::Permanent(reason) => {
            tracing::warn!(message = %d.id, channel = %d.channel, attempt = d.attempts, %reason, "delivery failed");
        }
    }
}

/// Works through the queue until the state is closed: a round whenever the feed moves (a
/// reply was written) and every `poll` (retries coming due), at once again after a full
/// round. A failing round is logged and tried again at the next wake.
pub async fn run(state: AppState, transports: Transports) {
    let config = state.config().delivery.clone();
    let mut moved = state.storage().feed_moved();
    loop {
        match deliver_once(&state, &transports).await {
            Ok(n) if n >= config.batch as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "delivery round failed; retrying"),
        }
        tokio::select! {
            changed = moved.changed() => {
                if changed.is_err() {
                    // The storage went away: fall back on polling.
                    tokio::time::sleep(config.poll).await;
                } else {
                    // A busy feed moves hundreds of times a second; its moves meanwhile
                    // make one more round, so the queue is looked at a bounded number of
                    // times however busy the desk is (a reply waits at most this longer).
                    tokio::time::sleep(WAKE_PACE).await;
                }
            }
            () = tokio::time::sleep(config.poll) => {}
            () = state.closed() => return,
        }
    }
}

/// The least time between two rounds woken by the feed.
const WAKE_PACE: std::time::Duration = std::time::Duration::from_millis(50);

//! Bounded retention (DESIGN.md §4 Scope): answers to pushed mutations are kept for
//! [`Config::feed_retention`](crate::Config::feed_retention), then dropped, and the feed's
//! floor rises past them, so a client whose cursor is older is told to re-bootstrap
//! rather than silently miss an answer. The change feed itself keeps one entry per record
//! and needs no window.
//!
//! Ingestion nonces are forgotten here too, once their timestamps have left the window.
//!
//! Every serving instance prunes on its own timer: deleting what is already gone is
//! harmless, so instances need not agree on who prunes.

use crate::config::millis;
use crate::error::Result;
use crate::state::AppState;

/// Drops what the retention window no longer keeps; returns how many answers went.
pub async fn prune_once(state: &AppState) -> Result<u64> {
    let before = state
        .now_ms()
        .saturating_sub(millis(state.config().feed_retention));
    let dropped = state.storage().prune(before).await?;
    if dropped > 0 {
        tracing::info!(dropped, before, "pruned mutation results past retention");
    }
    // Expired nonces: their requests' timestamps are refused now, replayed or not.
    let nonces = state.storage().prune_ingest_nonces(state.now_ms()).await?;
    if nonces > 0 {
        tracing::debug!(nonces, "forgot expired ingestion nonces");
    }
    Ok(dropped)
}

/// Prunes every [`Config::prune_interval`](crate::Config::prune_interval) until the state
/// is closed. A failure is logged and retried at the next tick.
pub async fn prune_periodically(state: AppState) {
    let mut tick = tokio::time::interval(state.config().prune_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = state.closed() => return,
        }
        if let Err(e) = prune_once(&state).await {
            tracing::warn!(error = %e, "pruning failed; retrying at the next interval");
        }
    }
}

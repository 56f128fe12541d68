//! Reporting where a sync has got to, and the background search indexer that reports the
//! same way (see `crate::progress`).

use desk_core::view::{SyncPhase, SyncProgress};

use super::{INDEX_BATCH, lock};
use crate::progress::Receiving;
use crate::{Client, Result};

impl Client {
    pub(super) fn report_progress(&self, phase: SyncPhase, receiving: &Receiving) {
        self.progress.report(
            phase,
            receiving.bootstrap,
            receiving.done,
            receiving.total.or(Some(receiving.done)),
        );
    }

    /// Has `sink` told of every step of every sync and of background search indexing
    /// (the console's progress bar, `desk sync`'s progress line).
    pub fn on_progress(&self, sink: impl Fn(SyncProgress) + Send + Sync + 'static) {
        self.progress.set_sink(std::sync::Arc::new(sink));
    }

    /// The latest step reported, if any since the client opened.
    pub fn progress(&self) -> Option<SyncProgress> {
        self.progress.last()
    }

    /// Indexes everything queued for search, in small transactions, yielding between them
    /// so the console's reads interleave; reports [`SyncPhase::Indexing`] progress.
    /// Cancel-safe: dropping it between batches loses nothing (the queue is in the cache).
    /// Returns how many documents it indexed.
    pub async fn index_search(&self) -> Result<u64> {
        let backlog = lock(&self.store).index_backlog()?;
        if backlog == 0 {
            return Ok(0);
        }
        let mut done = 0;
        loop {
            let n = lock(&self.store).index_pending(INDEX_BATCH)? as u64;
            if n == 0 {
                break;
            }
            done += n;
            self.progress
                .report(SyncPhase::Indexing, false, done, Some(backlog));
            tokio::task::yield_now().await;
        }
        self.progress
            .report(SyncPhase::Done, false, done, Some(backlog));
        Ok(done)
    }
}

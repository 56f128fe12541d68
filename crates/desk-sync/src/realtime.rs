//! Staying current (DESIGN.md §4 Realtime): the server pokes over Server-Sent Events (no
//! payload) and the sync loop pulls; a periodic pull covers pokes lost while the stream
//! was down. The console and `desk sync --watch` run the same loop.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::api::is_unauthorized;
use crate::{Client, Error, Result, SyncReport};

/// Pull this often even without pokes: the safety net for lost pokes.
const SAFETY_PULL: Duration = Duration::from_secs(30);
/// Without a live event stream, pull this often instead.
const POLL_WITHOUT_STREAM: Duration = Duration::from_secs(5);

/// `DESK_SYNC_POLL_SECS` replaces both periods above: operators on metered links lengthen
/// them, and tests set an hour to prove a change arrived by a poke.
fn poll_override() -> Option<Duration> {
    std::env::var("DESK_SYNC_POLL_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs)
}
const OFFLINE_FIRST_RETRY: Duration = Duration::from_secs(2);
const OFFLINE_MAX_RETRY: Duration = Duration::from_secs(30);

/// A pause between `d/2` and `d`, so consoles coming back after an outage do not hit the
/// server in lockstep. The clock's nanoseconds are random enough for spreading load.
pub fn jittered(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    d.mul_f64(0.5 + f64::from(nanos % 1000) / 2000.0)
}

/// What wakes the sync loop, shared by its tasks: pokes, local actions, sign-in.
#[derive(Default)]
pub struct Wake {
    notify: Notify,
    /// Whether an event stream is connected now (the loop then relies on pokes).
    streaming: std::sync::atomic::AtomicBool,
}

impl Wake {
    /// Wakes the loop now (or at its next wait, if it is busy syncing).
    pub fn now(&self) {
        self.notify.notify_one();
    }

    fn set_streaming(&self, on: bool) {
        self.streaming
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    fn streaming(&self) -> bool {
        self.streaming.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Client {
    /// Listens to the server's event stream for as long as the agent is signed in,
    /// waking the loop on every poke, and once per (re)connection: pokes sent while the
    /// stream was down are lost. Reconnects with jittered backoff; never returns while
    /// signed in.
    pub async fn listen_for_pokes(&self, wake: &Wake) {
        let mut pause = OFFLINE_FIRST_RETRY;
        loop {
            match self.account() {
                Ok(Some(_)) => {}
                // Signed out: look again later (sign-in wakes the loop, not this task).
                _ => {
                    tokio::time::sleep(POLL_WITHOUT_STREAM).await;
                    continue;
                }
            }
            let connected = self.stream_pokes(wake).await;
            wake.set_streaming(false);
            match connected {
                // The server ended a healthy stream (e.g. at the token's lifetime):
                // reconnect at once with a fresh token.
                Ok(()) => pause = OFFLINE_FIRST_RETRY,
                Err(e) => {
                    tracing::debug!(error = %e, "event stream down");
                    tokio::time::sleep(jittered(pause)).await;
                    pause = (pause * 2).min(OFFLINE_MAX_RETRY);
                }
            }
        }
    }

    /// One connection of the event stream, until it ends.
    async fn stream_pokes(&self, wake: &Wake) -> Result<()> {
        let (api, access) = self.api_and_access().await?;
        let mut response = match api.events(&access).await {
            Err(e) if is_unauthorized(&e) => {
                self.forget_access();
                return Err(e);
            }
            other => other?,
        };
        wake.set_streaming(true);
        wake.now();
        let mut pending = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|source| Error::Offline {
            url: api.base().to_owned(),
            source,
        })? {
            pending.extend_from_slice(&chunk);
            // Events are lines; only complete ones are read, the rest waits for more.
            while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                if line.trim_ascii() == b"event: poke" {
                    wake.now();
                }
            }
            if pending.len() > 64 * 1024 {
                pending.clear(); // Not an event stream we understand; drop, do not grow.
            }
        }
        Ok(())
    }
}

/// The sync loop: sync whenever woken (a poke, a local action, sign-in) and at least every
/// [`SAFETY_PULL`] (every [`POLL_WITHOUT_STREAM`] while no event stream is up), with
/// growing jittered pauses while the server is unreachable; between syncs it indexes what
/// is queued for search ([`Client::index_search`]). `after_sync` runs after every
/// attempt (the console re-renders its chrome from it). Never returns.
pub async fn run_sync_loop(
    client: Arc<Client>,
    wake: Arc<Wake>,
    mut after_sync: impl FnMut(&Result<SyncReport>),
) {
    let mut offline_pause = OFFLINE_FIRST_RETRY;
    let poll = poll_override();
    loop {
        let pause = match client.account() {
            Ok(Some(_)) => {
                let result = client.sync().await;
                let pause = match &result {
                    Ok(_) => {
                        offline_pause = OFFLINE_FIRST_RETRY;
                        match poll {
                            Some(p) => p,
                            None if wake.streaming() => SAFETY_PULL,
                            None => POLL_WITHOUT_STREAM,
                        }
                    }
                    // Unreachable, or reachable with its database away: back off alike.
                    Err(e) if e.is_transient() => {
                        let p = jittered(offline_pause);
                        offline_pause = (offline_pause * 2).min(OFFLINE_MAX_RETRY);
                        p
                    }
                    Err(e) => {
                        tracing::warn!(code = %e.code(), error = %e, "sync failed");
                        POLL_WITHOUT_STREAM
                    }
                };
                after_sync(&result);
                pause
            }
            Ok(None) => Duration::from_secs(3600),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the account");
                POLL_WITHOUT_STREAM
            }
        };
        // Search indexing runs in the wait, after the inbox is usable, and gives way at
        // once to a wake: a poke or an agent's action syncs first, indexing resumes after.
        let index_then_pause = async {
            if let Err(e) = client.index_search().await {
                tracing::warn!(error = %e, "search indexing failed");
            }
            tokio::time::sleep(pause).await;
        };
        tokio::select! {
            _ = index_then_pause => {}
            _ = wake.notify.notified() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_between_half_and_whole() {
        for _ in 0..100 {
            let j = jittered(Duration::from_secs(10));
            assert!(
                j >= Duration::from_secs(5) && j <= Duration::from_secs(10),
                "{j:?}"
            );
        }
    }
}

//! The console's background sync: pull when signed in, every few seconds while online, with
//! growing, jittered pauses while the server is unreachable; woken early by sign-in.

use std::time::Duration;

use tauri::{AppHandle, Runtime};

use crate::commands::emit_state;

const ONLINE_INTERVAL: Duration = Duration::from_secs(5);
const OFFLINE_FIRST_RETRY: Duration = Duration::from_secs(2);
const OFFLINE_MAX_RETRY: Duration = Duration::from_secs(30);

/// A pause between `d/2` and `d`, so many consoles coming back after an outage do not hit
/// the server in lockstep. Jitter needs no cryptographic randomness: the clock's nanoseconds
/// are spread enough.
fn jittered(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    let frac = 0.5 + (nanos % 1000) as f64 / 2000.0;
    d.mul_f64(frac)
}

pub async fn run<R: Runtime>(app: AppHandle<R>) {
    let state = crate::state(&app);
    let client = state.client.clone();
    let wake = state.wake.clone();
    let mut offline_pause = OFFLINE_FIRST_RETRY;
    let mut last_state = None;
    loop {
        let pause = match client.account() {
            Ok(Some(_)) => match client.sync().await {
                Ok(_) => {
                    offline_pause = OFFLINE_FIRST_RETRY;
                    ONLINE_INTERVAL
                }
                Err(e) if e.is_offline() => {
                    let p = jittered(offline_pause);
                    offline_pause = (offline_pause * 2).min(OFFLINE_MAX_RETRY);
                    p
                }
                Err(e) => {
                    tracing::warn!(code = %e.code(), error = %e, "sync failed");
                    ONLINE_INTERVAL
                }
            },
            Ok(None) => Duration::from_secs(3600),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the account");
                ONLINE_INTERVAL
            }
        };
        // Tell the window only when something it shows changed.
        let now = client.state().ok();
        if now != last_state {
            emit_state(&app, &state);
            last_state = now;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = wake.notified() => {}
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

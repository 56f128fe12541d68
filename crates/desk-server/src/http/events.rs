//! `GET /events`: Server-Sent Events that poke a console when the feed moved, so it pulls
//! at once instead of at its next periodic pull (DESIGN.md §4 Realtime).
//!
//! A poke carries no data: what changed, and whether the caller may see it, is the pull's
//! business. The first event is sent at once, covering anything that committed between the
//! client's last pull and its subscription. Pokes on one stream are at least
//! `events_min_interval` apart, and further apart as more streams connect, so that all of
//! them together send at most `events_pokes_per_second`: the changes of a busy stretch
//! make one poke, and since a console pulls once per poke, the pulls pokes cause stay
//! bounded however busy the feed and however many consoles. A stream lasts at most one
//! access-token lifetime (the client reconnects with a fresh token, so a revoked device stops being
//! poked) and ends when the server shuts down.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::watch;
use tokio::time::Instant;

use super::extract::AuthedAgent;
use crate::metrics::GaugeGuard;
use crate::state::AppState;

/// The event's name; its data is empty.
pub const POKE: &str = "poke";

pub(super) async fn events(
    State(state): State<AppState>,
    caller: AuthedAgent,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    tracing::debug!(device_id = %caller.0.device_id, "event stream opened");
    let moved = state.storage().feed_moved();
    let until = Instant::now() + state.config().access_ttl;
    let keep_alive = state.config().events_keep_alive;
    let (min_interval, pokes_per_second) = (
        state.config().events_min_interval,
        state.config().events_pokes_per_second,
    );
    // Lives in the stream's state, so the gauge drops when the client disconnects.
    let connected = state.metrics().event_stream_opened();
    let stream = futures_util::stream::unfold(
        (moved, state, None, connected),
        move |(mut moved, state, last, connected): (
            watch::Receiver<()>,
            AppState,
            Option<Instant>,
            GaugeGuard,
        )| async move {
            if let Some(last) = last {
                // Pacing: the watch remembers a move made during the pause, so the
                // changes of a busy stretch become one poke at its end, never none.
                let streams = state.metrics().event_streams();
                let gap = pacing(min_interval, pokes_per_second, streams);
                tokio::select! {
                    () = tokio::time::sleep_until(last + gap) => {}
                    () = state.closed() => return None,
                    () = tokio::time::sleep_until(until) => return None,
                }
                tokio::select! {
                    changed = moved.changed() => changed.ok()?,
                    () = state.closed() => return None,
                    () = tokio::time::sleep_until(until) => return None,
                }
            }
            let poke = Event::default().event(POKE).data("");
            Some((Ok(poke), (moved, state, Some(Instant::now()), connected)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(keep_alive))
}

/// The least gap between two pokes on one stream: `min`, or the share of the instance's
/// poke budget that `streams` streams leave each, if longer.
fn pacing(min: Duration, pokes_per_second: u32, streams: i64) -> Duration {
    if pokes_per_second == 0 {
        return min;
    }
    let share = Duration::from_secs_f64(streams.max(0) as f64 / f64::from(pokes_per_second));
    min.max(share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pokes_space_out_as_streams_connect() {
        let min = Duration::from_millis(100);
        assert_eq!(pacing(min, 4000, 2), min, "a few consoles: the least gap");
        assert_eq!(
            pacing(min, 4000, 400),
            min,
            "400 at 4,000 a second: 100 ms each"
        );
        assert_eq!(pacing(min, 4000, 1000), Duration::from_millis(250));
        assert_eq!(pacing(min, 4000, 8000), Duration::from_secs(2));
        assert_eq!(pacing(min, 0, 8000), min, "0: no instance-wide bound");
        assert_eq!(pacing(Duration::ZERO, 4000, 0), Duration::ZERO);
    }
}

//! `GET /events`: Server-Sent Events that poke a console when the feed moved, so it pulls
//! at once instead of at its next periodic pull (DESIGN.md §4 Realtime).
//!
//! A poke carries no data: what changed, and whether the caller may see it, is the pull's
//! business. The first event is sent at once, covering anything that committed between the
//! client's last pull and its subscription. Pokes on one stream are at least
//! `events_min_interval` apart: the changes of a busy stretch make one poke, so a console
//! pulls at most that often however busy the feed is. A stream lasts at most one access-token
//! lifetime (the client reconnects with a fresh token, so a revoked device stops being
//! poked) and ends when the server shuts down.

use std::convert::Infallible;

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
    let min_interval = state.config().events_min_interval;
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
                tokio::select! {
                    () = tokio::time::sleep_until(last + min_interval) => {}
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

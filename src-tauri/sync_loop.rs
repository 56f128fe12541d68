//! The console's background sync: desk-sync's loop (pokes over the server's event stream,
//! a periodic pull as the safety net, jittered backoff while offline), with the window
//! told whenever what its chrome shows changed.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use desk_core::view::SyncPhase;
use tauri::{AppHandle, Emitter, Runtime};

use crate::commands::{SYNC_PROGRESS, emit_state};

/// At most this often per phase: a bootstrap reports every page, the bar needs far less.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Tells the window of sync progress: every change of phase, and within a phase at most
/// every [`PROGRESS_EVERY`].
pub fn forward_progress<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    let last: Mutex<Option<(SyncPhase, Instant)>> = Mutex::new(None);
    crate::state(app).client.on_progress(move |p| {
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let due = match *last {
            Some((phase, at)) => phase != p.phase || at.elapsed() >= PROGRESS_EVERY,
            None => true,
        };
        if due {
            *last = Some((p.phase, Instant::now()));
            if let Err(e) = handle.emit(SYNC_PROGRESS, p) {
                tracing::warn!(error = %e, "could not send sync progress to the window");
            }
        }
    });
}

pub async fn run<R: Runtime>(app: AppHandle<R>) {
    let state = crate::state(&app);
    let (client, wake) = (state.client.clone(), state.wake.clone());
    let listener = {
        let (client, wake) = (client.clone(), wake.clone());
        async move { client.listen_for_pokes(&wake).await }
    };
    tauri::async_runtime::spawn(listener);
    let mut last_state = None;
    desk_sync::run_sync_loop(client.clone(), wake, move |_| {
        crate::notifications::after_sync(&app, &crate::state(&app));
        // Tell the window only when something it shows changed.
        let now = client.state().ok();
        if now != last_state {
            emit_state(&app, &crate::state(&app));
            last_state = now;
        }
    })
    .await;
}

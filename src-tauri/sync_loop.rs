//! The console's background sync: desk-sync's loop (pokes over the server's event stream,
//! a periodic pull as the safety net, jittered backoff while offline), with the window
//! told whenever what its chrome shows changed.

use tauri::{AppHandle, Runtime};

use crate::commands::emit_state;

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
        // Tell the window only when something it shows changed.
        let now = client.state().ok();
        if now != last_state {
            emit_state(&app, &crate::state(&app));
            last_state = now;
        }
    })
    .await;
}

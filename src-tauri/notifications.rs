//! OS notifications for new assignments and SLA risk (DESIGN.md §8): after each sync the
//! agent's tickets are read from the cache, `desk_core::notify` decides, and the shell
//! shows what it decided in the UI's language. The webview cannot show notifications
//! itself: only the app's own commands are granted to it.

use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::AppState;

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each guarded section is one assignment: a panic cannot leave it half-done.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Records the agent's tickets without notifying (their own action).
pub fn observe_quietly(state: &AppState) {
    match state.client.mine_for_notifications() {
        Ok(mine) => lock(&state.notifier).observe_quietly(&mine),
        Err(e) => tracing::debug!(error = %e, "could not read the agent's tickets"),
    }
}

pub fn set_language(state: &AppState, language: String) {
    // Only the two the UI speaks; anything else would fall back to English anyway.
    let language = if language.starts_with("zh") {
        "zh-CN"
    } else {
        "en"
    };
    *lock(&state.ui_language) = language.to_owned();
}

/// After a sync: shows what the decision says. Signed out, nothing (and the memory is
/// reset, so the next agent's first sync is a first look again).
pub fn after_sync<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    if !matches!(state.client.account(), Ok(Some(_))) {
        *lock(&state.notifier) = Default::default();
        return;
    }
    let mine = match state.client.mine_for_notifications() {
        Ok(mine) => mine,
        Err(e) => {
            tracing::debug!(error = %e, "could not read the agent's tickets");
            return;
        }
    };
    let due = lock(&state.notifier).observe(&mine);
    let language = lock(&state.ui_language).clone();
    for notification in due {
        let (title, body) = notification.text(&language);
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            tracing::warn!(error = %e, "could not show a notification");
        }
    }
}

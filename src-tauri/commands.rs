//! The Tauri commands: each takes its input, calls one method of the sync client and maps
//! the error to `{code, message}`. No SQL, HTTP or keyring here.

use desk_core::ApiError;
use desk_core::view::{
    InboxView, SessionState, SyncProgress, TicketDetail, TicketSummary, ViewCounts,
};
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::AppState;

type CmdResult<T> = Result<T, ApiError>;

/// The event the UI refreshes on.
pub const SESSION_CHANGED: &str = "session-changed";
/// The event the first-sync progress bar follows (a `SyncProgress`).
pub const SYNC_PROGRESS: &str = "sync-progress";

pub(crate) fn emit_state<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    match state.client.state() {
        Ok(s) => {
            if let Err(e) = app.emit(SESSION_CHANGED, s) {
                tracing::warn!(error = %e, "could not notify the window");
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not read session state"),
    }
}

/// Where the current or last sync got to: the UI asks once when it loads, then follows
/// [`SYNC_PROGRESS`] events.
#[tauri::command]
pub fn sync_progress(state: State<'_, AppState>) -> Option<SyncProgress> {
    state.client.progress()
}

#[tauri::command]
pub fn session_state(state: State<'_, AppState>) -> CmdResult<SessionState> {
    Ok(state.client.state()?)
}

#[tauri::command]
pub async fn sign_in<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    server_url: String,
    email: String,
    password: String,
) -> CmdResult<SessionState> {
    state.client.sign_in(&server_url, &email, &password).await?;
    // The background loop pulls at once; the UI shows the first sync arriving.
    state.wake.now();
    emit_state(&app, &state);
    Ok(state.client.state()?)
}

#[tauri::command]
pub async fn sign_out<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<SessionState> {
    state.client.sign_out(false).await?;
    emit_state(&app, &state);
    Ok(state.client.state()?)
}

/// Syncs now. Being offline is not an error here: the returned state says so.
#[tauri::command]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<SessionState> {
    match state.client.sync().await {
        Ok(_) => {}
        Err(e) if e.is_offline() => {}
        Err(e) => return Err(e.into()),
    }
    emit_state(&app, &state);
    Ok(state.client.state()?)
}

#[tauri::command]
pub fn list_tickets(
    state: State<'_, AppState>,
    view: InboxView,
    limit: u32,
) -> CmdResult<Vec<TicketSummary>> {
    Ok(state.client.list_tickets(view, limit)?)
}

#[tauri::command]
pub fn view_counts(state: State<'_, AppState>) -> CmdResult<ViewCounts> {
    Ok(state.client.view_counts()?)
}

#[tauri::command]
pub async fn get_ticket(state: State<'_, AppState>, id: String) -> CmdResult<TicketDetail> {
    // Fetches an evicted conversation when online; offline the detail says it is elsewhere.
    Ok(state.client.open_ticket(&id).await?)
}

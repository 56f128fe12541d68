//! The desktop shell: Tauri wiring over desk-sync. This is the only code that knows Tauri.
//!
//! [`run_app`] takes any `tauri::Builder`, so the same app runs in a real window and under
//! `tauri::test::mock_builder()` with no desktop around it.

pub mod commands;
mod notifications;
mod sync_loop;

use std::sync::{Arc, Mutex};

use desk_core::notify::Notifier;
use desk_sync::{Client, Profile, Wake};
use tauri::{Manager, Runtime};

/// What every command can reach.
pub struct AppState {
    pub client: Arc<Client>,
    /// Wakes the background sync loop (a poke, sign-in, an action, the UI asking).
    pub wake: Arc<Wake>,
    /// What the OS notifications last saw of the agent's tickets (`desk_core::notify`).
    pub notifier: Mutex<Notifier>,
    /// The UI's language, which the UI tells the shell: notifications speak it too.
    pub ui_language: Mutex<String>,
}

/// Wires state, commands and the background sync into a builder.
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>, client: Arc<Client>) -> tauri::Builder<R> {
    with_commands(builder, client)
        // Shown from Rust only; the capability file grants the webview none of its commands.
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let handle = app.handle().clone();
            sync_loop::forward_progress(&handle);
            tauri::async_runtime::spawn(sync_loop::run(handle));
            Ok(())
        })
}

/// State and commands without the background sync: what the headless command tests run,
/// so a signed-in cache never reaches for a keyring or a server there.
pub fn with_commands<R: Runtime>(
    builder: tauri::Builder<R>,
    client: Arc<Client>,
) -> tauri::Builder<R> {
    let wake = Arc::new(Wake::default());
    builder
        .plugin(navigation_guard())
        .manage(AppState {
            client,
            wake,
            notifier: Mutex::new(Notifier::default()),
            ui_language: Mutex::new("en".into()),
        })
        .invoke_handler(tauri::generate_handler![
            commands::session_state,
            commands::sync_progress,
            commands::sign_in,
            commands::accept_invitation,
            commands::sign_out,
            commands::sync_now,
            commands::list_tickets,
            commands::view_counts,
            commands::customer_history,
            commands::get_ticket,
            commands::announce_presence,
            commands::ticket_presence,
            commands::set_ui_language,
            commands::reply,
            commands::reply_with_files,
            commands::reply_and_edit,
            commands::attachment_bytes,
            commands::save_attachment,
            commands::edit_ticket,
            commands::bulk_edit,
            commands::retry_delivery,
            commands::outbox,
            commands::release_held,
            commands::edit_held,
            commands::retry_rejected,
            commands::discard_held,
            commands::search,
            commands::suggest_knowledge,
            commands::agents,
            commands::macros,
            commands::query_tickets,
            commands::sla_counts,
            commands::incidents,
            commands::open_link,
            commands::admin_agents,
            commands::admin_add_agent,
            commands::admin_update_agent,
            commands::admin_reissue_invitation,
            commands::audit_log,
            commands::audit_verify,
            commands::audit_export,
            commands::admin_put_macro,
            commands::admin_delete_macro,
            commands::admin_put_article,
            commands::admin_delete_article,
            commands::kb_articles,
            commands::groups,
            commands::admin_put_group,
            commands::admin_delete_group,
            commands::render_markdown,
        ])
}

/// Keeps the window on the console: a navigation anywhere else (a link the UI did not
/// intercept, a script that got past the sanitizer and the CSP, a redirect) is refused.
/// Customer links open outside the app through `open_link`, after a confirmation.
fn navigation_guard<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_, url| {
            let allowed = is_app_url(url);
            if !allowed {
                tracing::warn!(scheme = url.scheme(), host = ?url.host_str(), "refused a navigation away from the console");
            }
            allowed
        })
        .build()
}

/// The console's own pages: `tauri://localhost` (Linux, macOS), `http(s)://tauri.localhost`
/// (Windows), and the Vite dev server while developing.
fn is_app_url(url: &tauri::Url) -> bool {
    match (url.scheme(), url.host_str()) {
        ("tauri", Some("localhost")) => true,
        ("http" | "https", Some("tauri.localhost")) => true,
        ("http", Some("localhost")) => tauri::is_dev() && url.port() == Some(1420),
        _ => false,
    }
}

/// The profile the console opens: `DESK_HOME`, else `DESK_PROFILE`, else `default` (the
/// same rule as the `desk` CLI, so `desk login` and the console share a profile).
fn profile() -> anyhow::Result<Profile> {
    let home = std::env::var_os("DESK_HOME").map(std::path::PathBuf::from);
    let name = std::env::var("DESK_PROFILE").ok();
    Ok(Profile::resolve(home.as_deref(), name.as_deref())?)
}

/// `DESK_KEEP_CLOSED_DAYS`, as the CLI reads it: how long closed tickets keep their
/// cached conversation.
fn keep_closed_days() -> Option<u64> {
    let value = std::env::var("DESK_KEEP_CLOSED_DAYS").ok()?;
    match value.trim().parse() {
        Ok(days) => Some(days),
        Err(_) => {
            tracing::warn!(%value, "DESK_KEEP_CLOSED_DAYS is not a number of days; using the default");
            None
        }
    }
}

fn device_name() -> String {
    let os = std::env::consts::OS;
    match std::env::var("HOSTNAME") {
        Ok(host) if !host.is_empty() => format!("Desk on {host} ({os})"),
        _ => format!("Desk console ({os})"),
    }
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DESK_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let client = match profile().and_then(|p| Ok(Client::open(p, device_name())?)) {
        Ok(c) => {
            if let Some(days) = keep_closed_days() {
                c.keep_closed_for(std::time::Duration::from_secs(days * 24 * 3600));
            }
            Arc::new(c)
        }
        Err(e) => {
            // Nothing useful can open without a cache; say why on stderr and in the exit code.
            eprintln!("desk: cannot open the local cache: {e:#}");
            std::process::exit(1);
        }
    };
    run_app(tauri::Builder::default(), client)
        .run(tauri::generate_context!())
        .expect("the console window failed");
}

/// Handle to the state from anywhere holding an app handle.
pub(crate) fn state<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::State<'_, AppState> {
    app.state::<AppState>()
}

#[cfg(test)]
mod tests;

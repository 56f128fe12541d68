//! Desk's backend: authentication, the HTTP API and the change feed clients sync from
//! (DESIGN.md §4, §6), over a storage trait with SQLite and PostgreSQL backends.
//!
//! Shape: [`app`] builds the axum router over an [`AppState`]; [`run`] serves it on a
//! listener until a shutdown future resolves. Storage sits behind [`storage::Storage`]
//! (SQLite embedded, PostgreSQL for production); `auth`, `feed`, `push` and `retention`
//! hold the rules and know nothing of HTTP; `http` is the only module that knows axum routing. `seed`
//! generates the demo dataset. This crate must not depend on the client crates (desk-store, desk-sync) or
//! on Tauri; it shares only `desk-core`'s types with them.

pub mod audit;
pub mod auth;
pub mod config;
pub mod delivery;
pub mod error;
pub mod feed;
pub mod help;
pub mod http;
pub mod ingest;
pub mod intake;
pub mod metrics;
pub mod presence;
pub mod push;
pub mod retention;
pub mod seed;
pub mod settings;
pub mod state;
pub mod storage;
pub mod tls;

use std::future::Future;

pub use config::{Clock, Config, ManualClock, PasswordCost, StorageConfig, SystemClock};
pub use error::{Error, Result};
pub use http::{app, metrics_app};
pub use state::AppState;
pub use storage::Storage;
pub use storage::postgres::PgStorage;
pub use storage::sqlite::SqliteStorage;

/// Serves [`app`] on `listener` until `shutdown` resolves, then stops accepting, ends
/// event streams and lets in-flight requests finish. Prunes past retention and delivers
/// the outbound queue meanwhile.
pub async fn run<L>(
    listener: L,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
{
    let address = listener.local_addr()?;
    tracing::info!(%address, storage = state.storage().backend(), "serving");
    let pruning = tokio::spawn(retention::prune_periodically(state.clone()));
    let transports =
        delivery::Transports::from_config(state.config()).map_err(anyhow::Error::msg)?;
    let delivering = tokio::spawn(delivery::run(state.clone(), transports));
    let fetching = tokio::spawn(intake::run(state.clone()));
    let closing = state.clone();
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Event streams never finish on their own; the graceful shutdown would wait
            // for them for ever.
            closing.close();
        })
        .await?;
    pruning.abort();
    delivering.abort();
    fetching.abort();
    tracing::info!("server stopped");
    Ok(())
}

//! Desk's sync client: signs an agent in, keeps the refresh token in the OS keyring, pulls
//! the server's change feed into the local cache (desk-store) and answers the console's
//! views from that cache, online or not.
//!
//! The console (src-tauri) and the `desk` CLI are thin faces over [`Client`]. This crate
//! knows HTTP and the keyring; it must not know Tauri or any UI.

pub mod api;
mod client;
pub mod credentials;
mod error;
pub mod profile;
mod progress;
mod realtime;

pub use client::{
    Account, Client, DEFAULT_KEEP_CLOSED, GROUP_PAGES, PULL_PAGE, SyncReport, save_into,
};
pub use desk_store::CacheKey;
pub use error::{Error, Result};
pub use profile::Profile;
pub use realtime::{Wake, jittered, run_sync_loop};

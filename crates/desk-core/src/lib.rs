//! Desk's domain: tickets, messages, customers, wallet transactions, agents, and the wire
//! format the server, the sync client and the console share.
//!
//! This crate does no I/O and never reads a clock or the environment: callers pass time
//! (milliseconds since the Unix epoch) and ids in. That keeps every rule table-testable.
//! It must not depend on any other Desk crate, on SQLite, HTTP or Tauri.

pub mod domain;
pub mod error;
pub mod ts;
pub mod view;
pub mod wire;

pub use domain::*;
pub use error::{ApiError, ErrorCode};

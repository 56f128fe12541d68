//! Desk's domain: tickets, messages, customers, wallet transactions, agents, and the wire
//! format the server, the sync client and the console share.
//!
//! This crate does no I/O and never reads a clock or the environment: callers pass time
//! (milliseconds since the Unix epoch) and ids in. That keeps every rule table-testable.
//! It must not depend on any other Desk crate, on SQLite, HTTP or Tauri.

// `string_enum!` is defined in `domain` and used by the modules declared after it.
#[macro_use]
pub mod domain;
pub mod access;
pub mod admin;
pub mod apply;
pub mod attachment;
pub mod delivery;
pub mod error;
pub mod groups;
pub mod guard;
pub mod keywords;
pub mod links;
pub mod markdown;
pub mod mutation;
pub mod notify;
pub mod ops;
pub mod redact;
pub mod sanitize;
pub mod search;
pub mod sensitive;
pub mod ts;
pub mod view;
pub mod wire;

pub use delivery::{Delivery, DeliveryState};
pub use domain::*;
pub use error::{ApiError, ErrorCode};
pub use groups::Group;
pub use mutation::{Mutation, MutationOp, MutationResult, OutboxEntry, OutboxState};
pub use ops::*;
pub use sensitive::Sensitive;

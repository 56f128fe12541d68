//! desk-server's integration tests: the router through `oneshot`, a real socket, and the
//! binary. Every test gets its own temp data directory.

mod auth;
mod cli;
mod http;
mod storage;
mod support;
mod sync;

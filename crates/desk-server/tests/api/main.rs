//! desk-server's integration tests: the router through `oneshot`, a real socket, and the
//! binary. Every test gets its own temp data directory, or its own database on the one
//! throwaway PostgreSQL cluster this binary starts (`conformance`, `postgres`).

mod auth;
mod authz;
mod cli;
mod conformance;
mod http;
mod logs;
mod mail_drills;
mod openapi;
mod ops;
mod postgres;
mod storage;
mod support;
mod sync;
mod tls;

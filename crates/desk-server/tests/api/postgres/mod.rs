//! What only the PostgreSQL backend has: migrations shared by several instances, the
//! commit-ordered feed under concurrent writers (DESIGN.md §4), the binary's
//! `--database-url`. Everything runs on the test binary's one throwaway cluster
//! ([`testsupport::Postgres::shared`]), each test in its own database.

mod audit;
mod cli;
mod concurrency;
mod realtime;
mod schema;

use testsupport::Postgres;
use tokio_postgres::{Client, NoTls};

/// A new, empty database on the shared cluster.
pub fn fresh_url() -> String {
    Postgres::shared().fresh_database()
}

/// A plain connection for what the storage API cannot do: inspect tables, install a test
/// trigger, run the naive counter-example.
pub async fn raw(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("connect to the test database");
    tokio::spawn(async move {
        // Ends when the client is dropped; an error here shows up as a failed query.
        let _ = connection.await;
    });
    client
}

//! Migrations: idempotent, shared by instances that start together, refusing a database
//! from a newer build; and both backends seeding the very same dataset.

use desk_core::wire::Change;
use desk_server::feed::FeedPosition;
use desk_server::seed::{self, SeedOptions};
use desk_server::storage::postgres::SCHEMA_VERSION;
use desk_server::{PgStorage, Storage};

use super::{fresh_url, raw};
use crate::conformance::{everything, open_sqlite, ticket};

#[tokio::test]
async fn instances_starting_together_migrate_once() {
    let url = fresh_url();
    // Four servers booting at the same moment against an empty database.
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgStorage::connect(&url).await })
        })
        .collect();
    for start in starts {
        start
            .await
            .unwrap()
            .expect("every instance starts: the advisory lock queues them, none races");
    }
    let applied: Vec<i32> = raw(&url)
        .await
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        applied,
        (1..=SCHEMA_VERSION).collect::<Vec<_>>(),
        "each migration is recorded exactly once"
    );
}

#[tokio::test]
async fn data_survives_reconnecting_and_the_feed_keeps_counting() {
    let url = fresh_url();
    {
        let storage = PgStorage::connect(&url).await.unwrap();
        storage
            .write_records(vec![Change::Ticket(ticket("t1", None))])
            .await
            .unwrap();
    }
    let storage = PgStorage::connect(&url).await.unwrap();
    assert_eq!(
        everything(&storage).await.len(),
        1,
        "a committed write survives a new connection, and migrating again changes nothing"
    );
    let receipt = storage
        .write_records(vec![Change::Ticket(ticket("t2", None))])
        .await
        .unwrap();
    assert!(
        receipt.last_position.unwrap() > FeedPosition { version: 1, ord: 0 },
        "the feed version keeps counting after a reconnect"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() {
    let url = fresh_url();
    drop(PgStorage::connect(&url).await.unwrap());
    raw(&url)
        .await
        .execute("INSERT INTO schema_migrations (version) VALUES (999)", &[])
        .await
        .unwrap();
    let err = PgStorage::connect(&url).await.unwrap_err();
    assert!(
        err.to_string().contains("newer"),
        "an old server must not write into a schema it does not know: {err}"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error() {
    // Port 1 on loopback: nothing listens there.
    let err = PgStorage::connect("postgres://desk:s3cret@127.0.0.1:1/desk")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("connect to postgresql 127.0.0.1:1/desk"),
        "the error names where it tried to connect: {text}"
    );
    assert!(
        !text.contains("s3cret"),
        "the password never reaches an error: {text}"
    );
    let tls = PgStorage::connect("postgres://desk@127.0.0.1:1/desk?sslmode=require")
        .await
        .unwrap_err();
    assert!(
        tls.to_string().contains("TLS"),
        "sslmode=require is refused until TLS is built in, not silently downgraded: {tls}"
    );
}

#[tokio::test]
async fn both_backends_seed_the_same_dataset() {
    let options = SeedOptions {
        tickets: 150,
        ..SeedOptions::default()
    };
    let (sqlite, _dir) = open_sqlite();
    let postgres = PgStorage::connect(&fresh_url()).await.unwrap();
    let a = seed::seed_demo(sqlite.as_ref(), options).await.unwrap();
    let b = seed::seed_demo(&postgres, options).await.unwrap();
    assert_eq!(a, b, "both backends report the same seed, cursor included");
    let (fa, fb) = (
        everything(sqlite.as_ref()).await,
        everything(&postgres).await,
    );
    assert_eq!(
        fa.len(),
        fb.len(),
        "both feeds carry the same number of changes"
    );
    assert!(
        fa == fb,
        "SQLite and PostgreSQL feed identical records in identical order, ticket numbers too"
    );
}

#[tokio::test]
async fn storage_reconnects_after_postgres_restarts() {
    // Its own cluster: restarting the shared one would break the tests running beside us.
    let mut cluster = testsupport::Postgres::start();
    let storage = PgStorage::connect(&cluster.fresh_database()).await.unwrap();
    storage
        .write_records(vec![Change::Ticket(ticket("before", None))])
        .await
        .unwrap();
    cluster.restart();
    // The pool notices closed connections when it hands them out and opens new ones, so
    // the first request after the restart already succeeds.
    let receipt = storage
        .write_records(vec![Change::Ticket(ticket("after", None))])
        .await
        .expect("a write after the database restarted succeeds without restarting us");
    assert!(
        receipt.last_position > Some(FeedPosition { version: 1, ord: 0 }),
        "the feed continues where it was"
    );
    let ids: Vec<_> = everything(&storage)
        .await
        .iter()
        .map(|c| c.id().to_owned())
        .collect();
    assert_eq!(
        ids,
        ["before", "after"],
        "what was committed before the restart is still there, in order"
    );
}

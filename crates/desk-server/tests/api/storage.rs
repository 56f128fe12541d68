//! What only the SQLite backend has: its file, reopening it, refusing a newer schema. The
//! storage contract both backends keep is the conformance suite in `conformance/`.

use desk_core::wire::Change;
use desk_server::feed::FeedPosition;
use desk_server::{SqliteStorage, Storage};

use crate::conformance::{everything, ticket};

#[tokio::test]
async fn data_survives_reopening_and_migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    {
        let storage = SqliteStorage::open_in_dir(dir.path()).unwrap();
        storage
            .write_records(vec![Change::Ticket(ticket("t1", None))])
            .await
            .unwrap();
    }
    let storage = SqliteStorage::open_in_dir(dir.path()).unwrap();
    let feed = everything(&storage).await;
    assert_eq!(
        feed.len(),
        1,
        "a committed write survives closing and reopening the database"
    );
    let receipt = storage
        .write_records(vec![Change::Ticket(ticket("t2", None))])
        .await
        .unwrap();
    assert!(
        receipt.last_position.unwrap() > FeedPosition { version: 1, ord: 0 },
        "the feed version keeps counting after a reopen"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(SqliteStorage::open_in_dir(dir.path()).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join("desk.sqlite3")).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = SqliteStorage::open_in_dir(dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("newer"),
        "an old server must not write into a schema it does not know: {err}"
    );
}

#[tokio::test]
async fn a_push_whose_answer_cannot_be_stored_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open_in_dir(dir.path()).unwrap();
    let file = dir.path().join("desk.sqlite3");
    let sql = |statement: &'static str| {
        let file = file.clone();
        async move {
            rusqlite::Connection::open(file)
                .unwrap()
                .execute_batch(statement)
                .unwrap();
        }
    };
    crate::conformance::push::a_failed_push_leaves_nothing_behind(
        std::sync::Arc::new(storage),
        sql("CREATE TRIGGER desk_test_fail BEFORE INSERT ON mutations
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"),
        sql("DROP TRIGGER desk_test_fail;"),
    )
    .await;
}

#[tokio::test]
async fn a_tampered_audit_log_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open_in_dir(dir.path()).unwrap();
    let file = dir.path().join("desk.sqlite3");
    crate::conformance::audit::tampering_is_detected(std::sync::Arc::new(storage), |sql| {
        let file = file.clone();
        async move {
            rusqlite::Connection::open(file)
                .unwrap()
                .execute_batch(&sql)
                .unwrap();
        }
    })
    .await;
}

//! The storage contract, checked on SQLite; the start of the backend conformance suite.

use desk_core::wire::Change;
use desk_core::{Channel, Message, MessageKind, Priority, Ticket, TicketStatus};
use desk_server::feed::{FeedPosition, Scope};
use desk_server::{SqliteStorage, Storage};

fn ticket(id: &str, number: Option<i64>) -> Ticket {
    Ticket {
        id: id.into(),
        number,
        subject: "充值未到账".into(),
        customer_id: "c1".into(),
        channel: Channel::Wechat,
        status: TicketStatus::New,
        priority: Priority::High,
        category: desk_core::Category::FundsNotArrived,
        tags: vec![],
        assignee_id: None,
        group: None,
        language: "zh-CN".into(),
        first_response_due_at: None,
        resolution_due_at: None,
        linked_transaction_ids: vec![],
        incident_id: None,
        merged_into: None,
        csat: None,
        created_at: 1,
        updated_at: 1,
        last_message_at: 1,
    }
}

fn message(id: &str, text: &str) -> Message {
    Message {
        id: id.into(),
        ticket_id: "t1".into(),
        kind: MessageKind::PublicReply,
        author: desk_core::Author {
            kind: desk_core::AuthorKind::Customer,
            id: None,
            name: "王芳".into(),
        },
        body_text: text.into(),
        body_html: None,
        attachments: vec![],
        created_at: 2,
    }
}

async fn everything(storage: &dyn Storage) -> Vec<Change> {
    let page = storage
        .pull(FeedPosition::ZERO, 10_000, &Scope::All)
        .await
        .unwrap();
    page.changes.into_iter().map(|(_, c)| c).collect()
}

#[tokio::test]
async fn ticket_numbers_are_the_servers() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open_in_dir(dir.path()).unwrap();
    let receipt = storage
        .write_records(vec![
            Change::Ticket(ticket("t1", Some(999))),
            Change::Ticket(ticket("t2", None)),
        ])
        .await
        .unwrap();
    let numbers: Vec<_> = receipt
        .records
        .iter()
        .map(|c| match c {
            Change::Ticket(t) => t.number,
            _ => None,
        })
        .collect();
    assert_eq!(
        numbers,
        [Some(1), Some(2)],
        "numbers come from the server, in write order"
    );

    let receipt = storage
        .write_records(vec![Change::Ticket(ticket("t1", None))])
        .await
        .unwrap();
    let Change::Ticket(updated) = &receipt.records[0] else {
        panic!("a ticket")
    };
    assert_eq!(
        updated.number,
        Some(1),
        "an existing ticket keeps its number"
    );
    let receipt = storage
        .write_records(vec![Change::Ticket(ticket("t3", None))])
        .await
        .unwrap();
    let Change::Ticket(third) = &receipt.records[0] else {
        panic!("a ticket")
    };
    assert_eq!(
        third.number,
        Some(3),
        "numbers keep increasing across writes"
    );
}

#[tokio::test]
async fn messages_are_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open_in_dir(dir.path()).unwrap();
    storage
        .write_records(vec![Change::Message(message("m1", "原文"))])
        .await
        .unwrap();
    let receipt = storage
        .write_records(vec![Change::Message(message("m1", "改过的"))])
        .await
        .unwrap();
    assert_eq!(
        receipt.last_position, None,
        "rewriting a stored message produces no change"
    );
    let feed = everything(&storage).await;
    assert_eq!(
        feed,
        vec![Change::Message(message("m1", "原文"))],
        "the first version of a message stays"
    );
}

#[tokio::test]
async fn agents_are_not_written_as_records() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open_in_dir(dir.path()).unwrap();
    let agent = desk_core::Agent {
        id: "a".into(),
        name: "A".into(),
        email: "a@x.test".into(),
        role: desk_core::Role::Admin,
        languages: vec![],
    };
    let result = storage.write_records(vec![Change::Agent(agent)]).await;
    assert!(
        result.is_err(),
        "agents carry credentials and go through the agent operations"
    );
    assert!(
        everything(&storage).await.is_empty(),
        "a refused write leaves nothing behind"
    );
}

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

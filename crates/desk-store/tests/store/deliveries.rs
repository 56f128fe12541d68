//! Deliveries of public replies, as the feed brings them: shown on their message, the
//! newest state winning, kept when they arrive before their message, gone with their
//! conversation; and the agent's retry, checked before it is queued and shown until the
//! server answers it.

use std::sync::atomic::{AtomicU64, Ordering};

use desk_core::delivery::{Delivery, DeliveryState};
use desk_core::wire::{Change, LeftScope};
use desk_core::*;
use desk_store::{Error, Store};

use crate::{agent, customer, message, ticket};

fn new_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("dl-{:06}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("cache.sqlite3")).unwrap();
    (dir, store)
}

/// A public reply by the agent `me`.
fn reply(id: &str, ticket_id: &str, at: i64) -> Message {
    let mut m = message(
        id,
        ticket_id,
        "已为您重新提交提币",
        MessageKind::PublicReply,
        at,
    );
    m.author = Author {
        kind: AuthorKind::Agent,
        id: Some("me".into()),
        name: "Agent me".into(),
    };
    m
}

fn delivery(id: &str, ticket_id: &str, state: DeliveryState, at: i64) -> Delivery {
    Delivery {
        id: id.into(),
        ticket_id: ticket_id.into(),
        channel: Channel::Email,
        recipient: Some("li@example.cn".into()),
        mailbox: None,
        state,
        attempts: u32::from(state != DeliveryState::Queued),
        error: (state == DeliveryState::Failed).then(|| "550 5.1.1 user unknown".into()),
        created_at: at,
        updated_at: at,
        sent_at: (state == DeliveryState::Sent).then_some(at),
        next_attempt_at: None,
    }
}

/// t1 with a customer's message m1, the agent's reply r1 and an internal note n1.
fn seeded(extra: Vec<Change>) -> (tempfile::TempDir, Store) {
    let (dir, mut store) = open();
    let mut n1 = reply("n1", "t1", 300);
    n1.kind = MessageKind::InternalNote;
    let mut page = vec![
        Change::Agent(agent("me")),
        Change::Customer(customer("c1", "李雷")),
        Change::Ticket(ticket("t1", 1, "c1", TicketStatus::Open, Some("me"), 300)),
        Change::Message(message(
            "m1",
            "t1",
            "提币三小时没到账",
            MessageKind::PublicReply,
            100,
        )),
        Change::Message(reply("r1", "t1", 200)),
        Change::Message(n1),
    ];
    page.extend(extra);
    store.apply_pull_page(&page, "c1").unwrap();
    (dir, store)
}

/// The delivery the conversation shows on message `id` of t1.
fn shown(store: &Store, id: &str) -> Option<Delivery> {
    store
        .ticket_detail("t1")
        .unwrap()
        .messages
        .into_iter()
        .find(|m| m.message.id == id)
        .unwrap_or_else(|| panic!("message {id} is in the conversation"))
        .delivery
}

fn stored_deliveries(dir: &tempfile::TempDir) -> i64 {
    let raw = rusqlite::Connection::open(dir.path().join("cache.sqlite3")).unwrap();
    raw.query_row("SELECT count(*) FROM deliveries", [], |r| r.get(0))
        .unwrap()
}

fn retry(message_id: &str, recipient: Option<&str>) -> MutationOp {
    MutationOp::RetryDelivery {
        ticket_id: "t1".into(),
        message_id: message_id.into(),
        recipient: recipient.map(Into::into),
    }
}

#[test]
fn a_pulled_delivery_shows_on_its_reply_and_nothing_else_has_one() {
    let queued = delivery("r1", "t1", DeliveryState::Queued, 210);
    let (_dir, store) = seeded(vec![Change::Delivery(queued.clone())]);
    assert_eq!(
        shown(&store, "r1"),
        Some(queued),
        "the reply shows where it goes and that it is queued"
    );
    for id in ["m1", "n1"] {
        assert_eq!(
            shown(&store, id),
            None,
            "{id}: the customer's messages and notes are never delivered"
        );
    }
}

#[test]
fn a_newer_state_replaces_an_older_one_and_survives_a_restart() {
    let (dir, mut store) = seeded(vec![Change::Delivery(delivery(
        "r1",
        "t1",
        DeliveryState::Queued,
        210,
    ))]);
    let sent = delivery("r1", "t1", DeliveryState::Sent, 230);
    store
        .apply_pull_page(
            &[
                Change::Delivery(delivery("r1", "t1", DeliveryState::Sending, 220)),
                Change::Delivery(sent.clone()),
            ],
            "c2",
        )
        .unwrap();
    assert_eq!(
        shown(&store, "r1"),
        Some(sent),
        "the feed's later change is the newer state, within a page too"
    );
    // A bounce after the mail server took it.
    let bounced = delivery("r1", "t1", DeliveryState::Failed, 240);
    store
        .apply_pull_page(&[Change::Delivery(bounced.clone())], "c3")
        .unwrap();
    drop(store);
    let store = Store::open(dir.path().join("cache.sqlite3")).unwrap();
    assert_eq!(
        shown(&store, "r1"),
        Some(bounced),
        "the bounce replaces \"sent\", and the cache keeps it across a restart"
    );
    assert_eq!(
        stored_deliveries(&dir),
        1,
        "one row per message however often it changes"
    );
}

#[test]
fn a_delivery_that_comes_before_its_message_is_kept_and_shows_once_the_message_does() {
    let early = delivery("r2", "t1", DeliveryState::Sending, 410);
    let (dir, mut store) = seeded(vec![Change::Delivery(early.clone())]);
    assert!(
        store
            .ticket_detail("t1")
            .unwrap()
            .messages
            .iter()
            .all(|m| m.message.id != "r2"),
        "no message is made up for a delivery"
    );
    assert_eq!(stored_deliveries(&dir), 1, "the early delivery is kept");
    store
        .apply_pull_page(&[Change::Message(reply("r2", "t1", 400))], "c2")
        .unwrap();
    assert_eq!(
        shown(&store, "r2"),
        Some(early),
        "the message arriving later shows the delivery that came first"
    );
}

#[test]
fn deliveries_leave_with_their_conversation() {
    let failed = delivery("r1", "t1", DeliveryState::Failed, 210);
    // Out of scope and back: the server sends the conversation again; what it sends of
    // the deliveries is what shows, never what the console kept from before.
    let (dir, mut store) = seeded(vec![Change::Delivery(failed.clone())]);
    store
        .apply_pull_page(
            &[Change::LeftScope(LeftScope::new("t1", Some("vip")))],
            "c2",
        )
        .unwrap();
    assert_eq!(stored_deliveries(&dir), 0, "left scope: its deliveries go");
    store
        .apply_pull_page(
            &[
                Change::Ticket(ticket("t1", 1, "c1", TicketStatus::Open, None, 500)),
                Change::Message(reply("r1", "t1", 200)),
            ],
            "c3",
        )
        .unwrap();
    assert_eq!(
        shown(&store, "r1"),
        None,
        "nothing stale comes back with it"
    );

    // Deleted.
    let (dir, mut store) = seeded(vec![Change::Delivery(failed.clone())]);
    let mut gone = ticket("t1", 1, "c1", TicketStatus::Open, None, 500);
    gone.deleted_at = Some(500);
    store
        .apply_pull_page(&[Change::Ticket(gone)], "c2")
        .unwrap();
    assert_eq!(
        stored_deliveries(&dir),
        0,
        "a deleted ticket's deliveries go"
    );

    // Evicted: the latest message (a reply) keeps its delivery, the older reply's goes.
    let mut solved = ticket("t1", 1, "c1", TicketStatus::Solved, Some("me"), 300);
    solved.updated_at = 300;
    let (dir, mut store) = seeded(vec![
        Change::Ticket(solved),
        Change::Message(reply("r3", "t1", 400)),
        Change::Delivery(failed),
        Change::Delivery(delivery("r3", "t1", DeliveryState::Sent, 410)),
    ]);
    assert_eq!(
        store.evict_closed_older_than(5_000, 10_000).unwrap(),
        1,
        "the solved, idle ticket is evicted"
    );
    let detail = store.ticket_detail("t1").unwrap();
    let kept: Vec<(&str, Option<DeliveryState>)> = detail
        .messages
        .iter()
        .map(|m| (m.message.id.as_str(), m.delivery.as_ref().map(|d| d.state)))
        .collect();
    assert_eq!(
        kept,
        [("r3", Some(DeliveryState::Sent))],
        "the kept message keeps its delivery"
    );
    assert_eq!(
        stored_deliveries(&dir),
        1,
        "the evicted reply's delivery went with it"
    );

    store.clear().unwrap();
    assert_eq!(stored_deliveries(&dir), 0, "a clear forgets every delivery");
}

#[test]
fn a_retry_is_checked_queued_and_shown_until_the_server_answers() {
    let (_dir, mut store) = seeded(vec![
        Change::Ticket(ticket("t2", 2, "c1", TicketStatus::Open, None, 300)),
        Change::Delivery(delivery("r1", "t1", DeliveryState::Failed, 210)),
    ]);
    let me = agent("me");
    let refused = |store: &mut Store, op: MutationOp| -> Error {
        store
            .apply_local(&me, op, 600, new_id)
            .expect_err("the retry must be refused")
    };
    let code = |e: &Error| match e {
        Error::Refused(r) => r.code,
        other => panic!("a refusal by the rules, not {other}"),
    };

    let e = refused(&mut store, retry("nope", None));
    assert!(
        matches!(&e, Error::MessageNotFound { message, .. } if message == "nope"),
        "an unknown message is named: {e}"
    );
    let e = refused(
        &mut store,
        MutationOp::RetryDelivery {
            ticket_id: "t2".into(),
            message_id: "r1".into(),
            recipient: None,
        },
    );
    assert!(
        matches!(&e, Error::MessageNotFound { ticket, .. } if ticket == "t2"),
        "a message is retried only on its own ticket: {e}"
    );
    let e = refused(&mut store, retry("m1", None));
    assert_eq!(
        code(&e),
        ErrorCode::BadRequest,
        "a customer's message is never delivered, so never retried: {e}"
    );
    let e = refused(&mut store, retry("r1", Some("li at example")));
    assert_eq!(
        code(&e),
        ErrorCode::BadRequest,
        "a corrected address must look like one: {e}"
    );
    assert!(
        store.outbox().unwrap().is_empty(),
        "a refused retry queues nothing"
    );

    let m = store
        .apply_local(&me, retry("r1", Some(" li@example.com ")), 600, new_id)
        .expect("a failed delivery is retried to a corrected address");
    let queued = shown(&store, "r1").expect("still shown");
    assert_eq!(
        (
            queued.state,
            queued.recipient.as_deref(),
            queued.error.as_deref()
        ),
        (DeliveryState::Queued, Some("li@example.com"), None),
        "the conversation shows the retry queued to the new address before the server answers"
    );
    let e = refused(&mut store, retry("r1", None));
    assert_eq!(
        code(&e),
        ErrorCode::Conflict,
        "a second click does not queue a second retry: {e}"
    );

    // Rejected by the server: the delivery shows as the server last sent it.
    store
        .acknowledge(
            &m.id,
            &MutationResult::Rejected {
                code: ErrorCode::Conflict,
                reason: "already sent".into(),
            },
        )
        .unwrap();
    assert_eq!(
        shown(&store, "r1").map(|d| d.state),
        Some(DeliveryState::Failed),
        "a rejected retry shows the failure again"
    );

    // Applied: the pulled state is what shows.
    let m = store
        .apply_local(&me, retry("r1", None), 700, new_id)
        .expect("retried on the same address");
    store.acknowledge(&m.id, &MutationResult::Applied).unwrap();
    let sending = delivery("r1", "t1", DeliveryState::Sending, 710);
    store
        .apply_pull_page(&[Change::Delivery(sending.clone())], "c2")
        .unwrap();
    assert_eq!(
        shown(&store, "r1"),
        Some(sending),
        "the server's state wins"
    );
    let e = refused(&mut store, retry("r1", None));
    assert_eq!(
        code(&e),
        ErrorCode::Conflict,
        "a sending one is not retried"
    );
}

#[test]
fn a_reply_the_server_has_not_taken_has_no_delivery_to_retry() {
    let (_dir, mut store) = seeded(vec![]);
    let me = agent("me");
    store
        .apply_local(
            &me,
            MutationOp::Reply {
                ticket_id: "t1".into(),
                message_id: "r9".into(),
                body_text: "请稍候".into(),
                last_seen_message_id: Some("n1".into()),
                attachments: vec![],
            },
            500,
            new_id,
        )
        .unwrap();
    assert_eq!(
        shown(&store, "r9"),
        None,
        "an unsent reply shows its outbox state, no delivery"
    );
    for id in ["r9", "r1"] {
        let e = store
            .apply_local(&me, retry(id, None), 600, new_id)
            .expect_err("nothing to retry");
        assert!(
            matches!(&e, Error::Refused(r) if r.code == ErrorCode::Conflict),
            "{id}: no delivery yet is a conflict, not a missing message: {e}"
        );
    }
}

//! What outlives what: the outbox survives restarts and clears; eviction never takes a
//! ticket with queued work.

use desk_core::wire::Change;
use desk_core::*;
use desk_store::{Error, Store};

use super::*;
use crate::{message, ticket};

#[test]
fn the_outbox_survives_restart_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite3");
    let (made, client_id) = {
        let mut store = Store::open(&path).unwrap();
        store
            .apply_pull_page(
                &[Change::Ticket(ticket(
                    "t1",
                    1,
                    "c1",
                    TicketStatus::Open,
                    None,
                    100,
                ))],
                "c1",
            )
            .unwrap();
        let mut new = ticket("t9", 0, "c1", TicketStatus::New, None, 0);
        new.subject = "电话：账户被锁".into();
        let made = vec![
            act(
                &mut store,
                200,
                MutationOp::CreateTicket {
                    ticket: Box::new(new),
                },
            ),
            act(&mut store, 201, status(TicketStatus::PendingCustomer)),
            act(&mut store, 202, reply("r1", "我们正在核实")),
        ];
        store.set_meta("account", Some("{}")).unwrap();
        (made, store.client_id().unwrap())
    };

    let mut store = Store::open(&path).unwrap();
    let queued = |store: &Store| -> Vec<Mutation> {
        store
            .outbox()
            .unwrap()
            .into_iter()
            .map(|e| e.mutation)
            .collect()
    };
    assert_eq!(queued(&store), made, "queued work survives a restart");

    store.clear().unwrap();
    assert_eq!(
        queued(&store),
        made,
        "a clear (re-bootstrap, re-login) keeps the outbox"
    );
    assert_eq!(
        store.cursor().unwrap(),
        None,
        "but the cache bootstraps from zero"
    );
    assert_eq!(
        store.meta("account").unwrap(),
        None,
        "and other sync state is gone"
    );
    assert_eq!(
        store.client_id().unwrap(),
        client_id,
        "the client id is kept"
    );
    assert_eq!(
        t(&store, "t9").subject,
        "电话：账户被锁",
        "a ticket created here stays shown: only the outbox knows it"
    );
    assert_eq!(
        store.effective_ticket("t1").unwrap(),
        None,
        "server tickets are gone until the bootstrap brings them"
    );
    assert!(
        matches!(
            store.apply_local(&me(), status(TicketStatus::Solved), 203, new_id),
            Err(Error::Refused(r)) if r.code == ErrorCode::NotFound
        ),
        "a ticket the cache does not hold cannot be edited"
    );
    let next = act(
        &mut store,
        203,
        MutationOp::AddTags {
            ticket_id: "t9".into(),
            tags: vec!["phone".into()],
        },
    )
    .seq;
    assert_eq!(
        next, 4,
        "seq continues after a clear: the server has seen 1..=3"
    );

    store
        .apply_pull_page(
            &[Change::Ticket(ticket(
                "t1",
                1,
                "c1",
                TicketStatus::Open,
                None,
                100,
            ))],
            "c9",
        )
        .unwrap();
    let shown = t(&store, "t1");
    assert_eq!(
        shown.status,
        TicketStatus::PendingCustomer,
        "after re-bootstrap the pending work is replayed on top"
    );
    assert_eq!(
        message_ids(&store, "t1"),
        ["r1"],
        "the unsent reply survived the clear"
    );

    store.clear_all_including_outbox().unwrap();
    assert!(
        store.outbox().unwrap().is_empty(),
        "a wipe forgets queued work too"
    );
    assert_eq!(store.client_id().unwrap(), None, "and the client identity");
    assert_eq!(
        store.ticket_count().unwrap(),
        0,
        "and every ticket, local ones too"
    );
}

#[test]
fn eviction_drops_old_closed_conversations_and_keeps_open_recent_and_queued_ones() {
    let (dir, mut store) = open();
    let old = 1_000;
    let mut touched_lately = ticket("t4", 4, "c1", TicketStatus::Closed, None, old);
    touched_lately.updated_at = 9_000;
    let mut solved = ticket("t1", 1, "c1", TicketStatus::Solved, None, old);
    solved.linked_transaction_ids = vec!["w1".into()];
    solved.csat = Some(5);
    let page = vec![
        Change::Ticket(solved),
        Change::Ticket(ticket("t2", 2, "c1", TicketStatus::Open, None, old)),
        Change::Ticket(ticket("t3", 3, "c1", TicketStatus::Closed, None, 9_000)),
        Change::Ticket(touched_lately),
        Change::Ticket(ticket("t5", 5, "c1", TicketStatus::Solved, None, old)),
        Change::Ticket(ticket("t6", 6, "c1", TicketStatus::Closed, None, old)),
        Change::Message(message(
            "m1",
            "t1",
            "充值未到账",
            MessageKind::PublicReply,
            old - 300,
        )),
        Change::Message(message(
            "m2",
            "t1",
            "请提供交易哈希",
            MessageKind::PublicReply,
            old - 200,
        )),
        Change::Message(message(
            "m3",
            "t1",
            "谢谢，已经到账",
            MessageKind::PublicReply,
            old - 100,
        )),
        Change::Message(message(
            "m4",
            "t2",
            "账户被锁",
            MessageKind::PublicReply,
            old,
        )),
    ];
    store.apply_pull_page(&page, "c1").unwrap();
    // t5 has a rejected note, t6 a pending one: both must stay.
    let note = |id: &str, mid: &str| MutationOp::Note {
        ticket_id: id.into(),
        message_id: mid.into(),
        body_text: "记录".into(),
    };
    let n5 = store
        .apply_local(&me(), note("t5", "n5"), old, new_id)
        .unwrap();
    store.acknowledge(&n5.id, &rejected("no")).unwrap();
    store
        .apply_local(&me(), note("t6", "n6"), old, new_id)
        .unwrap();

    let evicted = store.evict_closed_older_than(5_000, 10_000).unwrap();
    assert_eq!(
        evicted, 1,
        "only t1 is solved, idle and free of queued work"
    );
    let present = |id| store.effective_ticket(id).unwrap().is_some();
    assert!(
        present("t1"),
        "the ticket itself stays: history keeps its outcome and CSAT"
    );
    let detail = store.ticket_detail("t1").unwrap();
    assert!(
        detail.conversation_on_server,
        "the detail says the rest of the conversation is on the server"
    );
    let kept: Vec<&str> = detail
        .messages
        .iter()
        .map(|m| m.message.id.as_str())
        .collect();
    assert_eq!(
        kept,
        ["m3"],
        "only the latest message stays, so the inbox row keeps its preview"
    );
    assert_eq!(
        store.evict_closed_older_than(5_000, 11_000).unwrap(),
        0,
        "an evicted conversation is not evicted again"
    );
    let raw = rusqlite::Connection::open(dir.path().join("cache.sqlite3")).unwrap();
    let count = |sql: &str| -> i64 { raw.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM ticket_transactions WHERE ticket_id = 't1'"),
        1,
        "its transaction links stay with the ticket"
    );
    assert_eq!(
        count("SELECT count(*) FROM messages WHERE ticket_id IN ('t5', 't6')"),
        1,
        "the pending note stays, the rejected one was already undone"
    );
    for id in ["t2", "t3", "t4", "t5", "t6"] {
        assert!(
            !store.ticket_detail(id).unwrap().conversation_on_server,
            "{id} keeps its whole conversation: open, recently active or with queued work"
        );
    }

    // A pull from zero over this cache brings the old messages back: evicted again.
    let again = vec![
        Change::Message(message(
            "m1",
            "t1",
            "充值未到账",
            MessageKind::PublicReply,
            old - 300,
        )),
        Change::Message(message(
            "m2",
            "t1",
            "请提供交易哈希",
            MessageKind::PublicReply,
            old - 200,
        )),
    ];
    store.apply_pull_page(&again, "c1").unwrap();
    assert_eq!(
        store.evict_closed_older_than(5_000, 12_000).unwrap(),
        1,
        "a flagged conversation that filled up again is evicted again"
    );
    assert_eq!(store.ticket_detail("t1").unwrap().messages.len(), 1);

    // Opening it online fetches the conversation back: whole, once, flag cleared.
    let fetched: Vec<_> = [
        ("m1", "充值未到账", old - 300),
        ("m2", "请提供交易哈希", old - 200),
        ("m3", "谢谢，已经到账", old - 100),
    ]
    .iter()
    .map(|(id, text, at)| message(id, "t1", text, MessageKind::PublicReply, *at))
    .collect();
    store.restore_conversation("t1", &fetched, &[]).unwrap();
    store.restore_conversation("t1", &fetched, &[]).unwrap();
    let detail = store.ticket_detail("t1").unwrap();
    assert!(
        !detail.conversation_on_server,
        "the conversation is whole again"
    );
    let ids: Vec<&str> = detail
        .messages
        .iter()
        .map(|m| m.message.id.as_str())
        .collect();
    assert_eq!(ids, ["m1", "m2", "m3"], "each message once, oldest first");

    store.clear().unwrap();
    assert_eq!(
        count("SELECT count(*) FROM evicted_conversations"),
        0,
        "a re-bootstrap forgets evictions with the records"
    );
}

#[test]
fn a_deleted_ticket_leaves_every_view_at_once_and_for_good() {
    let (_dir, mut store) = open();
    let page = vec![
        Change::Ticket(ticket("t1", 1, "c1", TicketStatus::Open, None, 1_000)),
        Change::Ticket(ticket("t2", 2, "c1", TicketStatus::Open, None, 1_000)),
        Change::Message(message(
            "m1",
            "t1",
            "免费领取空投",
            MessageKind::PublicReply,
            1_000,
        )),
    ];
    store.apply_pull_page(&page, "c1").unwrap();
    let refused = store
        .apply_local(
            &me(),
            MutationOp::DeleteTicket {
                ticket_id: "t1".into(),
            },
            2_000,
            new_id,
        )
        .unwrap_err();
    assert!(
        refused.to_string().contains("needs the supervisor role"),
        "an agent's console refuses a delete at once: {refused}"
    );
    let supervisor = desk_core::Agent {
        role: desk_core::Role::Supervisor,
        ..me()
    };
    let delete = store
        .apply_local(
            &supervisor,
            MutationOp::DeleteTicket {
                ticket_id: "t1".into(),
            },
            2_000,
            new_id,
        )
        .unwrap();
    assert!(
        store.effective_ticket("t1").unwrap().is_none(),
        "the agent's delete takes the ticket out of the views at once, offline too"
    );
    assert_eq!(store.ticket_count().unwrap(), 1, "and out of the counts");
    assert_eq!(
        store.outbox().unwrap().len(),
        1,
        "the delete itself waits in the outbox for the server"
    );
    // The server applies it and its deleted version arrives.
    store
        .acknowledge(&delete.id, &desk_core::MutationResult::Applied)
        .unwrap();
    let mut gone = ticket("t1", 1, "c1", TicketStatus::Open, None, 1_000);
    gone.deleted_at = Some(2_000);
    store
        .apply_pull_page(&[Change::Ticket(gone)], "c2")
        .unwrap();
    assert!(
        store.effective_ticket("t1").unwrap().is_none(),
        "the server's deleted version keeps it out of the cache"
    );
    assert!(
        matches!(
            store.ticket_detail("t1"),
            Err(desk_store::Error::TicketNotFound(_))
        ),
        "opening it says it is not there, not a crash"
    );
    assert!(
        store.outbox().unwrap().is_empty(),
        "the answered delete left the outbox"
    );
}

#[test]
fn a_conversation_a_bootstrap_trimmed_stays_marked_whatever_the_ticket_does_next() {
    use desk_core::wire::{PullResponse, SCHEMA_VERSION, TrimmedConversation};
    let mut store = Store::open_in_memory().unwrap();
    let page =
        |changes: Vec<Change>, trimmed: Vec<TrimmedConversation>, cursor: &str| PullResponse {
            schema_version: SCHEMA_VERSION,
            changes,
            next_cursor: cursor.into(),
            has_more: false,
            acknowledged: vec![],
            remaining: None,
            trimmed,
        };
    // The server left t1's older messages out while it was solved and idle, and sent its
    // latest; t2 came whole.
    store
        .apply_pull_response(&page(
            vec![
                Change::Message(message("m3", "t1", "谢谢", MessageKind::PublicReply, 300)),
                Change::Ticket(ticket("t1", 1, "c1", TicketStatus::Solved, None, 300)),
                Change::Ticket(ticket("t2", 2, "c1", TicketStatus::Open, None, 300)),
            ],
            vec![TrimmedConversation {
                ticket_id: "t1".into(),
                messages: 2,
            }],
            "c1",
        ))
        .unwrap();
    assert!(store.ticket_detail("t1").unwrap().conversation_on_server);
    assert!(!store.ticket_detail("t2").unwrap().conversation_on_server);
    // Reopened later in the same bootstrap: the older messages never came, so the mark
    // stays until the conversation is fetched whole.
    store
        .apply_pull_response(&page(
            vec![Change::Ticket(ticket(
                "t1",
                1,
                "c1",
                TicketStatus::Open,
                None,
                400,
            ))],
            vec![],
            "c2",
        ))
        .unwrap();
    let detail = store.ticket_detail("t1").unwrap();
    assert!(
        detail.conversation_on_server,
        "still marked after reopening"
    );
    assert_eq!(
        detail.messages.len(),
        1,
        "only the latest message is cached"
    );
    store
        .restore_conversation(
            "t1",
            &[
                message("m1", "t1", "提币没到", MessageKind::PublicReply, 100),
                message("m2", "t1", "请稍等", MessageKind::PublicReply, 200),
                message("m3", "t1", "谢谢", MessageKind::PublicReply, 300),
            ],
            // Where the desk's reply went, as the server has it now.
            &[Delivery {
                id: "m2".into(),
                ticket_id: "t1".into(),
                channel: Channel::Email,
                recipient: Some("wang@example.cn".into()),
                mailbox: None,
                state: DeliveryState::Sent,
                attempts: 1,
                error: None,
                created_at: 200,
                updated_at: 210,
                sent_at: Some(210),
                next_attempt_at: None,
            }],
        )
        .unwrap();
    let detail = store.ticket_detail("t1").unwrap();
    assert!(
        !detail.conversation_on_server,
        "fetched whole, the mark goes"
    );
    assert_eq!(detail.messages.len(), 3);
    assert_eq!(
        detail.messages[1].delivery.as_ref().map(|d| d.state),
        Some(DeliveryState::Sent),
        "a restored reply shows where it went"
    );
}

//! The server's answers: rejected actions are undone and kept with their reason, held
//! replies wait for the agent to release or discard them.

use desk_core::wire::Change;
use desk_core::*;
use desk_store::Error;

use super::*;
use crate::message;

#[test]
fn a_rejected_action_is_undone_and_kept_with_its_reason() {
    let (_dir, mut store) = seeded();
    let solve = act(&mut store, 200, status(TicketStatus::Solved));
    let answer = act(&mut store, 201, reply("r1", "已为您处理"));
    let urgent = act(
        &mut store,
        202,
        MutationOp::SetPriority {
            ticket_id: "t1".into(),
            priority: Priority::High,
        },
    );
    store
        .acknowledge(&solve.id, &rejected("ticket #1 was merged"))
        .unwrap();
    store
        .acknowledge(&answer.id, &rejected("customer blocked"))
        .unwrap();
    let shown = t(&store, "t1");
    assert_eq!(
        shown.status,
        TicketStatus::Open,
        "the refused status change is undone"
    );
    assert_eq!(
        shown.priority,
        Priority::High,
        "later pending work stays applied after the undo"
    );
    assert_eq!(
        message_ids(&store, "t1"),
        ["m1"],
        "the refused reply leaves the conversation"
    );
    let outbox = store.outbox().unwrap();
    assert_eq!(
        outbox.len(),
        3,
        "rejected entries stay for the agent to see"
    );
    assert_eq!(outbox[0].state, OutboxState::Rejected);
    assert_eq!(
        outbox[0].result,
        Some(rejected("ticket #1 was merged")),
        "with the server's reason"
    );
    assert_eq!(
        store.next_batch("me", 10).unwrap(),
        std::slice::from_ref(&urgent),
        "a rejection does not block the queue and is not sent again"
    );
    assert_eq!(store.pending_count().unwrap(), 1);

    store.discard(&solve.id).unwrap();
    store.discard(&answer.id).unwrap();
    assert_eq!(
        store.outbox().unwrap().len(),
        1,
        "discarded entries are gone"
    );
    assert!(
        matches!(store.discard(&urgent.id), Err(Error::OutboxState { .. })),
        "a pending mutation may be on the wire: only the server's answer settles it"
    );
    assert!(
        matches!(store.discard("nope"), Err(Error::MutationNotFound(_))),
        "discarding an unknown mutation says so"
    );
}

#[test]
fn held_replies_wait_for_the_agent() {
    let (_dir, mut store) = seeded();
    let first = act(&mut store, 200, reply("r1", "稍等，正在查询"));
    let second = act(&mut store, 201, reply("r2", "请重新发起转账"));
    let held = MutationResult::Held {
        reason: "the customer wrote again".into(),
    };
    store.acknowledge(&first.id, &held).unwrap();
    store.acknowledge(&second.id, &held).unwrap();
    assert!(
        !store.acknowledge(&first.id, &held).unwrap(),
        "the same answer again (a pull repeating the push's) is no news"
    );
    assert_eq!(
        store.pending_count().unwrap(),
        0,
        "held replies are not sent"
    );
    assert!(store.next_batch("me", 10).unwrap().is_empty());
    assert_eq!(
        message_ids(&store, "t1"),
        ["m1", "r1", "r2"],
        "held replies stay in the conversation for the agent to decide"
    );

    // Meanwhile the customer's new message arrives.
    store
        .apply_pull_page(
            &[Change::Message(message(
                "m2",
                "t1",
                "还没到账",
                MessageKind::PublicReply,
                250,
            ))],
            "c2",
        )
        .unwrap();
    let released = store.release_held(&first.id, new_id).unwrap();
    assert_ne!(
        released.id, first.id,
        "a released reply is a new mutation for the server"
    );
    assert!(
        released.seq > second.seq,
        "and goes behind everything queued so far"
    );
    let MutationOp::Reply {
        last_seen_message_id,
        message_id,
        ..
    } = &released.op
    else {
        panic!("still a reply")
    };
    assert_eq!(
        last_seen_message_id.as_deref(),
        Some("m2"),
        "the agent has now seen the latest message"
    );
    assert_eq!(message_id, "r1", "the same message in the conversation");
    assert_eq!(
        store.next_batch("me", 10).unwrap(),
        [released],
        "it is sent next"
    );
    assert!(
        store.release_held(&second.id, new_id).is_ok(),
        "each held reply is released on its own"
    );

    let third = act(&mut store, 300, reply("r3", "好的"));
    store.acknowledge(&third.id, &held).unwrap();
    store.discard(&third.id).unwrap();
    assert!(
        !message_ids(&store, "t1").contains(&"r3".to_string()),
        "a discarded reply leaves the conversation"
    );
    assert!(
        matches!(
            store.release_held(&third.id, new_id),
            Err(Error::MutationNotFound(_))
        ),
        "nothing left to release"
    );
}

#[test]
fn a_rejected_action_is_sent_again_by_hand_as_a_new_mutation() {
    let (_dir, mut store) = seeded();
    let answer = act(&mut store, 200, reply("r1", "已为您处理"));
    let solve = act(&mut store, 201, status(TicketStatus::Solved));
    let refused = MutationResult::Rejected {
        code: ErrorCode::Internal,
        reason: "internal server error".into(),
    };
    store.acknowledge(&answer.id, &refused).unwrap();
    store.acknowledge(&solve.id, &refused).unwrap();
    assert_eq!(
        (message_ids(&store, "t1"), t(&store, "t1").status),
        (vec!["m1".to_string()], TicketStatus::Open),
        "rejected actions are undone"
    );
    assert!(
        matches!(
            store.retry_rejected(&me(), &answer.id, 300, new_id),
            Ok(ref m) if m.id != answer.id
        ),
        "a retried action is a new mutation for the server"
    );
    let retried = store.next_batch("me", 10).unwrap();
    let [again] = retried.as_slice() else {
        panic!("the retried reply is the one thing to send: {retried:?}")
    };
    assert!(
        again.seq > solve.seq,
        "it goes behind everything queued so far"
    );
    assert_eq!(
        again.op, answer.op,
        "the same action, same message id included"
    );
    assert_eq!(
        again.created_at, 300,
        "made now, when the agent sent it again"
    );
    assert_eq!(
        message_ids(&store, "t1"),
        ["m1", "r1"],
        "the reply is shown again at once, unsent"
    );
    let outbox = store.outbox().unwrap();
    assert!(
        !outbox.iter().any(|e| e.mutation.id == answer.id),
        "the rejected entry is replaced, not kept beside its retry"
    );
    assert!(
        matches!(
            store.retry_rejected(&me(), &again.id, 301, new_id),
            Err(Error::OutboxState { .. })
        ),
        "only a rejected action is retried: a pending one is on its way"
    );
    assert!(
        matches!(
            store.retry_rejected(&crate::agent("bo"), &solve.id, 301, new_id),
            Err(Error::OutboxState { .. })
        ),
        "another agent's work is theirs to send"
    );
    store.retry_rejected(&me(), &solve.id, 302, new_id).unwrap();
    assert_eq!(
        t(&store, "t1").status,
        TicketStatus::Solved,
        "a retried edit shows at once"
    );

    // A reply rejected here although the server wrote it (its answer lost): once the
    // server's copy is pulled, retrying it would send it twice, and the rules refuse.
    let lost = act(&mut store, 400, reply("r2", "稍等"));
    store.acknowledge(&lost.id, &refused).unwrap();
    store
        .apply_pull_page(
            &[Change::Message(message(
                "r2",
                "t1",
                "稍等",
                MessageKind::PublicReply,
                400,
            ))],
            "c2",
        )
        .unwrap();
    assert!(
        matches!(
            store.retry_rejected(&me(), &lost.id, 401, new_id),
            Err(Error::Refused(_))
        ),
        "a reply the server already holds is not sent again"
    );
    assert_eq!(
        store
            .outbox()
            .unwrap()
            .iter()
            .find(|e| e.mutation.id == lost.id)
            .map(|e| (e.state, e.result.clone())),
        Some((OutboxState::Rejected, Some(refused))),
        "a refused retry writes nothing: the entry stays rejected with its reason"
    );
    assert!(
        matches!(
            store.retry_rejected(&me(), "nope", 402, new_id),
            Err(Error::MutationNotFound(_))
        ),
        "retrying an unknown mutation says so"
    );
}

/// Found by the sync simulation (crates/desk-sim, seed 16 before the fix): a colleague's
/// note written offline keeps its early time but reaches the server, and this cache, after
/// a newer-dated customer message. The server holds a reply if anyone wrote after its
/// `last_seen_message_id` *in server order*, so naming the newest by time (the customer's)
/// got every release of the reply held again, for ever.
#[test]
fn a_reply_has_seen_the_message_the_server_sent_last_not_the_newest_dated() {
    let (_dir, mut store) = seeded();
    let mut colleague_note = message("n1", "t1", "已联系链上团队", MessageKind::InternalNote, 150);
    colleague_note.author = Author {
        kind: AuthorKind::Agent,
        id: Some("amy".into()),
        name: "Amy".into(),
    };
    // Server order: the customer's m2 (written at 300), then the note (written at 150).
    store
        .apply_pull_page(
            &[
                Change::Message(message(
                    "m2",
                    "t1",
                    "还没到账",
                    MessageKind::PublicReply,
                    300,
                )),
                Change::Message(colleague_note),
            ],
            "c2",
        )
        .unwrap();
    assert_eq!(
        store.latest_confirmed_message("t1").unwrap().as_deref(),
        Some("n1"),
        "the agent has seen everything up to the note, the last message the server sent"
    );

    let queued = act(&mut store, 400, reply("r1", "已到账，请查收"));
    store
        .acknowledge(
            &queued.id,
            &MutationResult::Held {
                reason: "someone wrote".into(),
            },
        )
        .unwrap();
    let released = store.release_held(&queued.id, new_id).unwrap();
    let MutationOp::Reply {
        last_seen_message_id,
        ..
    } = &released.op
    else {
        panic!("still a reply")
    };
    assert_eq!(
        last_seen_message_id.as_deref(),
        Some("n1"),
        "a released reply names the last message in server order, or the server holds it again"
    );
}

#[test]
fn an_applied_answer_carried_by_a_pull_shows_a_colleagues_later_edit() {
    // The agent removes "tron" offline. The server applies it, then a colleague adds it
    // back. The pull brings the ticket as it now stands together with the answer (the push
    // response was lost): the removal is already in the server's version, so it must not
    // be replayed on top of the colleague's later add.
    let (_dir, mut store) = seeded();
    let remove = act(
        &mut store,
        200,
        MutationOp::RemoveTags {
            ticket_id: "t1".into(),
            tags: vec!["tron".into()],
        },
    );
    assert!(t(&store, "t1").tags.is_empty(), "the removal shows at once");
    let mut server = store.confirmed_ticket("t1").unwrap().unwrap();
    server.tags = vec!["tron".into()];
    server.updated_at = 300;
    let answers = [wire::Acknowledgement {
        mutation_id: remove.id.clone(),
        result: MutationResult::Applied,
    }];
    let news = store
        .apply_pulled(&[Change::Ticket(server)], &answers, "c2", false)
        .unwrap();
    assert_eq!(news.len(), 1, "the answer was news");
    assert!(store.outbox().unwrap().is_empty());
    assert_eq!(
        t(&store, "t1").tags,
        ["tron"],
        "the colleague's later add stands, as on the server"
    );
}

#[test]
fn a_held_reply_can_be_edited_before_it_is_sent() {
    let (_dir, mut store) = seeded();
    let queued = act(&mut store, 200, reply("r1", "请稍候，我们正在核实"));
    let held = MutationResult::Held {
        reason: "the customer wrote again".into(),
    };
    store.acknowledge(&queued.id, &held).unwrap();
    store
        .apply_pull_page(
            &[Change::Message(message(
                "m2",
                "t1",
                "已经到账了，谢谢",
                MessageKind::PublicReply,
                250,
            ))],
            "c2",
        )
        .unwrap();

    let refused =
        store.release_held_edited(&queued.id, "您好，麻烦把助记词发给我们核实一下", new_id);
    assert!(
        matches!(&refused, Err(Error::Refused(r)) if r.code == ErrorCode::Blocked),
        "an edited reply meets the outgoing guard like a new one: {refused:?}"
    );
    assert_eq!(
        store.outbox().unwrap()[0].state,
        OutboxState::Held,
        "a refused edit leaves the reply held, unchanged"
    );
    assert!(
        matches!(
            store.release_held_edited(&queued.id, "   ", new_id),
            Err(Error::Refused(_))
        ),
        "an emptied reply is refused, not sent"
    );

    let sent = store
        .release_held_edited(&queued.id, "太好了，问题已解决", new_id)
        .unwrap();
    let MutationOp::Reply {
        body_text,
        last_seen_message_id,
        message_id,
        ..
    } = &sent.op
    else {
        panic!("still a reply")
    };
    assert_eq!(
        body_text, "太好了，问题已解决",
        "the new text is what goes out"
    );
    assert_eq!(
        last_seen_message_id.as_deref(),
        Some("m2"),
        "the edited reply has seen the customer's new message"
    );
    assert_eq!(message_id, "r1", "the same message in the conversation");
    let shown = store.ticket_detail("t1").unwrap().messages;
    let r1 = shown
        .iter()
        .find(|m| m.message.id == "r1")
        .expect("reply still shown");
    assert_eq!(
        r1.message.body_text, "太好了，问题已解决",
        "the conversation shows the edited text at once"
    );
    assert_eq!(
        store.next_batch("me", 10).unwrap(),
        [sent],
        "the edited reply is sent next"
    );
    let note = act(
        &mut store,
        300,
        MutationOp::Note {
            ticket_id: "t1".into(),
            message_id: "n1".into(),
            body_text: "内部备注".into(),
        },
    );
    assert!(
        matches!(
            store.release_held_edited(&note.id, "x", new_id),
            Err(Error::OutboxState { .. })
        ),
        "only held entries can be edited and released"
    );
}

#[test]
fn outbox_counts_are_per_state_and_per_agent() {
    let (_dir, mut store) = seeded();
    let a = act(&mut store, 200, reply("r1", "第一条"));
    let b = act(&mut store, 201, reply("r2", "第二条"));
    act(&mut store, 202, status(TicketStatus::PendingCustomer));
    store
        .acknowledge(
            &a.id,
            &MutationResult::Held {
                reason: "answered meanwhile".into(),
            },
        )
        .unwrap();
    store.acknowledge(&b.id, &rejected("closed")).unwrap();
    let counts = store.outbox_counts("me").unwrap();
    assert_eq!(
        (counts.pending, counts.held, counts.rejected),
        (1, 1, 1),
        "the top bar shows each state's count: {counts:?}"
    );
    let other = store.outbox_counts("someone-else").unwrap();
    assert_eq!(
        other,
        Default::default(),
        "another agent's queued work is not counted as theirs"
    );
}

#[test]
fn pages_applied_in_one_transaction_leave_what_they_leave_one_by_one() {
    // Two agents' worth of work across three pages: the agent's pending tag on t1, the
    // server's change to t1 on page 1, the answer on page 2 (repeated on page 3, where it
    // is no news), a new ticket on page 3. A group of the three must leave the cache, the
    // outbox, the cursor and the news exactly as applying them one at a time does.
    let pages = |store: &Store, remove: &Mutation| {
        let mut server = store.confirmed_ticket("t1").unwrap().unwrap();
        server.priority = Priority::High;
        server.updated_at = 300;
        let answer = wire::Acknowledgement {
            mutation_id: remove.id.clone(),
            result: MutationResult::Applied,
        };
        let page = |changes, acknowledged, cursor: &str| wire::PullResponse {
            schema_version: wire::SCHEMA_VERSION,
            changes,
            next_cursor: cursor.into(),
            has_more: true,
            acknowledged,
            remaining: None,
            trimmed: vec![],
        };
        vec![
            page(vec![Change::Ticket(server)], vec![], "p1"),
            page(vec![], vec![answer.clone()], "p2"),
            page(
                vec![Change::Ticket(crate::ticket(
                    "t2",
                    2,
                    "c1",
                    TicketStatus::Open,
                    None,
                    400,
                ))],
                vec![answer],
                "p3",
            ),
        ]
    };
    let run = |grouped: bool| {
        let (dir, mut store) = seeded();
        let remove = act(&mut store, 200, tags(false, &["tron"]));
        let pages = pages(&store, &remove);
        let news = if grouped {
            let mut written = Vec::new();
            let news = store
                .apply_pull_responses_with(&pages, |i| written.push(i))
                .unwrap();
            assert_eq!(written, [0, 1, 2], "each page is told of as it is written");
            news
        } else {
            let mut news = Vec::new();
            for p in &pages {
                news.extend(store.apply_pull_response(p).unwrap());
            }
            news
        };
        (dir, store, news)
    };
    let (_a, one_by_one, news_one_by_one) = run(false);
    let (_b, grouped, news_grouped) = run(true);
    assert_eq!(news_grouped.len(), 1, "the answer is news once");
    // Each run made its own mutation (ids are unique per test binary): compare answers.
    let results = |news: &[wire::Acknowledgement]| {
        serde_json::to_value(news.iter().map(|a| &a.result).collect::<Vec<_>>()).unwrap()
    };
    assert_eq!(results(&news_grouped), results(&news_one_by_one));
    assert_eq!(grouped.cursor().unwrap().as_deref(), Some("p3"));
    assert_eq!(one_by_one.cursor().unwrap().as_deref(), Some("p3"));
    for id in ["t1", "t2"] {
        assert_eq!(
            serde_json::to_value(t(&grouped, id)).unwrap(),
            serde_json::to_value(t(&one_by_one, id)).unwrap(),
            "{id} reads the same"
        );
    }
    let t1 = t(&grouped, "t1");
    assert_eq!(t1.priority, Priority::High, "the server's change is in");
    assert!(
        grouped.outbox().unwrap().is_empty(),
        "the answer settled the tag"
    );
    assert!(one_by_one.outbox().unwrap().is_empty());
}

#[test]
fn a_group_that_fails_leaves_none_of_its_pages() {
    // Page 1 brings a new ticket; page 2 brings t1, which has queued work whose outbox row
    // is damaged, so rebasing it fails. Neither page may stay, nor page 2's cursor.
    let (dir, mut store) = seeded();
    act(&mut store, 200, tags(true, &["vip"]));
    let server_t1 = store.confirmed_ticket("t1").unwrap().unwrap();
    let raw = rusqlite::Connection::open(dir.path().join("cache.sqlite3")).unwrap();
    raw.execute("UPDATE outbox SET body = '{'", []).unwrap();
    drop(raw);
    let page = |changes, cursor: &str| wire::PullResponse {
        schema_version: wire::SCHEMA_VERSION,
        changes,
        next_cursor: cursor.into(),
        has_more: true,
        acknowledged: vec![],
        remaining: None,
        trimmed: vec![],
    };
    let t2 = crate::ticket("t2", 2, "c1", TicketStatus::Open, None, 400);
    let group = [
        page(vec![Change::Ticket(t2)], "p1"),
        page(vec![Change::Ticket(server_t1)], "p2"),
    ];
    let mut written = Vec::new();
    assert!(
        store
            .apply_pull_responses_with(&group, |i| written.push(i))
            .is_err()
    );
    assert_eq!(written, [0], "the page that failed is not told of");
    assert!(
        store.effective_ticket("t2").unwrap().is_none(),
        "the first page went with the second"
    );
    assert_eq!(store.cursor().unwrap().as_deref(), Some("c1"));
}

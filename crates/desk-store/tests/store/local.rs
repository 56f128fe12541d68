//! The optimistic layer and the outbox, on real SQLite files: every agent action shows at
//! once, survives restarts and clears, stays on top of what pulls bring, and settles to the
//! server's state once answered.

mod answers;
mod crash;
mod prop;
mod retention;

use std::sync::atomic::{AtomicU64, Ordering};

use desk_core::wire::Change;
use desk_core::*;
use desk_store::{Error, Store};

use crate::{agent, message, ticket};

/// Unique ids across the whole test binary (tests run in parallel).
fn new_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("id-{:06}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn me() -> Agent {
    agent("me")
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("cache.sqlite3")).unwrap();
    (dir, store)
}

/// A cache holding t1 (open, unassigned, tagged `tron`) with one customer message.
fn seeded() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = open();
    let mut t1 = ticket("t1", 1, "c1", TicketStatus::Open, None, 100);
    t1.tags = vec!["tron".into()];
    store
        .apply_pull_page(
            &[
                Change::Agent(me()),
                Change::Customer(crate::customer("c1", "王小明")),
                Change::Ticket(t1),
                Change::Message(message(
                    "m1",
                    "t1",
                    "转账一直等待确认",
                    MessageKind::PublicReply,
                    100,
                )),
            ],
            "c1",
        )
        .unwrap();
    (dir, store)
}

fn act(store: &mut Store, at: i64, op: MutationOp) -> Mutation {
    store
        .apply_local(&me(), op, at, new_id)
        .unwrap_or_else(|e| panic!("action at {at} must apply: {e}"))
}

fn t(store: &Store, id: &str) -> Ticket {
    store
        .effective_ticket(id)
        .unwrap()
        .unwrap_or_else(|| panic!("ticket {id} must be shown"))
}

fn status(s: TicketStatus) -> MutationOp {
    MutationOp::SetStatus {
        ticket_id: "t1".into(),
        status: s,
    }
}

fn reply(message_id: &str, text: &str) -> MutationOp {
    MutationOp::Reply {
        ticket_id: "t1".into(),
        message_id: message_id.into(),
        body_text: text.into(),
        last_seen_message_id: Some("m1".into()),
        attachments: vec![],
    }
}

fn tags(add: bool, list: &[&str]) -> MutationOp {
    let tags = list.iter().map(|s| s.to_string()).collect();
    let ticket_id = "t1".into();
    if add {
        MutationOp::AddTags { ticket_id, tags }
    } else {
        MutationOp::RemoveTags { ticket_id, tags }
    }
}

fn message_ids(store: &Store, ticket_id: &str) -> Vec<String> {
    store
        .ticket_detail(ticket_id)
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.message.id)
        .collect()
}

fn rejected(reason: &str) -> MutationResult {
    MutationResult::Rejected {
        code: ErrorCode::Conflict,
        reason: reason.into(),
    }
}

#[test]
fn each_action_shows_at_once_and_waits_in_the_outbox() {
    let (_dir, mut store) = seeded();
    let ops = [
        reply("r1", "请在钱包里点击确认"),
        MutationOp::Note {
            ticket_id: "t1".into(),
            message_id: "n1".into(),
            body_text: "客户说没看到确认按钮".into(),
        },
        status(TicketStatus::PendingCustomer),
        MutationOp::SetPriority {
            ticket_id: "t1".into(),
            priority: Priority::Urgent,
        },
        MutationOp::SetCategory {
            ticket_id: "t1".into(),
            category: Category::FundsNotArrived,
        },
        MutationOp::Claim {
            ticket_id: "t1".into(),
        },
        MutationOp::Assign {
            ticket_id: "t1".into(),
            assignee_id: Some("other".into()),
        },
        tags(true, &["vip"]),
        tags(false, &["tron"]),
    ];
    let mut made = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        made.push(act(&mut store, 200 + i as i64, op));
    }
    let shown = t(&store, "t1");
    assert_eq!(
        shown.status,
        TicketStatus::PendingCustomer,
        "status shows at once"
    );
    assert_eq!(shown.priority, Priority::Urgent, "priority shows at once");
    assert_eq!(
        shown.category,
        Category::FundsNotArrived,
        "category shows at once"
    );
    assert_eq!(
        shown.assignee_id.as_deref(),
        Some("other"),
        "claim then reassign, in order"
    );
    assert_eq!(shown.tags, ["vip"], "tag add and remove show at once");
    assert_eq!(
        shown.last_message_at, 201,
        "the note is the latest activity"
    );
    assert_eq!(
        message_ids(&store, "t1"),
        ["m1", "r1", "n1"],
        "the conversation shows the unsent reply and note"
    );

    let outbox = store.outbox().unwrap();
    let queued: Vec<_> = outbox.iter().map(|e| e.mutation.clone()).collect();
    assert_eq!(queued, made, "every action is queued, in order, as made");
    assert!(
        outbox
            .iter()
            .all(|e| e.state == OutboxState::Pending && e.result.is_none()),
        "nothing is answered yet"
    );
    let seqs: Vec<u64> = made.iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (1..=9).collect::<Vec<_>>(),
        "seq starts at 1 and increases by one"
    );
    assert!(
        made.iter()
            .all(|m| Some(&m.client_id) == store.client_id().unwrap().as_ref()),
        "one client id per cache"
    );
    assert_eq!(store.pending_count().unwrap(), 9);
    let batch = store.next_batch("me", 4).unwrap();
    assert_eq!(batch, made[..4], "the uploader takes the oldest first");
    assert_eq!(
        store.confirmed_ticket("t1").unwrap().unwrap().status,
        TicketStatus::Open,
        "the server's version is kept apart from the local edits"
    );
}

#[test]
fn each_agent_pushes_only_their_own_queued_work() {
    // Amy queued work, signed out without wiping, Bob signed in on the same console.
    let (_dir, mut store) = seeded();
    let amy = act(
        &mut store,
        200,
        MutationOp::AddTags {
            ticket_id: "t1".into(),
            tags: vec!["vip".into()],
        },
    );
    let bob = agent("bob");
    let bobs = store
        .apply_local(
            &bob,
            MutationOp::Claim {
                ticket_id: "t1".into(),
            },
            300,
            new_id,
        )
        .unwrap();
    assert_eq!(
        store.next_batch("me", 10).unwrap(),
        [amy],
        "Amy's, not Bob's"
    );
    assert_eq!(store.next_batch("bob", 10).unwrap(), [bobs]);
    assert!(store.next_batch("nobody", 10).unwrap().is_empty());
    assert_eq!(
        t(&store, "t1").assignee_id.as_deref(),
        Some("bob"),
        "both agents' work stays shown"
    );
    assert_eq!(t(&store, "t1").tags, ["tron", "vip"]);
}

#[test]
fn a_pull_keeps_pending_edits_on_top_and_settles_to_the_servers_state() {
    let (_dir, mut store) = seeded();
    let urgent = act(
        &mut store,
        200,
        MutationOp::SetPriority {
            ticket_id: "t1".into(),
            priority: Priority::Urgent,
        },
    );
    let vip = act(&mut store, 201, tags(true, &["vip"]));

    // Another agent edits the subject and adds a tag; the pull brings it.
    let mut server = ticket("t1", 1, "c1", TicketStatus::Open, None, 100);
    server.subject = "USDT 转账未确认".into();
    server.tags = vec!["tron".into(), "peak".into()];
    server.updated_at = 150;
    store
        .apply_pull_page(&[Change::Ticket(server.clone())], "c2")
        .unwrap();
    let shown = t(&store, "t1");
    assert_eq!(
        shown.subject, "USDT 转账未确认",
        "the other agent's edit arrives"
    );
    assert_eq!(
        shown.priority,
        Priority::Urgent,
        "my pending edit stays on top"
    );
    assert_eq!(shown.tags, ["tron", "peak", "vip"], "tag sets merge");
    assert_eq!(
        store.confirmed_ticket("t1").unwrap(),
        Some(server.clone()),
        "the confirmed layer holds exactly the server's version"
    );
    assert_eq!(store.cursor().unwrap().as_deref(), Some("c2"));

    // The server applies both; the answers come before the pull that carries them.
    assert!(
        store
            .acknowledge(&urgent.id, &MutationResult::Applied)
            .unwrap(),
        "a first answer is news"
    );
    store
        .acknowledge(&vip.id, &MutationResult::Applied)
        .unwrap();
    assert!(
        store.outbox().unwrap().is_empty(),
        "applied mutations leave the outbox"
    );
    assert_eq!(
        t(&store, "t1").priority,
        Priority::Urgent,
        "an applied edit does not flicker back before the pull brings it"
    );
    assert!(
        !store
            .acknowledge(&urgent.id, &MutationResult::Applied)
            .expect("a repeated answer is harmless"),
        "and says it was no news"
    );

    let mut applied = server.clone();
    applied.priority = Priority::Urgent;
    applied.tags.push("vip".into());
    applied.updated_at = 300;
    store
        .apply_pull_page(&[Change::Ticket(applied.clone())], "c3")
        .unwrap();
    assert_eq!(
        t(&store, "t1"),
        applied,
        "settled: the cache shows the server's state"
    );
    assert_eq!(store.confirmed_ticket("t1").unwrap(), Some(applied));
}

#[test]
fn an_invalid_action_is_refused_with_a_clear_error_and_writes_nothing() {
    let (_dir, mut store) = seeded();
    store
        .apply_pull_page(
            &[Change::Ticket(ticket(
                "t2",
                2,
                "c1",
                TicketStatus::Closed,
                Some("other"),
                90,
            ))],
            "c2",
        )
        .unwrap();
    let err = store
        .apply_local(
            &me(),
            MutationOp::SetStatus {
                ticket_id: "t1".into(),
                status: TicketStatus::Closed,
            },
            200,
            new_id,
        )
        .unwrap_err();
    let Error::Refused(refusal) = &err else {
        panic!("an invalid transition is a refusal, not a storage failure: {err:?}")
    };
    assert_eq!(
        refusal.code,
        ErrorCode::Conflict,
        "the UI branches on the code"
    );
    assert_eq!(
        err.to_string(),
        "ticket #1 cannot go from open to closed",
        "the message says what and why"
    );
    let err = store
        .apply_local(
            &me(),
            MutationOp::Claim {
                ticket_id: "t2".into(),
            },
            201,
            new_id,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("closed"),
        "a closed ticket takes no claim: {err}"
    );
    assert!(
        matches!(
            store.apply_local(&me(), reply("m1", "dup"), 202, new_id),
            Err(Error::Refused(_))
        ),
        "a reply may not reuse an existing message id"
    );
    assert!(
        store.outbox().unwrap().is_empty(),
        "a refused action is not queued"
    );
    assert_eq!(
        t(&store, "t1").status,
        TicketStatus::Open,
        "and changes nothing"
    );
    assert_eq!(
        act(&mut store, 203, status(TicketStatus::Solved)).seq,
        1,
        "refusals consume no sequence number"
    );
}

#[test]
fn a_ticket_created_here_is_replaced_by_the_servers_copy() {
    let (_dir, mut store) = open();
    let new = ticket("t9", 0, "c1", TicketStatus::New, None, 0);
    let create = act(
        &mut store,
        200,
        MutationOp::CreateTicket {
            ticket: Box::new(new),
        },
    );
    let claim = act(
        &mut store,
        201,
        MutationOp::Claim {
            ticket_id: "t9".into(),
        },
    );
    let local = t(&store, "t9");
    assert_eq!(local.number, None, "no number until the server gives one");
    assert_eq!(local.assignee_id.as_deref(), Some("me"), "claimed at once");
    assert_eq!(
        store.confirmed_ticket("t9").unwrap(),
        None,
        "the server has not seen it"
    );

    let mut server = local.clone();
    server.number = Some(17);
    server.assignee_id = None;
    store
        .acknowledge(&create.id, &MutationResult::Applied)
        .unwrap();
    store
        .apply_pull_page(&[Change::Ticket(server.clone())], "c1")
        .unwrap();
    let shown = t(&store, "t9");
    assert_eq!(shown.number, Some(17), "the server's number arrives");
    assert_eq!(
        shown.assignee_id.as_deref(),
        Some("me"),
        "the claim not yet answered stays on top"
    );
    store
        .acknowledge(
            &claim.id,
            &MutationResult::Conflict {
                resolution: "claimed by other".into(),
            },
        )
        .unwrap();
    assert_eq!(
        t(&store, "t9"),
        server,
        "a lost claim shows the server's state at once"
    );
}

/// A ticket moved to a group the agent is not in: the console forgets it and what the
/// server sent of its conversation, with or without queued work on it; the queued work
/// stays in the outbox for the server to answer.
#[test]
fn a_ticket_that_left_the_scope_is_forgotten_but_queued_work_is_kept() {
    use desk_core::wire::LeftScope;
    for with_work in [false, true] {
        let (_dir, mut store) = seeded();
        let queued = with_work.then(|| act(&mut store, 200, reply("r1", "我们正在核实")));
        let left = Change::LeftScope(LeftScope::new("t1", Some("cn-support")));
        store.apply_pull_page(&[left], "c2").unwrap();
        assert_eq!(
            store.effective_ticket("t1").unwrap(),
            None,
            "with work queued: {with_work}"
        );
        assert_eq!(store.ticket_count().unwrap(), 0);
        let outbox = store.outbox().unwrap();
        assert_eq!(
            outbox
                .iter()
                .map(|e| e.mutation.id.clone())
                .collect::<Vec<_>>(),
            queued.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
            "the outbox keeps exactly the queued work"
        );
        // Brought back (moved into a group the agent is in): shown again, work on top.
        let mut back = ticket("t1", 1, "c1", TicketStatus::Open, None, 300);
        back.group = Some("vip-desk".into());
        store
            .apply_pull_page(
                &[
                    Change::Ticket(back),
                    Change::Message(message(
                        "m1",
                        "t1",
                        "转账一直等待确认",
                        MessageKind::PublicReply,
                        100,
                    )),
                ],
                "c3",
            )
            .unwrap();
        let shown = t(&store, "t1");
        assert_eq!(shown.group.as_deref(), Some("vip-desk"));
        let detail = store.ticket_detail("t1").unwrap();
        assert_eq!(
            detail.messages.len(),
            1 + usize::from(with_work),
            "the conversation is back, with the unsent reply on top"
        );
    }
}

/// A reply and the edit its macro makes are queued together: all shown and queued in
/// order, or, when one is refused, none of them.
#[test]
fn a_reply_and_its_macros_edit_are_queued_all_or_nothing() {
    let (_dir, mut store) = seeded();
    let edit = view::TicketEdit::from_macro_actions(&[
        ops::MacroAction::SetStatus {
            status: TicketStatus::PendingCustomer,
        },
        ops::MacroAction::AddTags {
            tags: vec!["guide".into()],
        },
    ]);
    let mut all = vec![reply("r1", "请在 App 里点击确认。")];
    all.extend(edit.ops("t1"));
    let queued = store.apply_local_all(&me(), all, &[], 200, new_id).unwrap();
    assert_eq!(queued.len(), 3, "the reply, the tag, then the status");
    assert!(matches!(queued[0].op, MutationOp::Reply { .. }));
    assert!(matches!(queued[2].op, MutationOp::SetStatus { .. }));
    assert!(queued.windows(2).all(|w| w[0].seq < w[1].seq));
    let shown = t(&store, "t1");
    assert_eq!(shown.status, TicketStatus::PendingCustomer);
    assert!(shown.tags.contains(&"guide".to_owned()));
    assert_eq!(store.outbox().unwrap().len(), 3);

    // A closed ticket refuses the reply: nothing of the batch is written.
    let refused = store
        .apply_local_all(
            &me(),
            vec![
                status(TicketStatus::Closed),
                reply("r2", "再见"),
                status(TicketStatus::Open),
            ],
            &[],
            300,
            new_id,
        )
        .unwrap_err();
    assert!(matches!(refused, Error::Refused(_)), "{refused}");
    assert_eq!(
        t(&store, "t1").status,
        TicketStatus::PendingCustomer,
        "the close before the refusal was rolled back with it"
    );
    assert_eq!(store.outbox().unwrap().len(), 3, "nothing more queued");
}

//! Table tests of the action rules.

use super::*;
use crate::domain::{Category, Channel, Priority};

fn ticket(status: TicketStatus) -> Ticket {
    Ticket {
        id: "t1".into(),
        number: Some(42),
        subject: "USDT 提币未到账".into(),
        customer_id: "c1".into(),
        channel: Channel::Chat,
        status,
        priority: Priority::Normal,
        category: Category::FundsNotArrived,
        tags: vec!["tron".into()],
        assignee_id: None,
        group: None,
        language: "zh-CN".into(),
        first_response_due_at: None,
        resolution_due_at: None,
        linked_transaction_ids: vec![],
        incident_id: None,
        merged_into: None,
        csat: None,
        created_at: 10,
        updated_at: 10,
        last_message_at: 10,
        deleted_at: None,
        secret_exposed_at: None,
    }
}

fn by(agent: &str, at: i64, op: MutationOp) -> Mutation {
    Mutation {
        id: format!("m-{at}"),
        client_id: "c".into(),
        seq: at as u64,
        agent_id: agent.into(),
        created_at: at,
        op,
    }
}

fn m(op: MutationOp) -> Mutation {
    by("me", 100, op)
}

fn status(s: TicketStatus) -> MutationOp {
    MutationOp::SetStatus {
        ticket_id: "t1".into(),
        status: s,
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

#[test]
fn status_transitions_follow_the_lifecycle() {
    use TicketStatus::*;
    // (from, to, allowed, why)
    let table = [
        (New, Open, true, "an agent picks up a new ticket"),
        (New, Solved, true, "a one-touch answer"),
        (
            Open,
            PendingCustomer,
            true,
            "waiting for the customer to confirm",
        ),
        (
            PendingCustomer,
            OnHold,
            true,
            "waiting on the chain or a partner",
        ),
        (Solved, Open, true, "reopen when the customer writes back"),
        (Solved, Closed, true, "close after a resolution"),
        (
            Open,
            Open,
            true,
            "setting the same status again is harmless",
        ),
        (
            Open,
            Closed,
            false,
            "a ticket is solved before it is closed",
        ),
        (Open, New, false, "new is only a starting state"),
        (
            Closed,
            Open,
            false,
            "closed is final: a follow-up gets a new ticket",
        ),
        (Closed, Solved, false, "closed is final"),
    ];
    for (from, to, allowed, why) in table {
        assert_eq!(from.can_become(to), allowed, "{from} -> {to}: {why}");
        let result = apply_mutation(Some(&ticket(from)), &m(status(to)));
        assert_eq!(
            result.is_ok(),
            allowed,
            "apply agrees with the table: {why}"
        );
    }
    let err = apply_mutation(Some(&ticket(Open)), &m(status(Closed))).unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::Conflict,
        "the UI shows it as a conflict"
    );
    assert_eq!(
        err.reason, "ticket #42 cannot go from open to closed",
        "the reason names the ticket and both statuses"
    );
}

#[test]
fn tags_merge_as_sets() {
    let t = ticket(TicketStatus::Open);
    let t = apply_mutation(Some(&t), &m(tags(true, &["vip", " tron ", "vip", "usdt"]))).unwrap();
    assert_eq!(
        t.tags,
        ["tron", "vip", "usdt"],
        "adding keeps existing tags, trims and skips duplicates"
    );
    let t = apply_mutation(Some(&t), &m(tags(false, &["tron", "absent"]))).unwrap();
    assert_eq!(
        t.tags,
        ["vip", "usdt"],
        "removing an absent tag is harmless"
    );
    let again = apply_mutation(Some(&t), &m(tags(false, &["tron"]))).unwrap();
    assert_eq!(again, t, "a replayed remove changes nothing");
    for bad in [&[][..], &["  "][..]] {
        let err = apply_mutation(Some(&t), &m(tags(true, bad))).unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::BadRequest,
            "empty tag lists and tags are refused"
        );
    }
}

#[test]
fn claim_is_compare_and_set_and_assign_is_last_writer_wins() {
    let claim = MutationOp::Claim {
        ticket_id: "t1".into(),
    };
    let free = ticket(TicketStatus::New);
    let mine = apply_mutation(Some(&free), &m(claim.clone())).unwrap();
    assert_eq!(
        mine.assignee_id.as_deref(),
        Some("me"),
        "an unassigned ticket is claimed"
    );
    assert_eq!(
        apply_mutation(Some(&mine), &m(claim.clone())).unwrap(),
        mine,
        "claiming one's own ticket again is a no-op, so a replay is harmless"
    );
    let err = apply_mutation(Some(&mine), &by("other", 101, claim)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "the second claim loses");

    let assign = MutationOp::Assign {
        ticket_id: "t1".into(),
        assignee_id: Some("other".into()),
    };
    let theirs = apply_mutation(Some(&mine), &m(assign)).unwrap();
    assert_eq!(
        theirs.assignee_id.as_deref(),
        Some("other"),
        "an explicit reassign overrides the current assignee"
    );
}

#[test]
fn replies_and_notes_move_activity_and_closed_tickets_take_only_notes() {
    let reply = |text: &str| MutationOp::Reply {
        ticket_id: "t1".into(),
        message_id: "msg1".into(),
        body_text: text.into(),
        last_seen_message_id: None,
        attachments: vec![],
    };
    let t = apply_mutation(Some(&ticket(TicketStatus::Open)), &m(reply("请点击确认"))).unwrap();
    assert_eq!(t.last_message_at, 100, "a reply is the latest activity");
    assert_eq!(
        t.updated_at, 100,
        "a change stamps updated_at with the action's time"
    );
    let err = apply_mutation(Some(&t), &m(reply("   "))).unwrap_err();
    assert_eq!(err.code, ErrorCode::BadRequest, "an empty reply is refused");
    let huge = "字".repeat(MAX_BODY_BYTES);
    assert_eq!(
        apply_mutation(Some(&t), &m(reply(&huge))).unwrap_err().code,
        ErrorCode::PayloadTooLarge,
        "a body over the limit is refused"
    );

    let closed = ticket(TicketStatus::Closed);
    assert!(
        apply_mutation(Some(&closed), &m(reply("hi"))).is_err(),
        "a closed ticket takes no reply"
    );
    let note = MutationOp::Note {
        ticket_id: "t1".into(),
        message_id: "n1".into(),
        body_text: "客户已通过视频核验".into(),
    };
    assert!(
        apply_mutation(Some(&closed), &m(note.clone())).is_ok(),
        "a note may still document a closed ticket"
    );
    let msg = local_message(&m(note), "Ada").unwrap();
    assert_eq!(msg.kind, MessageKind::InternalNote);
    assert_eq!(
        msg.author.id.as_deref(),
        Some("me"),
        "the acting agent is the author"
    );
    assert!(
        local_message(&m(status(TicketStatus::Open)), "Ada").is_none(),
        "only replies and notes add messages"
    );
}

#[test]
fn a_public_reply_meets_the_first_response_target_and_a_note_does_not() {
    let mut due = ticket(TicketStatus::New);
    due.first_response_due_at = Some(500);
    due.resolution_due_at = Some(9_000);
    let note = MutationOp::Note {
        ticket_id: "t1".into(),
        message_id: "n1".into(),
        body_text: "checking the chain".into(),
    };
    let noted = apply_mutation(Some(&due), &m(note)).unwrap();
    assert_eq!(
        noted.first_response_due_at,
        Some(500),
        "the customer saw nothing yet"
    );
    let reply = MutationOp::Reply {
        ticket_id: "t1".into(),
        message_id: "r1".into(),
        body_text: "We are checking your withdrawal.".into(),
        last_seen_message_id: None,
        attachments: vec![],
    };
    let answered = apply_mutation(Some(&due), &m(reply)).unwrap();
    assert_eq!(
        answered.first_response_due_at, None,
        "the first response is given"
    );
    assert_eq!(
        answered.resolution_due_at,
        Some(9_000),
        "resolution is still due"
    );
}

#[test]
fn the_sla_clock_runs_only_while_the_ticket_is_the_desks_to_answer() {
    let running: Vec<_> = TicketStatus::ALL
        .iter()
        .filter(|s| s.sla_running())
        .copied()
        .collect();
    assert_eq!(running, [TicketStatus::New, TicketStatus::Open]);
}

#[test]
fn a_reply_asking_for_a_secret_is_blocked_and_a_note_is_not() {
    let open = ticket(TicketStatus::Open);
    let reply = MutationOp::Reply {
        ticket_id: "t1".into(),
        message_id: "msg1".into(),
        body_text: "您好，请提供您的助记词，我们帮您找回资产".into(),
        last_seen_message_id: None,
        attachments: vec![],
    };
    let err = apply_mutation(Some(&open), &m(reply)).unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::Blocked,
        "client and server refuse a reply asking for a seed phrase alike"
    );
    assert!(err.reason.contains("seed phrase"), "{}", err.reason);
    let note = MutationOp::Note {
        ticket_id: "t1".into(),
        message_id: "n1".into(),
        body_text: "scammer in the group chat asked him to send us the seed phrase".into(),
    };
    assert!(
        apply_mutation(Some(&open), &m(note)).is_ok(),
        "internal notes are for agents and are not checked"
    );
}

#[test]
fn create_ticket_starts_fresh_and_never_overwrites() {
    let mut new = ticket(TicketStatus::New);
    new.number = Some(999);
    let create = MutationOp::CreateTicket {
        ticket: Box::new(new.clone()),
    };
    let t = apply_mutation(None, &m(create.clone())).unwrap();
    assert_eq!(t.number, None, "numbers are the server's to give");
    assert_eq!(t.created_at, 100, "created at the action's time");
    let err = apply_mutation(Some(&t), &m(create)).unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::Conflict,
        "an existing ticket is never overwritten"
    );

    new.status = TicketStatus::Solved;
    let err = apply_mutation(
        None,
        &m(MutationOp::CreateTicket {
            ticket: Box::new(new),
        }),
    )
    .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::BadRequest,
        "a new ticket starts new or open"
    );
    assert_eq!(
        apply_mutation(None, &m(status(TicketStatus::Open)))
            .unwrap_err()
            .code,
        ErrorCode::NotFound,
        "an edit of an unknown ticket is refused"
    );
}

#[test]
fn replay_skips_what_no_longer_applies_and_is_idempotent() {
    let server = ticket(TicketStatus::Open);
    let pending = [
        by("me", 101, status(TicketStatus::Solved)),
        by("me", 102, tags(true, &["refund"])),
        by("me", 103, status(TicketStatus::Closed)),
    ];
    let mine = replay(Some(server.clone()), &pending).unwrap();
    assert_eq!(
        mine.status,
        TicketStatus::Closed,
        "solved then closed, in order"
    );
    assert_eq!(mine.tags, ["tron", "refund"]);

    // Someone else closed it meanwhile: our status steps no longer apply, the tag does not
    // either (closed is final), and the agent sees the server's truth.
    let mut closed = server.clone();
    closed.status = TicketStatus::Closed;
    assert_eq!(
        replay(Some(closed.clone()), &pending).unwrap(),
        closed,
        "refused steps are skipped, not half applied"
    );
    assert_eq!(
        replay(Some(mine.clone()), &pending).unwrap(),
        mine,
        "replaying onto a state that already holds the edits changes nothing"
    );
    assert_eq!(replay(None, &pending), None, "no ticket, nothing to edit");
}

#[test]
fn nul_characters_are_refused_as_bad_input() {
    let reply = m(MutationOp::Note {
        ticket_id: "t1".into(),
        message_id: "n1".into(),
        body_text: "已处理\0".into(),
    });
    let refusal = apply_mutation(Some(&ticket(TicketStatus::Open)), &reply).unwrap_err();
    assert_eq!(
        refusal.code,
        ErrorCode::BadRequest,
        "PostgreSQL cannot keep NUL in text; a note holding one is refused, not stored"
    );
    let refusal = apply_mutation(
        Some(&ticket(TicketStatus::Open)),
        &m(tags(true, &["vip\0"])),
    )
    .unwrap_err();
    assert_eq!(
        refusal.code,
        ErrorCode::BadRequest,
        "a tag holding NUL is refused too"
    );
}

#[test]
fn a_delete_wins_over_later_edits_and_is_idempotent() {
    let delete = || MutationOp::DeleteTicket {
        ticket_id: "t1".into(),
    };
    let deleted = apply_mutation(Some(&ticket(TicketStatus::Open)), &m(delete())).unwrap();
    assert_eq!(
        deleted.deleted_at,
        Some(100),
        "the delete's time is the action's"
    );
    assert_eq!(
        apply_mutation(Some(&deleted), &by("other", 200, delete())).unwrap(),
        deleted,
        "deleting again changes nothing, so a replay is harmless"
    );
    for op in [
        status(TicketStatus::Solved),
        tags(true, &["vip"]),
        MutationOp::Claim {
            ticket_id: "t1".into(),
        },
        MutationOp::Note {
            ticket_id: "t1".into(),
            message_id: "n1".into(),
            body_text: "记录".into(),
        },
    ] {
        let refusal = apply_mutation(Some(&deleted), &by("other", 300, op.clone())).unwrap_err();
        assert_eq!(
            refusal.code,
            ErrorCode::Conflict,
            "{op:?} after a delete is refused: the delete wins"
        );
        assert!(refusal.reason.contains("deleted"), "{}", refusal.reason);
    }
    let closed = apply_mutation(Some(&ticket(TicketStatus::Closed)), &m(delete()));
    assert!(
        closed.is_ok(),
        "a closed ticket can still be deleted (spam found late)"
    );
}

#[test]
fn a_move_to_another_group_leaves_the_ticket_unassigned() {
    let mut t = ticket(TicketStatus::Open);
    t.group = Some("cn-support".into());
    t.assignee_id = Some("lin".into());
    let to = |group: Option<&str>| {
        m(MutationOp::SetGroup {
            ticket_id: "t1".into(),
            group: group.map(str::to_owned),
        })
    };
    let moved = apply_mutation(Some(&t), &to(Some(" security "))).unwrap();
    assert_eq!(moved.group.as_deref(), Some("security"), "trimmed");
    assert_eq!(moved.assignee_id, None, "the new team picks it up");
    assert_eq!(moved.updated_at, 100);
    let same = apply_mutation(Some(&t), &to(Some("cn-support"))).unwrap();
    assert_eq!(
        same, t,
        "the same group changes nothing, the assignee stays"
    );
    let none = apply_mutation(Some(&t), &to(None)).unwrap();
    assert_eq!((none.group, none.assignee_id), (None, None));
    for bad in ["", "  ", "a\u{0}b", &"g".repeat(MAX_GROUP_CHARS + 1)] {
        let refused = apply_mutation(Some(&t), &to(Some(bad))).unwrap_err();
        assert_eq!(refused.code, ErrorCode::BadRequest, "{bad:?}");
    }
}

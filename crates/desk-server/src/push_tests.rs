//! Table tests of the push rules that need no database; the conformance suite runs the
//! rest on both backends.

use desk_core::Author;

use super::*;

fn mutation(seq: u64, op: MutationOp) -> Mutation {
    Mutation {
        id: format!("m{seq}"),
        client_id: "c".into(),
        seq,
        agent_id: "me".into(),
        created_at: 100,
        op,
    }
}

fn said(id: &str, kind: AuthorKind, author: Option<&str>, message: MessageKind) -> Message {
    Message {
        id: id.into(),
        ticket_id: "t1".into(),
        kind: message,
        author: Author {
            kind,
            id: author.map(str::to_owned),
            name: format!("{author:?}"),
        },
        body_text: "x".into(),
        body_html: None,
        attachments: vec![],
        created_at: 1,
        quoted: None,
    }
}

#[test]
fn who_wrote_since_the_last_seen_message_decides_a_hold() {
    use AuthorKind::{Agent, Customer, System};
    use MessageKind::{InternalNote, PublicReply, SystemEvent};
    let customer = said("m1", Customer, None, PublicReply);
    let mine = said("m2", Agent, Some("me"), InternalNote);
    let event = said("m3", System, None, SystemEvent);
    let colleague = said("m4", Agent, Some("amy"), PublicReply);
    let table: [(&[Message], Option<&str>, bool, &str); 6] = [
        (&[], None, false, "an empty conversation"),
        (
            std::slice::from_ref(&customer),
            Some("m1"),
            false,
            "the agent saw the newest",
        ),
        (
            std::slice::from_ref(&customer),
            None,
            true,
            "the agent saw nothing, the customer wrote",
        ),
        (
            &[customer.clone(), mine.clone(), event.clone()],
            Some("m1"),
            false,
            "own messages and system events are not someone answering",
        ),
        (
            &[customer.clone(), colleague.clone()],
            Some("m1"),
            true,
            "a colleague answered meanwhile",
        ),
        (
            std::slice::from_ref(&customer),
            Some("gone"),
            true,
            "an unknown last-seen id sees nothing",
        ),
    ];
    for (conversation, last_seen, held, why) in table {
        assert_eq!(
            written_since(conversation, last_seen, "me").is_some(),
            held,
            "{why}"
        );
    }
}

#[test]
fn settle_answers_replays_and_late_mutations_without_lookups() {
    let m = mutation(
        5,
        MutationOp::Claim {
            ticket_id: "t1".into(),
        },
    );
    let stored = StoredMutation {
        client_id: "c".into(),
        seq: 5,
        agent_id: "me".into(),
        result: MutationResult::Applied,
    };
    let replay = settle(&m, Some(stored.clone()), Some(5)).expect("a replay is settled");
    assert_eq!(
        (replay.result, replay.record),
        (MutationResult::Applied, false),
        "a replay gets the stored answer and stores nothing"
    );
    let reused = settle(&m, Some(StoredMutation { seq: 4, ..stored }), Some(5))
        .expect("a reused id is settled");
    assert!(
        matches!(
            reused.result,
            MutationResult::Rejected {
                code: ErrorCode::Conflict,
                ..
            }
        ) && !reused.record,
        "another mutation's answer is never handed out under a reused id"
    );
    let late = settle(&m, None, Some(5)).expect("a late mutation is settled");
    assert!(
        matches!(
            late.result,
            MutationResult::Rejected {
                code: ErrorCode::Conflict,
                ..
            }
        ),
        "a seq at or below the client's mark is never applied"
    );
    assert_eq!(
        settle(&m, None, Some(4)),
        None,
        "the next seq goes on to the rules"
    );
}

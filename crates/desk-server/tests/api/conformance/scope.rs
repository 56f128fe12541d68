//! Scope by group (DESIGN.md §4): an agent with groups receives the tickets of its groups
//! and ungrouped ones, with their messages, and nothing of other groups' tickets: not in
//! pulls, counts, fetches or presence, and it cannot change them. Agents without groups,
//! supervisors and admins receive everything. A change of an agent's groups sends its
//! consoles back to a bootstrap; a ticket moved to another group leaves the consoles of
//! the old one and reaches those of the new one, conversation and all.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::StatusCode;
use desk_core::wire::Change;
use desk_core::{ErrorCode, MutationOp, MutationResult, Role, TicketStatus};
use desk_server::Storage;
use desk_server::audit::Actor;
use desk_server::feed::{FeedPosition, Scope};
use serde_json::json;

use super::push::{Console, customer, set_status};
use super::{message, ticket};
use crate::support::{TestApp, code};

const ZH: &str = "zh-l1";
const EN: &str = "en-l1";

/// Tickets `t-zh` (group zh-l1), `t-en` (en-l1) and `t-none` (no group), each with one
/// message; Lin works in zh-l1, Bo in en-l1, Amy in none; Sam supervises, in en-l1.
async fn desk(storage: Arc<dyn Storage>) -> TestApp {
    let app = TestApp::with_storage(storage);
    app.add_agent_in_groups("lin@desk.test", Role::Agent, &[ZH])
        .await;
    app.add_agent_in_groups("bo@desk.test", Role::Agent, &[EN])
        .await;
    app.add_agent("amy@desk.test", Role::Agent).await;
    app.add_agent_in_groups("sam@desk.test", Role::Supervisor, &[EN])
        .await;
    let mut records = vec![Change::Customer(customer("c1"))];
    for (id, group) in [("t-zh", Some(ZH)), ("t-en", Some(EN)), ("t-none", None)] {
        let mut t = ticket(id, None);
        t.group = group.map(str::to_owned);
        let mut m = message(&format!("m-{id}"), "充值未到账");
        m.ticket_id = id.into();
        records.push(Change::Ticket(t));
        records.push(Change::Message(m));
    }
    app.storage.write_records(records).await.expect("fixtures");
    app
}

/// The ids of the tickets and messages in `changes`.
fn conversations(changes: &[Change]) -> BTreeSet<String> {
    changes
        .iter()
        .filter(|c| matches!(c, Change::Ticket(_) | Change::Message(_)))
        .map(|c| c.id().to_owned())
        .collect()
}

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

pub async fn agents_with_groups_pull_their_groups_and_ungrouped_tickets(storage: Arc<dyn Storage>) {
    let app = desk(storage).await;
    let everything = ids(&["t-zh", "m-t-zh", "t-en", "m-t-en", "t-none", "m-t-none"]);
    for (email, expected) in [
        (
            "lin@desk.test",
            ids(&["t-zh", "m-t-zh", "t-none", "m-t-none"]),
        ),
        (
            "bo@desk.test",
            ids(&["t-en", "m-t-en", "t-none", "m-t-none"]),
        ),
        ("amy@desk.test", everything.clone()),
        ("sam@desk.test", everything.clone()),
    ] {
        let token = app.login(email).await.access_token;
        // Small pages: the filter must hold across page boundaries.
        let (changes, cursor) = app.pull_all(&token, "", 2).await;
        assert_eq!(conversations(&changes), expected, "{email}'s scope");
        assert!(
            changes.iter().any(|c| matches!(c, Change::Customer(_)))
                && changes
                    .iter()
                    .filter(|c| matches!(c, Change::Agent(_)))
                    .count()
                    == 4,
            "customers and agents are in every scope: {email}"
        );
        // The cursor keeps working in the same scope: nothing new, nothing refused.
        let again = app.pull(&token, &cursor, 10).await;
        assert!(again.changes.is_empty(), "{email}: nothing new");
    }

    // Later writes follow the same rule, and counts agree with pages.
    let lin = app.login("lin@desk.test").await.access_token;
    let (_, cursor) = app.pull_all(&lin, "", 100).await;
    let mut later = vec![];
    for id in ["t-zh", "t-en"] {
        let mut m = message(&format!("m2-{id}"), "还在等");
        m.ticket_id = id.into();
        later.push(Change::Message(m));
    }
    app.storage.write_records(later).await.unwrap();
    let (changes, _) = app.pull_all(&lin, &cursor, 100).await;
    assert_eq!(conversations(&changes), ids(&["m2-t-zh"]));
    let scope = Scope::Device {
        device_id: "d".into(),
        groups: Some(vec![ZH.to_owned()]),
    };
    let page = app
        .storage
        .pull(FeedPosition::ZERO, 100_000, &scope)
        .await
        .unwrap();
    assert_eq!(
        app.storage
            .count_changes_after(FeedPosition::ZERO, &scope)
            .await
            .unwrap(),
        page.changes.len() as u64,
        "a counted bootstrap counts only the scope's changes"
    );
}

pub async fn what_an_agent_does_not_receive_it_cannot_change_or_fetch(storage: Arc<dyn Storage>) {
    let app = desk(storage).await;
    let mut lin = Console::sign_in(&app, "lin@desk.test").await;
    let results = lin
        .push(
            &app,
            vec![
                set_status("t-en", TicketStatus::Open),
                MutationOp::Claim {
                    ticket_id: "t-en".into(),
                },
                set_status("t-zh", TicketStatus::Open),
                set_status("t-none", TicketStatus::Open),
            ],
        )
        .await;
    for result in &results[..2] {
        assert!(
            matches!(result, MutationResult::Rejected { code: ErrorCode::Forbidden, reason }
                if reason.contains(EN)),
            "another group's ticket is refused, naming the group: {result:?}"
        );
    }
    assert_eq!(
        results[2..],
        [MutationResult::Applied, MutationResult::Applied],
        "its own group's and ungrouped tickets are the agent's to work"
    );

    // Opening a ticket: in its own groups or none only.
    let mut theirs = ticket("t-new-en", None);
    theirs.group = Some(EN.into());
    let mut ours = ticket("t-new-zh", None);
    ours.group = Some(ZH.into());
    let results = lin
        .push(
            &app,
            vec![
                MutationOp::CreateTicket {
                    ticket: Box::new(theirs),
                },
                MutationOp::CreateTicket {
                    ticket: Box::new(ours),
                },
            ],
        )
        .await;
    assert!(
        matches!(
            &results[0],
            MutationResult::Rejected {
                code: ErrorCode::Forbidden,
                ..
            }
        ),
        "{results:?}"
    );
    assert_eq!(results[1], MutationResult::Applied);

    // An assignee must be in the ticket's group (or see every group).
    let bo = app.login("bo@desk.test").await.agent.id;
    let amy_id = app.login("amy@desk.test").await.agent.id;
    let mut amy = Console::sign_in(&app, "amy@desk.test").await;
    let assign = |ticket: &str, to: &str| MutationOp::Assign {
        ticket_id: ticket.into(),
        assignee_id: Some(to.into()),
    };
    let results = amy
        .push(
            &app,
            vec![
                assign("t-zh", &bo),
                assign("t-en", &bo),
                assign("t-zh", &amy_id),
            ],
        )
        .await;
    assert!(
        matches!(&results[0], MutationResult::Rejected { code: ErrorCode::Conflict, reason }
            if reason.contains(ZH)),
        "Bo (en-l1) cannot be given a zh-l1 ticket: {results:?}"
    );
    assert_eq!(
        results[1..],
        [MutationResult::Applied, MutationResult::Applied]
    );

    // Nor can it fetch another group's conversation or announce itself on it.
    for (path, body) in [
        ("/api/v1/tickets/t-en/messages", None),
        (
            "/api/v1/presence",
            Some(json!({"ticket_id": "t-en", "state": "viewing"})),
        ),
    ] {
        let (status, answer) = match body {
            None => app.get(path, Some(&lin.token)).await,
            Some(body) => app.put(path, Some(&lin.token), body).await,
        };
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}: another group's ticket is as absent as a missing one"
        );
    }
    let (status, _) = app
        .get("/api/v1/tickets/t-zh/messages", Some(&lin.token))
        .await;
    assert_eq!(status, StatusCode::OK);

    // Nor learn who is on another group's ticket: Amy (every group) is on both tickets in
    // turn, and Lin reads the other group's as empty, as an unknown ticket reads.
    let on = |ticket: &str| format!("/api/v1/tickets/{ticket}/presence");
    let agents = |answer: &serde_json::Value| answer["agents"].as_array().map(Vec::len);
    for (ticket, seen) in [("t-en", 0), ("t-zh", 1)] {
        let (status, _) = app
            .put(
                "/api/v1/presence",
                Some(&amy.token),
                json!({"ticket_id": ticket, "state": "viewing"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, answer) = app.get(&on(ticket), Some(&lin.token)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(agents(&answer), Some(seen), "{ticket}: {answer}");
        let (_, answer) = app.get(&on(ticket), Some(&amy.token)).await;
        assert_eq!(agents(&answer), Some(1), "Amy sees herself on {ticket}");
    }
}

/// What a pull from `cursor` brings of ticket `t-zh`: whether it left, whether the ticket
/// came (and its group and assignee), and which of its messages came.
async fn news(
    app: &TestApp,
    token: &str,
    cursor: &str,
) -> (bool, Option<desk_core::Ticket>, BTreeSet<String>, String) {
    let (changes, next) = app.pull_all(token, cursor, 3).await;
    let left = changes
        .iter()
        .any(|c| matches!(c, Change::LeftScope(l) if l.ticket_id == "t-zh"));
    let ticket = changes.iter().find_map(|c| match c {
        Change::Ticket(t) if t.id == "t-zh" => Some(t.clone()),
        _ => None,
    });
    let messages = changes
        .iter()
        .filter_map(|c| match c {
            Change::Message(m) if m.ticket_id == "t-zh" => Some(m.id.clone()),
            _ => None,
        })
        .collect();
    (left, ticket, messages, next)
}

/// Amy hands `t-zh` to `group`.
async fn move_t_zh(app: &TestApp, amy: &mut Console, group: Option<&str>) -> Vec<MutationResult> {
    let op = MutationOp::SetGroup {
        ticket_id: "t-zh".into(),
        group: group.map(str::to_owned),
    };
    amy.push(app, vec![op]).await
}

pub async fn a_moved_ticket_leaves_the_old_groups_consoles_and_reaches_the_new_ones(
    storage: Arc<dyn Storage>,
) {
    let app = desk(storage).await;
    app.add_agent_in_groups("kim@desk.test", Role::Agent, &[ZH, EN])
        .await;
    // Moving Lin's ticket to another team is a supervisor's call (access.rs): Sam's.
    let mut sam = Console::sign_in(&app, "sam@desk.test").await;
    let lin_id = app.login("lin@desk.test").await.agent.id;
    let assigned = sam
        .push(
            &app,
            vec![MutationOp::Assign {
                ticket_id: "t-zh".into(),
                assignee_id: Some(lin_id),
            }],
        )
        .await;
    assert_eq!(assigned, [MutationResult::Applied]);
    let mut consoles = vec![];
    for email in [
        "lin@desk.test",
        "bo@desk.test",
        "kim@desk.test",
        "amy@desk.test",
    ] {
        let token = app.login(email).await.access_token;
        let (_, cursor) = app.pull_all(&token, "", 100).await;
        consoles.push((email, token, cursor));
    }
    let conversation = ids(&["m-t-zh"]);

    // zh-l1 → en-l1, by a supervisor (who sees every group).
    let moved = move_t_zh(&app, &mut sam, Some(EN)).await;
    assert_eq!(moved, [MutationResult::Applied]);
    for (email, token, cursor) in &mut consoles {
        let (left, ticket, messages, next) = news(&app, token, cursor).await;
        *cursor = next;
        match *email {
            "lin@desk.test" => {
                assert!(left, "Lin (zh-l1 only) is told the ticket left");
                assert!(
                    ticket.is_none() && messages.is_empty(),
                    "and receives nothing of it"
                );
            }
            "bo@desk.test" => {
                assert!(!left);
                let ticket = ticket.expect("Bo (en-l1) receives the ticket");
                assert_eq!(ticket.group.as_deref(), Some(EN));
                assert_eq!(
                    ticket.assignee_id, None,
                    "a move leaves the ticket unassigned"
                );
                assert_eq!(messages, conversation, "and its whole conversation");
            }
            _ => {
                assert!(!left, "{email} sees both groups: nothing leaves");
                assert!(ticket.is_some(), "{email} receives the moved ticket");
            }
        }
    }

    // Later messages follow the new group.
    let mut later = message("m2-t-zh", "还在等");
    later.ticket_id = "t-zh".into();
    app.storage
        .write_records(vec![Change::Message(later)])
        .await
        .unwrap();
    for (email, token, cursor) in &mut consoles {
        let (_, _, messages, next) = news(&app, token, cursor).await;
        *cursor = next;
        assert_eq!(
            messages.contains("m2-t-zh"),
            *email != "lin@desk.test",
            "{email}: a message after the move reaches the new group's consoles only"
        );
    }

    // Back to zh-l1: Lin gets it all back, Bo is told it left; then to no group, which
    // everyone sees, and nobody is told anything left.
    let back = move_t_zh(&app, &mut sam, Some(ZH)).await;
    assert_eq!(back, [MutationResult::Applied]);
    for (email, token, cursor) in &mut consoles {
        let (left, ticket, messages, next) = news(&app, token, cursor).await;
        *cursor = next;
        if *email == "lin@desk.test" {
            assert!(ticket.is_some() && messages == ids(&["m-t-zh", "m2-t-zh"]));
        }
        assert_eq!(left, *email == "bo@desk.test", "{email}: told it left?");
    }
    let ungrouped = move_t_zh(&app, &mut sam, None).await;
    assert_eq!(ungrouped, [MutationResult::Applied]);
    for (email, token, cursor) in &mut consoles {
        let (left, ticket, messages, _) = news(&app, token, cursor).await;
        assert!(!left, "{email}: an ungrouped ticket leaves no one");
        assert!(ticket.is_some(), "{email} receives it");
        if *email == "bo@desk.test" {
            assert_eq!(messages.len(), 2, "Bo gets the conversation back");
        }
    }

    // A bootstrap after all that ends where the moves left the ticket: with every console.
    let lin = &consoles[0].1;
    let (changes, _) = app.pull_all(lin, "", 2).await;
    assert!(conversations(&changes).contains("t-zh"));
}

pub async fn a_change_of_groups_makes_the_consoles_pull_again(storage: Arc<dyn Storage>) {
    let app = desk(storage).await;
    let lin = app.login("lin@desk.test").await.access_token;
    let (_, cursor) = app.pull_all(&lin, "", 100).await;
    let operator = Actor::Operator("test".into());
    let agent = app
        .storage
        .set_agent_groups("lin@desk.test", vec![EN.to_owned()], 10, &operator)
        .await
        .unwrap();
    assert_eq!(agent.groups, [EN]);
    // The access token is still good; the scope it pulled under is not.
    let (status, answer) = app
        .get(
            &format!("/api/v1/sync/pull?cursor={cursor}&limit=10"),
            Some(&lin),
        )
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::GONE, "rebootstrap_required"),
        "a cursor from the old groups is not continued: {answer}"
    );
    let (changes, _) = app.pull_all(&lin, "", 100).await;
    assert_eq!(
        conversations(&changes),
        ids(&["t-en", "m-t-en", "t-none", "m-t-none"]),
        "the bootstrap brings the new groups' tickets"
    );
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::Agent(a) if a.id == agent.id && a.groups == [EN])),
        "the agent's new groups ride the feed"
    );

    // With no groups left, Lin sees every ticket again, and starts over once more.
    app.storage
        .set_agent_groups("lin@desk.test", vec![], 11, &operator)
        .await
        .unwrap();
    let (_, cursor) = app.pull_all(&lin, "", 100).await;
    let (changes, _) = app.pull_all(&lin, "", 100).await;
    assert_eq!(conversations(&changes).len(), 6, "every ticket");
    let again = app.pull(&lin, &cursor, 10).await;
    assert!(again.changes.is_empty());
    let entries = app.storage.audit_rows(0, 10_000).await.unwrap();
    assert!(
        entries.iter().any(|e| e.action == "agent.groups"),
        "a change of groups is audited"
    );
}

//! The change feed over HTTP: auth, paging, commit order, compaction, bad cursors.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::http::StatusCode;
use desk_core::wire::{Change, SCHEMA_VERSION};
use desk_core::{Role, TicketStatus};
use desk_server::seed::{self, SeedOptions};

use crate::support::*;

fn id_of(change: &Change) -> (&'static str, &str) {
    (change.kind(), change.id())
}

#[tokio::test]
async fn pull_requires_a_valid_token() {
    let app = TestApp::new();
    for token in [None, Some("desk_at_forged")] {
        let (status, body) = app.get("/api/v1/sync/pull", token).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "pull without a valid token is refused"
        );
        assert_eq!(
            code(&body),
            "unauthorized",
            "the client should refresh or sign in again"
        );
    }
}

#[tokio::test]
async fn paging_delivers_every_change_exactly_once_in_commit_order() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let token = app.login("lin.wei@desk.test").await.access_token;
    let summary = seed::seed_demo(
        storage(&app),
        SeedOptions {
            tickets: 300,
            ..SeedOptions::default()
        },
    )
    .await
    .expect("seed");

    // Small pages, following next_cursor; cursors must only move forward.
    let mut cursor = String::new();
    let mut changes = Vec::new();
    let mut pages = 0;
    loop {
        let page = app.pull(&token, &cursor, 97).await;
        assert_eq!(
            page.schema_version, SCHEMA_VERSION,
            "every pull names the wire schema"
        );
        assert!(
            page.changes.len() <= 97,
            "a page never exceeds the requested limit"
        );
        if !page.changes.is_empty() && !cursor.is_empty() {
            assert!(
                position(&page.next_cursor) > position(&cursor),
                "the cursor only moves forward"
            );
        }
        changes.extend(page.changes);
        cursor = page.next_cursor;
        pages += 1;
        if !page.has_more {
            break;
        }
    }
    assert!(pages > 10, "the test must actually page ({pages} pages)");

    let mut seen = HashSet::new();
    for change in &changes {
        assert!(
            seen.insert(id_of(change)),
            "{:?} arrived twice",
            id_of(change)
        );
    }
    let count = |kind: &str| changes.iter().filter(|c| id_of(c).0 == kind).count();
    assert_eq!(
        count("ticket"),
        summary.tickets,
        "every seeded ticket arrives"
    );
    assert_eq!(
        count("message"),
        summary.messages,
        "every seeded message arrives"
    );
    assert_eq!(
        count("customer"),
        summary.customers,
        "every seeded customer arrives"
    );
    assert_eq!(
        count("wallet_transaction"),
        summary.transactions,
        "every transaction arrives"
    );
    assert_eq!(
        count("agent"),
        1,
        "the agent created before seeding arrives too"
    );
    assert_eq!(
        cursor, summary.cursor,
        "paging ends at the last committed change"
    );

    // Commit order: a ticket is written before its messages, customers before tickets.
    let mut tickets_seen = HashSet::new();
    let mut customers_seen = HashSet::new();
    for change in &changes {
        match change {
            Change::Customer(c) => {
                customers_seen.insert(c.id.clone());
            }
            Change::Ticket(t) => {
                assert!(
                    customers_seen.contains(&t.customer_id),
                    "a ticket's customer was committed first"
                );
                tickets_seen.insert(t.id.clone());
            }
            Change::Message(m) => {
                assert!(
                    tickets_seen.contains(&m.ticket_id),
                    "a message's ticket was committed first"
                );
            }
            _ => {}
        }
    }

    // Numbers are server-assigned, unique and increasing in commit order.
    let numbers: Vec<i64> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Ticket(t) => Some(t.number.expect("server assigns numbers")),
            _ => None,
        })
        .collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "ticket numbers increase in commit order"
    );

    let (one_page, _) = app.pull_all(&token, "", 5000).await;
    assert_eq!(
        one_page, changes,
        "page size must not change what arrives or in which order"
    );
}

#[tokio::test]
async fn a_later_change_is_all_a_caught_up_client_receives() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let token = app.login("lin.wei@desk.test").await.access_token;
    seed::seed_demo(
        storage(&app),
        SeedOptions {
            tickets: 40,
            ..SeedOptions::default()
        },
    )
    .await
    .unwrap();
    let (changes, cursor) = app.pull_all(&token, "", 500).await;

    let idle = app.pull(&token, &cursor, 500).await;
    assert!(idle.changes.is_empty(), "nothing new after catching up");
    assert!(!idle.has_more, "nothing more after catching up");
    assert_eq!(
        idle.next_cursor, cursor,
        "an empty pull hands the client's cursor back"
    );

    let mut ticket = changes
        .iter()
        .find_map(|c| match c {
            Change::Ticket(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap();
    let number = ticket.number;
    ticket.status = TicketStatus::Solved;
    ticket.number = None; // the server keeps its own number regardless
    storage(&app)
        .write_records(vec![Change::Ticket(ticket.clone())])
        .await
        .unwrap();

    let page = app.pull(&token, &cursor, 500).await;
    assert_eq!(
        page.changes.len(),
        1,
        "only the new change arrives: {:?}",
        page.changes
    );
    let Change::Ticket(updated) = &page.changes[0] else {
        panic!("the change is the ticket")
    };
    assert_eq!(
        updated.status,
        TicketStatus::Solved,
        "the change carries the new state"
    );
    assert_eq!(updated.number, number, "an updated ticket keeps its number");
    assert!(
        position(&page.next_cursor) > position(&cursor),
        "the cursor moves past the change"
    );

    // From zero the ticket appears once, at its new place: the older change was dropped.
    let (all, _) = app.pull_all(&token, "", 500).await;
    let copies: Vec<_> = all
        .iter()
        .filter(|c| id_of(c) == ("ticket", ticket.id.as_str()))
        .collect();
    assert_eq!(
        copies.len(),
        1,
        "the feed keeps only the latest change of a record"
    );
    assert_eq!(
        all.last(),
        Some(&page.changes[0]),
        "the latest change sits at the end of the feed"
    );
}

#[tokio::test]
async fn malformed_cursors_and_limits_are_bad_requests() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let token = app.login("lin.wei@desk.test").await.access_token;
    for query in [
        "cursor=abc",
        "cursor=1",
        "cursor=-1.0",
        "cursor=1.2.3",
        "limit=abc",
        "limit=-5",
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/sync/pull?{query}"), Some(&token))
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{query} is malformed input, never a 5xx: {body}"
        );
        assert_eq!(code(&body), "bad_request", "{query} answers bad_request");
    }
    let (status, body) = app
        .get("/api/v1/sync/pull?limit=999999", Some(&token))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an oversized limit is capped, not refused: {body}"
    );
}

#[tokio::test]
async fn concurrent_writers_never_make_a_reader_skip_a_change() {
    let app = Arc::new(TestApp::new());
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let token = app.login("lin.wei@desk.test").await.access_token;

    // Four writers commit small batches while a reader pages with a tiny limit.
    let template = seed::Generator::new(
        SeedOptions {
            tickets: 200,
            ..SeedOptions::default()
        },
        vec![],
    )
    .customer_batches()
    .concat();
    let per_writer = template.len() / 4;
    let mut writers = Vec::new();
    for chunk in template.chunks(per_writer.max(1)) {
        let app = app.clone();
        let chunk = chunk.to_vec();
        writers.push(tokio::spawn(async move {
            for part in chunk.chunks(3) {
                storage(&app)
                    .write_records(part.to_vec())
                    .await
                    .expect("write");
            }
        }));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut cursor = String::new();
    loop {
        let done = writers.iter().all(|w| w.is_finished());
        let (page, next) = app.pull_all(&token, &cursor, 7).await;
        for change in &page {
            *seen.entry(id_of(change).1.to_owned()).or_default() += 1;
        }
        cursor = next;
        if done {
            break;
        }
        tokio::task::yield_now().await;
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let (rest, _) = app.pull_all(&token, &cursor, 7).await;
    assert!(
        rest.is_empty(),
        "after the writers finished and the reader caught up, nothing is left"
    );
    for change in &template {
        let id = id_of(change).1;
        assert_eq!(
            seen.get(id),
            Some(&1),
            "{id} must reach the reader exactly once"
        );
    }
}

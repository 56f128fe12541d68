//! The API over each backend: sign in, page through the feed, refresh, sign out. The HTTP
//! rules themselves are tested once, in `http.rs`, `auth.rs` and `sync.rs`; these cases
//! check that a real client's path works the same on every backend.

use std::collections::HashSet;
use std::sync::Arc;

use crate::support::Tokens as TokenResponse;
use axum::http::StatusCode;
use desk_core::Role;
use desk_core::wire::Change;
use desk_server::Storage;
use desk_server::seed::{self, SeedOptions};
use serde_json::json;

use crate::support::{TestApp, code, position};

pub async fn login_then_pull_pages_through_a_seeded_feed(storage: Arc<dyn Storage>) {
    let app = TestApp::with_storage(storage);
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let token = app.login("LIN.WEI@desk.test").await.access_token;
    let summary = seed::seed_demo(
        app.storage.as_ref(),
        SeedOptions {
            tickets: 80,
            ..SeedOptions::default()
        },
    )
    .await
    .expect("seed");

    let mut cursor = String::new();
    let mut changes = Vec::new();
    loop {
        let page = app.pull(&token, &cursor, 37).await;
        if !page.changes.is_empty() && !cursor.is_empty() {
            assert!(
                position(&page.next_cursor) > position(&cursor),
                "the cursor only moves forward"
            );
        }
        changes.extend(page.changes);
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    let ids: HashSet<_> = changes.iter().map(|c| (c.kind(), c.id())).collect();
    assert_eq!(ids.len(), changes.len(), "no change arrives twice");
    let expected = summary.customers
        + summary.transactions
        + summary.tickets
        + summary.messages
        + summary.macros
        + summary.articles
        + summary.groups
        + 1;
    assert_eq!(
        changes.len(),
        expected,
        "every seeded record and the agent arrive"
    );
    assert_eq!(
        cursor, summary.cursor,
        "paging ends at the last committed change"
    );
    let (one_page, _) = app.pull_all(&token, "", 5000).await;
    assert_eq!(
        one_page, changes,
        "page size must not change what arrives or in which order"
    );

    let idle = app.pull(&token, &cursor, 37).await;
    assert!(
        idle.changes.is_empty() && idle.next_cursor == cursor,
        "a caught-up client gets nothing and keeps its cursor"
    );
    let mut ticket = changes
        .iter()
        .find_map(|c| match c {
            Change::Ticket(t) => Some(t.clone()),
            _ => None,
        })
        .expect("the seed has tickets");
    ticket.subject = "已处理".into();
    app.storage
        .write_records(vec![Change::Ticket(ticket.clone())])
        .await
        .unwrap();
    let page = app.pull(&token, &cursor, 37).await;
    assert_eq!(
        page.changes.len(),
        1,
        "a caught-up client receives exactly the new change"
    );
    assert!(
        matches!(&page.changes[0], Change::Ticket(t) if t.subject == "已处理" && t.number == ticket.number),
        "the change carries the new state and the ticket's number"
    );
}

pub async fn refresh_over_http_rotates_and_reuse_signs_the_device_out(storage: Arc<dyn Storage>) {
    let app = TestApp::with_storage(storage);
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let first = app.login("lin.wei@desk.test").await;
    let (status, body) = app.refresh(&first.refresh_token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a current refresh token is exchanged: {body}"
    );
    let second: TokenResponse = serde_json::from_value(body).unwrap();
    let (status, _) = app.get("/api/v1/me", Some(&second.access_token)).await;
    assert_eq!(status, StatusCode::OK, "the new access token works");

    let (status, body) = app.refresh(&first.refresh_token).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "session_expired"),
        "a rotated-away refresh token is refused"
    );
    let (status, _) = app.get("/api/v1/me", Some(&second.access_token)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "its reuse signed the whole device out"
    );

    let third = app.login("lin.wei@desk.test").await;
    let (status, _) = app
        .post("/api/v1/auth/logout", Some(&third.access_token), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "logout succeeds");
    let (status, _) = app.get("/api/v1/me", Some(&third.access_token)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a signed-out device's access token stops working"
    );
}

/// A bootstrap's progress bar: `count=true` answers how many changes follow the page, so
/// the first page's count plus its own changes is the whole bootstrap.
pub async fn a_counted_pull_says_how_many_changes_remain(storage: Arc<dyn Storage>) {
    let (app, token) = seeded(storage, 40).await;
    let (all, _) = app.pull_all(&token, "", 5000).await;

    let (status, first) = app
        .get("/api/v1/sync/pull?limit=25&count=true", Some(&token))
        .await;
    assert_eq!(status, StatusCode::OK, "a counted pull is a pull: {first}");
    let first: desk_core::wire::PullResponse = serde_json::from_value(first).unwrap();
    assert_eq!(
        first.changes.len() as u64 + first.remaining.expect("asked for a count"),
        all.len() as u64,
        "the first page plus what remains is everything a bootstrap brings"
    );
    let uncounted = app.pull(&token, &first.next_cursor, 25).await;
    assert_eq!(
        uncounted.remaining, None,
        "only a pull that asks pays for the count"
    );

    let (_, last) = app
        .get(
            &format!(
                "/api/v1/sync/pull?cursor={}&limit=5000&count=true",
                first.next_cursor
            ),
            Some(&token),
        )
        .await;
    let last: desk_core::wire::PullResponse = serde_json::from_value(last).unwrap();
    assert!(!last.has_more, "one big page reaches the head");
    assert_eq!(last.remaining, Some(0), "nothing remains after the head");

    let (status, body) = app.get("/api/v1/sync/pull?count=maybe", Some(&token)).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a count that is not a boolean is bad input, not a 5xx: {body}"
    );
}

/// A console that evicted an old conversation gets it back whole, oldest first.
pub async fn a_tickets_whole_conversation_can_be_fetched(storage: Arc<dyn Storage>) {
    let (app, token) = seeded(storage, 30).await;
    let (all, _) = app.pull_all(&token, "", 5000).await;
    // One still open, so a reply can be written to it below.
    let ticket = all
        .iter()
        .find_map(|c| match c {
            Change::Ticket(t) if t.status != desk_core::TicketStatus::Closed => Some(t.id.clone()),
            _ => None,
        })
        .expect("the seed has open tickets");
    let mut fed: Vec<desk_core::Message> = all
        .iter()
        .filter_map(|c| match c {
            Change::Message(m) if m.ticket_id == ticket => Some(m.clone()),
            _ => None,
        })
        .collect();
    fed.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    assert!(!fed.is_empty(), "seeded tickets have messages");

    let (status, body) = app
        .get(&format!("/api/v1/tickets/{ticket}/messages"), Some(&token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let got: desk_core::wire::TicketConversation = serde_json::from_value(body).unwrap();
    assert_eq!(got.ticket_id, ticket);
    assert_eq!(
        got.messages, fed,
        "the same messages the feed carried, oldest first"
    );
    assert!(
        got.deliveries.is_empty(),
        "the seed's replies were never sent"
    );

    // A reply written now: the conversation fetched whole carries where it went.
    let mut lin = super::push::Console::sign_in(&app, "lin.wei@desk.test").await;
    let last_seen = fed.last().map(|m| m.id.clone());
    let answer = super::push::reply(&ticket, "您好，已为您处理。", last_seen.as_deref());
    let desk_core::MutationOp::Reply { message_id, .. } = &answer else {
        unreachable!()
    };
    let reply_id = message_id.clone();
    let pushed = lin.push(&app, vec![answer]).await;
    assert_eq!(pushed, [desk_core::MutationResult::Applied]);
    let (_, body) = app
        .get(&format!("/api/v1/tickets/{ticket}/messages"), Some(&token))
        .await;
    let got: desk_core::wire::TicketConversation = serde_json::from_value(body).unwrap();
    assert_eq!(
        got.deliveries
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        [reply_id.as_str()],
        "the reply's delivery comes with the conversation"
    );

    let (status, body) = app
        .get("/api/v1/tickets/no-such-ticket/messages", Some(&token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(code(&body), "not_found", "an unknown ticket is a clear 404");
}

/// An app over `storage` with the demo desk seeded and one agent signed in.
async fn seeded(storage: Arc<dyn Storage>, tickets: u32) -> (TestApp, String) {
    let app = TestApp::with_storage(storage);
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let token = app.login("lin.wei@desk.test").await.access_token;
    seed::seed_demo(
        app.storage.as_ref(),
        SeedOptions {
            tickets,
            ..SeedOptions::default()
        },
    )
    .await
    .expect("seed");
    (app, token)
}

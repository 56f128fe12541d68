//! Presence (DESIGN.md §8 "X is replying"): agents announce which ticket they are on, see
//! each other, and fade when they stop refreshing. It lives in the server's memory, so
//! these cases check it is the same whichever storage is behind, and that it never
//! reaches the feed or the audit log.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use desk_core::Role;
use desk_core::wire::{Change, PresenceState, TicketPresence};
use desk_server::Storage;
use desk_server::seed::{self, SeedOptions};
use serde_json::{Value, json};

use crate::support::{TestApp, code};

async fn announce(app: &TestApp, token: &str, ticket: &str, state: &str) -> (StatusCode, Value) {
    let body = json!({ "ticket_id": ticket, "state": state });
    app.put("/api/v1/presence", Some(token), body).await
}

async fn leave(app: &TestApp, token: &str) -> StatusCode {
    app.delete("/api/v1/presence", Some(token)).await.0
}

/// `(agent name, state)` of everyone on `ticket`, as `token`'s agent reads it.
async fn on(app: &TestApp, token: &str, ticket: &str) -> Vec<(String, PresenceState)> {
    let (status, body) = app
        .get(&format!("/api/v1/tickets/{ticket}/presence"), Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "reading presence succeeds: {body}");
    names(body)
}

fn names(body: Value) -> Vec<(String, PresenceState)> {
    let presence: TicketPresence = serde_json::from_value(body).expect("ticket presence");
    presence
        .agents
        .into_iter()
        .map(|a| (a.agent_name, a.state))
        .collect()
}

fn who(entries: &[(&str, PresenceState)]) -> Vec<(String, PresenceState)> {
    entries.iter().map(|(n, s)| ((*n).to_owned(), *s)).collect()
}

/// Two ticket ids of a small seeded desk.
async fn two_tickets(app: &TestApp) -> (String, String) {
    seed::seed_demo(
        app.storage.as_ref(),
        SeedOptions {
            tickets: 4,
            ..SeedOptions::default()
        },
    )
    .await
    .expect("seed");
    let page = app
        .storage
        .pull(
            desk_server::feed::FeedPosition::ZERO,
            5000,
            &desk_server::feed::Scope::All,
        )
        .await
        .unwrap();
    let changes = page.decoded_changes().unwrap();
    let mut ids = changes.into_iter().filter_map(|(_, c)| match c {
        Change::Ticket(t) => Some(t.id),
        _ => None,
    });
    (ids.next().unwrap(), ids.next().unwrap())
}

pub async fn two_agents_see_each_other_until_their_presence_lapses(storage: Arc<dyn Storage>) {
    use PresenceState::{Replying, Viewing};
    let app = TestApp::with_storage(storage);
    app.add_agent("lin@desk.test", Role::Agent).await;
    app.add_agent("wang@desk.test", Role::Agent).await;
    let lin = app.login("lin@desk.test").await.access_token;
    let wang = app.login("wang@desk.test").await.access_token;
    let wang_laptop = app.login("wang@desk.test").await.access_token;
    let (ticket, other) = two_tickets(&app).await;
    let lin_name = "Agent lin@desk.test";
    let wang_name = "Agent wang@desk.test";

    let (status, body) = announce(&app, &lin, &ticket, "viewing").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        names(body),
        who(&[(lin_name, Viewing)]),
        "an announcement answers who is on the ticket, the caller included"
    );
    let (_, body) = announce(&app, &wang, &ticket, "replying").await;
    assert_eq!(
        names(body),
        who(&[(lin_name, Viewing), (wang_name, Replying)]),
        "the second agent sees the first"
    );
    announce(&app, &wang_laptop, &ticket, "viewing").await;
    assert_eq!(
        on(&app, &lin, &ticket).await,
        who(&[(lin_name, Viewing), (wang_name, Replying)]),
        "an agent on two devices counts once, replying over viewing"
    );
    assert!(
        on(&app, &lin, &other).await.is_empty(),
        "presence is per ticket"
    );

    // Lin refreshes inside the TTL; Wang's two devices go quiet and lapse.
    app.clock.advance(Duration::from_secs(30));
    announce(&app, &lin, &ticket, "replying").await;
    app.clock.advance(Duration::from_secs(20));
    assert_eq!(
        on(&app, &lin, &ticket).await,
        who(&[(lin_name, Replying)]),
        "a console that stopped refreshing fades after the TTL; a refreshing one stays"
    );

    announce(&app, &wang, &ticket, "viewing").await;
    announce(&app, &wang, &other, "viewing").await;
    assert_eq!(
        on(&app, &lin, &ticket).await,
        who(&[(lin_name, Replying)]),
        "a device is on one ticket: announcing another leaves the first"
    );
    assert_eq!(leave(&app, &lin).await, StatusCode::NO_CONTENT);
    assert!(
        on(&app, &wang, &ticket).await.is_empty(),
        "leaving takes the agent off at once"
    );
    let (status, _) = app
        .post("/api/v1/auth/logout", Some(&wang), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        on(&app, &lin, &other).await.is_empty(),
        "a signed-out device is on no ticket"
    );
}

pub async fn presence_needs_a_real_ticket_and_a_token_and_stays_out_of_the_feed(
    storage: Arc<dyn Storage>,
) {
    let app = TestApp::with_storage(storage);
    app.add_agent("lin@desk.test", Role::Agent).await;
    let lin = app.login("lin@desk.test").await.access_token;
    let (ticket, _) = two_tickets(&app).await;
    let (before, cursor) = app.pull_all(&lin, "", 5000).await;
    let audit = app.storage.audit_head().await.unwrap();

    let (status, body) = announce(&app, &lin, "no-such-ticket", "viewing").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "not_found"),
        "an unknown ticket is refused, so it cannot park ids in memory: {body}"
    );
    let (status, body) = announce(&app, &lin, "", "viewing").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
    let (status, body) = announce(&app, &lin, &ticket, "typing").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request"),
        "only viewing and replying are states"
    );
    let (status, body) = announce(&app, "nonsense", &ticket, "viewing").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized"),
        "only signed-in agents announce"
    );
    let (status, body) = app
        .get(&format!("/api/v1/tickets/{ticket}/presence"), None)
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized"),
        "only signed-in agents read presence"
    );

    let (status, _) = announce(&app, &lin, &ticket, "replying").await;
    assert_eq!(status, StatusCode::OK);
    let (after, next) = app.pull_all(&lin, &cursor, 5000).await;
    assert!(
        after.is_empty() && next == cursor,
        "presence is not a change: consoles must not pull for it ({} fed before)",
        before.len()
    );
    assert_eq!(
        app.storage.audit_head().await.unwrap().seq,
        audit.seq,
        "presence is never audited"
    );
}

//! Retention and realtime on each backend: answers pruned past the window with old
//! cursors told to re-bootstrap, and event-stream pokes when the feed moves.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use desk_core::{ErrorCode, MutationOp, MutationResult, TicketStatus};
use desk_server::{Config, Storage, retention};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::everything;
use super::push::{Console, app_with_ticket, app_with_ticket_and_config, note, reply, set_status};
use crate::support::{TestApp, code};

pub async fn answers_past_retention_are_pruned_and_old_cursors_rebootstrap(
    storage: Arc<dyn Storage>,
) {
    let config = Config {
        feed_retention: Duration::from_secs(3600),
        ..Config::for_tests()
    };
    let app = app_with_ticket_and_config(storage, config).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let (_, old_cursor) = app.pull_all(&lin.token, "", 1000).await;
    let solve = lin.make(set_status("t1", TicketStatus::Solved));
    let reopen = lin.make(set_status("t1", TicketStatus::Open));
    app.push(&lin.token, &[solve.clone(), reopen]).await;

    app.clock.advance(Duration::from_secs(2 * 3600));
    // The access token expired meanwhile; the same console signs in again.
    lin.token = app.login("lin.wei@desk.test").await.access_token;
    let recent = lin.make(MutationOp::Claim {
        ticket_id: "t1".into(),
    });
    let recent_answer = app.push(&lin.token, std::slice::from_ref(&recent)).await;
    let dropped = retention::prune_once(&app.state).await.expect("prune");
    assert_eq!(dropped, 2, "the two answers older than an hour are dropped");

    let (status, body) = app
        .get(
            &format!("/api/v1/sync/pull?cursor={old_cursor}"),
            Some(&lin.token),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::GONE, "rebootstrap_required"),
        "a cursor from before what the server keeps is told to re-bootstrap: {body}"
    );
    let (changes, cursor) = app.pull_all(&lin.token, "", 1000).await;
    assert!(
        !changes.is_empty(),
        "a re-bootstrap (a pull from zero) is always served"
    );
    let page = app.pull(&lin.token, &cursor, 1000).await;
    assert!(
        page.changes.is_empty(),
        "the new cursor is inside what the server keeps"
    );

    let replay = app.push(&lin.token, &[solve]).await;
    assert!(
        matches!(
            &replay[0],
            MutationResult::Rejected {
                code: ErrorCode::Conflict,
                ..
            }
        ),
        "a replay whose answer was pruned is refused, not applied a second time: {replay:?}"
    );
    let feed = everything(app.storage.as_ref()).await;
    let t1 = feed
        .iter()
        .find_map(|c| match c {
            desk_core::wire::Change::Ticket(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        t1.status,
        TicketStatus::Open,
        "the ticket was not solved again behind the later reopen"
    );
    assert_eq!(
        app.push(&lin.token, &[recent]).await,
        recent_answer,
        "an answer inside the window is still stored"
    );
}

/// Opens an event stream with `token`.
async fn open_events(app: &TestApp, token: &str) -> axum::response::Response {
    let request = Request::get("/api/v1/events")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.router.clone().oneshot(request).await.unwrap()
}

/// Reads the event stream until a poke arrives, or `within` passes (false).
async fn poke_within(body: &mut Body, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return false,
            Ok(None) => panic!("the event stream ended"),
            Ok(Some(frame)) => frame.expect("stream frame"),
        };
        if let Ok(data) = frame.into_data()
            && String::from_utf8_lossy(&data).contains("event: poke")
        {
            return true;
        }
    }
}

pub async fn event_streams_poke_when_the_feed_moves(storage: Arc<dyn Storage>) {
    let app = app_with_ticket(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let (status, body) = app.get("/api/v1/events", None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized"),
        "the event stream is authenticated like every route"
    );

    let response = open_events(&app, &lin.token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream",
        "Server-Sent Events"
    );
    let mut events = response.into_body();
    assert!(
        poke_within(&mut events, Duration::from_secs(5)).await,
        "a new stream pokes at once, covering what committed before it opened"
    );
    // Let any startup poke (a listener that just connected) pass, then expect quiet.
    while poke_within(&mut events, Duration::from_millis(500)).await {}
    assert!(
        !poke_within(&mut events, Duration::from_millis(500)).await,
        "no poke while nothing commits"
    );
    lin.push(&app, vec![reply("t1", "马上处理", Some("m1"))])
        .await;
    assert!(
        poke_within(&mut events, Duration::from_secs(5)).await,
        "a push that moved the feed pokes the stream"
    );
}

/// Counts the pokes that arrive within `within`.
async fn pokes_within(body: &mut Body, within: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + within;
    let mut pokes = 0;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if !poke_within(body, left).await {
            return pokes;
        }
        pokes += 1;
    }
}

pub async fn a_busy_feed_pokes_each_stream_at_a_bounded_rate(storage: Arc<dyn Storage>) {
    let pacing = Duration::from_secs(2);
    let config = Config {
        events_min_interval: pacing,
        ..Config::for_tests()
    };
    let app = app_with_ticket_and_config(storage, config).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let mut events = open_events(&app, &lin.token).await.into_body();
    assert!(poke_within(&mut events, Duration::from_secs(5)).await);
    // Quiet for longer than the pacing: the next move pokes at once.
    while poke_within(&mut events, pacing + Duration::from_secs(1)).await {}

    lin.push(&app, vec![note("t1", "第一")]).await;
    assert!(
        poke_within(&mut events, Duration::from_secs(5)).await,
        "the first move after a quiet stretch pokes at once"
    );
    for text in ["second", "third", "fourth"] {
        lin.push(&app, vec![note("t1", text)]).await;
    }
    // The pacing holds the next poke until two seconds after the first, whatever the
    // machine's speed: none can arrive within one second of receiving the first.
    assert_eq!(
        pokes_within(&mut events, Duration::from_secs(1)).await,
        0,
        "no second poke inside the pacing interval"
    );
    assert!(
        poke_within(&mut events, Duration::from_secs(5)).await,
        "the moves made during the interval are not lost: one poke at its end"
    );
    assert_eq!(
        pokes_within(&mut events, pacing + Duration::from_secs(1)).await,
        0,
        "three moves inside one interval make one poke, not three"
    );
    lin.push(&app, vec![note("t1", "fifth")]).await;
    assert!(
        poke_within(&mut events, Duration::from_secs(5)).await,
        "a later move pokes again"
    );
}

pub async fn pokes_space_out_as_more_streams_connect(storage: Arc<dyn Storage>) {
    // No least gap of its own: only the instance's budget of one poke a second, which two
    // open streams share, two seconds apart each.
    let config = Config {
        events_min_interval: Duration::ZERO,
        events_pokes_per_second: 1,
        ..Config::for_tests()
    };
    let app = app_with_ticket_and_config(storage, config).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let mut events = open_events(&app, &lin.token).await.into_body();
    let _other = open_events(&app, &lin.token).await.into_body();
    assert!(poke_within(&mut events, Duration::from_secs(5)).await);
    while poke_within(&mut events, Duration::from_secs(3)).await {}

    lin.push(&app, vec![note("t1", "one")]).await;
    assert!(poke_within(&mut events, Duration::from_secs(5)).await);
    lin.push(&app, vec![note("t1", "two")]).await;
    assert_eq!(
        pokes_within(&mut events, Duration::from_millis(1500)).await,
        0,
        "with two streams on a budget of one poke a second, a stream's pokes are 2 s apart"
    );
    assert!(
        poke_within(&mut events, Duration::from_secs(5)).await,
        "the move is poked once the gap has passed"
    );
}

//! Operations: readiness follows the database, metrics count real traffic on their own
//! listener, every request carries an id.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use desk_core::Role;
use desk_server::PgStorage;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn readyz_is_ready_on_a_migrated_sqlite_database() {
    let app = TestApp::new();
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a migrated database is ready: {body}"
    );
    assert_eq!(body["status"], "ready");
    assert_eq!(body["storage"], "sqlite");
    assert_eq!(
        body["schema_version"],
        json!(desk_server::storage::sqlite::SCHEMA_VERSION),
        "readiness names the schema it checked"
    );
}

#[tokio::test]
async fn readyz_is_unavailable_while_shutting_down() {
    let app = TestApp::new();
    app.state.close();
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a draining instance must leave the load balancer: {body}"
    );
    assert_eq!(code(&body), "unavailable");
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK, "it is still alive, though");
}

#[tokio::test]
async fn readyz_follows_postgresql_going_down_and_coming_back() {
    // Its own cluster: stopping the shared one would break the tests running beside us.
    let cluster = testsupport::Postgres::start();
    let storage = PgStorage::connect(&cluster.fresh_database()).await.unwrap();
    let app = TestApp::with_storage(Arc::new(storage));
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::OK, "PostgreSQL is up: {body}");
    assert_eq!(body["storage"], "postgres");

    cluster.stop();
    let started = Instant::now();
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "with PostgreSQL stopped the instance is not ready: {body}"
    );
    assert_eq!(code(&body), "unavailable", "a 503 is {{code, message}} too");
    assert!(
        !body["message"].as_str().unwrap().contains("127.0.0.1"),
        "connection details stay in the log: {body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a probe answers promptly even when the database is gone"
    );
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "liveness does not depend on the database"
    );
    // An agent's request meanwhile: 503 `unavailable` (retry; nothing changed), never a
    // bare `internal` that reads like a bug.
    let (status, body) = app
        .post(
            "/api/v1/auth/login",
            None,
            serde_json::json!({ "email": "lin.wei@desk.test", "password": "x", "device_name": "t" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a request that needs the database says it is away: {body}"
    );
    assert_eq!(code(&body), "unavailable");
    assert!(
        !body["message"].as_str().unwrap().contains("127.0.0.1"),
        "connection details stay in the log: {body}"
    );

    cluster.start_again();
    // Pooled connections died with the server; the probe drops them and reconnects.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = app.get("/readyz", None).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "readiness must come back once PostgreSQL is up again: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn readyz_refuses_a_database_at_another_schema_version() {
    let app = TestApp::new();
    let db = app
        .dir
        .path()
        .join(desk_server::storage::sqlite::DB_FILE_NAME);
    // As if a newer build had migrated the file under us.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("999"),
        "the message says which version was found: {body}"
    );
}

/// The value of the sample `name{labels}` in exposition text, if present.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_logins_pulls_and_pushes() {
    let app = TestApp::new();
    app.add_agent("lin@example.com", Role::Agent).await;
    let tokens = app.login("lin@example.com").await;
    for _ in 0..2 {
        app.pull(&tokens.access_token, "", 10).await;
    }
    let (status, _) = app.login_raw("lin@example.com", "wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.get("/definitely/not/here", None).await;
    app.push(&tokens.access_token, &[]).await;

    let metrics = desk_server::metrics_app(app.state.clone());
    let response = tower::ServiceExt::oneshot(
        metrics,
        Request::builder()
            .uri("/metrics")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "Prometheus negotiates this format: {content_type}"
    );
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let expect = |series: &str, value: f64| {
        assert_eq!(
            sample(&text, series),
            Some(value),
            "{series} should be {value} in:\n{text}"
        );
    };
    expect(
        r#"desk_http_requests_total{method="GET",route="/api/v1/sync/pull",status="200"}"#,
        2.0,
    );
    expect(
        r#"desk_http_request_duration_seconds_count{method="GET",route="/api/v1/sync/pull",status="200"}"#,
        2.0,
    );
    expect(
        r#"desk_http_requests_total{method="POST",route="/api/v1/auth/login",status="401"}"#,
        1.0,
    );
    // A scanner's random paths share one series instead of growing the label set.
    expect(
        r#"desk_http_requests_total{method="GET",route="unmatched",status="404"}"#,
        1.0,
    );
    expect(
        r#"desk_login_failures_total{code="invalid_credentials"}"#,
        1.0,
    );
    expect("desk_pulls_total", 2.0);
    expect("desk_pushes_total", 1.0);
    expect("desk_http_requests_in_flight", 0.0);
    expect("desk_event_streams", 0.0);
    assert!(
        sample(&text, "desk_db_pool_max_connections").is_some_and(|n| n >= 1.0),
        "pool figures are exported: {text}"
    );
    assert!(
        !text.contains("/definitely/not/here"),
        "raw paths never become labels"
    );
    assert!(
        text.ends_with("# EOF\n"),
        "a complete OpenMetrics exposition"
    );
}

#[tokio::test]
async fn metrics_are_not_served_on_the_public_router() {
    let app = TestApp::new();
    let (status, body) = app.get("/metrics", None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "metrics live on their own listener only: {body}"
    );
}

#[tokio::test]
async fn connected_event_streams_are_counted_until_they_close() {
    let app = TestApp::new();
    app.add_agent("lin@example.com", Role::Agent).await;
    let tokens = app.login("lin@example.com").await;
    let response = tower::ServiceExt::oneshot(
        app.router.clone(),
        Request::builder()
            .method(Method::GET)
            .uri("/api/v1/events")
            .header("authorization", format!("Bearer {}", tokens.access_token))
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let gauge = |app: &TestApp| {
        let text = app.state.metrics().render(app.storage.pool_status());
        sample(&text, "desk_event_streams").unwrap()
    };
    assert_eq!(gauge(&app), 1.0, "an open stream is counted");
    drop(response);
    assert_eq!(gauge(&app), 0.0, "a closed stream is no longer counted");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::new();
    let response = tower::ServiceExt::oneshot(
        app.router.clone(),
        Request::builder()
            .uri("/healthz")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let made = response.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(
        made.len(),
        36,
        "a UUID is made when the client sent none: {made}"
    );

    for (sent, kept) in [("lb-1234.abc", true), ("bad id\"with quotes", false)] {
        let response = tower::ServiceExt::oneshot(
            app.router.clone(),
            Request::builder()
                .uri("/nope")
                .header("x-request-id", sent)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        let answered = response.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(
            answered == sent,
            kept,
            "a proxy's plain id is kept, anything else replaced: {sent:?} → {answered:?}"
        );
    }
}

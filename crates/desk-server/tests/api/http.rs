//! The HTTP envelope: health, JSON errors for every failure, body limits, a real socket.

use std::sync::Arc;

use crate::support::Tokens as TokenResponse;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use desk_core::Role;
use desk_core::wire::Health;
use desk_server::{AppState, Config};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = TestApp::new();
    let (status, body) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK, "health is public");
    let health: Health = serde_json::from_value(body).expect("health shape");
    assert_eq!(health.status, "ok", "a running server reports ok");
    assert_eq!(
        health.schema_version,
        desk_core::wire::SCHEMA_VERSION,
        "health names the wire schema"
    );
}

#[tokio::test]
async fn unknown_routes_are_json_404() {
    let app = TestApp::new();
    for path in ["/nope", "/api/v1/nope", "/api/v2/sync/pull"] {
        let (status, body) = app.get(path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} does not exist");
        assert_eq!(
            code(&body),
            "not_found",
            "{path}: even a 404 is {{code, message}}"
        );
        assert!(
            body["message"].is_string(),
            "{path}: errors carry a message"
        );
    }
}

#[tokio::test]
async fn wrong_methods_are_json_errors() {
    let app = TestApp::new();
    let (status, body) = app.get("/api/v1/auth/login", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "login is POST only");
    assert_eq!(
        code(&body),
        "bad_request",
        "axum's bare 405 is rewritten as JSON"
    );
}

#[tokio::test]
async fn invalid_json_is_a_json_400() {
    let app = TestApp::new();
    let cases: [(&str, Option<&str>); 4] = [
        ("{not json", Some("application/json")),
        (r#"{"email": 5}"#, Some("application/json")),
        (r#"{"email":"a@b.c"}"#, Some("application/json")),
        (
            r#"{"email":"a@b.c","password":"x","device_name":"d"}"#,
            None,
        ),
    ];
    for (body, content_type) in cases {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/auth/login");
        if let Some(ct) = content_type {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        let (status, answer) = app.send(builder.body(Body::from(body)).unwrap()).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{body:?} is bad input, never a 5xx: {answer}"
        );
        assert_eq!(code(&answer), "bad_request", "{body:?} answers bad_request");
    }
}

#[tokio::test]
async fn oversized_bodies_are_413_payload_too_large() {
    let app = TestApp::new();
    let huge =
        json!({ "email": "a@b.c", "password": "x".repeat(2 * 1024 * 1024), "device_name": "d" });
    let (status, body) = app.post("/api/v1/auth/login", None, huge).await;
    assert_eq!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "bodies over 1 MiB are refused"
    );
    assert_eq!(
        code(&body),
        "payload_too_large",
        "the refusal is a JSON error with its own code"
    );
}

#[tokio::test]
async fn internal_errors_hide_their_details() {
    let app = TestApp::new();
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let token = app.login("lin.wei@desk.test").await.access_token;
    // Break the database under the running server: the feed table disappears.
    let conn = rusqlite::Connection::open(app.dir.path().join("desk.sqlite3")).unwrap();
    conn.execute_batch("DROP TABLE changes").unwrap();
    let (status, body) = app.get("/api/v1/sync/pull", Some(&token)).await;
    assert_eq!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "a storage failure is a 500"
    );
    assert_eq!(
        code(&body),
        "internal",
        "internal failures answer the internal code"
    );
    let text = body.to_string();
    assert!(
        !text.contains("changes") && !text.contains("SQL"),
        "sql details stay in the logs: {text}"
    );
}

#[tokio::test]
async fn serves_on_a_real_socket_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let storage = desk_server::SqliteStorage::open_in_dir(dir.path()).unwrap();
    desk_server::auth::add_agent(
        &storage,
        desk_server::PasswordCost::InsecureFastForTests,
        T0,
        desk_server::auth::AddAgent {
            email: "lin.wei@desk.test".into(),
            name: "Lin Wei 林伟".into(),
            role: Role::Agent,
            languages: vec!["zh-CN".into()],
            groups: Vec::new(),
            skills: vec![],
            capacity: None,
            password: Some(PASSWORD.into()),
            by: desk_server::audit::Actor::System,
        },
    )
    .await
    .unwrap();
    let state = AppState::new(Arc::new(storage), Config::for_tests());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(desk_server::run(listener, state, async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::new();
    let health = client
        .get(format!("{url}/healthz"))
        .send()
        .await
        .expect("server reachable");
    assert_eq!(
        health.status(),
        reqwest::StatusCode::OK,
        "health over a real socket"
    );
    let login = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({ "email": "lin.wei@desk.test", "password": PASSWORD, "device_name": "it" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        reqwest::StatusCode::OK,
        "login over a real socket"
    );
    let tokens: TokenResponse = login.json().await.unwrap();
    let pull = client
        .get(format!("{url}/api/v1/sync/pull"))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        pull.status(),
        reqwest::StatusCode::OK,
        "pull over a real socket"
    );

    stop.send(()).unwrap();
    let result = tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("graceful shutdown finishes promptly")
        .unwrap();
    assert!(
        result.is_ok(),
        "run returns Ok after a graceful shutdown: {result:?}"
    );
}

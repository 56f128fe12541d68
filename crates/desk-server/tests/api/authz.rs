//! The authorization matrix: every route × role × token state → the expected status and
//! error code, on SQLite. Who a route lets in comes from the OpenAPI document's
//! `x-desk-role`, so the document and the router's gates are held to each other; the rows
//! here only say how to call each route and what it answers past its gate. A route added
//! without a row fails `the_matrix_covers_every_documented_route`.

use std::time::Duration;

use crate::support::Tokens as TokenResponse;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use desk_core::Role;
use desk_core::wire::SCHEMA_VERSION;
use desk_server::audit::Actor;
use serde_json::{Value, json};

use crate::support::*;

/// How a route authenticates.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Auth {
    /// No token needed; a token sent anyway, good or bad, changes nothing.
    Public,
    /// `Authorization: Bearer <access token>`, and at least this role.
    Bearer(Role),
    /// The refresh token in the JSON body.
    RefreshBody,
    /// An HMAC signature (ingestion): no access token, whatever its state, lets a request
    /// in without one.
    Signed,
}

struct Route {
    method: Method,
    path: &'static str,
    auth: Auth,
    /// Status for a caller who is let in.
    ok: StatusCode,
    body: fn() -> Option<Value>,
}

/// How the document says `method path` authenticates. The refresh route is public (no
/// access token) but takes its refresh token in the body, which the matrix varies too.
fn documented_auth(method: &Method, path: &str) -> Auth {
    let doc = desk_server::http::openapi_document();
    let op = &doc["paths"][path][method.as_str().to_lowercase()];
    let role = op["x-desk-role"]
        .as_str()
        .unwrap_or_else(|| panic!("{method} {path} states no x-desk-role"));
    match role {
        "public" if path == "/api/v1/auth/refresh" => Auth::RefreshBody,
        "public" => Auth::Public,
        "signed" => Auth::Signed,
        role => Auth::Bearer(
            role.parse()
                .unwrap_or_else(|_| panic!("{method} {path}: unknown x-desk-role {role:?}")),
        ),
    }
}

fn no_body() -> Option<Value> {
    None
}

fn login_body() -> Option<Value> {
    Some(json!({ "email": EMAIL, "password": PASSWORD, "device_name": "matrix" }))
}

fn empty_push() -> Option<Value> {
    Some(json!({ "schema_version": SCHEMA_VERSION, "mutations": [] }))
}

fn ingest_events() -> Option<Value> {
    Some(json!({ "events": [] }))
}

fn ingest_message() -> Option<Value> {
    Some(json!({
        "channel": "chat",
        "conversation_id": "c1",
        "external_id": "m1",
        "customer": { "platform_user_id": "u1", "name": "Alice" },
        "text": "hello"
    }))
}

fn presence_body() -> Option<Value> {
    Some(json!({ "ticket_id": "t1", "state": "viewing" }))
}

fn new_agent() -> Option<Value> {
    Some(
        json!({ "email": "new@desk.test", "name": "New", "role": "agent", "password": "a long password" }),
    )
}

fn invitation_body() -> Option<Value> {
    Some(json!({ "email": EMAIL, "code": "0000-0000-0000-0000-0000",
                 "password": "a long password", "device_name": "matrix" }))
}

fn macro_body() -> Option<Value> {
    Some(json!({ "title": "Guide", "bodies": { "en": "Tap Confirm." } }))
}

fn article_body() -> Option<Value> {
    Some(
        json!({ "translations": { "en": { "title": "Confirming", "body": "Tap **Confirm**." } }, "status": "published" }),
    )
}

fn group_body() -> Option<Value> {
    Some(json!({ "names": { "zh-CN": "中文一线", "en": "Chinese tier 1" } }))
}

fn rename() -> Option<Value> {
    Some(json!({ "name": "Renamed" }))
}

const EMAIL: &str = "matrix@desk.test";

// One row per route, so the table reads as a table.
#[rustfmt::skip]
fn routes() -> Vec<Route> {
    let r = |method: Method, path, ok, body| Route { auth: documented_auth(&method, path), method, path, ok, body };
    vec![
        r(Method::GET, "/healthz", StatusCode::OK, no_body),
        r(Method::GET, "/readyz", StatusCode::OK, no_body),
        r(Method::GET, "/api/v1/openapi.json", StatusCode::OK, no_body),
        r(Method::POST, "/api/v1/auth/login", StatusCode::OK, login_body),
        r(Method::POST, "/api/v1/auth/refresh", StatusCode::OK, no_body),
        // No invitation has this code: whatever token is sent, the answer is the refusal.
        r(Method::POST, "/api/v1/auth/invitation", StatusCode::UNAUTHORIZED, invitation_body),
        r(Method::POST, "/api/v1/auth/logout", StatusCode::NO_CONTENT, no_body),
        r(Method::GET, "/api/v1/me", StatusCode::OK, no_body),
        r(Method::GET, "/api/v1/sync/pull", StatusCode::OK, no_body),
        r(Method::POST, "/api/v1/push", StatusCode::OK, empty_push),
        r(Method::GET, "/api/v1/events", StatusCode::OK, no_body),
        // The matrix's app holds no tickets: past authorization, the answer is 404.
        r(Method::GET, "/api/v1/tickets/{id}/messages", StatusCode::NOT_FOUND, no_body),
        // No tickets either: an announcement past authorization is 404; reading and
        // leaving need no ticket.
        r(Method::PUT, "/api/v1/presence", StatusCode::NOT_FOUND, presence_body),
        r(Method::DELETE, "/api/v1/presence", StatusCode::NO_CONTENT, no_body),
        r(Method::GET, "/api/v1/tickets/{id}/presence", StatusCode::OK, no_body),
        r(Method::POST, "/api/v1/ingest/events", StatusCode::OK, ingest_events),
        r(Method::POST, "/api/v1/ingest/messages", StatusCode::OK, ingest_message),
        // Any bytes are a file: past authorization, the upload is stored.
        r(Method::POST, "/api/v1/attachments", StatusCode::OK, presence_body),
        // No such file: past authorization, 404.
        r(Method::GET, "/api/v1/attachments/{sha256}", StatusCode::NOT_FOUND, no_body),
        // The public web form: a page, and an empty submission answered with the page
        // saying what to fill in.
        r(Method::GET, "/form", StatusCode::OK, no_body),
        // The help center: its list, and an article that is not there.
        r(Method::GET, "/help", StatusCode::OK, no_body),
        r(Method::GET, "/help/{id}", StatusCode::NOT_FOUND, no_body),
        r(Method::GET, "/form/suggest.js", StatusCode::OK, no_body),
        r(Method::GET, "/form/suggestions", StatusCode::OK, no_body),
        r(Method::POST, "/form", StatusCode::UNSUPPORTED_MEDIA_TYPE, no_body),
        // Administration. No such agent to change: past the gate, 404.
        r(Method::GET, "/api/v1/agents", StatusCode::OK, no_body),
        r(Method::POST, "/api/v1/agents", StatusCode::CREATED, new_agent),
        r(Method::PATCH, "/api/v1/agents/{id}", StatusCode::NOT_FOUND, rename),
        r(Method::POST, "/api/v1/agents/{id}/invitation", StatusCode::NOT_FOUND, no_body),
        r(Method::GET, "/api/v1/audit", StatusCode::OK, no_body),
        r(Method::GET, "/api/v1/audit/verify", StatusCode::OK, no_body),
        // Knowledge: a macro or article written, and one that is not there deleted.
        r(Method::PUT, "/api/v1/macros/{id}", StatusCode::OK, macro_body),
        r(Method::DELETE, "/api/v1/macros/{id}", StatusCode::NOT_FOUND, no_body),
        r(Method::PUT, "/api/v1/kb/{id}", StatusCode::OK, article_body),
        r(Method::DELETE, "/api/v1/kb/{id}", StatusCode::NOT_FOUND, no_body),
        // Groups: one written, and one that is not there deleted.
        r(Method::PUT, "/api/v1/groups/{id}", StatusCode::OK, group_body),
        r(Method::DELETE, "/api/v1/groups/{id}", StatusCode::NOT_FOUND, no_body),
        // Without its required `format`: past the gate, 400.
        r(Method::GET, "/api/v1/audit/export", StatusCode::BAD_REQUEST, no_body),
    ]
}
#[derive(Debug, Clone, Copy, PartialEq)]
enum TokenState {
    /// No token at all.
    NoToken,
    /// Not a token this server issued (or not even a bearer header).
    Malformed,
    /// Issued, but past its lifetime.
    Expired,
    /// Its device signed out.
    Revoked,
    /// Its device's previous refresh token was used again after rotation, which revokes
    /// the device: the newest pair stops working too.
    RotatedAndReused,
    /// The agent was disabled after signing in (which revokes its devices).
    Disabled,
    Valid,
}

const STATES: &[TokenState] = &[
    TokenState::NoToken,
    TokenState::Malformed,
    TokenState::Expired,
    TokenState::Revoked,
    TokenState::RotatedAndReused,
    TokenState::Disabled,
    TokenState::Valid,
];

/// Status and error code (`None` for success) a route must answer.
fn expected(route: &Route, role: Role, state: TokenState) -> (StatusCode, Option<&'static str>) {
    use TokenState::*;
    match route.auth {
        Auth::Public => (route.ok, None),
        Auth::Bearer(min) => match state {
            Valid if role >= min => (route.ok, None),
            Valid => (StatusCode::FORBIDDEN, Some("forbidden")),
            // Disabling an agent revokes its devices, so its tokens are simply dead.
            NoToken | Malformed | Expired | Revoked | RotatedAndReused | Disabled => {
                (StatusCode::UNAUTHORIZED, Some("unauthorized"))
            }
        },
        Auth::RefreshBody => match state {
            Valid => (route.ok, None),
            NoToken => (StatusCode::BAD_REQUEST, Some("bad_request")),
            Malformed | Expired => (StatusCode::UNAUTHORIZED, Some("session_expired")),
            // A revoked device's token is known as one: its client wipes its cache.
            Revoked | RotatedAndReused | Disabled => {
                (StatusCode::UNAUTHORIZED, Some("device_revoked"))
            }
        },
        // The matrix never signs (signed ingestion is proven in conformance::ingest and
        // openapi): every cell, even with a valid access token, is refused.
        Auth::Signed => (StatusCode::UNAUTHORIZED, Some("unauthorized")),
    }
}

/// A token pair in `state` for a fresh login of the app's one agent. `None` for `None`;
/// for `Malformed`, a pair of strings this server never issued.
async fn tokens_in(app: &TestApp, state: TokenState) -> Option<TokenResponse> {
    use TokenState::*;
    if state == NoToken {
        return None;
    }
    let mut tokens = app.login(EMAIL).await;
    match state {
        NoToken | Valid => {}
        Malformed => {
            tokens.access_token = "not-a-token".into();
            tokens.refresh_token = "Zm9vYmFy.tampered".into();
        }
        Expired => {
            // Past both lifetimes (refresh 30 days, access 15 minutes).
            app.clock.advance(Duration::from_secs(31 * 24 * 3600));
        }
        Revoked => {
            let (status, body) = app
                .post("/api/v1/auth/logout", Some(&tokens.access_token), json!({}))
                .await;
            assert_eq!(status, StatusCode::NO_CONTENT, "sign out: {body}");
        }
        RotatedAndReused => {
            let old = tokens.refresh_token.clone();
            let (status, body) = app
                .post(
                    "/api/v1/auth/refresh",
                    None,
                    json!({ "refresh_token": old }),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "first rotation works: {body}");
            tokens = serde_json::from_value(body).unwrap();
            // Used, so the old token again is a reuse, not a retry of a lost answer.
            let (status, _) = app.get("/api/v1/me", Some(&tokens.access_token)).await;
            assert_eq!(status, StatusCode::OK, "the rotated pair works");
            let (status, _) = app
                .post(
                    "/api/v1/auth/refresh",
                    None,
                    json!({ "refresh_token": old }),
                )
                .await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "the retired token is refused"
            );
            // `tokens` is the newest pair, which the reuse must have revoked with the device.
        }
        Disabled => {
            storage(app)
                .set_agent_disabled(
                    EMAIL,
                    true,
                    app.clock.now(),
                    &Actor::Operator("matrix".into()),
                )
                .await
                .unwrap();
        }
    }
    Some(tokens)
}

fn request(route: &Route, tokens: Option<&TokenResponse>, state: TokenState) -> Request<Body> {
    let mut builder = Request::builder()
        .method(route.method.clone())
        // Templated paths are documented with their parameters: fill them in.
        .uri(
            route
                .path
                .replace("{id}", "no-such-ticket")
                .replace("{sha256}", &"0".repeat(64)),
        );
    if let Some(tokens) = tokens {
        let value = if state == TokenState::Malformed {
            // Not even the bearer scheme.
            format!("Basic {}", tokens.access_token)
        } else {
            format!("Bearer {}", tokens.access_token)
        };
        builder = builder.header(header::AUTHORIZATION, value);
    }
    let body = match route.auth {
        Auth::RefreshBody => match tokens {
            Some(t) => Some(json!({ "refresh_token": t.refresh_token })),
            None => Some(json!({})),
        },
        _ => (route.body)(),
    };
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

#[tokio::test]
async fn every_route_role_and_token_state_gets_the_expected_answer() {
    let mut failures = Vec::new();
    let mut cells = 0;
    for role in Role::ALL.iter().copied() {
        for &state in STATES {
            for route in routes() {
                // A fresh app per cell: states such as Expired move the clock, Disabled
                // disables the agent, and the login route itself must stay usable.
                let app = TestApp::new();
                app.add_agent(EMAIL, role).await;
                let tokens = tokens_in(&app, state).await;
                if state == TokenState::Disabled && route.path == "/api/v1/auth/login" {
                    // A disabled agent cannot log in at all: login's own test covers that,
                    // here the token sent beside it must not matter.
                    storage(&app)
                        .set_agent_disabled(
                            EMAIL,
                            false,
                            app.clock.now(),
                            &Actor::Operator("matrix".into()),
                        )
                        .await
                        .unwrap();
                }
                let response = tower::ServiceExt::oneshot(
                    app.router.clone(),
                    request(&route, tokens.as_ref(), state),
                )
                .await
                .unwrap();
                let status = response.status();
                // Event streams never end: read only the head of a 200.
                let body: Value = if status.is_success() && route.path == "/api/v1/events" {
                    Value::Null
                } else {
                    let bytes = http_body_util::BodyExt::collect(response.into_body())
                        .await
                        .unwrap()
                        .to_bytes();
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
                };
                let (want_status, want_code) = expected(&route, role, state);
                let got_code = body.get("code").and_then(Value::as_str);
                cells += 1;
                if status != want_status || (want_code.is_some() && got_code != want_code) {
                    failures.push(format!(
                        "{} {} as {role} with {state:?}: expected {want_status} {want_code:?}, \
                         got {status} {body}",
                        route.method, route.path
                    ));
                }
            }
        }
    }
    assert_eq!(cells, 3 * STATES.len() * routes().len());
    assert!(
        failures.is_empty(),
        "{} of {cells} cells are wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_matrix_covers_every_documented_route() {
    let doc = desk_server::http::openapi_document();
    let rows: Vec<(String, String)> = routes()
        .iter()
        .map(|r| (r.method.as_str().to_lowercase(), r.path.to_owned()))
        .collect();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(
                rows.contains(&(method.clone(), path.clone())),
                "{method} {path} has no row in the authorization matrix"
            );
        }
    }
}

/// A role too low is refused at the gate, before the body is read: a malformed body to
/// an admin route gets 403 from an agent, and 400 only from an admin.
#[tokio::test]
async fn a_refusal_comes_before_the_body_is_read() {
    for (role, want) in [
        (Role::Agent, StatusCode::FORBIDDEN),
        (Role::Supervisor, StatusCode::FORBIDDEN),
        (Role::Admin, StatusCode::BAD_REQUEST),
    ] {
        let app = TestApp::new();
        app.add_agent(EMAIL, role).await;
        let tokens = app.login(EMAIL).await;
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/agents")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", tokens.access_token),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{not json"))
            .unwrap();
        let response = tower::ServiceExt::oneshot(app.router.clone(), request)
            .await
            .unwrap();
        assert_eq!(response.status(), want, "as {role}");
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        if want == StatusCode::FORBIDDEN {
            assert_eq!(body["code"], "forbidden", "{body}");
            assert!(
                body["message"].as_str().unwrap().contains("admin"),
                "the refusal names the role needed: {body}"
            );
        }
    }
}

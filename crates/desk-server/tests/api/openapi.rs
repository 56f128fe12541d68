//! The OpenAPI document is true: every route is in it, everything in it is a route, and
//! real responses (logins, a seeded demo pull, push answers, errors) match its schemas.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use desk_core::wire::{API_PREFIX, Change};
use desk_core::{Mutation, MutationOp, Role};
use desk_server::seed::{self, SeedOptions};
use serde_json::{Value, json};

use crate::support::*;

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

fn document() -> Value {
    desk_server::http::openapi_document().clone()
}

/// `(path, method)` of every documented operation.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            ops.push((path.clone(), method.clone()));
        }
    }
    ops
}

/// Path literals of every `.route("…"` in the HTTP module's sources: what the router
/// serves, read where it is declared (axum cannot list its routes).
fn declared_routes() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("read src/http") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for piece in text.split(".route(\"").skip(1) {
            let literal = piece.split('"').next().unwrap();
            routes.push(literal.to_owned());
        }
    }
    assert!(
        routes.len() >= 8,
        "the scan must find the router's routes: {routes:?}"
    );
    routes
}

#[test]
fn every_route_the_router_declares_is_documented() {
    let doc = document();
    let paths = doc["paths"].as_object().unwrap();
    for route in declared_routes() {
        if route == "/metrics" {
            // Served by `metrics_app` on the operators' listener, not part of the API.
            continue;
        }
        let nested = format!("{API_PREFIX}{route}");
        assert!(
            paths.contains_key(&route) || paths.contains_key(&nested),
            "route {route} is served but missing from openapi.json (document it in \
             src/http/openapi.rs)"
        );
    }
}

#[tokio::test]
async fn every_documented_operation_exists_and_other_methods_are_refused() {
    let app = TestApp::new();
    let doc = document();
    for (path, method) in operations(&doc) {
        let request = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(&path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let response = tower::ServiceExt::oneshot(app.router.clone(), request)
            .await
            .unwrap();
        let status = response.status();
        // A route that is served may answer 404 for what it was asked (no such article);
        // only the router's own answer means the route is missing.
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let unrouted = status == StatusCode::NOT_FOUND
            && serde_json::from_slice::<Value>(&bytes)
                .is_ok_and(|b| b["message"] == "no such route");
        assert!(
            !unrouted && status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is documented but not served ({status})"
        );
    }
    let doc_paths = doc["paths"].as_object().unwrap();
    for (path, item) in doc_paths {
        for method in METHODS {
            if item.get(*method).is_some() {
                continue;
            }
            let (status, body) = app
                .send(
                    Request::builder()
                        .method(method.to_uppercase().as_str())
                        .uri(path)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is not documented, so it must not be served: {body}"
            );
        }
    }
}

#[test]
fn the_document_is_openapi_3_1_with_the_error_shape_and_bearer_auth() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let error = &doc["components"]["schemas"]["Error"];
    assert_eq!(error["required"], json!(["code", "message"]));
    for (path, method) in operations(&doc) {
        let op = &doc["paths"][&path][&method];
        assert!(
            op["operationId"].is_string(),
            "{method} {path} has an operationId"
        );
        assert_eq!(
            op["responses"]["default"]["$ref"], "#/components/responses/Error",
            "{method} {path}: any other status is a {{code, message}} error"
        );
    }
    for public in [
        "/healthz",
        "/readyz",
        "/api/v1/auth/login",
        "/api/v1/openapi.json",
    ] {
        let op = doc["paths"][public]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        assert!(op.get("security").is_none(), "{public} needs no token");
    }
    for authed in [
        "/api/v1/me",
        "/api/v1/sync/pull",
        "/api/v1/push",
        "/api/v1/events",
        "/api/v1/tickets/{id}/messages",
        "/api/v1/presence",
        "/api/v1/tickets/{id}/presence",
    ] {
        let op = doc["paths"][authed]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        assert_eq!(
            op["security"],
            json!([{ "bearer": [] }]),
            "{authed} needs a token"
        );
    }
}

#[test]
fn documented_error_codes_are_the_servers() {
    let doc = document();
    let codes = doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .clone();
    for code in codes {
        let code = code.as_str().unwrap();
        if code == "unavailable" {
            continue; // readyz's own, not a client-facing ErrorCode
        }
        let parsed: Result<desk_core::ErrorCode, _> = serde_json::from_value(json!(code));
        assert!(parsed.is_ok(), "{code} is documented but not an ErrorCode");
    }
}

/// Validates `instance` against the schema the document gives `method path` for
/// `status`, with `$ref`s resolved inside the document.
fn check(doc: &Value, path: &str, method: &str, status: StatusCode, instance: &Value) {
    let responses = &doc["paths"][path][method]["responses"];
    let mut response = responses
        .get(status.as_str())
        .unwrap_or(&responses["default"])
        .clone();
    if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap();
        response = doc["components"]["responses"][name].clone();
    }
    let mut schema = response["content"]["application/json"]["schema"].clone();
    assert!(
        schema.is_object(),
        "{method} {path} documents no JSON body for {status}"
    );
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["components"] = doc["components"].clone();
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} answered {status} with a body the document does not describe: \
         {errors:#?}\nbody: {instance:#}"
    );
}

const INGEST_KEY: &[u8] = b"openapi-test-ingestion-secret-0123456789";

/// POSTs `body` to an ingestion route, signed as a bridge would.
async fn ingest(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let body = body.to_string();
    let timestamp = (T0 / 1000).to_string();
    let nonce = uuid::Uuid::now_v7().to_string();
    let signature = desk_server::ingest::sign(INGEST_KEY, &timestamp, &nonce, body.as_bytes());
    app.send(
        Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-desk-timestamp", timestamp)
            .header("x-desk-nonce", nonce)
            .header("x-desk-signature", signature)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn real_responses_match_the_documented_schemas() {
    let doc = document();
    let app = TestApp::with_config(desk_server::Config {
        ingest_secrets: vec![desk_server::config::IngestSecret {
            id: "bridge".into(),
            key: INGEST_KEY.to_vec(),
        }],
        ..desk_server::Config::for_tests()
    });
    let agent = app.add_agent("lin@example.com", Role::Supervisor).await;
    seed::seed_demo(
        storage(&app),
        SeedOptions {
            tickets: 40,
            now_ms: T0,
            seed: 7,
        },
    )
    .await
    .expect("seed");

    let (status, body) = app.get("/healthz", None).await;
    check(&doc, "/healthz", "get", status, &body);
    let (status, body) = app.get("/readyz", None).await;
    check(&doc, "/readyz", "get", status, &body);
    let (status, body) = app.get("/api/v1/openapi.json", None).await;
    check(&doc, "/api/v1/openapi.json", "get", status, &body);

    let (status, body) = app.login_raw("lin@example.com", PASSWORD).await;
    check(&doc, "/api/v1/auth/login", "post", status, &body);
    let tokens: crate::support::Tokens = serde_json::from_value(body).unwrap();
    let (status, body) = app.login_raw("lin@example.com", "wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    check(&doc, "/api/v1/auth/login", "post", status, &body);
    let (status, body) = app
        .post("/api/v1/auth/login", None, json!({ "email": 5 }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check(&doc, "/api/v1/auth/login", "post", status, &body);

    let (status, body) = app.get("/api/v1/me", Some(&tokens.access_token)).await;
    check(&doc, "/api/v1/me", "get", status, &body);
    let (status, body) = app.get("/api/v1/me", Some("nonsense")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    check(&doc, "/api/v1/me", "get", status, &body);

    // Every record kind the demo seeds, in real pages.
    let mut kinds = std::collections::BTreeSet::new();
    let mut cursor = String::new();
    loop {
        let (status, body) = app
            .get(
                &format!("/api/v1/sync/pull?cursor={cursor}&limit=200"),
                Some(&tokens.access_token),
            )
            .await;
        check(&doc, "/api/v1/sync/pull", "get", status, &body);
        let page: desk_core::wire::PullResponse = serde_json::from_value(body).unwrap();
        kinds.extend(page.changes.iter().map(|c| c.kind().to_owned()));
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    // A bootstrap's trimmed page (every solved and closed conversation counts as old).
    let (status, body) = app
        .get(
            "/api/v1/sync/pull?limit=100000&closed_before=99999999999999",
            Some(&tokens.access_token),
        )
        .await;
    check(&doc, "/api/v1/sync/pull", "get", status, &body);
    let page: desk_core::wire::PullResponse = serde_json::from_value(body).unwrap();
    assert!(
        !page.trimmed.is_empty(),
        "the demo's solved conversations are trimmed"
    );
    for kind in [
        "ticket",
        "message",
        "customer",
        "wallet_transaction",
        "agent",
    ] {
        assert!(
            kinds.contains(kind),
            "the seeded pull carried {kind}: {kinds:?}"
        );
    }
    let (status, body) = app
        .get("/api/v1/sync/pull?limit=-3", Some(&tokens.access_token))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check(&doc, "/api/v1/sync/pull", "get", status, &body);

    // Push answers: applied, rejected, and their acknowledgements in the next pull.
    let ticket = storage(&app)
        .pull(
            desk_server::feed::FeedPosition::ZERO,
            5000,
            &desk_server::feed::Scope::All,
        )
        .await
        .unwrap()
        .decoded_changes()
        .unwrap()
        .into_iter()
        .find_map(|(_, c)| match c {
            Change::Ticket(t) => Some(t),
            _ => None,
        })
        .expect("a seeded ticket");
    // Presence: an announcement's answer, a read, a refused state.
    let token = Some(tokens.access_token.as_str());
    let announce = json!({ "ticket_id": ticket.id, "state": "replying" });
    let (status, body) = app.put("/api/v1/presence", token, announce).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check(&doc, "/api/v1/presence", "put", status, &body);
    let read = format!("/api/v1/tickets/{}/presence", ticket.id);
    let (status, body) = app.get(&read, token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check(&doc, "/api/v1/tickets/{id}/presence", "get", status, &body);
    let typing = json!({ "ticket_id": ticket.id, "state": "typing" });
    let (status, body) = app.put("/api/v1/presence", token, typing).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check(&doc, "/api/v1/presence", "put", status, &body);

    let mutation = |seq: u64, op: MutationOp| Mutation {
        id: uuid::Uuid::now_v7().to_string(),
        client_id: "console-1".into(),
        seq,
        agent_id: agent.id.clone(),
        created_at: T0,
        op,
    };
    let batch = [
        mutation(
            1,
            MutationOp::AddTags {
                ticket_id: ticket.id.clone(),
                tags: vec!["vip".into()],
            },
        ),
        mutation(
            2,
            MutationOp::Claim {
                ticket_id: "no-such-ticket".into(),
            },
        ),
    ];
    let (status, body) = app.push_raw(&tokens.access_token, &batch).await;
    check(&doc, "/api/v1/push", "post", status, &body);
    let (status, body) = app
        .get(
            &format!("/api/v1/sync/pull?cursor={cursor}"),
            Some(&tokens.access_token),
        )
        .await;
    check(&doc, "/api/v1/sync/pull", "get", status, &body);
    assert!(
        !body["acknowledged"].as_array().unwrap().is_empty(),
        "the pull after a push carries its answers: {body}"
    );
    let (status, body) = app
        .post(
            "/api/v1/push",
            Some(&tokens.access_token),
            json!({ "schema_version": 99, "mutations": [] }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check(&doc, "/api/v1/push", "post", status, &body);

    // The first use rotates; once the new pair is used, the second is a reuse, refused.
    for expected in [StatusCode::OK, StatusCode::UNAUTHORIZED] {
        let (status, body) = app
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({ "refresh_token": tokens.refresh_token }),
            )
            .await;
        assert_eq!(status, expected, "{body}");
        check(&doc, "/api/v1/auth/refresh", "post", status, &body);
        if let Some(access) = body["access_token"].as_str() {
            let (status, _) = app.get("/api/v1/me", Some(access)).await;
            assert_eq!(status, StatusCode::OK, "the rotated pair works");
        }
    }

    // Ingestion, signed: answers and refusals.
    let path = "/api/v1/ingest/events";
    let (status, body) = ingest(
        &app,
        path,
        json!({ "events": [
            { "type": "customer_upserted",
              "customer": { "platform_user_id": "u-openapi", "name": "Alice" } },
            { "type": "transaction_created", "transaction": {
                "id": "tx-openapi", "platform_user_id": "u-openapi", "asset": "USDT",
                "chain": "tron", "amount": "12.5", "direction": "deposit",
                "status": "pending_chain", "created_at": T0, "occurred_at": T0 } }
        ] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check(&doc, path, "post", status, &body);
    let path = "/api/v1/ingest/messages";
    let message = json!({
        "channel": "telegram", "conversation_id": "chat-1", "external_id": "m-1",
        "customer": { "platform_user_id": "u-openapi", "name": "Alice", "handle": "telegram:@alice" },
        "text": "我的充值还没到账"
    });
    let (status, body) = ingest(&app, path, message.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check(&doc, path, "post", status, &body);
    let (status, body) = ingest(&app, path, json!({ "channel": "pigeon" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    check(&doc, path, "post", status, &body);
    let (status, body) = app.post(path, None, message).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "unsigned: {body}");
    check(&doc, path, "post", status, &body);

    // Wrong method: the default response.
    let (status, body) = app
        .send(
            Request::builder()
                .method(Method::DELETE)
                .uri("/api/v1/me")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    check(&doc, "/api/v1/me", "get", status, &body);
}

#[tokio::test]
async fn agents_and_invitations_answer_as_documented() {
    let doc = document();
    let app = TestApp::new();
    app.add_agent("root@desk.test", Role::Admin).await;
    let admin = app.login("root@desk.test").await.access_token;

    let (status, body) = app
        .post(
            "/api/v1/agents",
            Some(&admin),
            json!({ "email": "wang@desk.test", "name": "王敏", "role": "agent",
                    "skills": ["security"], "capacity": 12 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    check(&doc, "/api/v1/agents", "post", status, &body);
    let id = body["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .post(
            "/api/v1/agents",
            Some(&admin),
            json!({ "email": "sam@desk.test", "name": "Sam", "role": "agent",
                    "password": "a first password" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["invitation"], Value::Null, "a password, no invitation");
    check(&doc, "/api/v1/agents", "post", status, &body);
    let (status, body) = app.get("/api/v1/agents", Some(&admin)).await;
    check(&doc, "/api/v1/agents", "get", status, &body);
    let (status, body) = app
        .patch(
            &format!("/api/v1/agents/{id}"),
            Some(&admin),
            json!({ "capacity": null, "skills": [] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check(&doc, "/api/v1/agents/{id}", "patch", status, &body);

    let path = "/api/v1/agents/{id}/invitation";
    let (status, invitation) = app
        .post(&path.replace("{id}", &id), Some(&admin), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    check(&doc, path, "post", status, &invitation);
    let (status, body) = app
        .post(&path.replace("{id}", "nobody"), Some(&admin), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    check(&doc, path, "post", status, &body);

    let path = "/api/v1/auth/invitation";
    let accept = |code: &str| {
        json!({ "email": "wang@desk.test", "code": code, "password": "chosen password",
                "device_name": "laptop" })
    };
    let (status, body) = app
        .post(path, None, accept("0000-0000-0000-0000-0000"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    check(&doc, path, "post", status, &body);
    let (status, body) = app
        .post(path, None, accept(invitation["code"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    check(&doc, path, "post", status, &body);
}

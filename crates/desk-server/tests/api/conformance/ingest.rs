//! Signed ingestion on each backend: platform events and channel messages become records a
//! console pulls; forged, stale, replayed and tampered requests are refused; hostile
//! content is refused or kept as plain text, never a 5xx.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use desk_core::wire::Change;
use desk_core::{Role, TicketStatus, TxStatus};
use desk_server::config::IngestSecret;
use desk_server::{Config, Storage, audit, retention};
use serde_json::{Value, json};

use crate::support::{T0, TestApp, code};

const PLATFORM_KEY: &[u8] = b"platform-secret-0123456789abcdef-0123";
const BRIDGE_KEY: &[u8] = b"bridge-secret-0123456789abcdef-012345";
const EVENTS: &str = "/api/v1/ingest/events";
pub const MESSAGES: &str = "/api/v1/ingest/messages";

pub fn config() -> Config {
    let secret = |id: &str, key: &[u8]| IngestSecret {
        id: id.into(),
        key: key.to_vec(),
    };
    Config {
        ingest_secrets: vec![
            secret("platform", PLATFORM_KEY),
            secret("bridge", BRIDGE_KEY),
        ],
        ..Config::for_tests()
    }
}

/// Asserts a `{code, message}` refusal with this status and code.
#[track_caller]
fn refused(status: StatusCode, body: &Value, expected: StatusCode, expected_code: &str, why: &str) {
    assert_eq!((status, code(body)), (expected, expected_code), "{why}");
}

fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A request with the given signing headers (each `None` is left out).
async fn send_raw(
    app: &TestApp,
    path: &str,
    body: impl Into<Vec<u8>>,
    timestamp: Option<&str>,
    nonce: Option<&str>,
    signature: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    for (name, value) in [
        ("x-desk-timestamp", timestamp),
        ("x-desk-nonce", nonce),
        ("x-desk-signature", signature),
    ] {
        if let Some(value) = value {
            request = request.header(name, value);
        }
    }
    app.send(request.body(Body::from(body.into())).unwrap())
        .await
}

/// Signed by `key` at the app clock's time with `nonce`.
async fn send_signed(
    app: &TestApp,
    path: &str,
    body: &str,
    key: &[u8],
    nonce: &str,
) -> (StatusCode, Value) {
    let now = desk_server::Clock::now_ms(&app.clock) / 1000;
    let timestamp = now.to_string();
    let signature = desk_server::ingest::sign(key, &timestamp, nonce, body.as_bytes());
    send_raw(
        app,
        path,
        body,
        Some(&timestamp),
        Some(nonce),
        Some(&signature),
    )
    .await
}

/// Signed with the platform's key and a fresh nonce; must be accepted.
pub async fn ingest(app: &TestApp, path: &str, body: Value) -> Value {
    let (status, answer) = send_signed(app, path, &body.to_string(), PLATFORM_KEY, &nonce()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a signed, valid request is accepted: {answer}"
    );
    answer
}

fn customer_upserted(platform_user_id: &str, name: &str) -> Value {
    json!({ "type": "customer_upserted", "customer": {
        "platform_user_id": platform_user_id, "name": name, "tier": "vip",
        "preferred_language": "zh-CN", "handles": ["telegram:@wangfang"],
    }})
}

fn transaction_created(id: &str, platform_user_id: &str, occurred_at: i64) -> Value {
    json!({ "type": "transaction_created", "transaction": {
        "id": id, "platform_user_id": platform_user_id, "asset": "USDT", "chain": "TRON",
        "amount": "1250.50", "direction": "withdrawal",
        "status": "awaiting_customer_confirmation", "confirmations": 0,
        "required_confirmations": 20, "created_at": occurred_at, "occurred_at": occurred_at,
    }})
}

fn confirmation(id: &str, status: &str, confirmations: u32, occurred_at: i64) -> Value {
    json!({ "type": "transaction_confirmation_changed", "transaction_id": id,
            "status": status, "confirmations": confirmations, "occurred_at": occurred_at })
}

pub fn message(conversation: &str, external_id: &str, platform_user_id: &str, text: &str) -> Value {
    json!({
        "channel": "telegram", "conversation_id": conversation, "external_id": external_id,
        "customer": { "platform_user_id": platform_user_id, "name": "王芳",
                      "handle": "telegram:@wf2", "language": "zh-CN" },
        "text": text,
    })
}

/// An app on `storage` that accepts the test secrets, with an agent signed in to pull.
pub async fn app_and_token(storage: Arc<dyn Storage>) -> (TestApp, String) {
    let app = TestApp::with_storage_and_config(storage, config());
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let token = app.login("lin.wei@desk.test").await.access_token;
    (app, token)
}

pub async fn platform_events_become_records_consoles_pull(storage: Arc<dyn Storage>) {
    let (app, token) = app_and_token(storage).await;
    let answer = ingest(
        &app,
        EVENTS,
        json!({ "events": [
            customer_upserted("u-1001", "王芳"),
            transaction_created("ptx-1", "u-1001", T0 - 60_000),
        ]}),
    )
    .await;
    let customer_id = answer["results"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        answer["results"][1],
        json!({ "kind": "wallet_transaction", "id": "ptx-1", "applied": true }),
        "each event is answered in order"
    );
    let answer = ingest(
        &app,
        EVENTS,
        json!({ "events": [
            confirmation("ptx-1", "pending_chain", 3, T0 - 30_000),
            confirmation("ptx-1", "confirmed", 20, T0 - 40_000),
        ]}),
    )
    .await;
    assert_eq!(
        (
            answer["results"][0]["applied"].clone(),
            answer["results"][1]["applied"].clone()
        ),
        (json!(true), json!(false)),
        "a change older than the stored state is answered but changes nothing"
    );

    // An agent's tags and notes on the customer survive the platform's next upsert.
    let (changes, cursor) = app.pull_all(&token, "", 500).await;
    let mut customer = changes
        .iter()
        .find_map(|c| match c {
            Change::Customer(c) if c.platform_user_id == "u-1001" => Some(c.clone()),
            _ => None,
        })
        .expect("the ingested customer reaches the console");
    assert_eq!(customer.id, customer_id, "under the id the answer gave");
    let tx = changes
        .iter()
        .find_map(|c| match c {
            Change::WalletTransaction(t) if t.id == "ptx-1" => Some(t.clone()),
            _ => None,
        })
        .expect("the ingested transaction reaches the console");
    assert_eq!(
        (tx.status, tx.confirmations, tx.customer_id.as_str()),
        (TxStatus::PendingChain, 3, customer_id.as_str()),
        "the transaction carries its newest state and its customer"
    );
    customer.tags = vec!["watch".into()];
    customer.notes = "prefers Chinese".into();
    app.storage
        .write_records(vec![Change::Customer(customer)])
        .await
        .unwrap();
    ingest(
        &app,
        EVENTS,
        json!({ "events": [customer_upserted("u-1001", "王芳芳")] }),
    )
    .await;
    let (changes, _) = app.pull_all(&token, &cursor, 500).await;
    let Some(Change::Customer(updated)) = changes.last() else {
        panic!("the upsert is the newest change: {changes:?}");
    };
    assert_eq!(
        (
            updated.id.as_str(),
            updated.name.as_str(),
            updated.tags.as_slice()
        ),
        (
            customer_id.as_str(),
            "王芳芳",
            ["watch".to_owned()].as_slice()
        ),
        "same customer, the platform's new name, the agent's tags kept"
    );

    let (status, body) = send_signed(
        &app,
        EVENTS,
        &json!({ "events": [
            customer_upserted("u-2002", "Amy"),
            transaction_created("ptx-2", "u-nobody", T0),
        ]})
        .to_string(),
        PLATFORM_KEY,
        &nonce(),
    )
    .await;
    refused(
        status,
        &body,
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("a transaction of an unknown customer is refused: {body}"),
    );
    let (after, _) = app.pull_all(&token, "", 500).await;
    assert!(
        !after
            .iter()
            .any(|c| matches!(c, Change::Customer(c) if c.platform_user_id == "u-2002")),
        "a refused batch stores none of its events"
    );

    let rows = crate::conformance::audit::all_rows(app.storage.as_ref()).await;
    let ingested: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r.action.starts_with("ingest."))
        .map(|r| (r.actor.as_str(), r.action.as_str()))
        .collect();
    assert_eq!(
        ingested,
        [
            ("ingest:platform", "ingest.customer_upserted"),
            ("ingest:platform", "ingest.transaction_created"),
            ("ingest:platform", "ingest.transaction_confirmation_changed"),
            ("ingest:platform", "ingest.transaction_confirmation_changed"),
            ("ingest:platform", "ingest.customer_upserted"),
        ],
        "every accepted event is audited under the secret that signed it"
    );
    assert!(
        audit::verify(app.storage.as_ref()).await.unwrap().is_ok(),
        "the chain stays intact"
    );
}

pub async fn forged_stale_replayed_and_tampered_requests_are_refused(storage: Arc<dyn Storage>) {
    let (app, token) = app_and_token(storage).await;
    let body = json!({ "events": [customer_upserted("u-1001", "王芳")] }).to_string();
    let now = (T0 / 1000).to_string();
    let sign = |key: &[u8], timestamp: &str, nonce: &str, body: &str| {
        desk_server::ingest::sign(key, timestamp, nonce, body.as_bytes())
    };
    let n = nonce();
    let good = sign(PLATFORM_KEY, &now, &n, &body);
    let stale = (T0 / 1000 - 301).to_string();
    let future = (T0 / 1000 + 301).to_string();
    let tampered = body.replace("王芳", "Mallory");
    let wrong_key = sign(b"not-a-configured-secret-0123456789abc", &now, &n, &body);
    let forged = format!("v1={}", "0".repeat(64));
    // (what, body, (timestamp, nonce, signature))
    type Headers<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let (b, t) = (body.as_str(), Some(now.as_str()));
    let refusals: Vec<(&str, &str, Headers)> = vec![
        ("no signing headers", b, (None, None, None)),
        ("no signature", b, (t, Some(&n), None)),
        ("a forged signature", b, (t, Some(&n), Some(&forged))),
        ("an unknown secret", b, (t, Some(&n), Some(&wrong_key))),
        ("a tampered body", &tampered, (t, Some(&n), Some(&good))),
        ("another scheme", b, (t, Some(&n), Some("sha256=abc"))),
        ("a short nonce", b, (t, Some("abc"), Some(&good))),
        (
            "a timestamp in ms",
            b,
            (Some("1750118400000"), Some(&n), Some(&good)),
        ),
    ];
    for (what, body, (timestamp, nonce, signature)) in refusals {
        let (status, answer) = send_raw(&app, EVENTS, body, timestamp, nonce, signature).await;
        refused(
            status,
            &answer,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            &format!("{what} is refused: {answer}"),
        );
    }
    for (what, timestamp) in [("stale", &stale), ("from the future", &future)] {
        let n = nonce();
        let signature = sign(PLATFORM_KEY, timestamp, &n, &body);
        let (status, answer) = send_raw(
            &app,
            EVENTS,
            body.as_str(),
            Some(timestamp),
            Some(&n),
            Some(&signature),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "a correctly signed but {what} request is refused: {answer}"
        );
    }
    let (before, cursor) = app.pull_all(&token, "", 500).await;
    assert!(
        !before.iter().any(|c| matches!(c, Change::Customer(_))),
        "nothing refused reached the feed"
    );

    let genuine = || {
        send_raw(
            &app,
            EVENTS,
            body.as_str(),
            Some(&now),
            Some(&n),
            Some(&good),
        )
    };
    let (status, _) = genuine().await;
    assert_eq!(status, StatusCode::OK, "the genuine request is accepted");
    let (status, answer) = genuine().await;
    refused(
        status,
        &answer,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        &format!("the same request again is a replay: {answer}"),
    );
    let other = json!({ "events": [customer_upserted("u-3003", "Bob")] }).to_string();
    let resigned = sign(PLATFORM_KEY, &now, &n, &other);
    let (status, _) = send_raw(
        &app,
        EVENTS,
        other.as_str(),
        Some(&now),
        Some(&n),
        Some(&resigned),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a used nonce is spent, whatever the body"
    );
    let (status, _) = send_signed(&app, EVENTS, &other, BRIDGE_KEY, &nonce()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "every configured secret is accepted (rotation)"
    );
    let (after, _) = app.pull_all(&token, &cursor, 500).await;
    assert_eq!(
        after.len(),
        2,
        "exactly the two accepted requests changed records: {after:?}"
    );

    let closed = TestApp::with_storage(app.storage.clone());
    let (status, answer) = send_signed(&closed, EVENTS, &other, PLATFORM_KEY, &nonce()).await;
    refused(
        status,
        &answer,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "a server with no secret configured refuses ingestion",
    );
}

pub async fn expired_nonces_are_forgotten(storage: Arc<dyn Storage>) {
    let (app, _) = app_and_token(storage).await;
    let body = json!({ "events": [customer_upserted("u-1001", "王芳")] }).to_string();
    let n = nonce();
    let (status, _) = send_signed(&app, EVENTS, &body, PLATFORM_KEY, &n).await;
    assert_eq!(status, StatusCode::OK, "first use of the nonce");
    app.clock.advance(Duration::from_secs(6 * 60));
    let (status, _) = send_signed(&app, EVENTS, &body, PLATFORM_KEY, &n).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "until pruned, the nonce is remembered"
    );
    retention::prune_once(&app.state).await.unwrap();
    let (status, answer) = send_signed(&app, EVENTS, &body, PLATFORM_KEY, &n).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "once its request's timestamp is out of the window the nonce is pruned: {answer}"
    );
}

pub async fn messages_thread_onto_their_conversations_open_ticket(storage: Arc<dyn Storage>) {
    let (app, token) = app_and_token(storage).await;
    let first = ingest(
        &app,
        MESSAGES,
        message("chat-1", "1", "u-7", "提币三小时未到账"),
    )
    .await;
    assert_eq!(
        first["created_ticket"], true,
        "a new conversation opens a ticket"
    );
    assert!(
        first["ticket_number"].as_i64().unwrap() > 0,
        "numbered by the server"
    );
    let ticket_id = first["ticket_id"].as_str().unwrap().to_owned();
    let second = ingest(&app, MESSAGES, message("chat-1", "2", "u-7", "请尽快处理")).await;
    assert_eq!(
        (
            second["ticket_id"].as_str(),
            second["created_ticket"].clone()
        ),
        (Some(ticket_id.as_str()), json!(false)),
        "a later message of the conversation joins its open ticket"
    );
    let again = ingest(&app, MESSAGES, message("chat-1", "2", "u-7", "请尽快处理")).await;
    assert_eq!(
        (again["duplicate"].clone(), again["message_id"].clone()),
        (json!(true), second["message_id"].clone()),
        "a bridge's re-delivery is recognised and stored once"
    );
    let other = ingest(
        &app,
        MESSAGES,
        message("chat-2", "1", "u-7", "another question"),
    )
    .await;
    assert_ne!(
        other["ticket_id"].as_str(),
        Some(ticket_id.as_str()),
        "another conversation of the same customer is another ticket"
    );

    let (changes, _) = app.pull_all(&token, "", 500).await;
    let ticket = |id: &str, changes: &[Change]| {
        changes
            .iter()
            .rev()
            .find_map(|c| match c {
                Change::Ticket(t) if t.id == id => Some(t.clone()),
                _ => None,
            })
            .expect("the ticket is in the feed")
    };
    let messages: Vec<_> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Message(m) if m.ticket_id == ticket_id => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(
        messages
            .iter()
            .map(|m| m.body_text.as_str())
            .collect::<Vec<_>>(),
        ["提币三小时未到账", "请尽快处理"],
        "both messages, once each, in order, on the one ticket"
    );
    let mut t = ticket(&ticket_id, &changes);
    // The default targets for a standard customer's normal ticket, from its first message.
    let (first, resolution) =
        desk_core::SlaTarget::default_ms(t.priority, desk_core::CustomerTier::Standard);
    assert_eq!(
        (t.first_response_due_at, t.resolution_due_at),
        (Some(t.created_at + first), Some(t.created_at + resolution)),
        "the SLA clock starts when the customer writes"
    );
    assert_eq!(first, 4 * 3_600_000, "four hours to a first response");
    assert_eq!(
        (t.subject.as_str(), t.channel.as_str()),
        ("提币三小时未到账", "telegram"),
        "the first line is the subject"
    );

    t.status = TicketStatus::Solved;
    app.storage
        .write_records(vec![Change::Ticket(t.clone())])
        .await
        .unwrap();
    let reopened = ingest(&app, MESSAGES, message("chat-1", "3", "u-7", "还是没到")).await;
    assert_eq!(
        reopened["ticket_id"].as_str(),
        Some(ticket_id.as_str()),
        "a solved ticket takes the reply"
    );
    let (changes, _) = app.pull_all(&token, "", 500).await;
    assert_eq!(
        ticket(&ticket_id, &changes).status,
        TicketStatus::Open,
        "and reopens"
    );
    t.status = TicketStatus::Closed;
    app.storage
        .write_records(vec![Change::Ticket(t)])
        .await
        .unwrap();
    let fresh = ingest(&app, MESSAGES, message("chat-1", "4", "u-7", "新问题")).await;
    assert_eq!(
        fresh["created_ticket"], true,
        "after a close the conversation opens a new ticket"
    );
    let follow = ingest(&app, MESSAGES, message("chat-1", "5", "u-7", "补充")).await;
    assert_eq!(
        follow["ticket_id"], fresh["ticket_id"],
        "and threads onto that one from then on"
    );

    let (status, body) = send_signed(
        &app,
        MESSAGES,
        &message("chat-1", "6", "u-intruder", "hello").to_string(),
        BRIDGE_KEY,
        &nonce(),
    )
    .await;
    refused(
        status,
        &body,
        StatusCode::CONFLICT,
        "conflict",
        &format!("a conversation never changes hands: {body}"),
    );
}

pub async fn hostile_content_is_refused_or_kept_as_plain_text(storage: Arc<dyn Storage>) {
    let (app, token) = app_and_token(storage).await;
    let html = "<script>alert(1)</script><img src=x onerror=alert(2)> 确认";
    let answer = ingest(&app, MESSAGES, message("c-1", "1", "u-1", html)).await;
    let (changes, _) = app.pull_all(&token, "", 500).await;
    let stored = changes
        .iter()
        .find_map(|c| match c {
            Change::Message(m) if m.id == answer["message_id"] => Some(m.clone()),
            _ => None,
        })
        .expect("the message is in the feed");
    assert_eq!(
        (stored.body_text.as_str(), stored.body_html.as_deref()),
        (html, None),
        "markup is kept as the text it is, never as HTML"
    );

    let with = |field: &str, value: Value| {
        let mut m = message("c-2", "1", "u-2", "hi");
        m[field] = value;
        m.to_string()
    };
    let mut nul_in_id = message("c-3", "1", "u-3", "hi");
    nul_in_id["conversation_id"] = json!("c\u{0}3");
    let bad_input: Vec<(&str, String)> = vec![
        ("NUL in the text", with("text", json!("确认\u{0}"))),
        ("an escape sequence", with("text", json!("\u{1b}[31mred"))),
        (
            "text over the limit",
            with("text", json!("好".repeat(20_001))),
        ),
        ("an empty text", with("text", json!("  "))),
        ("NUL in an id", nul_in_id.to_string()),
        (
            "an unknown channel",
            with("channel", json!("carrier_pigeon")),
        ),
        ("an unknown field", with("body_markdown", json!("**x**"))),
        (
            "HTML over the limit",
            with("html", json!("<p>好</p>".repeat(12_501))),
        ),
        ("HTML that shows no text", {
            let mut m = message("c-2", "1", "u-2", "");
            m["html"] = json!("<img src=x><script>alert(1)</script>");
            m.to_string()
        }),
        ("a subject on two lines", with("subject", json!("a\nb"))),
        ("broken json", "{\"channel\":".to_owned()),
        (
            "a bad amount",
            json!({ "events": [
                customer_upserted("u-9", "x"),
                { "type": "transaction_created", "transaction": {
                    "id": "t", "platform_user_id": "u-9", "asset": "USDT", "chain": "TRON",
                    "amount": "1e9", "direction": "deposit", "status": "confirmed",
                    "created_at": T0, "occurred_at": T0 } },
            ]})
            .to_string(),
        ),
        ("no events", json!({ "events": [] }).to_string()),
    ];
    for (what, body) in bad_input {
        let path = if body.contains("\"events\"") {
            EVENTS
        } else {
            MESSAGES
        };
        let (status, answer) = send_signed(&app, path, &body, PLATFORM_KEY, &nonce()).await;
        refused(
            status,
            &answer,
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("{what} is refused as bad input: {answer}"),
        );
    }
    let huge = with("text", json!("x".repeat(300 * 1024)));
    let (status, answer) = send_signed(&app, MESSAGES, &huge, PLATFORM_KEY, &nonce()).await;
    refused(
        status,
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        &format!("a body over the ingestion limit is refused before it is read: {answer}"),
    );
    let (after, _) = app.pull_all(&token, "", 500).await;
    assert_eq!(after, changes, "no refused request stored anything");
}

/// A twelve-word recovery phrase (checksum valid), the English wordlist's first words.
pub const SEED: &str =
    "abandon ability able about above absent absorb abstract absurd abuse access accident";
const XPRV: &str = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";

/// The messages and ticket of `ticket_id` as a console pulls them.
async fn pulled(
    app: &TestApp,
    token: &str,
    ticket_id: &str,
) -> (desk_core::Ticket, Vec<desk_core::Message>) {
    let (changes, _) = app.pull_all(token, "", 500).await;
    let mut ticket = None;
    let mut messages = vec![];
    for change in changes {
        match change {
            Change::Ticket(t) if t.id == ticket_id => ticket = Some(t),
            Change::Message(m) if m.ticket_id == ticket_id => messages.push(m),
            _ => {}
        }
    }
    (ticket.expect("the ticket is in the feed"), messages)
}

/// DESIGN.md §7: a secret a customer sends is redacted before anything stores it (text,
/// subject, HTML), the ticket is flagged, the customer warned in their language, and the
/// audit log records what was taken out without the secret.
pub async fn secrets_in_messages_are_redacted_and_the_customer_warned(storage: Arc<dyn Storage>) {
    let (app, token) = app_and_token(storage).await;
    let mut first = message(
        "chat-9",
        "1",
        "u-9",
        &format!(
            "我的助记词是 {SEED}，钱包被盗了，交易哈希 9f2c4e1b7a3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
        ),
    );
    first["subject"] = json!(format!("key {XPRV}"));
    let answer = ingest(&app, MESSAGES, first).await;
    let ticket_id = answer["ticket_id"].as_str().unwrap().to_owned();
    let (ticket, messages) = pulled(&app, &token, &ticket_id).await;
    let text = &messages[0].body_text;
    assert!(
        !text.contains("abandon") && !text.contains("accident") && text.contains("[REDACTED:seed]"),
        "the phrase is replaced by its marker: {text}"
    );
    assert!(
        text.contains("9f2c4e1b7a3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8")
            && text.contains("钱包被盗了"),
        "the hash and the prose around it stay: {text}"
    );
    assert_eq!(
        ticket.subject, "key [REDACTED:xprv]",
        "the subject is redacted too"
    );
    assert!(ticket.secret_exposed_at.is_some(), "the ticket is flagged");
    assert!(
        ticket.tags.iter().any(|t| t == "secret-exposed"),
        "and tagged"
    );
    assert!(
        ticket.priority >= desk_core::Priority::High,
        "and answered soon"
    );
    let warnings: Vec<_> = messages
        .iter()
        .filter(|m| m.author.kind == desk_core::AuthorKind::System)
        .collect();
    assert_eq!(warnings.len(), 1, "one automatic warning: {messages:?}");
    assert_eq!(
        warnings[0].kind,
        desk_core::MessageKind::PublicReply,
        "sent to the customer"
    );
    assert!(
        warnings[0].body_text.contains("助记词"),
        "in the customer's language"
    );
    let flagged_at = ticket.secret_exposed_at;

    // Email HTML: the secret split across tags drops the HTML; the text is the redacted
    // plain text. A clean HTML message keeps its sanitized HTML.
    let mut html = message("chat-9", "2", "u-9", "");
    html["html"] = json!(format!(
        "<p>words: <b>{}</b> {}</p><script>steal()</script>",
        &SEED[..40],
        &SEED[40..]
    ));
    ingest(&app, MESSAGES, html).await;
    let mut clean = message("chat-9", "3", "u-9", "");
    clean["html"] = json!("<p onclick=\"x()\">请帮我<b>确认</b>提币</p><script>steal()</script>");
    ingest(&app, MESSAGES, clean).await;
    let (ticket, messages) = pulled(&app, &token, &ticket_id).await;
    let split = messages
        .iter()
        .find(|m| m.body_text.starts_with("words"))
        .expect("the HTML message");
    assert_eq!(split.body_html, None, "HTML holding a secret is not kept");
    assert!(
        !split.body_text.contains("abandon"),
        "its text is redacted: {}",
        split.body_text
    );
    let kept = messages
        .iter()
        .find(|m| m.body_text.contains("确认"))
        .expect("the clean HTML message");
    assert_eq!(kept.body_text, "请帮我确认提币", "text from the HTML");
    let kept_html = kept.body_html.as_deref().expect("clean HTML is kept");
    assert!(
        kept_html.contains("<b>确认</b>")
            && !kept_html.contains("script")
            && !kept_html.contains("onclick"),
        "sanitized: {kept_html}"
    );
    assert_eq!(
        ticket.secret_exposed_at, flagged_at,
        "the first exposure is kept"
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.author.kind == desk_core::AuthorKind::System)
            .count(),
        2,
        "each exposure warns again"
    );
    assert_eq!(
        ticket
            .tags
            .iter()
            .filter(|t| *t == "secret-exposed")
            .count(),
        1,
        "tagged once"
    );

    let rows = crate::conformance::audit::all_rows(app.storage.as_ref()).await;
    let details: Vec<Value> = rows
        .iter()
        .filter(|r| r.action == "ingest.message")
        .map(|r| serde_json::from_str(&r.details).unwrap())
        .collect();
    assert_eq!(
        details
            .iter()
            .map(|d| d["redacted"].clone())
            .collect::<Vec<_>>(),
        [
            json!({ "counts": { "extended_private_key": 1, "seed_phrase": 1 }, "html_dropped": false }),
            json!({ "counts": { "seed_phrase": 1 }, "html_dropped": true }),
            Value::Null,
        ],
        "the audit log says what was taken out"
    );
    for row in &rows {
        for secret in ["abandon ability", "xprv9s21"] {
            assert!(
                !row.details.contains(secret) && !row.subject.contains(secret),
                "no secret in the audit log: {row:?}"
            );
        }
    }
    assert!(audit::verify(app.storage.as_ref()).await.unwrap().is_ok());
}

pub async fn floods_are_held_back_per_conversation_and_customer(storage: Arc<dyn Storage>) {
    use desk_server::ingest::limit::IngestLimits;
    let app = TestApp::with_storage_and_config(
        storage,
        Config {
            ingest_limits: IngestLimits {
                per_sender: 100,
                per_conversation: 3,
                per_customer: 5,
            },
            ..config()
        },
    );
    app.add_agent("lin.wei@desk.test", Role::Agent).await;
    let token = app.login("lin.wei@desk.test").await.access_token;
    let send = |conversation: &'static str, external_id: String, user: &'static str, n: &str| {
        let body = message(conversation, &external_id, user, "在吗").to_string();
        let nonce = n.to_owned();
        let app = &app;
        async move { send_signed(app, MESSAGES, &body, BRIDGE_KEY, &nonce).await }
    };
    for i in 0..3 {
        let (status, answer) = send("flood", i.to_string(), "u-9", &nonce()).await;
        assert_eq!(status, StatusCode::OK, "within the allowance: {answer}");
    }
    let held_nonce = nonce();
    let (status, answer) = send("flood", "3".into(), "u-9", &held_nonce).await;
    refused(
        status,
        &answer,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "the 4th message in a minute of one conversation is held back",
    );
    assert!(
        answer["message"].as_str().is_some_and(|m| !m.is_empty()),
        "with a message: {answer}"
    );
    for i in 0..10 {
        let (status, _) = send("flood", format!("x{i}"), "u-9", &nonce()).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "still held back");
    }
    let (status, answer) = send("calm", "1".into(), "u-10", &nonce()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another customer's conversation goes on: {answer}"
    );
    // The same customer in a second conversation: 3 + 2 reach the customer's 5.
    for i in 0..2 {
        let (status, answer) = send("flood-2", i.to_string(), "u-9", &nonce()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    let (status, answer) = send("flood-3", "1".into(), "u-9", &nonce()).await;
    refused(
        status,
        &answer,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "one customer across conversations is held back too",
    );

    let texts = |changes: &[Change]| {
        changes
            .iter()
            .filter(|c| matches!(c, Change::Message(m) if m.body_text == "在吗"))
            .count()
    };
    let (changes, _) = app.pull_all(&token, "", 500).await;
    assert_eq!(
        texts(&changes),
        6,
        "only the accepted messages are stored: 3 + 1 + 2"
    );

    // The refused request, sent again as it was (same nonce, re-signed at the new time),
    // is accepted once its conversation's bucket has refilled: nothing of it was kept.
    app.clock.advance(Duration::from_secs(21));
    let (status, answer) = send("flood", "3".into(), "u-9", &held_nonce).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a held-back request may be re-sent with its nonce: {answer}"
    );
    let (status, _) = send("flood", "4".into(), "u-9", &nonce()).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "one message per 20 s after the minute's allowance"
    );
    let (changes, _) = app.pull_all(&token, "", 500).await;
    assert_eq!(texts(&changes), 7);
}

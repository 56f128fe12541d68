//! The public web form (DESIGN.md §11): a page with no script, a ticket with the
//! customer's address for the answer, bots and floods held off, bad input named.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use desk_core::wire::Change;
use desk_core::{Channel, DeliveryState, MutationResult};
use desk_server::Storage;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::everything;
use super::push::{Console, reply};
use crate::support::TestApp;

async fn get(app: &TestApp, uri: &str, accept_language: &str) -> (StatusCode, String, String) {
    let request = Request::get(uri)
        .header(header::ACCEPT_LANGUAGE, accept_language)
        .body(Body::empty())
        .unwrap();
    read(app, request).await
}

async fn post(app: &TestApp, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let request = Request::post("/form")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    read(app, request).await
}

pub(super) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// Status, Content-Security-Policy and the page.
async fn read(app: &TestApp, request: Request<Body>) -> (StatusCode, String, String) {
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let csp = response
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, csp, String::from_utf8(bytes.to_vec()).unwrap())
}

pub async fn a_customer_opens_a_ticket_from_the_form_and_is_answered_by_email(
    storage: Arc<dyn Storage>,
) {
    let app = TestApp::with_storage(storage);
    app.add_agent("lin.wei@desk.test", desk_core::Role::Agent)
        .await;
    let (status, csp, page) = get(&app, "/form", "zh-CN,zh;q=0.9,en;q=0.8").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("联系客服") && page.contains("lang=\"zh-CN\""),
        "in Chinese for a Chinese browser"
    );
    // One script, the server's own file (the suggested articles); nothing inline, nothing
    // from elsewhere.
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self';"),
        "{csp}"
    );
    assert_eq!(page.matches("<script").count(), 1, "{page}");
    assert!(page.contains("<script src=\"/form/suggest.js\" defer></script>"));
    let (_, _, english) = get(&app, "/form?lang=en", "zh-CN").await;
    assert!(
        english.contains("Contact support"),
        "?lang= wins over the browser"
    );

    let (status, _, page) = post(
        &app,
        &[
            ("name", "王芳"),
            ("email", "Wang.Fang@Example.cn"),
            ("subject", "充值未到账"),
            (
                "message",
                "我的 USDT 充值两小时还没到账。\r\n交易哈希 9f2c4e1b",
            ),
            ("website", ""),
            ("lang", "zh-CN"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let feed = everything(app.storage.as_ref()).await;
    let ticket = feed
        .iter()
        .find_map(|c| match c {
            Change::Ticket(t) => Some(t.clone()),
            _ => None,
        })
        .expect("a ticket was opened");
    assert!(
        page.contains(&format!("#{}", ticket.number.unwrap()))
            && page.contains("wang.fang@example.cn"),
        "the page shows the ticket number and where the answer goes: {page}"
    );
    assert_eq!(
        (ticket.channel, ticket.subject.as_str()),
        (Channel::WebForm, "充值未到账")
    );

    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let first = feed
        .iter()
        .find_map(|c| match c {
            Change::Message(m) => Some(m.id.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        lin.push(
            &app,
            vec![reply(&ticket.id, "您好，已到账。", Some(&first))]
        )
        .await,
        vec![MutationResult::Applied]
    );
    let delivery = everything(app.storage.as_ref())
        .await
        .into_iter()
        .find_map(|c| match c {
            Change::Delivery(d) => Some(d),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (
            delivery.channel,
            delivery.recipient.as_deref(),
            delivery.state
        ),
        (
            Channel::Email,
            Some("wang.fang@example.cn"),
            DeliveryState::Queued
        ),
        "a web form ticket is answered by email, to the address given"
    );
}

pub async fn bots_floods_and_bad_input_are_held_off(storage: Arc<dyn Storage>) {
    let mut config = desk_server::Config::for_tests();
    config.ingest_limits.per_customer = 2;
    let app = TestApp::with_storage_and_config(storage, config);
    let tickets = |feed: &[Change]| {
        feed.iter()
            .filter(|c| matches!(c, Change::Ticket(_)))
            .count()
    };

    let (status, _, page) = post(
        &app,
        &[
            ("email", "bot@spam.example"),
            ("message", "cheap followers"),
            ("website", "http://spam.example"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "a bot is thanked");
    assert!(
        !page.contains("class=\"number\""),
        "but given no ticket number"
    );
    assert_eq!(
        tickets(&everything(app.storage.as_ref()).await),
        0,
        "and nothing is stored"
    );

    let (status, _, page) = post(
        &app,
        &[
            ("email", "not an address"),
            ("message", "  "),
            ("subject", "<script>alert(1)</script>"),
            ("lang", "en"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("The email address is not valid")
            && page.contains("Please describe your question"),
        "each wrong field is named: {page}"
    );
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.contains("<script>"),
        "what was typed comes back as text, never markup"
    );

    let good = [("email", "li@example.cn"), ("message", "你好")];
    for _ in 0..2 {
        assert_eq!(post(&app, &good).await.0, StatusCode::OK);
    }
    let (status, _, _) = post(&app, &good).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "one address cannot flood the desk"
    );
    assert_eq!(tickets(&everything(app.storage.as_ref()).await), 2);

    let huge = "字".repeat(60_000);
    let (status, _, _) = post(&app, &[("email", "x@example.cn"), ("message", &huge)]).await;
    assert!(
        status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::UNPROCESSABLE_ENTITY,
        "an oversized message is refused: {status}"
    );
}

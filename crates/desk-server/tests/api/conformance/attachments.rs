//! Attachments on each backend (DESIGN.md §11): stored once under their SHA-256, typed by
//! their bytes, fetched only by agents who may see a ticket carrying them (or who
//! uploaded them), always as downloads, and sent with their replies by mail.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use desk_core::wire::Change;
use desk_core::{
    Attachment, Author, AuthorKind, Channel, DeliveryState, Message, MessageKind, Role,
};
use desk_mail::MailboxUrl;
use desk_server::Storage;
use desk_server::config::Mailbox;
use desk_server::delivery::{Transports, deliver_once};
use http_body_util::BodyExt;
use testsupport::mail::SmtpSink;
use tower::ServiceExt;

use super::everything;
use super::push::{app_with_ticket, app_with_ticket_and_config, customer};
use crate::support::TestApp;

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    data: &[u8],
) -> (StatusCode, serde_json::Value) {
    let request = Request::post(format!("/api/v1/attachments?name={name}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "image/png")
        .body(Body::from(data.to_vec()))
        .unwrap();
    app.send(request).await
}

async fn download(app: &TestApp, token: &str, sha: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let request = Request::get(format!("/api/v1/attachments/{sha}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

pub async fn files_are_typed_by_their_bytes_and_fetched_only_by_who_may_see_them(
    storage: Arc<dyn Storage>,
) {
    let app = app_with_ticket(storage).await;
    app.add_agent_in_groups("vip@desk.test", Role::Agent, &["vip-desk"])
        .await;
    let lin = app.login("lin.wei@desk.test").await.access_token;
    let amy = app.login("amy@desk.test").await.access_token;
    let vip = app.login("vip@desk.test").await.access_token;

    let (status, body) = upload(&app, &lin, "..%2F..%2Fscreenshot.png", PNG).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let png: Attachment = serde_json::from_value(body).unwrap();
    assert_eq!(
        (png.file_name.as_str(), png.content_type.as_str(), png.size),
        ("screenshot.png", "image/png", PNG.len() as u64),
        "the name loses its path, the type is read from the bytes"
    );
    assert_eq!(png.sha256, desk_core::attachment::address(PNG));
    let (status, headers, bytes) = download(&app, &lin, &png.sha256).await;
    assert_eq!(
        (status, bytes.as_slice()),
        (StatusCode::OK, PNG),
        "the uploader fetches it"
    );
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "image/png",
        "an image stays an image"
    );
    assert_eq!(headers[header::CONTENT_DISPOSITION], "attachment");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        download(&app, &amy, &png.sha256).await.0,
        StatusCode::NOT_FOUND,
        "a file no message carries is the uploader's alone"
    );

    // A customer's "invoice.pdf" that is really a page: stored, served as text.
    let html = b"<html><body onload=steal()>invoice</body></html>";
    let (_, body) = upload(&app, &lin, "invoice.pdf", html).await;
    let page: Attachment = serde_json::from_value(body).unwrap();
    assert_eq!(
        page.content_type, "text/plain",
        "typed by its bytes, not its name"
    );
    let (_, headers, _) = download(&app, &lin, &page.sha256).await;
    assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("sandbox"),
        "and may run nothing even if a browser tried"
    );

    // Carried by a message of a grouped ticket: its group's agents fetch it, others not.
    let mut t2 = super::ticket("t2", None);
    t2.group = Some("cn-support".into());
    let message = Message {
        id: "m-file".into(),
        ticket_id: "t2".into(),
        kind: MessageKind::PublicReply,
        author: Author {
            kind: AuthorKind::Customer,
            id: Some("c1".into()),
            name: "王芳".into(),
        },
        body_text: "截图".into(),
        body_html: None,
        attachments: vec![png.clone()],
        created_at: 3,
        quoted: None,
    };
    app.storage
        .write_records(vec![Change::Ticket(t2), Change::Message(message)])
        .await
        .unwrap();
    assert_eq!(
        download(&app, &amy, &png.sha256).await.0,
        StatusCode::OK,
        "an agent who sees the ticket fetches its files"
    );
    assert_eq!(
        download(&app, &vip, &png.sha256).await.0,
        StatusCode::NOT_FOUND,
        "an agent outside the ticket's group does not"
    );
    for bad in ["nope", "../../etc/passwd", &"f".repeat(64)] {
        assert_eq!(
            download(&app, &lin, bad).await.0,
            StatusCode::NOT_FOUND,
            "{bad:?} names no file"
        );
    }
    assert_eq!(
        upload(&app, &lin, "empty.txt", b"").await.0,
        StatusCode::BAD_REQUEST,
        "an empty file is refused"
    );
    assert_eq!(
        app.post("/api/v1/attachments", None, serde_json::json!({}))
            .await
            .0,
        StatusCode::UNAUTHORIZED,
        "uploading needs a signed-in agent"
    );
}

pub async fn a_replys_files_go_with_its_mail(storage: Arc<dyn Storage>) {
    let sink = tokio::task::spawn_blocking(SmtpSink::start).await.unwrap();
    let mut config = desk_server::Config::for_tests();
    config.mailboxes = vec![Mailbox {
        address: "support@wallet.example".into(),
        name: None,
        imap: MailboxUrl::parse("imap://support:pw@127.0.0.1:1/INBOX").unwrap(),
        smtp: MailboxUrl::parse(&sink.url()).unwrap(),
        group: None,
    }];
    let app = app_with_ticket_and_config(storage, config).await;
    let lin = app.login("lin.wei@desk.test").await.access_token;
    let pdf = b"%PDF-1.4\n% guide to confirming a transaction\n".repeat(1000);
    let (_, body) = upload(&app, &lin, "确认交易指引.pdf", &pdf).await;
    let guide: Attachment = serde_json::from_value(body).unwrap();
    let mut c1 = customer("c1");
    c1.emails = vec!["wang.fang@example.cn".into()];
    let mut t1 = super::ticket("t1", None);
    t1.channel = Channel::Email;
    let reply = Message {
        id: "r-guide".into(),
        ticket_id: "t1".into(),
        kind: MessageKind::PublicReply,
        author: Author {
            kind: AuthorKind::Agent,
            id: None,
            name: "林伟".into(),
        },
        body_text: "请按附件的指引确认交易。".into(),
        body_html: None,
        attachments: vec![guide.clone()],
        created_at: 3,
        quoted: None,
    };
    let delivery =
        desk_core::delivery::queue(&reply, &t1, None, &c1.emails, crate::support::T0).unwrap();
    app.storage
        .write_records(vec![
            Change::Customer(c1),
            Change::Ticket(t1),
            Change::Message(reply),
            Change::Delivery(delivery),
        ])
        .await
        .unwrap();
    let transports = Transports::from_config(app.state.config()).unwrap();
    assert_eq!(deliver_once(&app.state, &transports).await.unwrap(), 1);
    let state = everything(app.storage.as_ref())
        .await
        .into_iter()
        .find_map(|c| match c {
            Change::Delivery(d) => Some(d),
            _ => None,
        })
        .unwrap();
    assert_eq!(state.state, DeliveryState::Sent, "{state:?}");
    let mails = tokio::task::spawn_blocking(move || sink.wait_for(1, Duration::from_secs(10)))
        .await
        .unwrap();
    let parsed = desk_mail::parse(&mails[0], &desk_mail::Limits::default()).unwrap();
    assert_eq!(parsed.attachments.len(), 1, "the file went with the reply");
    assert_eq!(parsed.attachments[0].file_name, "确认交易指引.pdf");
    assert!(parsed.attachments[0].data == pdf, "byte for byte");
    let sent = everything(app.storage.as_ref())
        .await
        .into_iter()
        .find_map(|c| match c {
            Change::Delivery(d) => Some(d),
            _ => None,
        })
        .unwrap();
    assert_eq!(sent.state, DeliveryState::Sent);
}

pub async fn a_reply_carries_only_files_the_server_holds_as_it_holds_them(
    storage: Arc<dyn Storage>,
) {
    let app = app_with_ticket(storage).await;
    let token = app.login("lin.wei@desk.test").await.access_token;
    let mut lin = super::push::Console::sign_in(&app, "lin.wei@desk.test").await;
    let (_, body) = upload(&app, &token, "chart.png", PNG).await;
    let mut claimed: Attachment = serde_json::from_value(body).unwrap();
    // The console says otherwise about the file; the server keeps its own word.
    claimed.content_type = "text/html".into();
    claimed.size = 1;
    let reply = |files: Vec<Attachment>| match super::push::reply("t1", "见附件。", Some("m1"))
    {
        desk_core::MutationOp::Reply {
            ticket_id,
            message_id,
            body_text,
            last_seen_message_id,
            ..
        } => desk_core::MutationOp::Reply {
            ticket_id,
            message_id,
            body_text,
            last_seen_message_id,
            attachments: files,
        },
        _ => unreachable!(),
    };
    let mut missing = claimed.clone();
    missing.sha256 = desk_core::attachment::address(b"never uploaded");
    let results = lin
        .push(
            &app,
            vec![reply(vec![missing]), reply(vec![claimed.clone()])],
        )
        .await;
    assert!(
        matches!(&results[0], desk_core::MutationResult::Rejected { code: desk_core::ErrorCode::NotFound, reason } if reason.contains("was not uploaded")),
        "a reply whose file the server lacks is refused, saying which: {results:?}"
    );
    assert_eq!(results[1], desk_core::MutationResult::Applied);
    let sent = everything(app.storage.as_ref())
        .await
        .into_iter()
        .find_map(|c| match c {
            Change::Message(m) if !m.attachments.is_empty() => Some(m),
            _ => None,
        })
        .expect("the reply with its file is stored");
    assert_eq!(
        (
            sent.attachments[0].content_type.as_str(),
            sent.attachments[0].size
        ),
        ("image/png", PNG.len() as u64),
        "described as the server holds it"
    );
}

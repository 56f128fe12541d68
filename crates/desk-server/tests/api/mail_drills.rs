//! Kill drills for the channels (DESIGN.md §13), with the real binary, Dovecot and an SMTP
//! server: a server killed mid-send sends that one message again, with the same
//! Message-ID, and none of the queue it had already sent; a server killed mid-fetch loses
//! no mail and stores none twice.

use std::path::Path;
use std::time::{Duration, Instant};

use desk_core::wire::Change;
use desk_core::{
    Author, AuthorKind, Channel, Customer, CustomerTier, Message, MessageKind, Priority, Ticket,
    TicketStatus,
};
use desk_server::{SqliteStorage, Storage};
use rusqlite::{Connection, OpenFlags};
use testsupport::mail::{Dovecot, SmtpSink};
use testsupport::{FaultProxy, ProxyMode, ServerProcess};

const SUPPORT: &str = "support@wallet.example";

/// A settings file with the one mailbox and short leases, so a drill's takeover after a
/// crash takes seconds.
fn config_file(dir: &Path, imap: &str, smtp: &str) -> String {
    let path = dir.join("desk-server.toml");
    std::fs::write(
        &path,
        format!(
            "delivery_lease_secs = 5\nmailbox_lease_secs = 10\n\n[[mailbox]]\naddress = \"{SUPPORT}\"\n\
             imap_url = \"{imap}\"\nsmtp_url = \"{smtp}\"\n"
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

fn serve(data: &Path, config: &str) -> ServerProcess {
    ServerProcess::start_with(
        &[
            "--data-dir",
            data.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--config",
            config,
        ],
        &[],
        None,
        false,
    )
}

/// One number read from the server's database while it runs (WAL: readers never block it).
fn count(data: &Path, sql: &str) -> i64 {
    let conn =
        Connection::open_with_flags(data.join("desk.sqlite3"), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{what} within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn customer() -> Customer {
    Customer {
        id: "c1".into(),
        platform_user_id: "u1".into(),
        name: "王芳".into(),
        emails: vec!["wang.fang@example.cn".into()],
        phones: vec![],
        handles: vec![],
        preferred_language: "zh-CN".into(),
        tier: CustomerTier::Standard,
        kyc_level: 1,
        risk_flags: vec![],
        tags: vec![],
        notes: String::new(),
        created_at: 1,
        updated_at: 1,
    }
}

fn ticket() -> Ticket {
    let mut t = crate::conformance::ticket("t1", None);
    t.channel = Channel::Email;
    t.status = TicketStatus::Open;
    t.priority = Priority::Normal;
    t
}

/// Queues replies `ids` on ticket t1 as push would: each message with its delivery.
fn queue_replies(data: &Path, ids: &[&str]) {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(write_replies(data, ids));
}

async fn write_replies(data: &Path, ids: &[&str]) {
    let storage = SqliteStorage::open_in_dir(data).unwrap();
    let mut records = vec![Change::Customer(customer()), Change::Ticket(ticket())];
    for id in ids {
        let message = Message {
            id: (*id).into(),
            ticket_id: "t1".into(),
            kind: MessageKind::PublicReply,
            author: Author {
                kind: AuthorKind::Agent,
                id: Some("a1".into()),
                name: "林伟".into(),
            },
            body_text: format!("回复 {id}"),
            body_html: None,
            attachments: vec![],
            created_at: 2,
            quoted: None,
        };
        let delivery =
            desk_core::delivery::queue(&message, &ticket(), None, &customer().emails, now_ms())
                .unwrap();
        records.push(Change::Message(message));
        records.push(Change::Delivery(delivery));
    }
    storage.write_records(records).await.unwrap();
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn message_ids(mails: &[Vec<u8>]) -> Vec<String> {
    mails
        .iter()
        .map(|raw| {
            desk_mail::parse(raw, &desk_mail::Limits::default())
                .unwrap()
                .message_id
                .unwrap()
        })
        .collect()
}

// Plain threads: the server harness waits with a blocking HTTP client.
#[test]
fn a_server_killed_mid_send_sends_that_message_again_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (dovecot, sink) = (Dovecot::start(), SmtpSink::start());
    let proxy = FaultProxy::start(&format!("127.0.0.1:{}", sink.port()));
    let smtp = proxy.url.replacen("http://", "smtp://", 1);
    let config = config_file(dir.path(), &dovecot.url(), &smtp);

    queue_replies(&data, &["r1", "r2", "r3"]);
    let first = serve(&data, &config);
    assert_eq!(
        sink.wait_for(3, Duration::from_secs(30)).len(),
        3,
        "the queued replies are sent"
    );
    first.stop();

    // The mail server stops answering: the next reply's send hangs, and the server dies.
    proxy.set_mode(ProxyMode::Stall);
    queue_replies(&data, &["r4"]);
    let accepted = proxy.accepted();
    let second = serve(&data, &config);
    wait_until(
        "the server starts sending r4",
        Duration::from_secs(30),
        || proxy.accepted() > accepted,
    );
    second.crash();
    assert_eq!(
        count(
            &data,
            "SELECT count(*) FROM deliveries WHERE id = 'r4' AND state = 'sending'"
        ),
        1,
        "the killed server held r4 as sending"
    );

    proxy.set_mode(ProxyMode::Pass);
    let third = serve(&data, &config);
    sink.wait_for(4, Duration::from_secs(60));
    // Let a wrongly repeated send show up before counting.
    std::thread::sleep(Duration::from_secs(6));
    third.stop();
    let mails = sink.received();
    let ids = message_ids(&mails);
    assert_eq!(ids.len(), 4, "r4 was sent after the crash, once: {ids:?}");
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(
        unique.len(),
        4,
        "and nothing sent before the crash was sent again"
    );
    assert!(
        ids.contains(&"r4@wallet.example".to_owned()),
        "the resend carries the message's own Message-ID: {ids:?}"
    );
    assert_eq!(
        count(
            &data,
            "SELECT count(*) FROM deliveries WHERE state = 'sent'"
        ),
        4,
        "every delivery ends sent"
    );
    assert_eq!(
        count(
            &data,
            "SELECT json_extract(record, '$.attempts') FROM deliveries WHERE id = 'r4'"
        ),
        2,
        "r4 took a second attempt, after the first one's claim lapsed"
    );
}

fn mail(n: usize) -> Vec<u8> {
    format!(
        "From: customer{n}@example.cn\r\nTo: {SUPPORT}\r\nSubject: 问题 {n}\r\n\
         Message-ID: <drill-{n}@example.cn>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n第 {n} 封邮件：提币没有到账。\r\n"
    )
    .into_bytes()
}

#[test]
fn a_server_killed_mid_fetch_loses_no_mail_and_stores_none_twice() {
    const MAILS: usize = 150;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let (dovecot, sink) = (Dovecot::start(), SmtpSink::start());
    for n in 0..MAILS {
        dovecot.deliver(&mail(n));
    }
    let config = config_file(dir.path(), &dovecot.url(), &sink.url());
    // Created first so the test can read it from the start.
    drop(SqliteStorage::open_in_dir(&data).unwrap());
    let messages = "SELECT count(*) FROM messages WHERE kind = 'public_reply'";

    let first = serve(&data, &config);
    wait_until(
        "intake starts storing mail",
        Duration::from_secs(30),
        || count(&data, messages) >= 10,
    );
    first.crash();
    let stored = count(&data, messages);
    assert!(
        (stored as usize) < MAILS,
        "the crash came mid-fetch ({stored} of {MAILS} stored); raise MAILS if intake got faster"
    );

    let second = serve(&data, &config);
    wait_until(
        "intake takes the mailbox over and stores the rest",
        Duration::from_secs(120),
        || count(&data, messages) as usize >= MAILS,
    );
    // Anything stored twice would show up now.
    std::thread::sleep(Duration::from_secs(2));
    second.stop();
    assert_eq!(count(&data, messages) as usize, MAILS, "every mail, once");
    assert_eq!(
        count(&data, "SELECT count(*) FROM tickets") as usize,
        MAILS,
        "one ticket per mail: none fetched into two"
    );
    assert_eq!(
        count(&data, "SELECT last_uid FROM mailbox_cursors") as usize,
        MAILS,
        "the mailbox's place is after its last mail"
    );
    drop(sink);
}

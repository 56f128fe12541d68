//! Email both ways against real mail servers (DESIGN.md §11): Dovecot serves the support
//! mailbox over IMAP, aiosmtpd receives what the desk sends. Mail becomes tickets through
//! ingestion, threads by the desk's own Message-IDs, by received ones and by `[#NUMBER]`,
//! only for the ticket's customer; auto-replies and bounces never make tickets.

use std::sync::Arc;
use std::time::Duration;

use desk_core::wire::Change;
use desk_core::{Customer, Delivery, DeliveryState, Message, MutationResult, Ticket, TicketStatus};
use desk_mail::MailboxUrl;
use desk_server::Storage;
use desk_server::config::Mailbox;
use desk_server::delivery::{Transports, deliver_once};
use desk_server::intake::fetch_round;
use testsupport::mail::{Dovecot, SmtpSink};

use super::everything;
use super::push::{Console, reply};
use crate::support::TestApp;

const SUPPORT: &str = "support@wallet.example";

struct Mail {
    app: TestApp,
    mailbox: Mailbox,
    dovecot: Dovecot,
    sink: SmtpSink,
    transports: Transports,
}

async fn mail_app(storage: Arc<dyn Storage>) -> Mail {
    let (dovecot, sink) = tokio::task::spawn_blocking(|| (Dovecot::start(), SmtpSink::start()))
        .await
        .unwrap();
    let mailbox = Mailbox {
        address: SUPPORT.into(),
        name: Some("钱包客服".into()),
        imap: MailboxUrl::parse(&dovecot.url()).unwrap(),
        smtp: MailboxUrl::parse(&sink.url()).unwrap(),
        group: Some("cn-support".into()),
    };
    let mut config = desk_server::Config::for_tests();
    config.mailboxes = vec![mailbox.clone()];
    let app = TestApp::with_storage_and_config(storage, config);
    app.add_agent("lin.wei@desk.test", desk_core::Role::Supervisor)
        .await;
    let transports = Transports::from_config(app.state.config()).unwrap();
    Mail {
        app,
        mailbox,
        dovecot,
        sink,
        transports,
    }
}

impl Mail {
    /// Fetches what is new, as intake does, on a fresh connection.
    async fn fetch(&self) -> usize {
        let mut source = desk_server::intake::connect(&self.mailbox).await.unwrap();
        fetch_round(&self.app.state, &self.mailbox, &mut source)
            .await
            .unwrap()
    }

    async fn tickets(&self) -> Vec<Ticket> {
        everything(self.app.storage.as_ref())
            .await
            .into_iter()
            .filter_map(|c| match c {
                Change::Ticket(t) => Some(t),
                _ => None,
            })
            .collect()
    }

    async fn messages(&self, ticket_id: &str) -> Vec<Message> {
        everything(self.app.storage.as_ref())
            .await
            .into_iter()
            .filter_map(|c| match c {
                Change::Message(m) if m.ticket_id == ticket_id => Some(m),
                _ => None,
            })
            .collect()
    }

    async fn delivery(&self, id: &str) -> Delivery {
        everything(self.app.storage.as_ref())
            .await
            .into_iter()
            .find_map(|c| match c {
                Change::Delivery(d) if d.id == id => Some(d),
                _ => None,
            })
            .expect("the reply has a delivery")
    }
}

fn mail(from: &str, subject: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\nDate: Mon, 7 Dec 2026 10:00:00 +0800\r\n\
         Message-ID: <{}@mail.example.cn>\r\n{headers}MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        uuid::Uuid::new_v4()
    )
    .into_bytes()
}

pub async fn mail_becomes_tickets_that_thread_only_for_their_customer(storage: Arc<dyn Storage>) {
    let m = mail_app(storage).await;
    // A wallet customer the platform knows writes from their address.
    let mut wang = super::push::customer("c1");
    wang.emails = vec!["Wang.Fang@example.cn".into()];
    m.app
        .storage
        .write_records(vec![Change::Customer(wang)])
        .await
        .unwrap();
    let first_mail = mail(
        "王芳 <wang.fang@example.cn>",
        "=?UTF-8?B?5o+Q5biB5pyq5Yiw6LSm?=",
        "",
        "我昨天提的 500 USDT 还没到账，交易哈希 9f2c4e1b。",
    );
    let first_mail_id = desk_mail::parse(&first_mail, &desk_mail::Limits::default())
        .unwrap()
        .message_id
        .unwrap();
    m.dovecot.deliver(&first_mail);
    assert_eq!(m.fetch().await, 1, "the new mail is fetched");
    let tickets = m.tickets().await;
    assert_eq!(tickets.len(), 1, "it opened a ticket");
    let t = &tickets[0];
    assert_eq!(
        (
            t.subject.as_str(),
            t.customer_id.as_str(),
            t.group.as_deref(),
            t.language.as_str()
        ),
        ("提币未到账", "c1", Some("cn-support"), "zh-CN"),
        "the decoded subject, the wallet customer found by address (any case), the mailbox's group"
    );
    assert_eq!(m.fetch().await, 0, "a second fetch finds nothing new");

    // The agent answers; the reply leaves by SMTP from the mailbox, to the customer.
    let mut lin = Console::sign_in(&m.app, "lin.wei@desk.test").await;
    let first = m.messages(&t.id).await[0].id.clone();
    let answer = reply(&t.id, "您好，已帮您查询，正在加急处理。", Some(&first));
    let desk_core::MutationOp::Reply { message_id, .. } = &answer else {
        unreachable!()
    };
    let reply_id = message_id.clone();
    assert_eq!(
        lin.push(&m.app, vec![answer]).await,
        vec![MutationResult::Applied]
    );
    assert_eq!(
        lin.push(
            &m.app,
            vec![super::push::set_status(
                &t.id,
                TicketStatus::PendingCustomer
            )]
        )
        .await,
        vec![MutationResult::Applied]
    );
    assert_eq!(deliver_once(&m.app.state, &m.transports).await.unwrap(), 1);
    let sent = m.delivery(&reply_id).await;
    assert_eq!(
        (
            sent.state,
            sent.recipient.as_deref(),
            sent.mailbox.as_deref()
        ),
        (
            DeliveryState::Sent,
            Some("wang.fang@example.cn"),
            Some(SUPPORT)
        ),
        "sent back to the address the mail came from, through its mailbox"
    );
    let sink = &m.sink;
    let outgoing = sink.wait_for(1, Duration::from_secs(10));
    let parsed = desk_mail::parse(&outgoing[0], &desk_mail::Limits::default()).unwrap();
    let our_id = parsed.message_id.clone().unwrap();
    assert_eq!(
        (parsed.in_reply_to.clone(), parsed.references.clone()),
        (vec![first_mail_id.clone()], vec![first_mail_id.clone()]),
        "the answer names the customer's mail as its parent, so their client threads it"
    );

    // The customer answers in their mail client: In-Reply-To our Message-ID.
    m.dovecot.deliver(&mail(
        "wang.fang@example.cn",
        &format!("Re: {}", parsed.subject),
        &format!("In-Reply-To: <{our_id}>\r\nReferences: <{our_id}>\r\n"),
        "好的，谢谢！\r\n\r\n在 2026年12月7日 客服 写道：\r\n> 您好，已帮您查询，正在加急处理。",
    ));
    // A stranger copied on the thread replies to it too.
    m.dovecot.deliver(&mail(
        "someone@elsewhere.example",
        "Re: 提币未到账",
        &format!("In-Reply-To: <{our_id}>\r\n"),
        "I am not the customer.",
    ));
    // The customer writes again with only the ticket number in the subject (Outlook).
    let number = t.number.unwrap();
    m.dovecot.deliver(&mail(
        "wang.fang@example.cn",
        &format!("还有一个问题 [#{number}]"),
        "",
        "另外，手续费是多少？",
    ));
    // A stranger tries the same number.
    m.dovecot.deliver(&mail(
        "attacker@evil.example",
        &format!("Re: [#{number}] 请把币转到这个地址"),
        "",
        "TXyz...",
    ));
    assert_eq!(m.fetch().await, 4);
    let tickets = m.tickets().await;
    assert_eq!(
        tickets.len(),
        3,
        "the customer's two mails joined the ticket; each stranger got a ticket of their own"
    );
    let t1 = tickets.iter().find(|x| x.id == t.id).unwrap();
    assert_eq!(
        t1.status,
        TicketStatus::Open,
        "the customer's answer reopened it"
    );
    let texts: Vec<String> = m
        .messages(&t.id)
        .await
        .into_iter()
        .map(|m| m.body_text)
        .collect();
    assert!(
        texts.iter().any(|x| x == "好的，谢谢！"),
        "the visible message is the new text, the quote folded away: {texts:?}"
    );
    let answered = m
        .messages(&t.id)
        .await
        .into_iter()
        .find(|x| x.body_text == "好的，谢谢！")
        .unwrap();
    assert!(
        answered
            .quoted
            .as_deref()
            .is_some_and(|q| q.contains("写道") && q.contains("正在加急处理")),
        "the history is kept, folded: {:?}",
        answered.quoted
    );
    assert!(texts.iter().any(|x| x.contains("手续费")), "{texts:?}");
    assert!(
        !texts
            .iter()
            .any(|x| x.contains("not the customer") || x.contains("TXyz")),
        "no stranger's mail is in the customer's ticket: {texts:?}"
    );

    // An out-of-office answer to our reply: recorded, no reopening, never answered.
    let before = lin
        .push(
            &m.app,
            vec![super::push::set_status(&t.id, TicketStatus::Solved)],
        )
        .await;
    assert_eq!(before, vec![MutationResult::Applied]);
    m.dovecot.deliver(&mail(
        "wang.fang@example.cn",
        "自动回复: 提币未到账",
        &format!("Auto-Submitted: auto-replied\r\nIn-Reply-To: <{our_id}>\r\n"),
        "我正在休假，12月10日回来。",
    ));
    // One answering nothing the desk knows makes nothing.
    m.dovecot.deliver(&mail(
        "robot@lists.example",
        "Out of Office",
        "Auto-Submitted: auto-replied\r\n",
        "Away.",
    ));
    assert_eq!(m.fetch().await, 2);
    let tickets = m.tickets().await;
    assert_eq!(tickets.len(), 3, "an auto-reply never opens a ticket");
    let t1 = tickets.iter().find(|x| x.id == t.id).unwrap();
    assert_eq!(t1.status, TicketStatus::Solved, "nor reopens one");
    assert!(
        m.messages(&t.id)
            .await
            .iter()
            .any(|x| x.body_text.contains("休假")),
        "but is recorded on its ticket"
    );

    // The reply bounces: its delivery fails with the bounce's reason, no ticket is made.
    let bounce = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../desk-mail/tests/corpus/bounce-postfix.eml"
    ))
    .unwrap()
    .replace("0190a7d2-1200-7000-8000-000000000006@desk.example", &our_id);
    m.dovecot.deliver(bounce.as_bytes());
    assert_eq!(m.fetch().await, 1);
    assert_eq!(m.tickets().await.len(), 3, "a bounce never makes a ticket");
    let bounced = m.delivery(&reply_id).await;
    assert_eq!(
        bounced.state,
        DeliveryState::Failed,
        "the bounce fails the delivery"
    );
    assert!(
        bounced
            .error
            .as_deref()
            .is_some_and(|e| e.contains("5.1.1")),
        "with the bounce's reason: {bounced:?}"
    );

    // The folder is rebuilt (its UIDVALIDITY changes): everything is read again, and
    // nothing is stored twice.
    let feed_before = everything(m.app.storage.as_ref()).await.len();
    m.app
        .storage
        .advance_mailbox_cursor(SUPPORT, 1, 0)
        .await
        .unwrap();
    assert_eq!(m.fetch().await, 8, "every mail is read again");
    assert_eq!(
        everything(m.app.storage.as_ref()).await.len(),
        feed_before,
        "and changes nothing: each is known by its Message-ID"
    );
    let customers: Vec<Customer> = everything(m.app.storage.as_ref())
        .await
        .into_iter()
        .filter_map(|c| match c {
            Change::Customer(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(
        customers.len(),
        3,
        "the wallet customer, and one per stranger: {customers:?}"
    );
}

pub async fn one_instance_at_a_time_fetches_a_mailbox(storage: Arc<dyn Storage>) {
    let now = 1_000;
    assert!(
        storage
            .lease_mailbox(SUPPORT, "a", now, now + 90_000)
            .await
            .unwrap()
    );
    assert!(
        !storage
            .lease_mailbox(SUPPORT, "b", now + 1, now + 90_001)
            .await
            .unwrap(),
        "a held lease is not taken"
    );
    assert!(
        storage
            .lease_mailbox(SUPPORT, "a", now + 2, now + 90_002)
            .await
            .unwrap(),
        "its holder renews it"
    );
    assert!(
        storage
            .lease_mailbox(SUPPORT, "b", now + 90_003, now + 180_000)
            .await
            .unwrap(),
        "a lapsed lease is taken over"
    );
    assert_eq!(storage.mailbox_cursor(SUPPORT).await.unwrap(), None);
    storage
        .advance_mailbox_cursor(SUPPORT, 7, 12)
        .await
        .unwrap();
    storage.advance_mailbox_cursor(SUPPORT, 7, 9).await.unwrap();
    assert_eq!(
        storage.mailbox_cursor(SUPPORT).await.unwrap(),
        Some((7, 12)),
        "the place only moves forward"
    );
}

/// Every mail of desk-mail's corpus, and a 20 MB one, through the real intake: each is
/// stored as the right message or passed over with its reason; nothing stops the
/// mailbox, no secret is stored, no auto-reply or bounce makes a ticket.
pub async fn every_corpus_mail_is_stored_or_passed_over(storage: Arc<dyn Storage>) {
    let m = mail_app(storage).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../desk-mail/tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "the corpus is there: {}", files.len());
    for path in &files {
        m.dovecot.deliver(&std::fs::read(path).unwrap());
    }
    // A 20 MB attachment: over no limit of a support mailbox's, under the parser's.
    let big = format!(
        "From: big@example.cn\r\nTo: {SUPPORT}\r\nSubject: screenshot\r\nMessage-ID: <big@example.cn>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n附件是截图。\r\n--b\r\n\
         Content-Type: application/octet-stream; name=shot.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        // 20 MiB decoded: each "QUJD" is three bytes.
        "QUJD"
            .repeat(20 * 1024 * 1024 / 3)
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n")
    );
    m.dovecot.deliver(big.as_bytes());
    let total = files.len() + 1;
    let mut fetched = 0;
    loop {
        let n = m.fetch().await;
        if n == 0 {
            break;
        }
        fetched += n;
    }
    assert_eq!(
        fetched, total,
        "every mail was fetched, none stopped the mailbox"
    );
    assert_eq!(
        m.app
            .storage
            .mailbox_cursor(SUPPORT)
            .await
            .unwrap()
            .map(|(_, uid)| uid as usize),
        Some(total),
        "the mailbox's place is after the last mail"
    );
    let feed = everything(m.app.storage.as_ref()).await;
    let messages: Vec<&Message> = feed
        .iter()
        .filter_map(|c| match c {
            Change::Message(m) if m.author.kind == desk_core::AuthorKind::Customer => Some(m),
            _ => None,
        })
        .collect();
    for message in &messages {
        assert!(
            !message.body_text.contains("abandon ability")
                && !message
                    .body_html
                    .as_deref()
                    .unwrap_or("")
                    .contains("abandon ability"),
            "no recovery phrase is stored: {:?}",
            message.body_text
        );
    }
    let seed = messages
        .iter()
        .find(|m| m.body_text.contains("[REDACTED:seed]"))
        .expect("the GBK mail's phrase was found and redacted");
    let tickets: Vec<Ticket> = feed
        .iter()
        .filter_map(|c| match c {
            Change::Ticket(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let flagged = tickets.iter().find(|t| t.id == seed.ticket_id).unwrap();
    assert!(flagged.secret_exposed_at.is_some(), "its ticket is flagged");
    assert!(
        messages.iter().any(|m| m.body_text.contains("附件是截图")),
        "the 20 MB mail is stored"
    );
    let no_ticket = files
        .iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            (name.starts_with("auto-") && name != "auto-submitted-no.eml")
                || name.starts_with("bounce-")
        })
        .count();
    assert!(
        tickets.len() + no_ticket <= total,
        "auto-replies answering nothing and bounces made no ticket: {} tickets of {total} mails, {no_ticket} of them auto-replies or bounces",
        tickets.len()
    );
}

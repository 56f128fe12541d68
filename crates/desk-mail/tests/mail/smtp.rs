//! Composed mail through a real SMTP server (aiosmtpd) and back through the parser.

use std::time::Duration;

use desk_mail::{
    Address, Limits, MailKind, MailboxUrl, Outgoing, OutgoingAttachment, SmtpSender, build, parse,
    subject_with_tag,
};
use testsupport::mail::SmtpSink;

fn reply() -> Outgoing {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    Outgoing {
        from: Address {
            name: Some("Desk 客服".into()),
            email: "support@desk.example".into(),
        },
        to: Address {
            name: Some("王小明".into()),
            email: "wxm@example.cn".into(),
        },
        subject: subject_with_tag("Re: 提现失败 — withdrawal failed", 1042),
        message_id: "0190a7d2-1042-7000-8000-00000000abcd@desk.example".into(),
        in_reply_to: Some("seed-gbk-001@example.cn".into()),
        references: vec![
            "first-001@example.cn".into(),
            "seed-gbk-001@example.cn".into(),
        ],
        text: "您好，\n\n您的提现已经重新处理，请查收。\nYour withdrawal was processed again.\n\nDesk 客服".into(),
        html: Some("<p>您好，</p><p>您的提现已经重新处理，请查收。</p>".into()),
        attachments: vec![
            OutgoingAttachment {
                file_name: "对账单 2024年3月.pdf".into(),
                content_type: "application/pdf".into(),
                data: pdf,
            },
            OutgoingAttachment {
                file_name: "notes.txt".into(),
                content_type: "text/plain; charset=utf-8".into(),
                data: "第一行\nsecond line\n".as_bytes().to_vec(),
            },
        ],
        auto_submitted: false,
        date: 1_710_496_800_000,
    }
}

fn sender(sink: &SmtpSink) -> SmtpSender {
    SmtpSender::new(&MailboxUrl::parse(&sink.url()).expect("the sink's url")).expect("a sender")
}

#[tokio::test]
async fn a_composed_reply_arrives_and_parses_back_to_what_was_sent() {
    let sink = SmtpSink::start();
    let mail = reply();
    let raw = build(&mail).expect("build the reply");
    sender(&sink)
        .send("bounces@desk.example", &["wxm@example.cn".to_owned()], &raw)
        .await
        .expect("the sink accepts the mail");
    let received = sink.wait_for(1, Duration::from_secs(60));
    // lettre ends DATA with CRLF "." CRLF even after a final CRLF, which adds an empty
    // line after the closing boundary (the epilogue): harmless, and the only change.
    assert!(
        received[0].starts_with(&raw)
            && received[0][raw.len()..].iter().all(|b| b"\r\n".contains(b)),
        "SMTP carries the bytes unchanged (dot-stuffing undone): {} bytes received, {} sent",
        received[0].len(),
        raw.len()
    );
    let envelope = &sink.envelopes()[0];
    assert_eq!(
        envelope.mail_from, "bounces@desk.example",
        "the envelope sender is the bounce address"
    );
    assert_eq!(envelope.rcpt_to, ["wxm@example.cn"]);

    let back = parse(&received[0], &Limits::default()).expect("our own mail parses");
    assert_eq!(
        back.message_id.as_deref(),
        Some(mail.message_id.as_str()),
        "the Message-ID is the one the queue stored"
    );
    assert_eq!(
        back.in_reply_to,
        [mail.in_reply_to.clone().unwrap()],
        "threads under the customer's mail"
    );
    assert_eq!(back.references, mail.references, "References in order");
    assert_eq!(
        back.subject, "Re: [#1042] 提现失败 — withdrawal failed",
        "UTF-8 subject round-trips"
    );
    assert_eq!(back.subject_ticket_number(), Some(1042));
    assert_eq!(back.from.name.as_deref(), Some("Desk 客服"));
    assert_eq!(back.to[0].email, "wxm@example.cn");
    assert_eq!(back.date, Some(mail.date), "the Date is the caller's clock");
    assert_eq!(back.text, mail.text, "the Chinese text round-trips exactly");
    assert_eq!(back.html, mail.html, "the HTML alternative round-trips");
    assert_eq!(
        back.kind,
        MailKind::Normal,
        "an agent's reply is no auto-reply"
    );
    let names: Vec<&str> = back
        .attachments
        .iter()
        .map(|a| a.file_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["对账单 2024年3月.pdf", "notes.txt"],
        "non-ASCII file names round-trip"
    );
    for (sent, got) in mail.attachments.iter().zip(&back.attachments) {
        assert!(
            sent.data == got.data,
            "{}: attachment bytes are identical ({} vs {} bytes)",
            sent.file_name,
            sent.data.len(),
            got.data.len()
        );
        assert!(!got.inline, "attachments are offered as files");
    }
    assert!(
        !String::from_utf8_lossy(&raw).contains("Auto-Submitted"),
        "an agent's reply must not be marked auto-submitted"
    );
}

#[tokio::test]
async fn automatic_messages_are_marked_and_a_resend_keeps_its_message_id() {
    let sink = SmtpSink::start();
    let sender = sender(&sink);
    let mut ack = reply();
    ack.auto_submitted = true;
    ack.attachments.clear();
    ack.html = None;
    // ASCII goes as 7bit, so lines starting with a dot exercise SMTP dot-stuffing.
    ack.text = "We received your request.\n.\n..\n.leading dot\nThe desk".into();
    let first = build(&ack).expect("build");
    let again = build(&ack).expect("build the resend");
    for raw in [&first, &again] {
        sender
            .send("bounces@desk.example", &["wxm@example.cn".to_owned()], raw)
            .await
            .expect("sent");
    }
    let received = sink.wait_for(2, Duration::from_secs(60));
    let ids: Vec<Option<String>> = received
        .iter()
        .map(|raw| parse(raw, &Limits::default()).expect("parses").message_id)
        .collect();
    assert_eq!(
        ids,
        [Some(ack.message_id.clone()), Some(ack.message_id.clone())],
        "a resend after a crash carries the same Message-ID, so the customer sees one mail"
    );
    let back = parse(&received[0], &Limits::default()).unwrap();
    assert_eq!(
        back.text, ack.text,
        "dot-stuffing is undone: lines of dots arrive as written"
    );
    assert!(
        matches!(&back.kind, MailKind::AutoReply { reason } if reason.starts_with("Auto-Submitted: auto-replied")),
        "our automatic mail, should it come back to us, is recognised and not answered: {:?}",
        back.kind
    );
}

#[tokio::test]
async fn refusals_say_whether_to_retry() {
    let sink = SmtpSink::start();
    let sender = sender(&sink);
    let raw = build(&reply()).expect("build");
    let permanent = sender
        .send(
            "bounces@desk.example",
            &[SmtpSink::REJECT_PERMANENT.to_owned()],
            &raw,
        )
        .await
        .expect_err("the sink refuses this recipient with 550");
    assert!(!permanent.transient, "a 5xx is final: {permanent}");
    assert!(
        permanent.reason.contains("550") && permanent.reason.contains("User unknown"),
        "the reason carries the server's reply: {}",
        permanent.reason
    );
    let transient = sender
        .send(
            "bounces@desk.example",
            &[SmtpSink::REJECT_TRANSIENT.to_owned()],
            &raw,
        )
        .await
        .expect_err("the sink refuses this recipient with 451");
    assert!(transient.transient, "a 4xx is worth retrying: {transient}");
    assert!(transient.reason.contains("451"), "{}", transient.reason);

    // Nothing listens on a port just freed.
    let closed = format!("smtp://127.0.0.1:{}", testsupport::free_port());
    let unreachable = SmtpSender::new(&MailboxUrl::parse(&closed).unwrap())
        .unwrap()
        .send("bounces@desk.example", &["a@example.com".to_owned()], &raw)
        .await
        .expect_err("no server");
    assert!(
        unreachable.transient,
        "a refused connection is worth retrying: {unreachable}"
    );

    let bad = sender
        .send("bounces@desk.example", &["not an address".to_owned()], &raw)
        .await
        .expect_err("an invalid recipient");
    assert!(
        !bad.transient,
        "an invalid address never gets better: {bad}"
    );
    sender
        .send(
            "bounces@desk.example",
            &["after-errors@example.com".to_owned()],
            &raw,
        )
        .await
        .expect("the pooled connections still work after refusals");
}

#[tokio::test]
async fn many_mails_share_the_pool() {
    let sink = SmtpSink::start();
    let sender = sender(&sink);
    let mut tasks = Vec::new();
    for n in 0..20 {
        let sender = sender.clone();
        let mut mail = reply();
        mail.attachments.clear();
        mail.message_id = format!("pool-{n}@desk.example");
        tasks.push(tokio::spawn(async move {
            let raw = build(&mail).expect("build");
            sender
                .send(
                    "bounces@desk.example",
                    &[format!("customer{n}@example.com")],
                    &raw,
                )
                .await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("sent");
    }
    let received = sink.wait_for(20, Duration::from_secs(60));
    assert_eq!(received.len(), 20, "every concurrent send arrived once");
}

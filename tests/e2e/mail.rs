//! Email both ways through the real window (DESIGN.md §11): a customer's mail arrives over
//! IMAP (Dovecot) and becomes a ticket in the console; the agent's reply, typed in the
//! window, leaves by SMTP (aiosmtpd) threaded to the ticket, and shows as sent; the
//! customer's answer to it comes back over IMAP onto the same ticket, in the window.

use std::time::Duration;

use testsupport::mail::{Dovecot, SmtpSink};
use testsupport::{KeyringSession, ServerProcess, WebDriver, Xvfb, artifacts_dir, bin_path};

use super::{EMAIL, LONG, PASSWORD, reply, tauri_driver};

const SUBJECT: &str = "充值一直没到账";

fn mail(from: &str, subject: &str, headers: &str, body: &str, id: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}@mail.example.cn>\r\n\
         {headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        to = Dovecot::USER
    )
    .into_bytes()
}

#[test]
fn a_reply_typed_in_the_window_reaches_the_customer_and_their_answer_comes_back() {
    let tmp = tempfile::tempdir().unwrap();
    let (dovecot, sink) = (Dovecot::start(), SmtpSink::start());
    let data = tmp.path().join("server");
    testsupport::seed_data_dir(&data, 5, EMAIL, PASSWORD);
    let config = tmp.path().join("desk-server.toml");
    std::fs::write(
        &config,
        format!(
            "[[mailbox]]\naddress = \"{}\"\nimap_url = \"{}\"\nsmtp_url = \"{}\"\n",
            Dovecot::USER,
            dovecot.url(),
            sink.url()
        ),
    )
    .unwrap();
    dovecot.deliver(&mail(
        "王芳 <wang.fang@example.cn>",
        SUBJECT,
        "",
        "你好，我早上充值的 1000 USDT 到现在还没到账，请帮忙查一下。",
        "first",
    ));
    let server = ServerProcess::start_with(
        &[
            "--data-dir",
            data.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
        None,
        false,
    );

    let keyring = KeyringSession::start(tmp.path());
    let x = Xvfb::start();
    let home = tmp.path().join("console");
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let driver = tauri_driver(&x, &keyring, &home, &tmp.path().join("app.log"), &bin);
    let wd = WebDriver::launch(&driver.url, &bin_path("desk-app"));
    let url_field = wd.wait("[data-testid=server-url]", LONG);
    wd.clear(&url_field);
    wd.type_text(&url_field, &server.url);
    wd.type_text(&wd.wait("[data-testid=email]", LONG), EMAIL);
    wd.type_text(&wd.wait("[data-testid=password]", LONG), PASSWORD);
    wd.click(&wd.wait("[data-testid=sign-in]", LONG));

    // The mail is a ticket in the inbox.
    let row = |wd: &WebDriver| {
        wd.wait_all("[data-testid=ticket-row]", LONG)
            .into_iter()
            .find(|r| wd.text(r).contains(SUBJECT))
    };
    wd.until("the customer's mail shows as a ticket", LONG, |wd| {
        row(wd).is_some()
    });
    wd.click(&row(&wd).unwrap());
    wd.until("its conversation opens", LONG, |wd| {
        wd.wait_all("[data-testid=message-body]", LONG)
            .iter()
            .any(|b| wd.text(b).contains("1000 USDT"))
    });

    // The agent answers in the window; the mail leaves, and the window says so.
    let answer = "您好，已查到您的充值，区块确认后约 10 分钟到账。";
    reply(&wd, answer);
    wd.until("the reply shows as sent", LONG, |wd| {
        wd.count("[data-testid=delivery][data-state=sent]") == 1
    });
    let route = wd.text(&wd.wait("[data-testid=delivery-route]", LONG));
    assert!(
        route.contains("wang.fang@example.cn"),
        "the agent sees the address the reply went to: {route:?}"
    );
    let shots = artifacts_dir();
    assert!(
        x.screenshot(&shots.join("e2e-mail-reply-sent.png")),
        "screenshot of the real window"
    );
    let sent = sink.wait_for(1, Duration::from_secs(30));
    let parsed = desk_mail::parse(&sent[0], &desk_mail::Limits::default()).unwrap();
    assert_eq!(
        parsed.to.first().map(|a| a.email.as_str()),
        Some("wang.fang@example.cn"),
        "the reply went to the customer"
    );
    assert!(
        parsed.subject.contains(SUBJECT) && parsed.subject.contains("[#"),
        "threaded by the ticket's number in the subject: {}",
        parsed.subject
    );
    assert!(parsed.text.contains("区块确认后"), "with the agent's text");

    // The customer answers from their mail client: it joins the ticket in the window.
    let our_id = parsed.message_id.clone().unwrap();
    dovecot.deliver(&mail(
        "wang.fang@example.cn",
        &format!("Re: {}", parsed.subject),
        &format!("In-Reply-To: <{our_id}>\r\nReferences: <{our_id}>\r\n"),
        "收到了，谢谢！\r\n\r\n> 您好，已查到您的充值",
        "second",
    ));
    wd.until("the customer's answer appears on the ticket", LONG, |wd| {
        wd.wait_all("[data-testid=message-body]", LONG)
            .iter()
            .any(|b| wd.text(b) == "收到了，谢谢！")
    });
    assert!(
        x.screenshot(&shots.join("e2e-mail-answer-arrived.png")),
        "screenshot of the real window"
    );
    wd.quit();
    drop(driver);
    server.stop();
}

//! Queued replies out to the relay: the product's delivery rounds
//! (`desk_server::delivery::deliver_once`, claim → compose and send concurrently → settle)
//! until the queue is empty, and beside them the SMTP sends alone, with the same batch
//! and the same sender.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use desk_core::wire::Change;
use desk_core::{Author, AuthorKind, Message, MessageKind};
use desk_mail::{Address, MailboxUrl, Outgoing, SmtpSender};
use desk_server::delivery::{Transports, deliver_once};
use desk_server::{AppState, Storage};

use crate::bench::{REPLIES, now_ms};
use crate::corpus::SUPPORT;
use crate::inbound::Census;

/// Replies written per transaction while queueing (not measured).
const WRITE_CHUNK: usize = 500;

/// An agent's reply: a greeting, two to five of the usual answers, a signature; about the
/// 300–900 characters a real one has.
pub fn reply_text(i: usize) -> String {
    let mut text = String::from(if i.is_multiple_of(2) {
        "您好，\n\n"
    } else {
        "Hello,\n\n"
    });
    for k in 0..2 + i % 4 {
        text.push_str(REPLIES[(i + k) % REPLIES.len()]);
        text.push_str("\n\n");
    }
    text.push_str("Desk 客服团队 / Wallet Support\n");
    text
}

/// `n` replies spread over the tickets the mail opened, each with the delivery
/// `desk_core::delivery::queue` makes for it, written as push would write them (message
/// and delivery in one transaction), `WRITE_CHUNK` at a time.
pub async fn queue_replies(
    storage: &dyn Storage,
    census: &Census,
    agent: &desk_core::Agent,
    n: usize,
) -> anyhow::Result<Duration> {
    if census.tickets.is_empty() {
        bail!("no tickets to reply to");
    }
    let started = Instant::now();
    let mut records = Vec::with_capacity(WRITE_CHUNK * 2);
    for i in 0..n {
        let ticket = &census.tickets[i % census.tickets.len()];
        let emails = census
            .customers
            .get(&ticket.customer_id)
            .map(|c| c.emails.clone())
            .unwrap_or_default();
        let now = now_ms();
        let message = Message {
            id: uuid::Uuid::now_v7().to_string(),
            ticket_id: ticket.id.clone(),
            kind: MessageKind::PublicReply,
            author: Author {
                kind: AuthorKind::Agent,
                id: Some(agent.id.clone()),
                name: agent.name.clone(),
            },
            body_text: reply_text(i),
            body_html: None,
            attachments: vec![],
            created_at: now,
            quoted: None,
        };
        let delivery = desk_core::delivery::queue(&message, ticket, None, &emails, now)
            .context("a public reply is delivered")?;
        records.push(Change::Message(message));
        records.push(Change::Delivery(delivery));
        if records.len() >= WRITE_CHUNK * 2 || i + 1 == n {
            storage
                .write_records(std::mem::take(&mut records))
                .await
                .context("queue replies")?;
        }
    }
    Ok(started.elapsed())
}

/// The delivery worker's rounds, back to back while there is work (as
/// `desk_server::delivery::run` goes on at once after a full round).
pub async fn deliver(
    state: &AppState,
    transports: &Transports,
    label: &str,
) -> anyhow::Result<(usize, Duration)> {
    let started = Instant::now();
    let mut claimed = 0;
    let mut reported = 0;
    loop {
        let n = deliver_once(state, transports)
            .await
            .context("delivery round")?;
        if n == 0 {
            break;
        }
        claimed += n;
        if claimed - reported >= 2_000 {
            reported = claimed;
            eprintln!(
                "bench channels [{label}]: {claimed} replies handed over, {:.0}/s",
                claimed as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok((claimed, started.elapsed()))
}

/// The SMTP side alone: `n` replies composed beforehand (as delivery composes them), then
/// sent by one `SmtpSender` in batches of `batch` at once, as a delivery round sends.
pub async fn send_only(url: &str, n: usize, batch: usize) -> anyhow::Result<(usize, Duration)> {
    let now = now_ms();
    let mails: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| {
            let to = format!("user{i}@example.cn");
            let text = reply_text(i);
            let mail = Outgoing {
                from: Address {
                    name: Some("钱包客服".into()),
                    email: SUPPORT.into(),
                },
                to: Address {
                    name: Some("王芳".into()),
                    email: to.clone(),
                },
                subject: desk_mail::subject_with_tag("Re: 提币未到账", i as i64 + 1),
                message_id: format!("{}@wallet.example", uuid::Uuid::now_v7()),
                in_reply_to: None,
                references: vec![],
                html: Some(desk_server::delivery::mail::text_as_html(&text)),
                text,
                attachments: vec![],
                auto_submitted: false,
                date: now,
            };
            Ok((to, desk_mail::build(&mail)?))
        })
        .collect::<anyhow::Result<_>>()?;
    let sender = SmtpSender::new(&MailboxUrl::parse(url)?)?;
    let started = Instant::now();
    let mut failed = 0;
    for chunk in mails.chunks(batch) {
        let sends = chunk
            .iter()
            .map(|(to, raw)| sender.send(SUPPORT, std::slice::from_ref(to), raw));
        for result in futures_util::future::join_all(sends).await {
            if let Err(e) = result {
                failed += 1;
                if failed <= 3 {
                    eprintln!("bench channels: send-only failure: {}", e.reason);
                }
            }
        }
    }
    Ok((n - failed, started.elapsed()))
}

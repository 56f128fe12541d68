//! Deliveries (DESIGN.md §11): how each public message the desk writes reaches its
//! customer, and the pure rules of the server's delivery queue.
//!
//! Every public message written by an agent or by the desk itself (a reply, an automatic
//! warning, and later acknowledgements, surveys, outreach, incident updates) gets one
//! [`Delivery`], written in the same transaction as the message; internal notes, system
//! events and the customer's own messages never do. The delivery's id is its message's
//! id: one message, one way out, one idempotency key however often it is retried.
//!
//! Where it goes is decided when it is queued, from the ticket's [`Route`] (the channel
//! and address the customer last wrote from), so an agent sees before sending, and
//! after, which channel and which address a reply went to.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::apply::Refusal;
use crate::domain::{AuthorKind, Channel, Message, MessageKind, Ticket, UnknownVariant};
use crate::error::ErrorCode;

string_enum!(
    /// `queued → sending → sent`, or `failed` with a reason (a retry queues it again).
    DeliveryState { Queued = "queued", Sending = "sending", Sent = "sent", Failed = "failed" }
);

/// One public message's way to its customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Delivery {
    /// The message's id.
    pub id: String,
    pub ticket_id: String,
    /// The channel it leaves on: the conversation's, or email for a web form.
    pub channel: Channel,
    /// Where it goes: an email address, or a chat bridge's conversation id. `None` when
    /// the desk knows no way to reach the customer (the delivery is then `failed`).
    pub recipient: Option<String>,
    /// For email, the mailbox it is sent from (`None`: the server's default mailbox).
    pub mailbox: Option<String>,
    pub state: DeliveryState,
    /// Attempts made so far (a `sending` delivery counts its current one).
    pub attempts: u32,
    /// Why it failed, or why the last attempt did (while it waits to be retried).
    pub error: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
    #[ts(type = "number | null")]
    pub sent_at: Option<i64>,
    /// A `queued` delivery is tried at this time (after a transient failure, the retry's;
    /// `None`: at once); a `sending` one is given up by its worker at this time, and
    /// another may send it again, with the same Message-ID (a server killed mid-send).
    #[ts(type = "number | null")]
    pub next_attempt_at: Option<i64>,
}

impl Delivery {
    /// When the queue should look at it next: a `queued` one is due, a `sending` one's
    /// claim lapses. `None` once it is `sent` or `failed`: only a person moves it then.
    pub fn due_at(&self) -> Option<i64> {
        match self.state {
            DeliveryState::Queued | DeliveryState::Sending => {
                Some(self.next_attempt_at.unwrap_or(self.updated_at))
            }
            DeliveryState::Sent | DeliveryState::Failed => None,
        }
    }
}

/// How one attempt ended, as the channel's transport tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Handed over: the mail server took it, the bridge answered 2xx.
    Sent,
    /// Worth trying again (a timeout, a 4xx from a mail server, a 5xx from a bridge).
    Transient(String),
    /// Final (a 5xx from a mail server, a 4xx from a bridge, nowhere configured to send).
    Permanent(String),
}

/// A worker takes a due delivery: `sending`, one more attempt, its claim held for
/// `lease_ms`.
pub fn claim(delivery: &Delivery, now: i64, lease_ms: i64) -> Delivery {
    Delivery {
        state: DeliveryState::Sending,
        attempts: delivery.attempts + 1,
        updated_at: now,
        next_attempt_at: Some(now + lease_ms),
        ..delivery.clone()
    }
}

/// The delivery after attempt number `attempt` ended with `outcome`, or `None` when that
/// attempt no longer owns it (its claim lapsed and another worker took it, or a bounce
/// settled it meanwhile): a late answer never overwrites a newer state. A transient
/// failure is queued again on [`next_attempt_at`]'s schedule, until it gives up.
pub fn settle(
    delivery: &Delivery,
    attempt: u32,
    outcome: &AttemptOutcome,
    now: i64,
    give_up_after_ms: i64,
    jitter: f64,
) -> Option<Delivery> {
    if delivery.state != DeliveryState::Sending || delivery.attempts != attempt {
        return None;
    }
    let mut d = Delivery {
        updated_at: now,
        next_attempt_at: None,
        ..delivery.clone()
    };
    match outcome {
        AttemptOutcome::Sent => {
            d.state = DeliveryState::Sent;
            d.sent_at = Some(now);
            d.error = None;
        }
        AttemptOutcome::Transient(reason) => {
            d.error = Some(reason.clone());
            match next_attempt_at(attempt, delivery.created_at, now, give_up_after_ms, jitter) {
                Some(at) => {
                    d.state = DeliveryState::Queued;
                    d.next_attempt_at = Some(at);
                }
                None => d.state = DeliveryState::Failed,
            }
        }
        AttemptOutcome::Permanent(reason) => {
            d.state = DeliveryState::Failed;
            d.error = Some(reason.clone());
        }
    }
    Some(d)
}

/// A bounce came back for a delivery the mail server had taken: it failed after all, with
/// the bounce's reason, whatever state it reached.
pub fn bounced(delivery: &Delivery, reason: &str, now: i64) -> Delivery {
    Delivery {
        state: DeliveryState::Failed,
        error: Some(reason.to_owned()),
        updated_at: now,
        next_attempt_at: None,
        ..delivery.clone()
    }
}

/// How a ticket's customer is reached: the channel and address they last wrote from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub channel: Channel,
    /// An email address, or the bridge's conversation id.
    pub recipient: String,
    /// For email, the mailbox the customer wrote to.
    pub mailbox: Option<String>,
    /// For email, the Message-ID of the customer's last mail, then the ids it named
    /// (`In-Reply-To`, then `References` newest first): an answer's `In-Reply-To` and
    /// `References`, so the customer's mail client files it under what they wrote.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thread: Vec<String>,
}

/// The ids an email delivery's mail names as its parent and ancestors: the thread of the
/// ticket's route, when that route is email (a chat's conversation has none).
pub fn answer_thread(route: Option<Route>, delivery: &Delivery) -> Vec<String> {
    match route {
        Some(r) if r.channel == Channel::Email && delivery.channel == Channel::Email => r.thread,
        _ => Vec::new(),
    }
}

/// The channel a reply on `channel` leaves by: messengers and chat through their bridge,
/// everything else (email, the web form, a phone ticket) by email.
pub fn outbound_channel(channel: Channel) -> Channel {
    match channel {
        Channel::Chat | Channel::Telegram | Channel::Wechat => channel,
        Channel::Email | Channel::WebForm | Channel::Phone => Channel::Email,
    }
}

/// Whether `message` is one the desk sends to the customer: a public message by an agent
/// or by the desk itself.
pub fn is_outbound(message: &Message) -> bool {
    message.kind == MessageKind::PublicReply && message.author.kind != AuthorKind::Customer
}

/// The delivery to queue with `message`, or `None` when it is not sent (a note, a system
/// event, a customer's message). `route` is the ticket's, when a customer wrote in on a
/// channel; without one (a ticket an agent opened), email goes to the customer's first
/// address. With nowhere to send, the delivery is `failed` at once, so the agent sees
/// the reply did not reach anyone instead of a queue that never moves.
pub fn queue(
    message: &Message,
    ticket: &Ticket,
    route: Option<&Route>,
    customer_emails: &[String],
    now: i64,
) -> Option<Delivery> {
    if !is_outbound(message) {
        return None;
    }
    let channel = route.map_or(outbound_channel(ticket.channel), |r| r.channel);
    let (recipient, mailbox) = match route {
        Some(r) => (Some(r.recipient.clone()), r.mailbox.clone()),
        None if channel == Channel::Email => (customer_emails.first().cloned(), None),
        None => (None, None),
    };
    let (state, error) = match &recipient {
        Some(_) => (DeliveryState::Queued, None),
        None => (
            DeliveryState::Failed,
            Some(match channel {
                Channel::Email => "the customer has no email address".to_owned(),
                other => format!("no {other} conversation to answer on"),
            }),
        ),
    };
    Some(Delivery {
        id: message.id.clone(),
        ticket_id: ticket.id.clone(),
        channel,
        recipient,
        mailbox,
        state,
        attempts: 0,
        error,
        created_at: now,
        updated_at: now,
        sent_at: None,
        next_attempt_at: None,
    })
}

/// Longest email address accepted when an agent corrects a bounced one.
pub const MAX_ADDRESS_CHARS: usize = 254;

/// An email address plausible enough to hand to a mail server: one `@`, a local part and
/// a domain with a dot, no spaces, no control characters, no angle brackets or commas
/// (which would make it several addresses). The mail server has the final word.
pub fn check_email_address(address: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("{address:?} is not an email address: {why}"));
    if address.chars().count() > MAX_ADDRESS_CHARS {
        return bad("too long");
    }
    if address
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]\\".contains(c))
    {
        return bad("it holds a space or a character addresses cannot hold");
    }
    let Some((local, domain)) = address.split_once('@') else {
        return bad("no @");
    };
    if local.is_empty() || domain.contains('@') {
        return bad("one @ between a name and a domain");
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return bad("the domain needs a dot");
    }
    Ok(())
}

/// What an agent may do to a delivery: retry a failed one, on the same address or (email)
/// a corrected one. Returns the delivery queued again, with a whole retry window.
pub fn retry(delivery: &Delivery, recipient: Option<&str>, now: i64) -> Result<Delivery, Refusal> {
    if delivery.state != DeliveryState::Failed {
        return Err(Refusal::new(
            ErrorCode::Conflict,
            format!(
                "the reply {} is {}, not failed: only a failed delivery is retried",
                delivery.id, delivery.state
            ),
        ));
    }
    let bad = |reason: String| Refusal::new(ErrorCode::BadRequest, reason);
    let recipient = match recipient.map(str::trim) {
        Some(address) if delivery.channel == Channel::Email => {
            check_email_address(address).map_err(bad)?;
            Some(address.to_owned())
        }
        Some(_) => {
            return Err(bad(format!(
                "a {} reply goes back to its conversation; only an email address can be changed",
                delivery.channel
            )));
        }
        None => delivery.recipient.clone(),
    };
    if recipient.is_none() {
        return Err(bad(format!(
            "the reply {} has nowhere to go: give an email address to send it to",
            delivery.id
        )));
    }
    Ok(Delivery {
        recipient,
        state: DeliveryState::Queued,
        error: None,
        updated_at: now,
        next_attempt_at: None,
        created_at: now,
        ..delivery.clone()
    })
}

/// The retry schedule of the server's queue: a transient failure is tried again after a
/// delay that doubles from [`FIRST_RETRY_MS`] up to [`MAX_RETRY_DELAY_MS`], spread by
/// `jitter` (0.0–1.0, from the caller's randomness) over ±20%, until `give_up_after_ms`
/// has passed since the delivery was queued. `None`: stop, the failure is final.
pub fn next_attempt_at(
    attempts: u32,
    queued_at: i64,
    now: i64,
    give_up_after_ms: i64,
    jitter: f64,
) -> Option<i64> {
    let exponent = attempts.saturating_sub(1).min(20);
    let base = (FIRST_RETRY_MS << exponent).min(MAX_RETRY_DELAY_MS);
    let spread = (base as f64 * 0.4 * (jitter.clamp(0.0, 1.0) - 0.5)) as i64;
    let at = now + base + spread;
    (at - queued_at <= give_up_after_ms).then_some(at)
}

/// The first retry's delay.
pub const FIRST_RETRY_MS: i64 = 15_000;
/// The longest delay between two attempts.
pub const MAX_RETRY_DELAY_MS: i64 = 30 * 60_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Author, Category, Priority, TicketStatus};

    fn ticket(channel: Channel) -> Ticket {
        Ticket {
            id: "t1".into(),
            number: Some(7),
            subject: "提币未到账".into(),
            customer_id: "c1".into(),
            channel,
            status: TicketStatus::Open,
            priority: Priority::Normal,
            category: Category::FundsNotArrived,
            tags: vec![],
            assignee_id: None,
            group: None,
            language: "zh-CN".into(),
            first_response_due_at: None,
            resolution_due_at: None,
            linked_transaction_ids: vec![],
            incident_id: None,
            merged_into: None,
            csat: None,
            created_at: 1,
            updated_at: 1,
            last_message_at: 1,
            deleted_at: None,
            secret_exposed_at: None,
        }
    }

    fn message(kind: MessageKind, author: AuthorKind) -> Message {
        Message {
            id: "m1".into(),
            ticket_id: "t1".into(),
            kind,
            author: Author {
                kind: author,
                id: None,
                name: "A".into(),
            },
            body_text: "您好".into(),
            body_html: None,
            attachments: vec![],
            created_at: 5,
            quoted: None,
        }
    }

    #[test]
    fn only_public_messages_of_agents_and_the_desk_are_delivered() {
        let t = ticket(Channel::Email);
        let emails = ["li@example.cn".to_owned()];
        for (kind, author, sent) in [
            (MessageKind::PublicReply, AuthorKind::Agent, true),
            (MessageKind::PublicReply, AuthorKind::System, true),
            (MessageKind::PublicReply, AuthorKind::Customer, false),
            (MessageKind::InternalNote, AuthorKind::Agent, false),
            (MessageKind::SystemEvent, AuthorKind::System, false),
        ] {
            let d = queue(&message(kind, author), &t, None, &emails, 9);
            assert_eq!(
                d.is_some(),
                sent,
                "{kind} by {author}: notes and inbound messages never leave the desk"
            );
        }
    }

    #[test]
    fn a_reply_goes_back_where_the_customer_wrote_from() {
        let m = message(MessageKind::PublicReply, AuthorKind::Agent);
        let route = Route {
            channel: Channel::Telegram,
            recipient: "chat-42".into(),
            mailbox: None,
            thread: vec![],
        };
        let d = queue(&m, &ticket(Channel::Email), Some(&route), &[], 9).unwrap();
        assert_eq!(
            (d.channel, d.recipient.as_deref(), d.state),
            (Channel::Telegram, Some("chat-42"), DeliveryState::Queued),
            "the last channel the customer used is the one answered on"
        );
        let d = queue(
            &m,
            &ticket(Channel::Phone),
            None,
            &["li@example.cn".into()],
            9,
        )
        .unwrap();
        assert_eq!(
            (d.channel, d.recipient.as_deref()),
            (Channel::Email, Some("li@example.cn")),
            "a ticket opened by an agent is answered by email, to the customer's address"
        );
    }

    #[test]
    fn with_nowhere_to_send_the_delivery_fails_at_once_with_a_reason() {
        let m = message(MessageKind::PublicReply, AuthorKind::Agent);
        let d = queue(&m, &ticket(Channel::Email), None, &[], 9).unwrap();
        assert_eq!(d.state, DeliveryState::Failed);
        assert_eq!(
            d.error.as_deref(),
            Some("the customer has no email address")
        );
        let d = queue(&m, &ticket(Channel::Wechat), None, &[], 9).unwrap();
        assert_eq!(
            d.error.as_deref(),
            Some("no wechat conversation to answer on")
        );
    }

    #[test]
    fn a_failed_delivery_is_retried_on_a_corrected_address_only_for_email() {
        let m = message(MessageKind::PublicReply, AuthorKind::Agent);
        let mut d = queue(&m, &ticket(Channel::Email), None, &["old@x.cn".into()], 9).unwrap();
        assert!(
            retry(&d, None, 10).is_err(),
            "a queued delivery is not retried"
        );
        d.state = DeliveryState::Failed;
        d.error = Some("550 no such user".into());
        let again = retry(&d, Some("new@x.cn"), 10).unwrap();
        assert_eq!(
            (again.state, again.recipient.as_deref(), again.error),
            (DeliveryState::Queued, Some("new@x.cn"), None)
        );
        for bad in [
            "",
            "a b@x.cn",
            "x.cn",
            "a@b@x.cn",
            "a@localhost",
            "<a@x.cn>",
            "a@x.cn, b@y.cn",
        ] {
            assert!(retry(&d, Some(bad), 10).is_err(), "{bad:?} is refused");
        }
        d.channel = Channel::Telegram;
        assert!(
            retry(&d, Some("new@x.cn"), 10).is_err(),
            "a chat reply cannot be sent to an email address"
        );
    }

    #[test]
    fn a_claim_is_settled_only_by_the_attempt_that_holds_it() {
        let m = message(MessageKind::PublicReply, AuthorKind::Agent);
        let queued = queue(&m, &ticket(Channel::Email), None, &["li@x.cn".into()], 0).unwrap();
        assert_eq!(queued.due_at(), Some(0), "a new delivery is due at once");
        let sending = claim(&queued, 10, 60_000);
        assert_eq!(
            (sending.state, sending.attempts),
            (DeliveryState::Sending, 1)
        );
        assert_eq!(
            sending.due_at(),
            Some(60_010),
            "its claim lapses after the lease"
        );
        let day = 24 * 3_600_000;
        // A worker killed mid-send: another takes it again once the lease lapsed.
        let again = claim(&sending, 60_010, 60_000);
        assert_eq!(again.attempts, 2);
        assert_eq!(
            settle(&again, 1, &AttemptOutcome::Sent, 60_020, day, 0.5),
            None,
            "the first worker's late answer does not overwrite the second's attempt"
        );
        let sent = settle(&again, 2, &AttemptOutcome::Sent, 60_020, day, 0.5).unwrap();
        assert_eq!(
            (sent.state, sent.sent_at, sent.due_at()),
            (DeliveryState::Sent, Some(60_020), None)
        );
        let retry = settle(
            &again,
            2,
            &AttemptOutcome::Transient("421 try later".into()),
            60_020,
            day,
            0.5,
        )
        .unwrap();
        assert_eq!(
            retry.state,
            DeliveryState::Queued,
            "a transient failure is retried"
        );
        assert_eq!(
            retry.error.as_deref(),
            Some("421 try later"),
            "and says why it waits"
        );
        assert!(retry.due_at().unwrap() > 60_020);
        let failed = settle(
            &again,
            2,
            &AttemptOutcome::Permanent("550 no such user".into()),
            60_020,
            day,
            0.5,
        )
        .unwrap();
        assert_eq!(failed.state, DeliveryState::Failed);
        let late = settle(
            &again,
            2,
            &AttemptOutcome::Transient("timeout".into()),
            day + 1,
            day,
            0.5,
        )
        .unwrap();
        assert_eq!(
            late.state,
            DeliveryState::Failed,
            "past the window it gives up"
        );
        let b = bounced(&sent, "550 5.1.1 user unknown", 70_000);
        assert_eq!(
            (b.state, b.error.as_deref()),
            (DeliveryState::Failed, Some("550 5.1.1 user unknown"))
        );
    }

    #[test]
    fn retries_back_off_and_stop_after_the_window() {
        let day = 24 * 3_600_000;
        assert_eq!(next_attempt_at(1, 0, 0, day, 0.5), Some(FIRST_RETRY_MS));
        assert_eq!(next_attempt_at(2, 0, 0, day, 0.5), Some(2 * FIRST_RETRY_MS));
        assert_eq!(
            next_attempt_at(30, 0, 0, day, 0.5),
            Some(MAX_RETRY_DELAY_MS),
            "the delay is capped"
        );
        let low = next_attempt_at(3, 0, 0, day, 0.0).unwrap();
        let high = next_attempt_at(3, 0, 0, day, 1.0).unwrap();
        assert!(
            low < 4 * FIRST_RETRY_MS && high > 4 * FIRST_RETRY_MS,
            "jitter spreads retries of many deliveries that failed together"
        );
        assert_eq!(
            next_attempt_at(5, 0, day - 1_000, day, 0.5),
            None,
            "past the window a failure is final"
        );
    }
}

//! The outbound delivery queue on each backend (DESIGN.md §11): a delivery is written with
//! its public message, claimed once, settled only by the attempt that holds it, retried by
//! an agent, and handed to a real bridge over HTTP.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use desk_core::delivery::AttemptOutcome;
use desk_core::wire::{BridgeMessage, Change};
use desk_core::{Channel, Delivery, DeliveryState, ErrorCode, MutationOp, MutationResult};
use desk_server::Storage;
use desk_server::config::Bridge;
use desk_server::delivery::{Transports, deliver_once};
use desk_server::storage::Settlement;

use super::everything;
use super::ingest::{MESSAGES, SEED, config, ingest, message};
use super::push::{Console, app_with_ticket, customer, note, reply};
use crate::support::{T0, TestApp};

const LEASE: i64 = 60_000;
const DAY: i64 = 24 * 3_600_000;

fn deliveries(feed: &[Change]) -> Vec<Delivery> {
    feed.iter()
        .filter_map(|c| match c {
            Change::Delivery(d) => Some(d.clone()),
            _ => None,
        })
        .collect()
}

/// The app of `app_with_ticket`, its ticket an email one and its customer with an
/// address.
async fn app_with_reachable_customer(storage: Arc<dyn Storage>) -> TestApp {
    let app = app_with_ticket(storage).await;
    let mut c1 = customer("c1");
    c1.emails = vec!["wang.fang@example.cn".into()];
    let mut t1 = super::ticket("t1", None);
    t1.channel = Channel::Email;
    app.storage
        .write_records(vec![Change::Customer(c1), Change::Ticket(t1)])
        .await
        .expect("give the customer an address");
    app
}

pub async fn a_public_reply_is_queued_with_its_message_and_a_note_is_not(
    storage: Arc<dyn Storage>,
) {
    let app = app_with_reachable_customer(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let answer = reply("t1", "您好，这笔提币已在链上确认。", Some("m1"));
    let MutationOp::Reply { message_id, .. } = &answer else {
        unreachable!()
    };
    let message_id = message_id.clone();
    let results = lin
        .push(&app, vec![answer, note("t1", "客户是 VIP，注意跟进")])
        .await;
    assert_eq!(results, vec![MutationResult::Applied; 2]);
    let queued = deliveries(&everything(app.storage.as_ref()).await);
    assert_eq!(
        queued.len(),
        1,
        "the reply is delivered, the note never: {queued:?}"
    );
    let d = &queued[0];
    assert_eq!(
        (d.id.as_str(), d.ticket_id.as_str(), d.state, d.channel),
        (
            message_id.as_str(),
            "t1",
            DeliveryState::Queued,
            Channel::Email
        ),
        "one delivery per reply, keyed by its message, queued"
    );
    assert_eq!(
        d.recipient.as_deref(),
        Some("wang.fang@example.cn"),
        "a ticket no customer wrote in on is answered at the customer's address"
    );

    // A customer with no address: the reply is stored, and its delivery says it went nowhere.
    let mut t2 = super::ticket("t2", None);
    t2.customer_id = "c2".into();
    t2.channel = Channel::Phone;
    app.storage
        .write_records(vec![Change::Customer(customer("c2")), Change::Ticket(t2)])
        .await
        .expect("write a ticket of a customer with no address");
    lin.push(&app, vec![reply("t2", "请问您的订单号？", None)])
        .await;
    let failed: Vec<Delivery> = deliveries(&everything(app.storage.as_ref()).await)
        .into_iter()
        .filter(|d| d.ticket_id == "t2")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (failed[0].state, failed[0].error.as_deref()),
        (
            DeliveryState::Failed,
            Some("the customer has no email address")
        ),
        "nowhere to send is said at once, not left queued for ever"
    );
}

pub async fn due_deliveries_are_claimed_once_and_settled_only_by_their_attempt(
    storage: Arc<dyn Storage>,
) {
    let app = app_with_reachable_customer(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    lin.push(&app, vec![reply("t1", "已为您加急处理。", Some("m1"))])
        .await;
    let now = T0 + 10;
    let claimed = app.storage.claim_deliveries(now, LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 1, "the queued reply is due");
    let c = &claimed[0];
    assert_eq!(
        (c.delivery.state, c.delivery.attempts),
        (DeliveryState::Sending, 1)
    );
    assert_eq!(
        c.message.id, c.delivery.id,
        "the claim carries the message to send"
    );
    assert_eq!(c.ticket.id, "t1");
    assert_eq!(
        c.customer.as_ref().map(|c| c.id.as_str()),
        Some("c1"),
        "and its customer"
    );
    assert!(
        app.storage
            .claim_deliveries(now, LEASE, 10)
            .await
            .unwrap()
            .is_empty(),
        "a claimed delivery is not claimed again while its lease holds"
    );
    let in_feed = deliveries(&everything(app.storage.as_ref()).await);
    assert_eq!(
        in_feed[0].state,
        DeliveryState::Sending,
        "consoles see it sending"
    );

    // The worker died: the lease lapses and another attempt takes it.
    let later = now + LEASE;
    let again = app
        .storage
        .claim_deliveries(later, LEASE, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "a lapsed claim is taken again");
    assert_eq!(again[0].delivery.attempts, 2);
    let settle = |attempt, outcome| Settlement {
        id: c.delivery.id.clone(),
        attempt,
        outcome,
        jitter: 0.5,
    };
    let answers = app
        .storage
        .settle_deliveries(
            vec![
                settle(1, AttemptOutcome::Transient("timeout".into())),
                settle(2, AttemptOutcome::Sent),
            ],
            later + 5,
            DAY,
        )
        .await
        .unwrap();
    assert!(
        answers[0].is_none(),
        "the dead worker's late answer changes nothing"
    );
    let sent = answers[1].as_ref().expect("the live attempt settles it");
    assert_eq!(
        (sent.state, sent.sent_at),
        (DeliveryState::Sent, Some(later + 5))
    );
    assert_eq!(
        deliveries(&everything(app.storage.as_ref()).await)[0].state,
        DeliveryState::Sent,
        "consoles see it sent"
    );
    assert!(
        app.storage
            .claim_deliveries(later + DAY, LEASE, 10)
            .await
            .unwrap()
            .is_empty(),
        "a sent delivery is never claimed again"
    );
    let unknown = app
        .storage
        .settle_deliveries(
            vec![Settlement {
                id: "no-such".into(),
                attempt: 1,
                outcome: AttemptOutcome::Sent,
                jitter: 0.5,
            }],
            later,
            DAY,
        )
        .await
        .unwrap();
    assert_eq!(
        unknown,
        vec![None],
        "an unknown delivery is no error, and no change"
    );
}

pub async fn concurrent_claims_never_take_the_same_delivery(storage: Arc<dyn Storage>) {
    let app = app_with_reachable_customer(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let ops = (0..40)
        .map(|i| reply("t1", &format!("第 {i} 条回复"), Some("m1")))
        .collect();
    // The agent's own replies never hold each other.
    let results = lin.push(&app, ops).await;
    assert!(
        results.iter().all(|r| *r == MutationResult::Applied),
        "{results:?}"
    );
    let claimers = (0..4).map(|_| {
        let storage = app.storage.clone();
        tokio::spawn(async move {
            let mut taken = vec![];
            loop {
                let batch = storage.claim_deliveries(T0 + 10, LEASE, 3).await.unwrap();
                if batch.is_empty() {
                    return taken;
                }
                taken.extend(batch.into_iter().map(|c| c.delivery.id));
            }
        })
    });
    let mut all = vec![];
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 40, "every delivery was claimed: {}", all.len());
    assert_eq!(unique.len(), 40, "and none by two claimers at once");
}

pub async fn an_agent_retries_a_failed_delivery_on_a_corrected_address(storage: Arc<dyn Storage>) {
    let app = app_with_reachable_customer(storage).await;
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let answer = reply("t1", "附上操作指引。", Some("m1"));
    let MutationOp::Reply { message_id, .. } = &answer else {
        unreachable!()
    };
    let message_id = message_id.clone();
    lin.push(&app, vec![answer]).await;
    let retry = |recipient: Option<&str>| MutationOp::RetryDelivery {
        ticket_id: "t1".into(),
        message_id: message_id.clone(),
        recipient: recipient.map(str::to_owned),
    };
    let refused = lin.push(&app, vec![retry(None)]).await;
    assert!(
        matches!(
            &refused[0],
            MutationResult::Rejected {
                code: ErrorCode::Conflict,
                ..
            }
        ),
        "a queued delivery is not retried: {refused:?}"
    );
    let claimed = app
        .storage
        .claim_deliveries(T0 + 10, LEASE, 10)
        .await
        .unwrap();
    app.storage
        .settle_deliveries(
            vec![Settlement {
                id: message_id.clone(),
                attempt: claimed[0].delivery.attempts,
                outcome: AttemptOutcome::Permanent("550 5.1.1 user unknown".into()),
                jitter: 0.5,
            }],
            T0 + 20,
            DAY,
        )
        .await
        .unwrap();
    let bad = lin.push(&app, vec![retry(Some("not an address"))]).await;
    assert!(
        matches!(
            &bad[0],
            MutationResult::Rejected {
                code: ErrorCode::BadRequest,
                ..
            }
        ),
        "a corrected address must be an address: {bad:?}"
    );
    let elsewhere = lin
        .push(
            &app,
            vec![MutationOp::RetryDelivery {
                ticket_id: "t1".into(),
                message_id: "m1".into(),
                recipient: None,
            }],
        )
        .await;
    assert!(
        matches!(
            &elsewhere[0],
            MutationResult::Rejected {
                code: ErrorCode::NotFound,
                ..
            }
        ),
        "the customer's own message has no delivery to retry: {elsewhere:?}"
    );
    let ok = lin
        .push(&app, vec![retry(Some("wang.fang@example.com"))])
        .await;
    assert_eq!(ok, vec![MutationResult::Applied]);
    let d = deliveries(&everything(app.storage.as_ref()).await).remove(0);
    assert_eq!(
        (d.state, d.recipient.as_deref(), d.error),
        (DeliveryState::Queued, Some("wang.fang@example.com"), None),
        "queued again, to the corrected address"
    );
    let retaken = app
        .storage
        .claim_deliveries(T0 + 30, LEASE, 10)
        .await
        .unwrap();
    assert_eq!(retaken.len(), 1, "and the queue takes it again");
}

/// What a bridge received: the headers and body of each POST.
type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A real HTTP bridge on a free port that answers every POST with `status`.
async fn bridge(status: Arc<Mutex<StatusCode>>) -> (String, Received) {
    let received: Received = Arc::default();
    let seen = received.clone();
    let router = axum::Router::new().route(
        "/outbound",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let seen = seen.clone();
            let status = status.clone();
            async move {
                seen.lock().unwrap().push((headers, body.to_vec()));
                let status = *status.lock().unwrap();
                (status, "chat 42 was closed by the customer")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/outbound", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, received)
}

const BRIDGE_SECRET: &[u8] = b"a-bridge-secret-of-thirty-two-bytes!!";

pub async fn a_bridge_receives_signed_replies_and_its_refusal_fails_the_delivery(
    storage: Arc<dyn Storage>,
) {
    let status = Arc::new(Mutex::new(StatusCode::OK));
    let (url, received) = bridge(status.clone()).await;
    let mut config = config();
    config.bridges = vec![Bridge {
        channel: Channel::Telegram,
        url,
        secret: BRIDGE_SECRET.to_vec(),
    }];
    let app = TestApp::with_storage_and_config(storage, config);
    let transports = Transports::from_config(app.state.config()).unwrap();

    // A customer pastes a seed phrase on telegram: the automatic warning goes back there.
    let answer = ingest(
        &app,
        MESSAGES,
        message("chat-42", "1", "u-42", &format!("助记词 {SEED} 怎么办")),
    )
    .await;
    let ticket_id = answer["ticket_id"].as_str().unwrap().to_owned();
    // The desk's warning is the last thing the agent saw.
    let customers = format!("{}-warning", answer["message_id"].as_str().unwrap());
    assert_eq!(deliver_once(&app.state, &transports).await.unwrap(), 1);
    let posts = received.lock().unwrap().clone();
    assert_eq!(posts.len(), 1, "the bridge received the warning");
    let (headers, body) = &posts[0];
    let sent: BridgeMessage = serde_json::from_slice(body).unwrap();
    assert_eq!(
        (
            sent.channel,
            sent.conversation_id.as_str(),
            sent.ticket_id.as_str()
        ),
        (Channel::Telegram, "chat-42", ticket_id.as_str()),
        "to the conversation the customer wrote in"
    );
    assert!(
        sent.text.contains("助记词"),
        "the warning in the customer's language"
    );
    assert!(
        !body.windows(7).any(|w| w == b"abandon"),
        "and never the secret"
    );
    assert_eq!(
        headers["idempotency-key"].to_str().unwrap(),
        sent.message_id,
        "the message id is the idempotency key"
    );
    let expected = desk_server::ingest::sign(
        BRIDGE_SECRET,
        headers["x-desk-timestamp"].to_str().unwrap(),
        headers["x-desk-nonce"].to_str().unwrap(),
        body,
    );
    assert_eq!(
        headers["x-desk-signature"].to_str().unwrap(),
        expected,
        "signed with the bridge's secret as ingestion is"
    );
    let feed = everything(app.storage.as_ref()).await;
    let d = deliveries(&feed).remove(0);
    assert_eq!(d.state, DeliveryState::Sent, "a 2xx answer is sent");

    // An agent answers; the bridge refuses it with a 4xx: failed, with its reason.
    app.add_agent("amy@desk.test", desk_core::Role::Agent).await;
    let mut amy = Console::sign_in(&app, "amy@desk.test").await;
    *status.lock().unwrap() = StatusCode::GONE;
    let pushed = amy
        .push(
            &app,
            vec![reply(
                &ticket_id,
                "请立即转移资产到新钱包。",
                Some(&customers),
            )],
        )
        .await;
    assert_eq!(pushed, vec![MutationResult::Applied]);
    assert_eq!(deliver_once(&app.state, &transports).await.unwrap(), 1);
    let refused = deliveries(&everything(app.storage.as_ref()).await)
        .into_iter()
        .find(|d| d.id != sent.message_id)
        .unwrap();
    assert_eq!(refused.state, DeliveryState::Failed, "a 4xx is final");
    assert_eq!(
        refused.error.as_deref(),
        Some("the telegram bridge answered 410: chat 42 was closed by the customer"),
        "and the agent is told why"
    );

    // A bridge that is down: the delivery waits for a retry, saying why.
    *status.lock().unwrap() = StatusCode::BAD_GATEWAY;
    amy.push(&app, vec![reply(&ticket_id, "您好？", Some(&customers))])
        .await;
    deliver_once(&app.state, &transports).await.unwrap();
    let waiting = deliveries(&everything(app.storage.as_ref()).await)
        .into_iter()
        .find(|d| d.state == DeliveryState::Queued)
        .expect("a 5xx is retried");
    assert!(
        waiting.next_attempt_at.is_some_and(|at| at > T0)
            && waiting.error.as_deref().is_some_and(|e| e.contains("502")),
        "later, with the reason it waits: {waiting:?}"
    );
}

pub async fn an_email_reply_reaches_a_real_mail_server_threaded_to_its_ticket(
    storage: Arc<dyn Storage>,
) {
    let sink = tokio::task::spawn_blocking(testsupport::mail::SmtpSink::start)
        .await
        .unwrap();
    let mut config = desk_server::Config::for_tests();
    config.mailboxes = vec![desk_server::config::Mailbox {
        address: "support@wallet.example".into(),
        name: Some("钱包客服".into()),
        imap: desk_mail::MailboxUrl::parse("imap://support:pw@127.0.0.1:1/INBOX").unwrap(),
        smtp: desk_mail::MailboxUrl::parse(&sink.url()).unwrap(),
        group: None,
    }];
    let app = super::push::app_with_ticket_and_config(storage, config).await;
    let mut c1 = customer("c1");
    c1.emails = vec!["wang.fang@example.cn".into()];
    let mut t1 = super::ticket("t1", None);
    t1.channel = Channel::Email;
    app.storage
        .write_records(vec![Change::Customer(c1), Change::Ticket(t1)])
        .await
        .unwrap();
    let transports = Transports::from_config(app.state.config()).unwrap();
    let mut lin = Console::sign_in(&app, "lin.wei@desk.test").await;
    let answer = reply(
        "t1",
        "您好，您的 USDT 提币已到账，交易哈希见附件说明。",
        Some("m1"),
    );
    let MutationOp::Reply { message_id, .. } = &answer else {
        unreachable!()
    };
    let message_id = message_id.clone();
    lin.push(&app, vec![answer]).await;
    assert_eq!(deliver_once(&app.state, &transports).await.unwrap(), 1);
    let received = tokio::task::spawn_blocking(move || {
        let mails = sink.wait_for(1, std::time::Duration::from_secs(10));
        (mails, sink.envelopes())
    })
    .await
    .unwrap();
    let (mails, envelopes) = received;
    assert_eq!(mails.len(), 1, "the mail server received the reply");
    assert_eq!(
        envelopes[0].rcpt_to,
        vec!["wang.fang@example.cn".to_owned()],
        "addressed to the customer"
    );
    let parsed = desk_mail::parse(&mails[0], &desk_mail::Limits::default()).unwrap();
    assert_eq!(
        parsed.message_id.as_deref(),
        Some(format!("{message_id}@wallet.example").as_str()),
        "the Message-ID is the message's, the same on every attempt"
    );
    assert_eq!(
        parsed.subject, "Re: [#1] 充值未到账",
        "the subject threads by the ticket's number"
    );
    assert_eq!(
        parsed.from.email, "support@wallet.example",
        "sent from the mailbox"
    );
    assert!(
        parsed.text.contains("提币已到账"),
        "the reply's Chinese text arrives readable: {:?}",
        parsed.text
    );
    let d = deliveries(&everything(app.storage.as_ref()).await).remove(0);
    assert_eq!(d.state, DeliveryState::Sent, "and the delivery says so");
}

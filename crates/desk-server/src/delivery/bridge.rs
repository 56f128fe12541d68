//! The outbound side of a chat or messenger bridge: each public message on one of its
//! conversations is POSTed to the bridge as a [`BridgeMessage`], signed with the bridge's
//! secret as ingestion requests are signed with theirs, with the message id as the
//! idempotency key.

use std::time::Duration;

use async_trait::async_trait;
use desk_core::delivery::AttemptOutcome;
use desk_core::wire::BridgeMessage;

use super::Transport;
use crate::config::Bridge;
use crate::ingest::signature::{NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use crate::storage::ClaimedDelivery;

/// Most of a refusing bridge's answer kept as the delivery's reason.
const MAX_REASON_CHARS: usize = 300;

pub struct BridgeTransport {
    bridge: Bridge,
    http: reqwest::Client,
}

impl BridgeTransport {
    pub fn new(bridge: Bridge, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            // A bridge answers; it does not send the server elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self { bridge, http }
    }
}

/// The message as the bridge receives it.
pub fn payload(c: &ClaimedDelivery) -> BridgeMessage {
    BridgeMessage {
        message_id: c.message.id.clone(),
        channel: c.delivery.channel,
        conversation_id: c.delivery.recipient.clone().unwrap_or_default(),
        ticket_id: c.ticket.id.clone(),
        ticket_number: c.ticket.number,
        author_name: c.message.author.name.clone(),
        text: c.message.body_text.clone(),
        html: c.message.body_html.clone(),
        attachments: c.message.attachments.clone(),
        created_at: c.message.created_at,
    }
}

#[async_trait]
impl Transport for BridgeTransport {
    async fn send(&self, claimed: &ClaimedDelivery) -> AttemptOutcome {
        let body = match serde_json::to_vec(&payload(claimed)) {
            Ok(body) => body,
            Err(e) => return AttemptOutcome::Permanent(format!("encode the message: {e}")),
        };
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .to_string();
        // Fresh per attempt: a bridge may remember nonces as the server does.
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let signature = sign(&self.bridge.secret, &timestamp, &nonce, &body);
        let answer = self
            .http
            .post(&self.bridge.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &claimed.message.id)
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(NONCE_HEADER, &nonce)
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        let response = match answer {
            Ok(response) => response,
            Err(e) => {
                return AttemptOutcome::Transient(format!(
                    "the {} bridge could not be reached: {}",
                    self.bridge.channel,
                    without_url(e)
                ));
            }
        };
        let status = response.status();
        if status.is_success() {
            return AttemptOutcome::Sent;
        }
        let text = response.text().await.unwrap_or_default();
        let reason = format!(
            "the {} bridge answered {}: {}",
            self.bridge.channel,
            status.as_u16(),
            text.trim()
                .chars()
                .take(MAX_REASON_CHARS)
                .collect::<String>()
        );
        if status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS {
            AttemptOutcome::Permanent(reason)
        } else {
            AttemptOutcome::Transient(reason)
        }
    }
}

/// reqwest's error text without the URL, which may carry a token in its query.
fn without_url(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".into()
    } else if e.is_connect() {
        "connection refused or unreachable".into()
    } else {
        e.without_url().to_string()
    }
}

//! Ingestion (DESIGN.md §11): platform events (customers, wallet transactions and their
//! confirmation changes) and inbound customer messages from channel bridges, over
//! HMAC-signed requests.
//!
//! A request is authenticated ([`signature`]) before its body is even parsed, then
//! validated ([`validate`]), then handed to [`Storage::ingest`]: one transaction that
//! records the nonce (a replay is refused there, across instances), decides each item
//! ([`decide`]) on what it finds, writes the records through the change feed (so consoles
//! pull them like any other change) and appends the audit rows.
//! Transport-neutral: no HTTP types; must not depend on a storage backend.

pub mod decide;
pub mod form;
pub mod limit;
pub mod mail;
pub mod signature;
pub mod validate;

use desk_core::wire::{
    InboundMessage, InboundMessageResponse, IngestEventResult, IngestEventsRequest,
    IngestEventsResponse,
};
use serde::de::DeserializeOwned;

pub use decide::{Conversation, Decision, Facts, IngestItem, IngestOutcome, Lookups, decide};
pub use signature::{SignedHeaders, sign};

use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::storage::IngestBatch;

/// Largest ingestion request body, in bytes: a message's text is bounded far below it.
pub const BODY_LIMIT: usize = 256 * 1024;

/// What storage answers when a nonce was seen before.
pub const REPLAYED: &str = "the nonce was already used; sign every request with a fresh nonce";

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::BadRequest(format!("invalid json body: {e}")))
}

fn fresh_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Authenticates, then stores `items` made from the parsed body.
async fn ingest<T: DeserializeOwned>(
    state: &AppState,
    headers: SignedHeaders<'_>,
    body: &[u8],
    items: impl FnOnce(T) -> Result<Vec<IngestItem>>,
) -> Result<Vec<IngestOutcome>> {
    let now = state.now_ms();
    let config = state.config();
    let signed = signature::authenticate(
        &config.ingest_secrets,
        config.ingest_window,
        now,
        headers,
        body,
    )?;
    let items = items(parse(body)?)?;
    // Limited after the signature (an unsigned flood costs an HMAC, not a bucket) and
    // before the nonce is recorded (a refused request may be sent again as it is).
    let conversations: Vec<(String, &str)> = items
        .iter()
        .filter_map(|item| match item {
            IngestItem::Message { message, .. } => Some((
                format!("{}:{}", message.channel.as_str(), message.conversation_id),
                message.customer.platform_user_id.as_str(),
            )),
            IngestItem::Event { .. } | IngestItem::Mail { .. } | IngestItem::Bounce { .. } => None,
        })
        .collect();
    let mut buckets = vec![(limit::Bucket::Sender, signed.key_id.as_str())];
    for (conversation, customer) in &conversations {
        buckets.push((limit::Bucket::Conversation, conversation.as_str()));
        buckets.push((limit::Bucket::Customer, customer));
    }
    state
        .ingest_limiter()
        .take(&buckets, now)
        .map_err(|retry_after_secs| Error::RateLimited { retry_after_secs })?;
    drop(buckets);
    let receipt = state
        .storage()
        .ingest(IngestBatch {
            nonce: signed.nonce,
            nonce_expires_at: signed.nonce_expires_at,
            now,
            actor: Actor::Ingest(signed.key_id),
            items,
            mailbox_place: None,
        })
        .await?;
    Ok(receipt.outcomes)
}

/// `POST /ingest/events`.
pub async fn events(
    state: &AppState,
    headers: SignedHeaders<'_>,
    body: &[u8],
) -> Result<IngestEventsResponse> {
    let outcomes = ingest(state, headers, body, |request: IngestEventsRequest| {
        validate::events(&request.events)?;
        Ok(request
            .events
            .into_iter()
            .map(|event| IngestItem::Event {
                event,
                fresh_customer_id: fresh_id(),
            })
            .collect())
    })
    .await?;
    let results = outcomes
        .into_iter()
        .map(|outcome| match outcome {
            IngestOutcome::Event(result) => Ok(result),
            IngestOutcome::Message(_) | IngestOutcome::Dropped { .. } => Err(unexpected()),
        })
        .collect::<Result<Vec<IngestEventResult>>>()?;
    Ok(IngestEventsResponse { results })
}

/// `POST /ingest/messages`.
pub async fn message(
    state: &AppState,
    headers: SignedHeaders<'_>,
    body: &[u8],
) -> Result<InboundMessageResponse> {
    let outcomes = ingest(state, headers, body, |message: InboundMessage| {
        validate::message(&message)?;
        Ok(vec![IngestItem::Message {
            message,
            fresh_customer_id: fresh_id(),
            fresh_ticket_id: fresh_id(),
        }])
    })
    .await?;
    match outcomes.into_iter().next() {
        Some(IngestOutcome::Message(answer)) => Ok(answer),
        _ => Err(unexpected()),
    }
}

fn unexpected() -> Error {
    Error::Internal("storage answered an ingestion with the wrong kind of outcome".into())
}

//! Deliveries (DESIGN.md §11): how far each public reply got on its way to the customer,
//! as the server's feed tells it (`Change::Delivery`, queued → sending → sent or failed).
//!
//! A delivery is keyed by its message's id and kept whole as JSON, with its ticket beside
//! it: the conversation reads a ticket's deliveries in one range, and they leave with the
//! ticket's conversation (out of scope, deleted, evicted). One may arrive before its
//! message (a page boundary between them, a message still on its way); it is kept, and
//! shows once the message is cached.
//!
//! The agent's own retry (`MutationOp::RetryDelivery`) is the server's to decide; until it
//! answers, the conversation shows the delivery as the retry would queue it
//! ([`desk_core::delivery::retry`] on the cached state, as the ticket's pending work is
//! replayed on its confirmed state), so a second click cannot queue a second retry.

use std::collections::HashMap;

use desk_core::delivery::{self, Delivery};
use desk_core::{ErrorCode, MutationOp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::records::{MESSAGE_COLUMNS, MessageRow, json, parse};
use crate::{Error, Result};

/// Schema step 12.
pub(crate) const MIGRATION: &str = r#"
    CREATE TABLE deliveries (
        id        TEXT PRIMARY KEY,   -- the message's id
        ticket_id TEXT NOT NULL,
        body      TEXT NOT NULL       -- desk_core::Delivery, JSON
    ) STRICT;
    CREATE INDEX deliveries_by_ticket ON deliveries(ticket_id);
"#;

/// A pulled delivery: the feed brings every state change whole and in the server's
/// order, so the latest one written is the newest.
pub(crate) fn put(conn: &Connection, d: &Delivery) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO deliveries(id, ticket_id, body) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET ticket_id = excluded.ticket_id, body = excluded.body",
    )?
    .execute(params![d.id, d.ticket_id, json(d)])?;
    Ok(())
}

/// Every delivery of a ticket whose conversation the cache forgets (left scope, deleted).
pub(crate) fn forget_ticket(conn: &Connection, ticket_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM deliveries WHERE ticket_id = ?1")?
        .execute([ticket_id])?;
    Ok(())
}

/// The deliveries of an evicted conversation's messages: those of the messages it keeps
/// stay, the rest go with their messages.
pub(crate) fn forget_evicted(conn: &Connection, ticket_id: &str) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM deliveries WHERE ticket_id = ?1
           AND id NOT IN (SELECT id FROM messages WHERE ticket_id = ?1)",
    )?
    .execute([ticket_id])?;
    Ok(())
}

/// A ticket's deliveries by message id, as the conversation shows them: as pulled, with
/// the agent's queued retries on top.
pub(crate) fn of_ticket(conn: &Connection, ticket_id: &str) -> Result<HashMap<String, Delivery>> {
    let mut out = HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT id, body FROM deliveries WHERE ticket_id = ?1")?;
    for row in stmt.query_map([ticket_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (id, body) = row?;
        let d: Delivery = parse("delivery", &id, &body)?;
        out.insert(id, d);
    }
    for m in crate::local::replayed_for(conn, ticket_id)? {
        if let MutationOp::RetryDelivery {
            message_id,
            recipient,
            ..
        } = &m.op
            && let Some(d) = out.get_mut(message_id)
            // Refused: the server moved it meanwhile (its answer is on the way); what it
            // sent is what is shown.
            && let Ok(queued) = delivery::retry(d, recipient.as_deref(), m.created_at)
        {
            *d = queued;
        }
    }
    Ok(out)
}

/// The plan step of an agent's retry: the message is cached on that ticket, it is a reply
/// the desk sends, and the rules would retry its delivery as it shows now
/// ([`desk_core::delivery::retry`]: only a failed one, a corrected address only for
/// email). The server checks again against its own state and has the last word.
pub(crate) fn check_retry(
    conn: &Connection,
    ticket_id: &str,
    message_id: &str,
    recipient: Option<&str>,
    now_ms: i64,
) -> Result<()> {
    let not_found = || Error::MessageNotFound {
        ticket: ticket_id.to_owned(),
        message: message_id.to_owned(),
    };
    let message = conn
        .prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"
        ))?
        .query_row([message_id], MessageRow::read)
        .optional()?
        .ok_or_else(not_found)?
        .into_message()?;
    if message.ticket_id != ticket_id {
        return Err(not_found());
    }
    let refused = |code, reason: String| Error::Refused(desk_core::apply::Refusal { code, reason });
    if !delivery::is_outbound(&message) {
        return Err(refused(
            ErrorCode::BadRequest,
            format!(
                "message {message_id} is not sent to the customer: only a public reply has a delivery"
            ),
        ));
    }
    let Some(current) = of_ticket(conn, ticket_id)?.remove(message_id) else {
        return Err(refused(
            ErrorCode::Conflict,
            format!(
                "the reply {message_id} has not reached the server yet: there is no delivery to retry"
            ),
        ));
    };
    delivery::retry(&current, recipient, now_ms)?;
    Ok(())
}

impl crate::Store {
    /// The ticket a cached message belongs to: what a retry names when the agent gave only
    /// the message (`desk resend`).
    pub fn message_ticket(&self, message_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT ticket_id FROM messages WHERE id = ?1")?
            .query_row([message_id], |r| r.get(0))
            .optional()?)
    }
}

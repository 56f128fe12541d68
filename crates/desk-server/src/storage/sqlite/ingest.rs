//! Ingestion on SQLite: the nonce, the facts [`crate::ingest::decide`] asks for, and the
//! records, threads and audit rows its decisions name, in one transaction.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::Ctx;
use super::audit::append as audit;
use super::push::parse;
use super::records::{FeedWriter, TicketNumbers, write_record};
use crate::error::{Error, Result};
use crate::ingest::{self, Conversation, Facts, Lookups};
use crate::storage::{IngestBatch, IngestReceipt, refuse_nul};

pub(super) fn ingest(conn: &mut Connection, batch: IngestBatch) -> Result<IngestReceipt> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin ingest")?;
    let fresh = tx
        .prepare_cached(
            "INSERT INTO ingest_nonces (nonce, expires_at) VALUES (?1, ?2)
             ON CONFLICT (nonce) DO NOTHING",
        )
        .and_then(|mut s| s.execute(params![batch.nonce, batch.nonce_expires_at]))
        .ctx("remember nonce")?;
    if fresh == 0 {
        return Err(Error::Unauthorized(ingest::REPLAYED));
    }
    let mut feed = FeedWriter::begin(&tx)?;
    let mut numbers = TicketNumbers::default();
    let mut outcomes = Vec::with_capacity(batch.items.len());
    let mut audited = Vec::with_capacity(batch.items.len());
    for (index, item) in batch.items.iter().enumerate() {
        let facts = facts(&tx, item.lookups())?;
        let decision = ingest::decide(index, item, facts, batch.now, &batch.actor, &batch.nonce)?;
        for blob in &decision.blobs {
            super::delivery::insert_blob(&tx, blob)?;
        }
        let stored = decision
            .writes
            .iter()
            .map(|record| {
                refuse_nul(record)?;
                write_record(&tx, &mut feed, &mut numbers, record.clone())
            })
            .collect::<Result<Vec<_>>>()?;
        if let Some((channel, conversation_id, thread)) = &decision.thread {
            tx.prepare_cached(
                "INSERT INTO ingest_conversations (channel, conversation_id, customer_id, ticket_id)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (channel, conversation_id) DO UPDATE
                     SET customer_id = excluded.customer_id, ticket_id = excluded.ticket_id",
            )
            .and_then(|mut s| {
                s.execute(params![
                    channel.as_str(),
                    conversation_id,
                    thread.customer_id,
                    thread.ticket_id
                ])
            })
            .ctx("thread conversation")?;
        }
        if let Some((header_id, ticket_id)) = &decision.mail_thread {
            tx.prepare_cached(
                "INSERT INTO mail_threads (header_id, ticket_id) VALUES (?1, ?2)
                 ON CONFLICT (header_id) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![header_id, ticket_id]))
            .ctx("remember the mail's thread")?;
        }
        if let Some((ticket_id, route)) = &decision.route {
            let route = serde_json::to_string(route)
                .map_err(|e| Error::Internal(format!("encode reply route: {e}")))?;
            tx.prepare_cached(
                "INSERT INTO reply_routes (ticket_id, route) VALUES (?1, ?2)
                 ON CONFLICT (ticket_id) DO UPDATE SET route = excluded.route",
            )
            .and_then(|mut s| s.execute(params![ticket_id, route]))
            .ctx("remember the reply route")?;
        }
        outcomes.push(decision.outcome(&stored));
        audited.push(decision.audit);
    }
    audit(&tx, batch.now, audited)?;
    if let Some(place) = &batch.mailbox_place {
        advance_place(&tx, &place.address, place.uid_validity, place.uid)?;
    }
    tx.commit().ctx("commit ingest")?;
    Ok(IngestReceipt { outcomes })
}

fn record<T: serde::de::DeserializeOwned>(
    tx: &Connection,
    sql: &str,
    key: &[&dyn rusqlite::ToSql],
    what: &str,
) -> Result<Option<T>> {
    let text: Option<String> = tx
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row(key, |r| r.get(0)).optional())
        .ctx(what)?;
    text.as_deref().map(parse).transpose()
}

fn facts(tx: &Connection, lookups: Lookups<'_>) -> Result<Facts> {
    let mut facts = Facts::default();
    if let Some(id) = lookups.platform_user_id {
        facts.customer = record(
            tx,
            "SELECT record FROM customers WHERE platform_user_id = ?1 ORDER BY id LIMIT 1",
            &[&id],
            "find customer by platform user id",
        )?;
    }
    if let Some(id) = lookups.transaction_id {
        facts.transaction = record(
            tx,
            "SELECT record FROM wallet_transactions WHERE id = ?1",
            &[&id],
            "load wallet transaction",
        )?;
    }
    if let Some((channel, conversation_id)) = lookups.conversation {
        let found: Option<(String, String, Option<String>)> = tx
            .prepare_cached(
                "SELECT c.customer_id, c.ticket_id, t.record FROM ingest_conversations c
                 LEFT JOIN tickets t ON t.id = c.ticket_id
                 WHERE c.channel = ?1 AND c.conversation_id = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![channel.as_str(), conversation_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()
            })
            .ctx("find conversation")?;
        if let Some((customer_id, ticket_id, ticket)) = found {
            facts.ticket = ticket.as_deref().map(parse).transpose()?;
            facts.conversation = Some(Conversation {
                customer_id,
                ticket_id,
            });
        }
    }
    if let Some(email) = lookups.email {
        // A wallet customer's own profile before one intake made for the address alone.
        facts.customer = record(
            tx,
            "SELECT c.record FROM customer_emails e JOIN customers c ON c.id = e.customer_id
             WHERE e.email_key = ?1
             ORDER BY c.platform_user_id LIKE 'email:%', c.id LIMIT 1",
            &[&crate::storage::email_key(email)],
            "find customer by email",
        )?;
    }
    for header_id in lookups.thread_ids {
        // The desk's own Message-IDs are `<message id>@<domain>`.
        let sent = match header_id.split_once('@') {
            Some((local, _)) => record::<desk_core::Ticket>(
                tx,
                "SELECT t.record FROM messages m JOIN tickets t ON t.id = m.ticket_id
                 WHERE m.id = ?1",
                &[&local],
                "find the ticket of a sent message",
            )?,
            None => None,
        };
        let ticket = match sent {
            Some(t) => Some(t),
            None => record(
                tx,
                "SELECT t.record FROM mail_threads x JOIN tickets t ON t.id = x.ticket_id
                 WHERE x.header_id = ?1",
                &[header_id],
                "find the ticket of a received mail",
            )?,
        };
        if let Some(t) = ticket
            && !facts.threaded.iter().any(|x| x.id == t.id)
        {
            facts.threaded.push(t);
        }
    }
    if let Some(number) = lookups.ticket_number {
        facts.numbered = record(
            tx,
            "SELECT record FROM tickets WHERE number = ?1",
            &[&number],
            "find ticket by number",
        )?;
    }
    if let Some(id) = &lookups.delivery_id {
        facts.delivery = record(
            tx,
            "SELECT record FROM deliveries WHERE id = ?1",
            &[id],
            "find the bounced delivery",
        )?;
    }
    if let Some(id) = &lookups.message_id {
        facts.delivered_to = record(
            tx,
            "SELECT t.record FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.id = ?1",
            &[id],
            "find delivered message",
        )?;
    }
    Ok(facts)
}

/// Moves a mailbox's place: forward only, unless its UIDVALIDITY changed.
pub(super) fn advance_place(
    tx: &Connection,
    address: &str,
    uid_validity: u32,
    uid: u32,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO mailbox_cursors (address, uid_validity, last_uid) VALUES (?1, ?2, ?3)
         ON CONFLICT (address) DO UPDATE SET
             last_uid = CASE WHEN uid_validity = excluded.uid_validity
                             THEN max(last_uid, excluded.last_uid) ELSE excluded.last_uid END,
             uid_validity = excluded.uid_validity",
    )
    .and_then(|mut s| s.execute(params![address, i64::from(uid_validity), i64::from(uid)]))
    .ctx("advance mailbox cursor")?;
    Ok(())
}

pub(super) fn prune_nonces(conn: &mut Connection, now: i64) -> Result<u64> {
    let dropped = conn
        .execute("DELETE FROM ingest_nonces WHERE expires_at < ?1", [now])
        .ctx("prune ingestion nonces")?;
    Ok(dropped as u64)
}

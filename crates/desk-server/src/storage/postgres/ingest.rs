//! Ingestion on PostgreSQL: the nonce, the facts [`crate::ingest::decide`] asks for, and
//! the records, threads and audit rows its decisions name, in one transaction.
//!
//! Locks are taken in the order every writer keeps: the nonce first (a concurrent replay
//! of the same request waits on its unique entry, then finds it taken), then the feed's
//! version row, then the audit head.

use deadpool_postgres::Transaction;
use tokio_postgres::types::ToSql;

use super::Ctx;
use super::audit::append as audit;
use super::push::parse;
use super::records::FeedWriter;
use super::write::write_after_bump;
use crate::error::{Error, Result};
use crate::ingest::{self, Conversation, Facts, Lookups};
use crate::storage::{IngestBatch, IngestReceipt};

pub(super) async fn ingest(tx: &Transaction<'_>, batch: &IngestBatch) -> Result<IngestReceipt> {
    let fresh = execute(
        tx,
        "INSERT INTO ingest_nonces (nonce, expires_at) VALUES ($1, $2)
         ON CONFLICT (nonce) DO NOTHING",
        &[&batch.nonce, &batch.nonce_expires_at],
        "remember nonce",
    )
    .await?;
    if fresh == 0 {
        return Err(Error::Unauthorized(ingest::REPLAYED));
    }
    let mut feed = FeedWriter::begin(tx).await?;
    let mut outcomes = Vec::with_capacity(batch.items.len());
    let mut audited = Vec::with_capacity(batch.items.len());
    for (index, item) in batch.items.iter().enumerate() {
        let facts = facts(tx, item.lookups()).await?;
        let decision = ingest::decide(index, item, facts, batch.now, &batch.actor, &batch.nonce)?;
        for blob in &decision.blobs {
            super::delivery::insert_blob(tx, blob).await?;
        }
        let stored = if decision.writes.is_empty() {
            vec![]
        } else {
            write_after_bump(tx, &mut feed, decision.writes.clone()).await?
        };
        if let Some((channel, conversation_id, thread)) = &decision.thread {
            execute(
                tx,
                "INSERT INTO ingest_conversations (channel, conversation_id, customer_id, ticket_id)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (channel, conversation_id) DO UPDATE
                     SET customer_id = excluded.customer_id, ticket_id = excluded.ticket_id",
                &[
                    &channel.as_str(),
                    conversation_id,
                    &thread.customer_id,
                    &thread.ticket_id,
                ],
                "thread conversation",
            )
            .await?;
        }
        if let Some((header_id, ticket_id)) = &decision.mail_thread {
            execute(
                tx,
                "INSERT INTO mail_threads (header_id, ticket_id) VALUES ($1, $2)
                 ON CONFLICT (header_id) DO NOTHING",
                &[header_id, ticket_id],
                "remember the mail's thread",
            )
            .await?;
        }
        if let Some((ticket_id, route)) = &decision.route {
            let route = serde_json::to_string(route)
                .map_err(|e| Error::Internal(format!("encode reply route: {e}")))?;
            execute(
                tx,
                "INSERT INTO reply_routes (ticket_id, route) VALUES ($1, $2::text::json)
                 ON CONFLICT (ticket_id) DO UPDATE SET route = excluded.route",
                &[ticket_id, &route],
                "remember the reply route",
            )
            .await?;
        }
        outcomes.push(decision.outcome(&stored));
        audited.push(decision.audit);
    }
    audit(tx, batch.now, audited).await?;
    if let Some(place) = &batch.mailbox_place {
        advance_place(tx, &place.address, place.uid_validity, place.uid).await?;
    }
    Ok(IngestReceipt { outcomes })
}

async fn record<T: serde::de::DeserializeOwned>(
    tx: &Transaction<'_>,
    sql: &str,
    key: &[&(dyn ToSql + Sync)],
    what: &str,
) -> Result<Option<T>> {
    // Cached per connection: a mail's dozen lookups would otherwise each be prepared
    // afresh, a round trip apiece.
    let statement = tx.prepare_cached(sql).await.ctx(what)?;
    let row = tx.query_opt(&statement, key).await.ctx(what)?;
    row.map(|row| parse(row.get(0))).transpose()
}

/// Runs one of the ingestion's writes, its statement cached per connection.
async fn execute(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    what: &str,
) -> Result<u64> {
    let statement = tx.prepare_cached(sql).await.ctx(what)?;
    tx.execute(&statement, params).await.ctx(what)
}

/// Moves a mailbox's place: forward only, unless its UIDVALIDITY changed.
pub(super) async fn advance_place(
    tx: &Transaction<'_>,
    address: &str,
    uid_validity: u32,
    uid: u32,
) -> Result<()> {
    let (validity, uid) = (i64::from(uid_validity), i64::from(uid));
    execute(
        tx,
        "INSERT INTO mailbox_cursors (address, uid_validity, last_uid) VALUES ($1, $2, $3)
         ON CONFLICT (address) DO UPDATE SET
             last_uid = CASE WHEN mailbox_cursors.uid_validity = excluded.uid_validity
                             THEN greatest(mailbox_cursors.last_uid, excluded.last_uid)
                             ELSE excluded.last_uid END,
             uid_validity = excluded.uid_validity",
        &[&address, &validity, &uid],
        "advance mailbox cursor",
    )
    .await?;
    Ok(())
}

async fn facts(tx: &Transaction<'_>, lookups: Lookups<'_>) -> Result<Facts> {
    let mut facts = Facts::default();
    if let Some(id) = lookups.platform_user_id {
        facts.customer = record(
            tx,
            "SELECT record::text FROM customers WHERE platform_user_id = $1 ORDER BY id LIMIT 1",
            &[&id],
            "find customer by platform user id",
        )
        .await?;
    }
    if let Some(id) = lookups.transaction_id {
        facts.transaction = record(
            tx,
            "SELECT record::text FROM wallet_transactions WHERE id = $1",
            &[&id],
            "load wallet transaction",
        )
        .await?;
    }
    if let Some((channel, conversation_id)) = lookups.conversation {
        let statement = tx
            .prepare_cached(
                "SELECT c.customer_id, c.ticket_id, t.record::text FROM ingest_conversations c
                 LEFT JOIN tickets t ON t.id = c.ticket_id
                 WHERE c.channel = $1 AND c.conversation_id = $2",
            )
            .await
            .ctx("find conversation")?;
        let found = tx
            .query_opt(&statement, &[&channel.as_str(), &conversation_id])
            .await
            .ctx("find conversation")?;
        if let Some(row) = found {
            facts.ticket = row.get::<_, Option<&str>>(2).map(parse).transpose()?;
            facts.conversation = Some(Conversation {
                customer_id: row.get(0),
                ticket_id: row.get(1),
            });
        }
    }
    if let Some(email) = lookups.email {
        // A wallet customer's own profile before one intake made for the address alone.
        facts.customer = record(
            tx,
            "SELECT c.record::text FROM customer_emails e JOIN customers c ON c.id = e.customer_id
             WHERE e.email_key = $1
             ORDER BY c.platform_user_id LIKE 'email:%', c.id LIMIT 1",
            &[&crate::storage::email_key(email)],
            "find customer by email",
        )
        .await?;
    }
    for header_id in lookups.thread_ids {
        // The desk's own Message-IDs are `<message id>@<domain>`.
        let local = header_id.split_once('@').map(|(local, _)| local);
        let ticket: Option<desk_core::Ticket> = record(
            tx,
            "SELECT t.record::text FROM messages m JOIN tickets t ON t.id = m.ticket_id
             WHERE m.id = $1
             UNION ALL
             SELECT t.record::text FROM mail_threads x JOIN tickets t ON t.id = x.ticket_id
             WHERE x.header_id = $2
             LIMIT 1",
            &[&local, header_id],
            "find the ticket of a thread's mail",
        )
        .await?;
        if let Some(t) = ticket
            && !facts.threaded.iter().any(|x| x.id == t.id)
        {
            facts.threaded.push(t);
        }
    }
    if let Some(number) = lookups.ticket_number {
        facts.numbered = record(
            tx,
            "SELECT record::text FROM tickets WHERE number = $1",
            &[&number],
            "find ticket by number",
        )
        .await?;
    }
    if let Some(id) = &lookups.delivery_id {
        facts.delivery = record(
            tx,
            "SELECT record::text FROM deliveries WHERE id = $1",
            &[id],
            "find the bounced delivery",
        )
        .await?;
    }
    if let Some(id) = &lookups.message_id {
        facts.delivered_to = record(
            tx,
            "SELECT t.record::text FROM messages m JOIN tickets t ON t.id = m.ticket_id
             WHERE m.id = $1",
            &[id],
            "find delivered message",
        )
        .await?;
    }
    Ok(facts)
}

pub(super) async fn prune_nonces(tx: &Transaction<'_>, now: i64) -> Result<u64> {
    tx.execute("DELETE FROM ingest_nonces WHERE expires_at < $1", &[&now])
        .await
        .ctx("prune ingestion nonces")
}

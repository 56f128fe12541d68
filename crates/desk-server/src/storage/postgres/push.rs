//! Pushed mutations on PostgreSQL: the facts [`crate::push`] asks for, read inside the
//! writing transaction after it bumped the feed version, and the records and result its
//! decision names, written in it. Pruning of old results.
//!
//! The bump comes first and its row lock is held to commit, so no other writer runs
//! between reading a ticket and writing it back: under READ COMMITTED each later
//! statement sees every earlier writer, and a claim is a true compare-and-set.

use deadpool_postgres::Transaction;
use desk_core::{Message, Mutation, MutationResult, Ticket};

use super::Ctx;
use super::audit::append as audit;
use super::records::{BUMP_VERSION, FeedWriter};
use super::write::write_after_bump;
use crate::error::{Error, Result};
use crate::push::{self, Facts, Lookups, StoredMutation};
use crate::storage::{PushBatch, PushReceipt, decode_result, encode_result};

pub(super) async fn push(tx: &Transaction<'_>, batch: &PushBatch) -> Result<PushReceipt> {
    let version: i64 = tx
        .query_one(BUMP_VERSION, &[])
        .await
        .ctx("bump feed version")?
        .get(0);
    let mut feed = FeedWriter::at(version);
    let mut results = Vec::with_capacity(batch.mutations.len());
    let mut audited = Vec::with_capacity(batch.mutations.len());
    for m in &batch.mutations {
        let stored = stored(tx, &m.id).await?;
        let last_seq = last_seq(tx, &m.client_id, &m.agent_id).await?;
        let decision = match push::settle(m, stored, last_seq) {
            Some(decision) => decision,
            None => {
                let facts = facts(tx, push::lookups(m)).await?;
                push::decide(m, &batch.author, batch.now, facts)
            }
        };
        if !decision.writes.is_empty() {
            write_after_bump(tx, &mut feed, decision.writes).await?;
        }
        if decision.record {
            record(tx, &mut feed, batch, m, &decision.result).await?;
            audited.push(crate::audit::mutation(
                &batch.author.id,
                &batch.device_id,
                m,
                &decision.result,
            ));
        }
        results.push(decision.result);
    }
    audit(tx, batch.now, audited).await?;
    Ok(PushReceipt { results })
}

async fn stored(tx: &Transaction<'_>, id: &str) -> Result<Option<StoredMutation>> {
    let statement = tx
        .prepare_cached("SELECT client_id, seq, agent_id, result FROM mutations WHERE id = $1")
        .await
        .ctx("prepare find stored mutation")?;
    let row = tx
        .query_opt(&statement, &[&id])
        .await
        .ctx("find stored mutation")?;
    row.map(|row| {
        Ok(StoredMutation {
            client_id: row.get(0),
            seq: row.get::<_, i64>(1) as u64,
            agent_id: row.get(2),
            result: decode_result(row.get(3))?,
        })
    })
    .transpose()
}

async fn last_seq(tx: &Transaction<'_>, client_id: &str, agent_id: &str) -> Result<Option<u64>> {
    let statement = tx
        .prepare_cached(
            "SELECT last_seq FROM client_sequences WHERE client_id = $1 AND agent_id = $2",
        )
        .await
        .ctx("prepare read client sequence")?;
    let row = tx
        .query_opt(&statement, &[&client_id, &agent_id])
        .await
        .ctx("read client sequence")?;
    Ok(row.map(|row| row.get::<_, i64>(0) as u64))
}

async fn exists(tx: &Transaction<'_>, sql: &str, id: Option<&str>) -> Result<bool> {
    let Some(id) = id else {
        return Ok(false);
    };
    let statement = tx.prepare_cached(sql).await.ctx("prepare a lookup")?;
    Ok(tx
        .query_opt(&statement, &[&id])
        .await
        .ctx("look up a record")?
        .is_some())
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("decode stored record: {e}")))
}

async fn facts(tx: &Transaction<'_>, lookups: Lookups<'_>) -> Result<Facts> {
    let statement = tx
        .prepare_cached("SELECT record::text FROM tickets WHERE id = $1")
        .await
        .ctx("prepare load ticket")?;
    let ticket: Option<Ticket> = tx
        .query_opt(&statement, &[&lookups.ticket_id])
        .await
        .ctx("load ticket")?
        .map(|row| parse(row.get(0)))
        .transpose()?;
    let conversation: Vec<Message> = if lookups.conversation && ticket.is_some() {
        // Server order is feed order: a message's change row is never replaced.
        let statement = tx
            .prepare_cached(
                "SELECT m.record::text FROM messages m
                 JOIN changes c ON c.kind = 'message' AND c.record_id = m.id
                 WHERE m.ticket_id = $1
                 ORDER BY c.version, c.ord",
            )
            .await
            .ctx("prepare load conversation")?;
        tx.query(&statement, &[&lookups.ticket_id])
            .await
            .ctx("load conversation")?
            .iter()
            .map(|row| parse(row.get(0)))
            .collect::<Result<_>>()?
    } else {
        vec![]
    };
    Ok(Facts {
        conversation,
        message_id_taken: exists(
            tx,
            "SELECT 1 FROM messages WHERE id = $1",
            lookups.message_id,
        )
        .await?,
        assignee: match lookups.assignee_id {
            Some(id) => super::accounts::agent_by_id(tx, id).await?,
            None => None,
        },
        customer_known: exists(
            tx,
            "SELECT 1 FROM customers WHERE id = $1",
            lookups.customer_id,
        )
        .await?,
        route: match (&ticket, lookups.route) {
            (Some(_), true) => body(
                tx,
                "SELECT route::text FROM reply_routes WHERE ticket_id = $1",
                lookups.ticket_id,
            )
            .await?
            .as_deref()
            .map(parse)
            .transpose()?,
            _ => None,
        },
        customer_emails: match (&ticket, lookups.route) {
            (Some(t), true) => body(
                tx,
                "SELECT record::text FROM customers WHERE id = $1",
                &t.customer_id,
            )
            .await?
            .as_deref()
            .map(parse::<desk_core::Customer>)
            .transpose()?
            .map(|c| c.emails)
            .unwrap_or_default(),
            _ => vec![],
        },
        delivery: match lookups.delivery_id {
            Some(id) => body(tx, "SELECT record::text FROM deliveries WHERE id = $1", id)
                .await?
                .as_deref()
                .map(parse)
                .transpose()?,
            None => None,
        },
        files: {
            let mut files = Vec::with_capacity(lookups.files.len());
            for f in lookups.files {
                let row = tx
                    .query_opt(
                        "SELECT content_type, size FROM blobs WHERE sha256 = $1",
                        &[&f.sha256],
                    )
                    .await
                    .ctx("look up a reply's file")?;
                files.push(row.map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u64)));
            }
            files
        },
        ticket,
    })
}

/// The one text column `sql` selects for `id`, if there is a row.
async fn body(tx: &Transaction<'_>, sql: &str, id: &str) -> Result<Option<String>> {
    let statement = tx.prepare_cached(sql).await.ctx("prepare a lookup")?;
    Ok(tx
        .query_opt(&statement, &[&id])
        .await
        .ctx("look up a record")?
        .map(|row| row.get(0)))
}

/// Stores the answer at the transaction's next feed position and moves the client's
/// sequence mark.
async fn record(
    tx: &Transaction<'_>,
    feed: &mut FeedWriter,
    batch: &PushBatch,
    m: &Mutation,
    result: &MutationResult,
) -> Result<()> {
    let position = feed.advance();
    let body = encode_result(result)?;
    let statement = tx
        .prepare_cached(
            "WITH answered AS (
                 INSERT INTO mutations
                     (id, client_id, seq, agent_id, device_id, version, ord, stored_at, result)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9))
             INSERT INTO client_sequences (client_id, agent_id, last_seq) VALUES ($2, $4, $3)
             ON CONFLICT (client_id, agent_id)
                 DO UPDATE SET last_seq = greatest(client_sequences.last_seq, excluded.last_seq)",
        )
        .await
        .ctx("prepare store mutation result")?;
    tx.execute(
        &statement,
        &[
            &m.id,
            &m.client_id,
            &(m.seq as i64),
            &m.agent_id,
            &batch.device_id,
            &position.version,
            &position.ord,
            &batch.now,
            &body,
        ],
    )
    .await
    .ctx("store mutation result")?;
    Ok(())
}

pub(super) async fn prune(tx: &Transaction<'_>, before: i64) -> Result<u64> {
    let row = tx
        .query_one(
            "WITH dropped AS (DELETE FROM mutations WHERE stored_at < $1 RETURNING version),
                  floor AS (
                      UPDATE feed_floor SET version = greatest(version, (SELECT max(version) FROM dropped))
                      WHERE id = 1 AND EXISTS (SELECT 1 FROM dropped))
             SELECT count(*) FROM dropped",
            &[&before],
        )
        .await
        .ctx("prune mutation results")?;
    Ok(row.get::<_, i64>(0) as u64)
}

//! Pushed mutations on SQLite: the facts [`crate::push`] asks for, read inside the writing
//! transaction, and the records and result its decision names, written in it. Pruning of
//! old results.

use desk_core::{Message, Mutation, MutationResult, Ticket};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::Ctx;
use super::audit::append as audit;
use super::records::{FeedWriter, TicketNumbers, write_record};
use crate::error::{Error, Result};
use crate::push::{self, Facts, Lookups, StoredMutation};
use crate::storage::{PushBatch, PushReceipt, decode_result, encode_result, refuse_nul};

pub(super) fn push(conn: &mut Connection, batch: PushBatch) -> Result<PushReceipt> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin push")?;
    // Taken first: it orders this batch among all writers, and nothing else writes
    // tickets until we commit, so reading a ticket then writing it is a compare-and-set.
    let mut feed = FeedWriter::begin(&tx)?;
    let mut numbers = TicketNumbers::default();
    let mut results = Vec::with_capacity(batch.mutations.len());
    let mut audited = Vec::with_capacity(batch.mutations.len());
    for m in &batch.mutations {
        let stored = stored(&tx, &m.id)?;
        let last_seq = last_seq(&tx, &m.client_id, &m.agent_id)?;
        let decision = match push::settle(m, stored, last_seq) {
            Some(decision) => decision,
            None => {
                let facts = facts(&tx, push::lookups(m))?;
                push::decide(m, &batch.author, batch.now, facts)
            }
        };
        for record in decision.writes {
            refuse_nul(&record)?;
            write_record(&tx, &mut feed, &mut numbers, record)?;
        }
        if decision.record {
            record(&tx, &mut feed, &batch, m, &decision.result)?;
            audited.push(crate::audit::mutation(
                &batch.author.id,
                &batch.device_id,
                m,
                &decision.result,
            ));
        }
        results.push(decision.result);
    }
    audit(&tx, batch.now, audited)?;
    tx.commit().ctx("commit push")?;
    Ok(PushReceipt { results })
}

fn stored(tx: &Connection, id: &str) -> Result<Option<StoredMutation>> {
    let row: Option<(String, i64, String, String)> = tx
        .prepare_cached("SELECT client_id, seq, agent_id, result FROM mutations WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()
        })
        .ctx("find stored mutation")?;
    row.map(|(client_id, seq, agent_id, result)| {
        Ok(StoredMutation {
            client_id,
            seq: seq as u64,
            agent_id,
            result: decode_result(&result)?,
        })
    })
    .transpose()
}

fn last_seq(tx: &Connection, client_id: &str, agent_id: &str) -> Result<Option<u64>> {
    let seq: Option<i64> = tx
        .prepare_cached(
            "SELECT last_seq FROM client_sequences WHERE client_id = ?1 AND agent_id = ?2",
        )
        .and_then(|mut s| s.query_row([client_id, agent_id], |r| r.get(0)).optional())
        .ctx("read client sequence")?;
    Ok(seq.map(|s| s as u64))
}

fn exists(tx: &Connection, sql: &str, id: &str) -> Result<bool> {
    tx.prepare_cached(sql)
        .and_then(|mut s| s.exists([id]))
        .ctx("look up a record")
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("decode stored record: {e}")))
}

fn facts(tx: &Connection, lookups: Lookups<'_>) -> Result<Facts> {
    let ticket: Option<String> = tx
        .prepare_cached("SELECT record FROM tickets WHERE id = ?1")
        .and_then(|mut s| s.query_row([lookups.ticket_id], |r| r.get(0)).optional())
        .ctx("load ticket")?;
    let ticket: Option<Ticket> = ticket.as_deref().map(parse).transpose()?;
    let conversation: Vec<Message> = if lookups.conversation && ticket.is_some() {
        // Server order is feed order: a message's change row is never replaced. CROSS JOIN
        // keeps the ticket's few messages as the outer loop: left to itself, SQLite walks
        // every message change by `changes_record (kind)` and looks each message up: a scan
        // of the feed per reply or note (at 1M messages, `bench sync` saw a push of 100
        // queued actions take over 30 s).
        let bodies: Vec<String> = tx
            .prepare_cached(
                "SELECT m.record FROM messages m
                 CROSS JOIN changes c ON c.kind = 'message' AND c.record_id = m.id
                 WHERE m.ticket_id = ?1
                 ORDER BY c.version, c.ord",
            )
            .and_then(|mut s| s.query_map([lookups.ticket_id], |r| r.get(0))?.collect())
            .ctx("load conversation")?;
        bodies.iter().map(|b| parse(b)).collect::<Result<_>>()?
    } else {
        vec![]
    };
    Ok(Facts {
        conversation,
        message_id_taken: match lookups.message_id {
            Some(id) => exists(tx, "SELECT 1 FROM messages WHERE id = ?1", id)?,
            None => false,
        },
        assignee: match lookups.assignee_id {
            Some(id) => super::accounts::agent_by_id(tx, id)?,
            None => None,
        },
        customer_known: match lookups.customer_id {
            Some(id) => exists(tx, "SELECT 1 FROM customers WHERE id = ?1", id)?,
            None => false,
        },
        route: match (&ticket, lookups.route) {
            (Some(_), true) => body(
                tx,
                "SELECT route FROM reply_routes WHERE ticket_id = ?1",
                lookups.ticket_id,
            )?
            .as_deref()
            .map(parse)
            .transpose()?,
            _ => None,
        },
        customer_emails: match (&ticket, lookups.route) {
            (Some(t), true) => body(
                tx,
                "SELECT record FROM customers WHERE id = ?1",
                &t.customer_id,
            )?
            .as_deref()
            .map(parse::<desk_core::Customer>)
            .transpose()?
            .map(|c| c.emails)
            .unwrap_or_default(),
            _ => vec![],
        },
        delivery: match lookups.delivery_id {
            Some(id) => body(tx, "SELECT record FROM deliveries WHERE id = ?1", id)?
                .as_deref()
                .map(parse)
                .transpose()?,
            None => None,
        },
        files: lookups
            .files
            .iter()
            .map(|f| {
                tx.prepare_cached("SELECT content_type, size FROM blobs WHERE sha256 = ?1")
                    .and_then(|mut s| {
                        s.query_row([&f.sha256], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
                            .optional()
                    })
                    .ctx("look up a reply's file")
            })
            .collect::<Result<_>>()?,
        ticket,
    })
}

/// The one text column `sql` selects for `id`, if there is a row.
fn body(tx: &Connection, sql: &str, id: &str) -> Result<Option<String>> {
    tx.prepare_cached(sql)
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .ctx("look up a record")
}

/// Stores the answer at the transaction's next feed position and moves the client's
/// sequence mark.
fn record(
    tx: &Connection,
    feed: &mut FeedWriter<'_>,
    batch: &PushBatch,
    m: &Mutation,
    result: &MutationResult,
) -> Result<()> {
    let position = feed.advance();
    let body = encode_result(result)?;
    tx.prepare_cached(
        "INSERT INTO mutations (id, client_id, seq, agent_id, device_id, version, ord, stored_at, result)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut s| {
        s.execute(params![
            m.id,
            m.client_id,
            m.seq as i64,
            m.agent_id,
            batch.device_id,
            position.version,
            position.ord,
            batch.now,
            body
        ])
    })
    .ctx("store mutation result")?;
    tx.prepare_cached(
        "INSERT INTO client_sequences (client_id, agent_id, last_seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (client_id, agent_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)",
    )
    .and_then(|mut s| s.execute(params![m.client_id, m.agent_id, m.seq as i64]))
    .ctx("advance client sequence")?;
    Ok(())
}

pub(super) fn prune(conn: &mut Connection, before: i64) -> Result<u64> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin prune")?;
    let highest: Option<i64> = tx
        .query_row(
            "SELECT max(version) FROM mutations WHERE stored_at < ?1",
            [before],
            |r| r.get(0),
        )
        .ctx("find prunable results")?;
    let dropped = tx
        .execute("DELETE FROM mutations WHERE stored_at < ?1", [before])
        .ctx("prune mutation results")?;
    if let Some(version) = highest {
        tx.execute(
            "UPDATE feed_floor SET version = max(version, ?1) WHERE id = 1",
            [version],
        )
        .ctx("raise the feed floor")?;
    }
    tx.commit().ctx("commit prune")?;
    Ok(dropped as u64)
}

//! The delivery queue on SQLite (DESIGN.md §11): one instance owns the file, so a claim is
//! the writer's transaction; every state a delivery takes goes through the feed, written
//! by the generic record path. And the files messages carry.

use desk_core::delivery;
use desk_core::wire::Change;
use desk_core::{Customer, Delivery, Message, Ticket};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::Ctx;
use super::push::parse;
use super::records::{FeedWriter, TicketNumbers, write_record};
use crate::error::{Error, Result};
use crate::storage::{Blob, ClaimedDelivery, NewBlob, Settlement};

/// Whether anything is due at `?1`.
pub(super) const ANY_DUE: &str = "SELECT 1 FROM deliveries WHERE due_at <= ?1 LIMIT 1";

pub(super) fn claim(
    conn: &mut Connection,
    now: i64,
    lease_ms: i64,
    limit: u32,
) -> Result<Vec<ClaimedDelivery>> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin claim")?;
    let due: Vec<String> = tx
        .prepare_cached(
            "SELECT record FROM deliveries WHERE due_at <= ?1 ORDER BY due_at, id LIMIT ?2",
        )
        .and_then(|mut s| s.query_map(params![now, limit], |r| r.get(0))?.collect())
        .ctx("find due deliveries")?;
    if due.is_empty() {
        // Nothing written: the feed does not move.
        return Ok(vec![]);
    }
    let mut feed = FeedWriter::begin(&tx)?;
    let mut numbers = TicketNumbers::default();
    let mut claimed = Vec::with_capacity(due.len());
    for body in due {
        let taken = delivery::claim(&parse::<Delivery>(&body)?, now, lease_ms);
        write_record(
            &tx,
            &mut feed,
            &mut numbers,
            Change::Delivery(taken.clone()),
        )?;
        let message: Message = record(&tx, "SELECT record FROM messages WHERE id = ?1", &taken.id)?
            .ok_or_else(|| missing("message", &taken.id))?;
        let ticket: Ticket = record(
            &tx,
            "SELECT record FROM tickets WHERE id = ?1",
            &taken.ticket_id,
        )?
        .ok_or_else(|| missing("ticket", &taken.ticket_id))?;
        let customer: Option<Customer> = record(
            &tx,
            "SELECT record FROM customers WHERE id = ?1",
            &ticket.customer_id,
        )?;
        let route: Option<delivery::Route> = record(
            &tx,
            "SELECT route FROM reply_routes WHERE ticket_id = ?1",
            &taken.ticket_id,
        )?;
        claimed.push(ClaimedDelivery {
            thread: delivery::answer_thread(route, &taken),
            delivery: taken,
            message,
            ticket,
            customer,
            files: vec![],
        });
    }
    tx.commit().ctx("commit claim")?;
    Ok(claimed)
}

pub(super) fn settle(
    conn: &mut Connection,
    settlements: Vec<Settlement>,
    now: i64,
    give_up_after_ms: i64,
) -> Result<Vec<Option<Delivery>>> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin settle")?;
    let mut feed = FeedWriter::begin(&tx)?;
    let mut numbers = TicketNumbers::default();
    let mut settled = Vec::with_capacity(settlements.len());
    for s in settlements {
        let current: Option<Delivery> =
            record(&tx, "SELECT record FROM deliveries WHERE id = ?1", &s.id)?;
        let next = current.and_then(|d| {
            delivery::settle(&d, s.attempt, &s.outcome, now, give_up_after_ms, s.jitter)
        });
        if let Some(d) = &next {
            write_record(&tx, &mut feed, &mut numbers, Change::Delivery(d.clone()))?;
        }
        settled.push(next);
    }
    tx.commit().ctx("commit settle")?;
    Ok(settled)
}

fn record<T: serde::de::DeserializeOwned>(
    tx: &Connection,
    sql: &str,
    id: &str,
) -> Result<Option<T>> {
    let text: Option<String> = tx
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .ctx("load a record")?;
    text.as_deref().map(parse).transpose()
}

/// A delivery whose message or ticket is gone: the two are written together and never
/// deleted, so this is a broken database, not bad input.
fn missing(kind: &str, id: &str) -> Error {
    Error::Internal(format!(
        "a queued delivery names {kind} {id}, which is not stored"
    ))
}

/// Stores a file once; a second upload of it only records who uploaded it too.
pub(super) fn insert_blob(tx: &Connection, blob: &NewBlob) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO blobs (sha256, size, content_type, data, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sha256) DO NOTHING",
    )
    .and_then(|mut s| {
        s.execute(params![
            blob.sha256,
            blob.data.len() as i64,
            blob.content_type,
            blob.data,
            blob.now
        ])
    })
    .ctx("store file")?;
    if let Some(agent) = &blob.uploaded_by {
        tx.prepare_cached(
            "INSERT INTO blob_uploads (sha256, agent_id, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )
        .and_then(|mut s| s.execute(params![blob.sha256, agent, blob.now]))
        .ctx("record the upload")?;
    }
    Ok(())
}

pub(super) fn put_blob(conn: &mut Connection, blob: NewBlob) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin store file")?;
    insert_blob(&tx, &blob)?;
    tx.commit().ctx("commit store file")
}

/// The file, when `agent` may have it (see `Storage::blob_for`); any file with `None`.
pub(super) fn blob(
    conn: &Connection,
    sha256: &str,
    agent: Option<&desk_core::Agent>,
) -> Result<Option<Blob>> {
    if let Some(agent) = agent {
        let uploaded = conn
            .prepare_cached("SELECT 1 FROM blob_uploads WHERE sha256 = ?1 AND agent_id = ?2")
            .and_then(|mut s| s.exists(params![sha256, agent.id]))
            .ctx("look up the upload")?;
        if !uploaded {
            let groups: Vec<Option<String>> = conn
                .prepare_cached(
                    "SELECT json_extract(t.record, '$.group') FROM message_files f
                     JOIN tickets t ON t.id = f.ticket_id WHERE f.sha256 = ?1",
                )
                .and_then(|mut s| s.query_map([sha256], |r| r.get(0))?.collect())
                .ctx("find the file's tickets")?;
            if !groups.iter().any(|g| agent.sees_group(g.as_deref())) {
                return Ok(None);
            }
        }
    }
    conn.prepare_cached("SELECT content_type, data FROM blobs WHERE sha256 = ?1")
        .and_then(|mut s| {
            s.query_row([sha256], |r| {
                Ok(Blob {
                    content_type: r.get(0)?,
                    data: r.get(1)?,
                })
            })
            .optional()
        })
        .ctx("read file")
}

//! The delivery queue on PostgreSQL (DESIGN.md §11): any instance claims, and two never
//! take the same delivery (`FOR UPDATE SKIP LOCKED` on the due rows, taken after the
//! feed's version row, in the lock order every writer keeps). Every state a delivery
//! takes goes through the feed, written by the generic record path. And the files
//! messages carry.

use deadpool_postgres::Transaction;
use desk_core::delivery;
use desk_core::wire::Change;
use desk_core::{Customer, Delivery, Message, Ticket};

use super::Ctx;
use super::push::parse;
use super::records::{BUMP_VERSION, FeedWriter};
use super::write::write_after_bump;
use crate::error::{Error, Result};
use crate::storage::{Blob, ClaimedDelivery, NewBlob, Settlement};

/// Whether anything is due, read without a lock: an idle queue's poll then bumps no
/// feed version and wakes no console.
pub(super) const ANY_DUE: &str = "SELECT 1 FROM deliveries WHERE due_at <= $1 LIMIT 1";

pub(super) async fn claim(
    tx: &Transaction<'_>,
    now: i64,
    lease_ms: i64,
    limit: u32,
) -> Result<Vec<ClaimedDelivery>> {
    let version: i64 = tx
        .query_one(BUMP_VERSION, &[])
        .await
        .ctx("bump feed version")?
        .get(0);
    let mut feed = FeedWriter::at(version);
    let rows = tx
        .query(
            "SELECT record::text FROM deliveries WHERE due_at <= $1
             ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
            &[&now, &i64::from(limit)],
        )
        .await
        .ctx("claim due deliveries")?;
    let taken: Vec<Delivery> = rows
        .iter()
        .map(|row| Ok(delivery::claim(&parse(row.get(0))?, now, lease_ms)))
        .collect::<Result<_>>()?;
    if taken.is_empty() {
        return Ok(vec![]);
    }
    write_after_bump(
        tx,
        &mut feed,
        taken.iter().cloned().map(Change::Delivery).collect(),
    )
    .await?;
    let ids: Vec<&str> = taken.iter().map(|d| d.id.as_str()).collect();
    let messages = tx
        .query(
            "SELECT m.record::text, t.record::text, c.record::text, r.route::text
             FROM messages m
             JOIN tickets t ON t.id = m.ticket_id
             LEFT JOIN customers c ON c.id = t.customer_id
             LEFT JOIN reply_routes r ON r.ticket_id = m.ticket_id
             WHERE m.id = ANY($1::text[])",
            &[&ids],
        )
        .await
        .ctx("load the claimed deliveries' messages")?;
    let mut found = std::collections::HashMap::with_capacity(messages.len());
    for row in &messages {
        let message: Message = parse(row.get(0))?;
        let ticket: Ticket = parse(row.get(1))?;
        let customer: Option<Customer> = row.get::<_, Option<&str>>(2).map(parse).transpose()?;
        let route: Option<delivery::Route> =
            row.get::<_, Option<&str>>(3).map(parse).transpose()?;
        found.insert(message.id.clone(), (message, ticket, customer, route));
    }
    taken
        .into_iter()
        .map(|d| {
            let (message, ticket, customer, route) = found.remove(&d.id).ok_or_else(|| {
                Error::Internal(format!(
                    "a queued delivery names message {}, which is not stored",
                    d.id
                ))
            })?;
            Ok(ClaimedDelivery {
                thread: delivery::answer_thread(route, &d),
                delivery: d,
                message,
                ticket,
                customer,
                files: vec![],
            })
        })
        .collect()
}

pub(super) async fn settle(
    tx: &Transaction<'_>,
    settlements: &[Settlement],
    now: i64,
    give_up_after_ms: i64,
) -> Result<Vec<Option<Delivery>>> {
    let version: i64 = tx
        .query_one(BUMP_VERSION, &[])
        .await
        .ctx("bump feed version")?
        .get(0);
    let mut feed = FeedWriter::at(version);
    let ids: Vec<&str> = settlements.iter().map(|s| s.id.as_str()).collect();
    let rows = tx
        .query(
            "SELECT record::text FROM deliveries WHERE id = ANY($1::text[]) FOR UPDATE",
            &[&ids],
        )
        .await
        .ctx("load deliveries to settle")?;
    let mut current = std::collections::HashMap::with_capacity(rows.len());
    for row in &rows {
        let d: Delivery = parse(row.get(0))?;
        current.insert(d.id.clone(), d);
    }
    let mut settled = Vec::with_capacity(settlements.len());
    let mut writes = Vec::new();
    for s in settlements {
        let next = current.get(&s.id).and_then(|d| {
            delivery::settle(d, s.attempt, &s.outcome, now, give_up_after_ms, s.jitter)
        });
        if let Some(d) = &next {
            // A later settlement of the same delivery in this batch sees this one.
            current.insert(d.id.clone(), d.clone());
            writes.push(Change::Delivery(d.clone()));
        }
        settled.push(next);
    }
    if !writes.is_empty() {
        write_after_bump(tx, &mut feed, writes).await?;
    }
    Ok(settled)
}

/// Stores a file once; a second upload of it only records who uploaded it too.
pub(super) async fn insert_blob(tx: &Transaction<'_>, blob: &NewBlob) -> Result<()> {
    tx.execute(
        "INSERT INTO blobs (sha256, size, content_type, data, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
        &[
            &blob.sha256,
            &(blob.data.len() as i64),
            &blob.content_type,
            &blob.data,
            &blob.now,
        ],
    )
    .await
    .ctx("store file")?;
    if let Some(agent) = &blob.uploaded_by {
        tx.execute(
            "INSERT INTO blob_uploads (sha256, agent_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            &[&blob.sha256, agent, &blob.now],
        )
        .await
        .ctx("record the upload")?;
    }
    Ok(())
}

/// The file, when `agent` may have it (see `Storage::blob_for`); any file with `None`.
pub(super) async fn blob(
    client: &tokio_postgres::Client,
    sha256: &str,
    agent: Option<&desk_core::Agent>,
) -> Result<Option<Blob>> {
    if let Some(agent) = agent {
        let uploaded = client
            .query_opt(
                "SELECT 1 FROM blob_uploads WHERE sha256 = $1 AND agent_id = $2",
                &[&sha256, &agent.id],
            )
            .await
            .ctx("look up the upload")?
            .is_some();
        if !uploaded {
            let groups = client
                .query(
                    "SELECT t.record->>'group' FROM message_files f
                     JOIN tickets t ON t.id = f.ticket_id WHERE f.sha256 = $1",
                    &[&sha256],
                )
                .await
                .ctx("find the file's tickets")?;
            if !groups
                .iter()
                .any(|row| agent.sees_group(row.get::<_, Option<&str>>(0)))
            {
                return Ok(None);
            }
        }
    }
    Ok(client
        .query_opt(
            "SELECT content_type, data FROM blobs WHERE sha256 = $1",
            &[&sha256],
        )
        .await
        .ctx("read file")?
        .map(|row| Blob {
            content_type: row.get(0),
            data: row.get(1),
        }))
}

//! Records (customers, transactions, tickets, messages) and the change feed in SQLite.
//!
//! Every writing transaction that changes a fed record opens a [`FeedWriter`] first: it
//! bumps the single `feed_version` row (taking SQLite's write lock, so version order is
//! commit order) and stamps each change row with that version and its index `ord`.

use desk_core::wire::{Acknowledgement, Change};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::Ctx;
use crate::error::{Error, Result};
use crate::feed::{FeedPosition, Scope};
use crate::storage::{
    FeedPage, Pulled, StoredChange, WriteReceipt, decode_result, merge_page, message_ids,
    message_tickets, refuse_nul, trim_rows,
};

const KIND_TICKET: &str = "ticket";
const KIND_MESSAGE: &str = "message";
const KIND_CUSTOMER: &str = "customer";
const KIND_TRANSACTION: &str = "wallet_transaction";
const KIND_LEFT_SCOPE: &str = "left_scope";
const KIND_DELIVERY: &str = "delivery";

/// The group of a ticket already written (in this transaction or an earlier one): the
/// scope of its messages' and deliveries' changes.
fn ticket_group(tx: &Connection, ticket_id: &str) -> Result<Option<String>> {
    Ok(tx
        .prepare_cached("SELECT json_extract(record, '$.group') FROM tickets WHERE id = ?1")
        .and_then(|mut s| s.query_row([ticket_id], |row| row.get(0)).optional())
        .ctx("find the ticket's group")?
        .flatten())
}

/// The scope filter of a pull or a count, `?N` being the scope's groups as a JSON array
/// (NULL: every group). A `left_scope` row reaches a scoped agent that saw the ticket's
/// old group and does not see its new one; every other row, an agent that sees its group.
macro_rules! in_scope {
    ($n:literal) => {
        concat!(
            "CASE WHEN kind = 'left_scope' THEN ?",
            $n,
            " IS NOT NULL
                 AND (scope_group IS NULL OR scope_group IN (SELECT value FROM json_each(?",
            $n,
            ")))
                 AND scope_unless NOT IN (SELECT value FROM json_each(?",
            $n,
            "))
             ELSE ?",
            $n,
            " IS NULL OR scope_group IS NULL
                 OR scope_group IN (SELECT value FROM json_each(?",
            $n,
            ")) END"
        )
    };
}

/// Appends changes for one transaction. Create it before the transaction's writes.
pub(super) struct FeedWriter<'c> {
    conn: &'c Connection,
    version: i64,
    next_ord: i64,
}

impl<'c> FeedWriter<'c> {
    pub(super) fn begin(conn: &'c Connection) -> Result<Self> {
        let version = conn
            .query_row(
                "UPDATE feed_version SET version = version + 1 WHERE id = 1 RETURNING version",
                [],
                |row| row.get(0),
            )
            .ctx("bump feed version")?;
        Ok(Self {
            conn,
            version,
            next_ord: 0,
        })
    }

    /// The next position of this transaction, e.g. for a mutation's result.
    pub(super) fn advance(&mut self) -> FeedPosition {
        let position = FeedPosition {
            version: self.version,
            ord: self.next_ord,
        };
        self.next_ord += 1;
        position
    }

    /// Records that `(kind, record_id)` now has `body`, replacing its older change.
    fn push_raw(&mut self, kind: &str, record_id: &str, body: &str) -> Result<FeedPosition> {
        self.push_scoped(kind, record_id, body, None)
    }

    /// The change that takes `ticket_id` from consoles of `old_group` that do not see
    /// `new_group`.
    fn push_left_scope(
        &mut self,
        ticket_id: &str,
        old_group: Option<&str>,
        new_group: &str,
    ) -> Result<FeedPosition> {
        let left = desk_core::wire::LeftScope::new(ticket_id, old_group);
        let body = encode(&left)?;
        let position = self.push_scoped(KIND_LEFT_SCOPE, &left.id, &body, old_group)?;
        self.conn
            .prepare_cached("UPDATE changes SET scope_unless = ?1 WHERE version = ?2 AND ord = ?3")
            .and_then(|mut s| s.execute(params![new_group, position.version, position.ord]))
            .ctx("mark the groups that keep the ticket")?;
        Ok(position)
    }

    /// [`Self::push_raw`] for a ticket or message change: `scope_group` is its ticket's
    /// group, and only agents who see that group receive it.
    fn push_scoped(
        &mut self,
        kind: &str,
        record_id: &str,
        body: &str,
        scope_group: Option<&str>,
    ) -> Result<FeedPosition> {
        let position = self.advance();
        self.conn
            .prepare_cached("DELETE FROM changes WHERE kind = ?1 AND record_id = ?2")
            .and_then(|mut s| s.execute(params![kind, record_id]))
            .ctx("drop superseded change")?;
        self.conn
            .prepare_cached(
                "INSERT INTO changes (version, ord, kind, record_id, body, scope_group)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    position.version,
                    position.ord,
                    kind,
                    record_id,
                    body,
                    scope_group
                ])
            })
            .ctx("append change")?;
        Ok(position)
    }

    pub(super) fn push(&mut self, change: &Change) -> Result<FeedPosition> {
        let body = encode_record(change)?;
        self.push_raw(change.kind(), change.id(), &body)
    }

    fn last(&self) -> Option<FeedPosition> {
        (self.next_ord > 0).then(|| FeedPosition {
            version: self.version,
            ord: self.next_ord - 1,
        })
    }
}

fn encode<T: Serialize>(record: &T) -> Result<String> {
    serde_json::to_string(record).map_err(|e| Error::Internal(format!("encode record: {e}")))
}

/// The record inside a change, as JSON (the feed stores records, the kind is a column).
fn encode_record(change: &Change) -> Result<String> {
    match change {
        Change::Ticket(r) => encode(r),
        Change::Message(r) => encode(r),
        Change::Customer(r) => encode(r),
        Change::WalletTransaction(r) => encode(r),
        Change::Agent(r) => encode(r),
        Change::Macro(r) => encode(r),
        Change::KbArticle(r) => encode(r),
        Change::Incident(r) => encode(r),
        Change::SlaPolicy(r) => encode(r),
        Change::Group(r) => encode(r),
        Change::Delivery(r) => encode(r),
        Change::LeftScope(r) => encode(r),
    }
}

pub(super) fn write_records(conn: &mut Connection, records: Vec<Change>) -> Result<WriteReceipt> {
    write_audited(conn, records, vec![], 0)
}

/// [`write_records`] with the audit rows of the action, appended last in its transaction.
pub(super) fn write_audited(
    conn: &mut Connection,
    records: Vec<Change>,
    audit: Vec<crate::audit::AuditEntry>,
    at: i64,
) -> Result<WriteReceipt> {
    for record in &records {
        refuse_nul(record)?;
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin")?;
    let mut feed = FeedWriter::begin(&tx)?;
    let mut numbers = TicketNumbers::default();
    let stored = records
        .into_iter()
        .map(|record| write_record(&tx, &mut feed, &mut numbers, record))
        .collect::<Result<Vec<_>>>()?;
    let last_position = feed.last();
    super::audit::append(&tx, at, audit)?;
    tx.commit().ctx("commit records")?;
    Ok(WriteReceipt {
        last_position,
        records: stored,
    })
}

/// The next new ticket's number, read once per transaction.
#[derive(Default)]
pub(super) struct TicketNumbers {
    next: Option<i64>,
}

/// Upserts one record inside the caller's transaction, appending its change to `feed`;
/// returns the record as stored (a ticket with its number).
pub(super) fn write_record(
    tx: &Connection,
    feed: &mut FeedWriter<'_>,
    numbers: &mut TicketNumbers,
    record: Change,
) -> Result<Change> {
    Ok(match record {
        Change::Customer(customer) => {
            let body = encode(&customer)?;
            tx.prepare_cached(
                "INSERT INTO customers (id, platform_user_id, updated_at, record)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET platform_user_id = excluded.platform_user_id,
                     updated_at = excluded.updated_at, record = excluded.record",
            )
            .and_then(|mut s| {
                s.execute(params![
                    customer.id,
                    customer.platform_user_id,
                    customer.updated_at,
                    body
                ])
            })
            .ctx("upsert customer")?;
            feed.push_raw(KIND_CUSTOMER, &customer.id, &body)?;
            Change::Customer(customer)
        }
        Change::WalletTransaction(t) => {
            let body = encode(&t)?;
            tx.prepare_cached(
                "INSERT INTO wallet_transactions (id, customer_id, status, tx_hash, updated_at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id,
                     status = excluded.status, tx_hash = excluded.tx_hash,
                     updated_at = excluded.updated_at, record = excluded.record",
            )
            .and_then(|mut s| {
                s.execute(params![t.id, t.customer_id, t.status.as_str(), t.tx_hash, t.updated_at, body])
            })
            .ctx("upsert wallet transaction")?;
            feed.push_raw(KIND_TRANSACTION, &t.id, &body)?;
            Change::WalletTransaction(t)
        }
        Change::Ticket(mut ticket) => {
            let existing: Option<(i64, Option<String>)> = tx
                .prepare_cached(
                    "SELECT number, json_extract(record, '$.group') FROM tickets WHERE id = ?1",
                )
                .and_then(|mut s| {
                    s.query_row([&ticket.id], |row| Ok((row.get(0)?, row.get(1)?)))
                        .optional()
                })
                .ctx("find ticket number")?;
            // Moved to another group: the group it left, when it had one.
            let moved_from: Option<Option<String>> = existing
                .as_ref()
                .filter(|(_, group)| *group != ticket.group)
                .map(|(_, group)| group.clone());
            // The number is the server's: a client's guess is ignored.
            let number = match existing.map(|(number, _)| number) {
                Some(number) => number,
                None => {
                    let next = match numbers.next {
                        Some(n) => n,
                        None => tx
                            .query_row(
                                "SELECT coalesce(max(number), 0) + 1 FROM tickets",
                                [],
                                |r| r.get(0),
                            )
                            .ctx("next ticket number")?,
                    };
                    numbers.next = Some(next + 1);
                    next
                }
            };
            ticket.number = Some(number);
            let body = encode(&ticket)?;
            tx.prepare_cached(
                "INSERT INTO tickets (id, number, customer_id, status, priority, category,
                                      assignee_id, created_at, updated_at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id,
                     status = excluded.status, priority = excluded.priority,
                     category = excluded.category, assignee_id = excluded.assignee_id,
                     updated_at = excluded.updated_at, record = excluded.record",
            )
            .and_then(|mut s| {
                s.execute(params![
                    ticket.id,
                    number,
                    ticket.customer_id,
                    ticket.status.as_str(),
                    ticket.priority.as_str(),
                    ticket.category.as_str(),
                    ticket.assignee_id,
                    ticket.created_at,
                    ticket.updated_at,
                    body
                ])
            })
            .ctx("upsert ticket")?;
            if let (Some(old), Some(new)) = (&moved_from, &ticket.group) {
                // To no group, everyone sees it and nobody loses it.
                feed.push_left_scope(&ticket.id, old.as_deref(), new)?;
            }
            feed.push_scoped(KIND_TICKET, &ticket.id, &body, ticket.group.as_deref())?;
            if moved_from.is_some() {
                restamp_conversation(tx, feed, &ticket.id, ticket.group.as_deref())?;
            }
            Change::Ticket(ticket)
        }
        Change::Message(message) => {
            let body = encode(&message)?;
            // Messages are append-only: a message already stored is never replaced.
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO messages (id, ticket_id, kind, created_at, record)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        message.id,
                        message.ticket_id,
                        message.kind.as_str(),
                        message.created_at,
                        body
                    ])
                })
                .ctx("insert message")?;
            if inserted == 1 {
                // Its ticket is written first, in this transaction or an earlier one.
                let group = ticket_group(tx, &message.ticket_id)?;
                feed.push_scoped(KIND_MESSAGE, &message.id, &body, group.as_deref())?;
            }
            Change::Message(message)
        }
        Change::Delivery(delivery) => {
            let body = encode(&delivery)?;
            tx.prepare_cached(
                "INSERT INTO deliveries (id, ticket_id, state, due_at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state,
                     due_at = excluded.due_at, record = excluded.record",
            )
            .and_then(|mut s| {
                s.execute(params![
                    delivery.id,
                    delivery.ticket_id,
                    delivery.state.as_str(),
                    delivery.due_at(),
                    body
                ])
            })
            .ctx("upsert delivery")?;
            let group = ticket_group(tx, &delivery.ticket_id)?;
            feed.push_scoped(KIND_DELIVERY, &delivery.id, &body, group.as_deref())?;
            Change::Delivery(delivery)
        }
        // Records nothing on the server queries by field yet: one generic table.
        change @ (Change::Macro(_)
        | Change::KbArticle(_)
        | Change::Incident(_)
        | Change::SlaPolicy(_)
        | Change::Group(_)) => {
            let body = encode_record(&change)?;
            tx.prepare_cached(
                "INSERT INTO records (kind, id, record) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, id) DO UPDATE SET record = excluded.record",
            )
            .and_then(|mut s| s.execute(params![change.kind(), change.id(), body]))
            .ctx("upsert record")?;
            feed.push_raw(change.kind(), change.id(), &body)?;
            change
        }
        Change::Agent(agent) => {
            return Err(Error::Internal(format!(
                "agent {} must be written through the agent operations, not as a record",
                agent.id
            )));
        }
        Change::LeftScope(left) => {
            return Err(Error::Internal(format!(
                "{} is written by the ticket's move, not as a record",
                left.id
            )));
        }
    })
}

/// A ticket that moved: its messages' and their deliveries' changes move to the end of the
/// feed, under its new group, so the consoles it now reaches receive its whole
/// conversation (in order).
fn restamp_conversation(
    tx: &Connection,
    feed: &mut FeedWriter<'_>,
    ticket_id: &str,
    group: Option<&str>,
) -> Result<()> {
    // The messages, then the replies' deliveries, each in the order they were written.
    for (kind, sql) in [
        (
            KIND_MESSAGE,
            "SELECT c.record_id, c.body FROM messages m
             CROSS JOIN changes c ON c.kind = 'message' AND c.record_id = m.id
             WHERE m.ticket_id = ?1
             ORDER BY c.version, c.ord",
        ),
        (
            KIND_DELIVERY,
            "SELECT c.record_id, c.body FROM deliveries d
             CROSS JOIN changes c ON c.kind = 'delivery' AND c.record_id = d.id
             WHERE d.ticket_id = ?1
             ORDER BY c.version, c.ord",
        ),
    ] {
        let rows: Vec<(String, String)> = tx
            .prepare_cached(sql)
            .and_then(|mut s| {
                s.query_map([ticket_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .ctx("read the moved ticket's conversation")?;
        for (id, body) in rows {
            feed.push_scoped(kind, &id, &body, group)?;
        }
    }
    Ok(())
}

pub(super) fn pull(
    conn: &mut Connection,
    after: FeedPosition,
    limit: u32,
    scope: &Scope,
    closed_before: Option<i64>,
) -> Result<FeedPage> {
    // One read transaction: the page is a snapshot, whatever commits meanwhile.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Deferred)
        .ctx("begin read")?;
    let floor: i64 = tx
        .prepare_cached("SELECT version FROM feed_floor WHERE id = 1")
        .and_then(|mut s| s.query_row([], |row| row.get(0)))
        .ctx("read the feed floor")?;
    let fetch = i64::from(limit) + 1;
    let position = |row: &rusqlite::Row<'_>| -> rusqlite::Result<FeedPosition> {
        Ok(FeedPosition {
            version: row.get(0)?,
            ord: row.get(1)?,
        })
    };
    let rows: Vec<(FeedPosition, String, String)> = tx
        .prepare_cached(concat!(
            "SELECT version, ord, kind, body FROM changes
                 WHERE (version, ord) > (?1, ?2) AND ",
            in_scope!("4"),
            " ORDER BY version, ord LIMIT ?3"
        ))
        .and_then(|mut stmt| {
            stmt.query_map(
                params![after.version, after.ord, fetch, groups_json(scope)?],
                |row| Ok((position(row)?, row.get(2)?, row.get(3)?)),
            )?
            .collect()
        })
        .ctx("pull changes")?;
    // The bodies go to the console as stored, checked but not decoded (see StoredChange).
    let rows = rows
        .into_iter()
        .map(|(position, kind, body)| Ok((position, StoredChange::new(&kind, body)?)))
        .collect::<Result<Vec<_>>>()?;
    let rows = match closed_before {
        None => rows
            .into_iter()
            .map(|(p, c)| (p, Pulled::Change(c)))
            .collect(),
        Some(cutoff) => {
            let ids = message_ids(&rows)?;
            let latest = trimmable(&tx, &message_tickets(&ids), cutoff)?;
            trim_rows(rows, ids, &latest)
        }
    };
    let acks: Vec<(FeedPosition, String, String)> = match scope.device_id() {
        None => vec![],
        Some(device_id) => tx
            .prepare_cached(
                "SELECT version, ord, id, result FROM mutations
                 WHERE device_id = ?1 AND (version, ord) > (?2, ?3)
                 ORDER BY version, ord
                 LIMIT ?4",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![device_id, after.version, after.ord, fetch], |row| {
                    Ok((position(row)?, row.get(2)?, row.get(3)?))
                })?
                .collect()
            })
            .ctx("pull mutation results")?,
    };
    tx.commit().ctx("end read")?;
    let acks = acks
        .into_iter()
        .map(|(position, mutation_id, result)| {
            Ok((
                position,
                Acknowledgement {
                    mutation_id,
                    result: decode_result(&result)?,
                },
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(merge_page(rows, acks, limit, floor))
}

/// Of `tickets`, those solved or closed and idle since before `cutoff` (status, update and
/// last message), each with its latest message's id (the console's eviction order: time,
/// then id): what a trimming pull keeps of their conversations.
fn trimmable(
    tx: &Connection,
    tickets: &[String],
    cutoff: i64,
) -> Result<std::collections::HashMap<String, String>> {
    if tickets.is_empty() {
        return Ok(Default::default());
    }
    let ids = serde_json::to_string(tickets)
        .map_err(|e| Error::Internal(format!("encode ticket ids: {e}")))?;
    tx.prepare_cached(
        "SELECT t.id, (SELECT m.id FROM messages m WHERE m.ticket_id = t.id
                       ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
         FROM tickets t
         WHERE t.id IN (SELECT value FROM json_each(?1))
           AND t.status IN ('solved', 'closed') AND t.updated_at < ?2
           AND json_extract(t.record, '$.last_message_at') < ?2",
    )
    .and_then(|mut stmt| {
        stmt.query_map(params![ids, cutoff], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?))
        })?
        .filter_map(|row| row.map(|(t, m)| m.map(|m| (t, m))).transpose())
        .collect()
    })
    .ctx("find the page's old closed conversations")
}

/// Changes after `after`: every change is in every scope for now (see `feed::scope_for`).
pub(super) fn count_changes_after(
    conn: &mut Connection,
    after: FeedPosition,
    scope: &Scope,
) -> Result<u64> {
    conn.prepare_cached(concat!(
        "SELECT count(*) FROM changes WHERE (version, ord) > (?1, ?2) AND ",
        in_scope!("3")
    ))
    .and_then(|mut s| {
        s.query_row(
            params![after.version, after.ord, groups_json(scope)?],
            |row| row.get(0),
        )
    })
    .map(|n: i64| n as u64)
    .ctx("count changes")
}

/// The scope's groups as a JSON array for `json_each`, or NULL when it sees every group.
fn groups_json(scope: &Scope) -> rusqlite::Result<Option<String>> {
    scope
        .groups()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

pub(super) fn ticket_messages(
    conn: &mut Connection,
    ticket_id: &str,
    scope: &Scope,
) -> Result<Option<Vec<desk_core::Message>>> {
    // One snapshot: the ticket's existence and its messages agree.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Deferred)
        .ctx("begin read")?;
    let group: Option<Option<String>> = tx
        .prepare_cached("SELECT json_extract(record, '$.group') FROM tickets WHERE id = ?1")
        .and_then(|mut s| s.query_row([ticket_id], |row| row.get(0)).optional())
        .ctx("look up ticket")?;
    // A ticket outside the caller's groups is as absent as one that never was.
    match group {
        Some(group) if scope.sees(group.as_deref()) => {}
        _ => return Ok(None),
    }
    let bodies: Vec<String> = tx
        .prepare_cached("SELECT record FROM messages WHERE ticket_id = ?1 ORDER BY created_at, id")
        .and_then(|mut s| s.query_map([ticket_id], |row| row.get(0))?.collect())
        .ctx("read ticket messages")?;
    tx.commit().ctx("end read")?;
    bodies
        .iter()
        .map(|b| {
            serde_json::from_str(b)
                .map_err(|e| Error::Internal(format!("decode stored message: {e}")))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

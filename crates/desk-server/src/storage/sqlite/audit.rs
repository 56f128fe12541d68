//! The audit log on SQLite: appending inside the caller's transaction, reading for
//! verification. One writer connection, so appends are serialized already.

use rusqlite::{Connection, params};

use super::Ctx;
use crate::audit::{self, AuditEntry, AuditHead, AuditRow};
use crate::error::Result;

/// Appends `entries` at time `at` inside the caller's (writing) transaction.
pub(super) fn append(tx: &Connection, at: i64, entries: Vec<AuditEntry>) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let head = head(tx)?;
    let (rows, head) = audit::chain(&head, at, entries);
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .ctx("prepare audit append")?;
    for r in &rows {
        insert
            .execute(params![
                r.seq,
                r.at,
                r.actor,
                r.action,
                r.subject,
                r.details,
                r.prev_hash,
                r.hash
            ])
            .ctx("append audit row")?;
    }
    tx.prepare_cached("UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1")
        .and_then(|mut s| s.execute(params![head.seq, head.hash]))
        .ctx("move audit head")?;
    Ok(())
}

pub(super) fn head(conn: &Connection) -> Result<AuditHead> {
    conn.prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")
        .and_then(|mut s| {
            s.query_row([], |r| {
                Ok(AuditHead {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                })
            })
        })
        .ctx("read audit head")
}

pub(super) fn rows(conn: &Connection, after: i64, limit: u32) -> Result<Vec<AuditRow>> {
    conn.prepare_cached(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )
    .and_then(|mut s| {
        s.query_map(params![after, limit], |r| {
            Ok(AuditRow {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject: r.get(4)?,
                details: r.get(5)?,
                prev_hash: r.get(6)?,
                hash: r.get(7)?,
            })
        })?
        .collect()
    })
    .ctx("read audit rows")
}

//! The audit log on SQLite: appending inside the caller's transaction, reading for
//! verification. One writer connection, so appends are serialized already.

use rusqlite::{Connection, params};

use super::Ctx;
use crate::audit::{self, AuditEntry, AuditFilter, AuditHead, AuditRow};
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

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
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
}

pub(super) fn rows(conn: &Connection, after: i64, limit: u32) -> Result<Vec<AuditRow>> {
    conn.prepare_cached(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )
    .and_then(|mut s| s.query_map(params![after, limit], audit_row)?.collect())
    .ctx("read audit rows")
}

/// Only the filters given become conditions, so the planner sees plain equalities and
/// takes the actor's or the subject's index, reading back from the newest row.
pub(super) fn search(conn: &Connection, filter: &AuditFilter, limit: u32) -> Result<Vec<AuditRow>> {
    let mut sql = String::from(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log WHERE 1",
    );
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let mut arg = |sql: &mut String, condition: &str, value: rusqlite::types::Value| {
        args.push(value);
        sql.push_str(&condition.replace('?', &format!("?{}", args.len())));
    };
    if let Some(actor) = &filter.actor {
        arg(&mut sql, " AND actor = ?", actor.clone().into());
    }
    if let Some(subject) = &filter.subject {
        arg(&mut sql, " AND subject = ?", subject.clone().into());
    }
    match filter.action_match() {
        Some((prefix, true)) => arg(
            &mut sql,
            " AND substr(action, 1, length(?)) = ?",
            prefix.to_owned().into(),
        ),
        Some((action, false)) => arg(&mut sql, " AND action = ?", action.to_owned().into()),
        None => {}
    }
    if let Some(since) = filter.since {
        arg(&mut sql, " AND at >= ?", since.into());
    }
    if let Some(until) = filter.until {
        arg(&mut sql, " AND at < ?", until.into());
    }
    if let Some(before) = filter.before_seq {
        arg(&mut sql, " AND seq < ?", before.into());
    }
    arg(
        &mut sql,
        " ORDER BY seq DESC LIMIT ?",
        i64::from(limit).into(),
    );
    conn.prepare(&sql)
        .and_then(|mut s| {
            s.query_map(rusqlite::params_from_iter(args.iter()), audit_row)?
                .collect()
        })
        .ctx("search the audit log")
}

//! The audit log on PostgreSQL: appending inside the caller's transaction, reading for
//! verification.
//!
//! An append locks the head row (`FOR UPDATE`) and holds it to commit, so concurrent
//! appenders, on any instance, queue there and each chains onto the committed head of the
//! one before: one linear chain. Appends run last in their transaction (after the feed's
//! version row, when the transaction has one), so the lock order is always feed, then
//! audit, and the head is held for two round trips.

use deadpool_postgres::{Client, Transaction};

use super::Ctx;
use crate::audit::{self, AuditEntry, AuditFilter, AuditHead, AuditRow};
use crate::error::Result;

const LOCK_HEAD: &str = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE";

/// Inserts every row of the append and moves the head, in one statement.
const APPEND: &str = "WITH appended AS (
         INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[],
                              $5::text[], $6::text[], $7::text[], $8::text[]))
     UPDATE audit_head SET seq = $9, hash = $10 WHERE id = 1";

/// Appends `entries` at time `at` inside the caller's (writing) transaction.
pub(super) async fn append(tx: &Transaction<'_>, at: i64, entries: Vec<AuditEntry>) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let lock = tx
        .prepare_cached(LOCK_HEAD)
        .await
        .ctx("prepare audit head lock")?;
    let row = tx.query_one(&lock, &[]).await.ctx("lock audit head")?;
    let head = AuditHead {
        seq: row.get(0),
        hash: row.get(1),
    };
    let (rows, head) = audit::chain(&head, at, entries);
    let column = |f: fn(&AuditRow) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    let ats: Vec<i64> = rows.iter().map(|r| r.at).collect();
    let append = tx
        .prepare_cached(APPEND)
        .await
        .ctx("prepare audit append")?;
    tx.execute(
        &append,
        &[
            &seqs,
            &ats,
            &column(|r| &r.actor),
            &column(|r| &r.action),
            &column(|r| &r.subject),
            &column(|r| &r.details),
            &column(|r| &r.prev_hash),
            &column(|r| &r.hash),
            &head.seq,
            &head.hash,
        ],
    )
    .await
    .ctx("append audit rows")?;
    Ok(())
}

pub(super) async fn head(client: &Client) -> Result<AuditHead> {
    let row = client
        .query_one("SELECT seq, hash FROM audit_head WHERE id = 1", &[])
        .await
        .ctx("read audit head")?;
    Ok(AuditHead {
        seq: row.get(0),
        hash: row.get(1),
    })
}

/// Only the filters given become conditions, so the planner sees plain equalities and
/// takes the actor's or the subject's index, reading back from the newest row.
pub(super) async fn search(
    client: &Client,
    filter: &AuditFilter,
    limit: u32,
) -> Result<Vec<AuditRow>> {
    let mut sql = String::from(
        "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log WHERE true",
    );
    let mut args: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = Vec::new();
    let mut arg = |sql: &mut String,
                   condition: &str,
                   value: Box<dyn tokio_postgres::types::ToSql + Sync + Send>| {
        args.push(value);
        sql.push_str(&condition.replace('?', &format!("${}", args.len())));
    };
    if let Some(actor) = &filter.actor {
        arg(&mut sql, " AND actor = ?", Box::new(actor.clone()));
    }
    if let Some(subject) = &filter.subject {
        arg(&mut sql, " AND subject = ?", Box::new(subject.clone()));
    }
    match filter.action_match() {
        Some((prefix, true)) => arg(
            &mut sql,
            " AND left(action, length(?::text)) = ?",
            Box::new(prefix.to_owned()),
        ),
        Some((action, false)) => arg(&mut sql, " AND action = ?", Box::new(action.to_owned())),
        None => {}
    }
    if let Some(since) = filter.since {
        arg(&mut sql, " AND at >= ?", Box::new(since));
    }
    if let Some(until) = filter.until {
        arg(&mut sql, " AND at < ?", Box::new(until));
    }
    if let Some(before) = filter.before_seq {
        arg(&mut sql, " AND seq < ?", Box::new(before));
    }
    arg(
        &mut sql,
        " ORDER BY seq DESC LIMIT ?",
        Box::new(i64::from(limit)),
    );
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = args
        .iter()
        .map(|a| a.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect();
    let rows = client
        .query(&sql, &params)
        .await
        .ctx("search the audit log")?;
    Ok(rows.iter().map(audit_row).collect())
}

fn audit_row(r: &tokio_postgres::Row) -> AuditRow {
    AuditRow {
        seq: r.get(0),
        at: r.get(1),
        actor: r.get(2),
        action: r.get(3),
        subject: r.get(4),
        details: r.get(5),
        prev_hash: r.get(6),
        hash: r.get(7),
    }
}

pub(super) async fn rows(client: &Client, after: i64, limit: u32) -> Result<Vec<AuditRow>> {
    let rows = client
        .query(
            "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit_log
             WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after, &i64::from(limit)],
        )
        .await
        .ctx("read audit rows")?;
    Ok(rows.iter().map(audit_row).collect())
}

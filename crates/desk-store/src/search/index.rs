//! The background indexer: drains `search_pending` into the FTS tables, a batch per
//! transaction, newest queued first, then a bootstrap's records marked in
//! `search_backfill`, newest written first, so the freshest conversations are searchable
//! first.
//!
//! Idempotent: a document is always rebuilt from its record's current state, so queuing a
//! record twice, or crashing mid-batch (the batch rolls back and stays queued), is harmless.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, Transaction, params};

use super::text::{DocKind, KB_DOCS, doc_source, grams};
use crate::{Result, Store};

impl Store {
    /// Indexes up to `max` queued changes in one transaction; returns how many queue
    /// entries were consumed (0 = caught up). Call it in a loop from a background task,
    /// between sync pages: each call holds the writer for roughly `max / 20k` seconds.
    /// While a finished bootstrap has secondary indexes left to build, a call builds one
    /// of them instead (see [`Store::build_next_deferred_index`]) and returns 1.
    pub fn index_pending(&mut self, max: usize) -> Result<usize> {
        if max == 0 {
            return Ok(0);
        }
        if self.build_next_deferred_index()? {
            return Ok(1);
        }
        let tx = self.conn.transaction()?;
        let batch: Vec<(i64, i64, String)> = tx
            .prepare_cached(
                "SELECT seq, kind, source_id FROM search_pending ORDER BY seq DESC LIMIT ?1",
            )?
            .query_map([max as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let lowest = batch.last().map(|&(seq, _, _)| seq);
        let mut entries: Vec<(i64, String)> = batch
            .into_iter()
            .map(|(_, kind, source_id)| (kind, source_id))
            .collect();
        let queued = entries.len();
        let backfilled = take_backfill(&tx, max - queued, &mut entries)?;
        if entries.is_empty() {
            // Nothing left; a backfill just found done is dropped with this commit.
            tx.commit()?;
            return Ok(0);
        }
        // Read everything first, then write in ascending document order: FTS5 flushes its
        // in-memory segment whenever a write's rowid is lower than the previous one, so
        // unordered writes would make one on-disk segment per document (5x slower).
        let mut seen = HashSet::new();
        let mut taken = HashSet::new();
        let mut plans = Vec::new();
        for (kind, source_id) in &entries {
            if !seen.insert((*kind, source_id.as_str())) {
                continue;
            }
            if let Some(kind) = DocKind::from_i64(*kind) {
                plans.push(plan_one(&tx, kind, source_id, &mut taken)?);
            }
        }
        plans.sort_by_key(|p| p.doc);
        for p in &plans {
            write_one(&tx, p)?;
        }
        if let Some(lowest) = lowest {
            // The batch is exactly the queue's top `queued` entries.
            tx.prepare_cached("DELETE FROM search_pending WHERE seq >= ?1")?
                .execute([lowest])?;
        }
        tx.commit()?;
        Ok(queued + backfilled)
    }

    /// How many queued changes and loaded records are not yet searchable, plus the
    /// secondary indexes left to build (one unit of [`Store::index_pending`]'s work each).
    /// A bootstrap's records are counted by rowid range: exact after the load, whose rows
    /// take consecutive rowids, and an upper bound once some were deleted.
    pub fn index_backlog(&self) -> Result<u64> {
        let mut backlog: i64 = crate::derived::background_backlog(&self.conn)? as i64;
        backlog += self
            .conn
            .prepare_cached("SELECT count(*) FROM search_pending")?
            .query_row([], |r| r.get::<_, i64>(0))?;
        for (kind, table) in BACKFILL {
            let left: Option<i64> = self
                .conn
                .prepare_cached(&format!(
                    "SELECT b.upto - (SELECT min(rowid) FROM {table}) + 1
                     FROM search_backfill b WHERE b.kind = ?1"
                ))?
                .query_row([kind as i64], |r| r.get(0))
                .optional()?
                .flatten();
            backlog += left.unwrap_or(0).max(0);
        }
        Ok(backlog as u64)
    }
}

/// The tables a bootstrap's backfill walks, in the order the indexer takes them.
pub(crate) const BACKFILL: [(DocKind, &str); 4] = [
    (DocKind::Message, "messages"),
    (DocKind::Subject, "tickets"),
    (DocKind::Transaction, "wallet_transactions"),
    (DocKind::Customer, "customers"),
];

/// Takes up to `room` records from the backfill into `out`, newest written first, and
/// moves its marks past them (in the caller's transaction). Returns how many it took.
fn take_backfill(tx: &Transaction<'_>, room: usize, out: &mut Vec<(i64, String)>) -> Result<usize> {
    let mut taken = 0;
    for (kind, table) in BACKFILL {
        let want = room - taken;
        if want == 0 {
            break;
        }
        let Some(upto): Option<i64> = tx
            .prepare_cached("SELECT upto FROM search_backfill WHERE kind = ?1")?
            .query_row([kind as i64], |r| r.get(0))
            .optional()?
        else {
            continue;
        };
        let rows: Vec<(i64, String)> = tx
            .prepare_cached(&format!(
                "SELECT rowid, id FROM {table} WHERE rowid <= ?1 ORDER BY rowid DESC LIMIT ?2"
            ))?
            .query_map(params![upto, want as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        match rows.last() {
            Some(&(lowest, _)) if rows.len() == want => {
                tx.prepare_cached("UPDATE search_backfill SET upto = ?2 WHERE kind = ?1")?
                    .execute(params![kind as i64, lowest - 1])?;
            }
            // Fewer than asked for: this table is done.
            _ => {
                tx.prepare_cached("DELETE FROM search_backfill WHERE kind = ?1")?
                    .execute([kind as i64])?;
            }
        }
        taken += rows.len();
        out.extend(rows.into_iter().map(|(_, id)| (kind as i64, id)));
    }
    Ok(taken)
}

/// What indexing one record does to its document.
struct Plan {
    doc: i64,
    kind: DocKind,
    source_id: String,
    /// Rows of the old version to remove: (in search_text, in search_grams).
    old: Option<(bool, bool)>,
    /// The new version's text and grams; `None` when the record is gone.
    new: Option<(String, String)>,
}

/// Reads one record and decides its document's fate, without writing the FTS tables.
fn plan_one(
    tx: &Transaction<'_>,
    kind: DocKind,
    source_id: &str,
    taken: &mut HashSet<i64>,
) -> Result<Plan> {
    let existing: Option<(i64, bool, bool)> = tx
        .prepare_cached(
            "SELECT doc, in_text, in_grams FROM search_docs WHERE kind = ?1 AND source_id = ?2",
        )?
        .query_row(params![kind as i64, source_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let source = doc_source(tx, kind, source_id)?;
    let doc = match (existing, &source) {
        (Some((doc, ..)), _) => doc,
        (None, Some(_)) if kind == DocKind::Kb => allocate_kb_doc(tx, source_id, taken)?,
        (None, Some(s)) => allocate_doc(tx, s.created_at, source_id, taken)?,
        // Gone and never indexed: nothing to do (the doc id is never used).
        (None, None) => 0,
    };
    Ok(Plan {
        doc,
        kind,
        source_id: source_id.to_owned(),
        old: existing.map(|(_, t, g)| (t, g)),
        new: source.map(|s| {
            let g = grams(&s.text);
            (s.text, g)
        }),
    })
}

fn write_one(tx: &Transaction<'_>, p: &Plan) -> Result<()> {
    if let Some((in_text, in_grams)) = p.old {
        if in_text {
            tx.prepare_cached("DELETE FROM search_text WHERE rowid = ?1")?
                .execute([p.doc])?;
        }
        if in_grams {
            tx.prepare_cached("DELETE FROM search_grams WHERE rowid = ?1")?
                .execute([p.doc])?;
        }
    }
    let Some((text, grams)) = &p.new else {
        if p.old.is_some() {
            tx.prepare_cached("DELETE FROM search_docs WHERE doc = ?1")?
                .execute([p.doc])?;
        }
        return Ok(());
    };
    let in_text = !text.is_empty();
    if in_text {
        tx.prepare_cached("INSERT INTO search_text(rowid, text) VALUES (?1, ?2)")?
            .execute(params![p.doc, text])?;
    }
    let in_grams = !grams.is_empty();
    if in_grams {
        tx.prepare_cached("INSERT INTO search_grams(rowid, grams) VALUES (?1, ?2)")?
            .execute(params![p.doc, grams])?;
    }
    tx.prepare_cached(
        "INSERT INTO search_docs(doc, kind, source_id, in_text, in_grams) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(doc) DO UPDATE SET in_text = excluded.in_text, in_grams = excluded.in_grams",
    )?
    .execute(params![p.doc, p.kind as i64, p.source_id, in_text, in_grams])?;
    Ok(())
}

/// Bits of a document id below the creation time: room for ~1M records made in the same
/// millisecond (imports and seeds do that) before a probe sequence grows long.
const TIE_BITS: u32 = 20;

/// A free document id in recency order: creation time in ms, shifted to leave
/// [`TIE_BITS`] for records made in the same millisecond (a hash of the id spreads them;
/// a collision probes upward). `taken_in_batch` holds ids handed out but not yet written.
fn allocate_doc(
    tx: &Transaction<'_>,
    created_at: i64,
    source_id: &str,
    taken_in_batch: &mut HashSet<i64>,
) -> Result<i64> {
    // 2^42 ms is the year 2109; the clamp keeps nonsense times below the KB range.
    let base = created_at.clamp(0, (KB_DOCS >> TIE_BITS) - 1) << TIE_BITS;
    let doc = base + (fnv1a(source_id.as_bytes()) & ((1 << TIE_BITS) - 1)) as i64;
    free_doc(tx, doc, taken_in_batch)
}

/// A free id in the KB range, spread by a hash of the source id (recency does not order
/// KB hits: every match is ranked, the KB being small).
fn allocate_kb_doc(
    tx: &Transaction<'_>,
    source_id: &str,
    taken_in_batch: &mut HashSet<i64>,
) -> Result<i64> {
    let doc = KB_DOCS + (fnv1a(source_id.as_bytes()) & ((1 << 40) - 1)) as i64;
    free_doc(tx, doc, taken_in_batch)
}

/// The first id from `doc` up that no document holds.
fn free_doc(tx: &Transaction<'_>, mut doc: i64, taken_in_batch: &mut HashSet<i64>) -> Result<i64> {
    let mut taken = tx.prepare_cached("SELECT 1 FROM search_docs WHERE doc = ?1")?;
    while taken_in_batch.contains(&doc) || taken.exists([doc])? {
        doc = doc.checked_add(1).unwrap_or(0);
    }
    taken_in_batch.insert(doc);
    Ok(doc)
}

/// A stable hash (std's is seeded per process), so ids do not depend on the run.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

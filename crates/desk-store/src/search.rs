//! Full-text search over the cache, Chinese and English in one box (DESIGN.md §5).
//!
//! Documents are ticket subjects, message texts, customers (name, emails, handles),
//! wallet transactions (tx hash) and KB article translations (`kb`, searched apart). Two FTS5 indexes share one document id space:
//! - `search_text`, trigram: any substring of 3+ chars, in any script (等待确认,
//!   "funds not arrived", a tx hash, an email);
//! - `search_grams`, CJK unigrams and bigrams: 1–2 char Chinese queries (锁, 确认),
//!   which trigrams cannot answer and a `LIKE` scan answers in 1.9 s at 3M messages.
//!
//! Indexing is off the bulk-apply path: triggers on the record tables queue what changed
//! (`search_pending`), a bootstrap marks what it loaded by rowid range
//! (`search_backfill`), and [`crate::Store::index_pending`] indexes in batches in the
//! background. Search finds what is indexed so far; [`crate::Store::index_backlog`] says
//! how much is not.
//!
//! Layout: `schema` (tables, triggers), `text` (the one definition of a document's
//! text), `query` (the box's language to safe FTS5 expressions), `snippet` (checking and
//! highlighting), `index` (the indexer), `candidates` (matching documents to tickets,
//! under the filters), `find` (ranking and the public query).
//!
//! Depends on the record tables' columns (step 1) and on `views` for ticket summaries;
//! nothing depends on it but `Store`'s public methods and `Store::clear`.

mod candidates;
mod find;
mod index;
mod kb;
mod query;
mod schema;
mod snippet;
mod suggest;
mod text;

use rusqlite::Transaction;

use crate::Result;

pub(crate) use schema::{BACKFILL_MIGRATION, KB_MIGRATION, MESSAGE_TRIGGERS, MIGRATION};

/// Empties the search index and its queue, in the caller's transaction.
///
/// For `Store::clear` (via `local::clear`): call it *after* deleting the record tables. Their delete triggers
/// queue one entry per row; this drops those along with everything indexed, which is
/// instant where indexing the deletions would take minutes at millions of messages.
/// Without it search is still correct (a hit needs its live record), only the index keeps
/// dead entries until `index_pending` has worked through the queue.
pub(crate) fn clear(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "DELETE FROM search_pending;
         DELETE FROM search_backfill;
         DELETE FROM search_docs;
         INSERT INTO search_text(search_text) VALUES ('delete-all');
         INSERT INTO search_grams(search_grams) VALUES ('delete-all');",
    )?;
    Ok(())
}

/// Marks every searchable record for indexing, in the caller's transaction: after a
/// bulk load, whose rows went in while the queueing triggers were deferred. Each table is
/// marked as a whole, by rowid ([`index::BACKFILL`]): the indexer takes the queue first,
/// then messages, subjects, transactions and customers, each newest written first, so
/// the latest conversations become searchable first.
pub(crate) fn enqueue_all(tx: &Transaction<'_>) -> Result<()> {
    let marks: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'search_backfill')",
        [],
        |r| r.get(0),
    )?;
    if !marks {
        // A load an older build cut short, finished before the migration that made the
        // marks: queue each record as that build did, the first taken queued last.
        for (kind, table) in index::BACKFILL.iter().rev() {
            tx.execute(
                &format!("INSERT INTO search_pending(kind, source_id) SELECT ?1, id FROM {table}"),
                [*kind as i64],
            )?;
        }
        return Ok(());
    }
    for (kind, table) in index::BACKFILL {
        tx.execute(
            &format!(
                "INSERT OR REPLACE INTO search_backfill(kind, upto)
                 SELECT ?1, top FROM (SELECT max(rowid) AS top FROM {table}) WHERE top IS NOT NULL"
            ),
            [kind as i64],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use desk_core::search::SearchQuery;

    use crate::Store;

    fn count(store: &Store, sql: &str) -> i64 {
        store.conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn every_record_table_keeps_its_queueing_triggers() {
        let store = Store::open_in_memory().unwrap();
        // A later step that rebuilds one of these tables (create, copy, drop, rename)
        // silently drops its triggers, and search would stop following that table.
        for table in ["tickets", "messages", "customers", "wallet_transactions"] {
            let n = count(
                &store,
                &format!(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'
                     AND tbl_name = '{table}' AND name LIKE 'search_%'"
                ),
            );
            assert_eq!(n, 3, "{table} needs its insert, update and delete triggers");
        }
    }

    #[test]
    fn clear_empties_the_index_and_its_queue() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO tickets(id, subject, customer_id, status, is_open, priority,
                     category, language, last_message_at)
                 VALUES ('t1', '退款 refund', 'c', 'open', 1, 'normal', 'other', 'zh', 1),
                        ('t2', '确认 confirm', 'c', 'open', 1, 'normal', 'other', 'zh', 2);",
            )
            .unwrap();
        store.index_pending(1).unwrap();
        assert_eq!(store.index_backlog().unwrap(), 1, "one indexed, one queued");
        let tx = store.conn.transaction().unwrap();
        super::clear(&tx).unwrap();
        tx.commit().unwrap();
        assert_eq!(store.index_backlog().unwrap(), 0, "the queue is emptied");
        assert_eq!(
            count(&store, "SELECT count(*) FROM search_docs"),
            0,
            "no document is left indexed"
        );
        let q = SearchQuery {
            text: "refund".into(),
            limit: 10,
            ..Default::default()
        };
        assert!(
            store.search(&q).unwrap().is_empty(),
            "nothing indexed is left (the records themselves are the caller's to delete)"
        );
    }
}

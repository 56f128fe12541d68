//! State derived from the records, kept so the console's counts cost one small read at a
//! million tickets, and the bulk load that skips maintaining it row by row.
//!
//! **Derived state** (schema step 5), maintained by triggers in every writing transaction,
//! whichever code path writes (pull, local action, rebase, eviction, clear):
//! - `tickets.waiting_txs`: how many of the ticket's linked wallet transactions wait on the
//!   customer's confirmation. It turns the awaiting-confirmation view into an indexed range.
//! - `ticket_counts`: tickets per (open, assignee, awaiting) bucket; every view count is a
//!   sum over a few hundred rows.
//! - `sla_hours`: open tickets per hour of SLA due time; an SLA count is a sum of whole hours
//!   plus an index range over the current hour.
//!
//! **Bulk load.** A pull from zero into an empty cache (a bootstrap) writes millions of rows.
//! Maintaining a dozen secondary indexes and the triggers row by row costs ten times what the
//! rows themselves cost once the indexes outgrow the page cache. So the first page of a
//! bootstrap *defers* them: their DDL is moved into `deferred_schema` and the objects are
//! dropped, in the page's own transaction. [`finish`] builds the indexes the inbox reads (a
//! sorted build is far cheaper than random inserts), recomputes the derived state from the
//! records and queues everything for search, again in one transaction; the secondary
//! indexes ([`BACKGROUND`]) wait for the background indexer, so the inbox shows sooner. A
//! crash in between leaves the DDL safe in `deferred_schema`; the next [`finish`] (the sync client calls it when its pull
//! ends, successful or not, and `Store::open` before any migration) restores it. The load
//! runs with a large page cache ([`BULK_CACHE_KIB`]), so the index builds find the rows
//! they scan in memory, and its pages after the first with a rollback journal
//! ([`bulk_journal`]), so the new pages are written once.
//!
//! While a bulk load is in progress the derived state is not maintained, so the views
//! answer from the records themselves (see `views.rs`), correct and slower, for the minute
//! a bootstrap lasts.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::Result;

/// The schema version that introduced bulk loads.
pub(crate) const SINCE_VERSION: u32 = 5;

/// The meta key present while a bulk load is in progress.
pub(crate) const BULK_KEY: &str = "sync.bulk_load";

/// One hour in ms: the bucket width of `sla_hours`.
pub(crate) const SLA_BUCKET_MS: i64 = 3_600_000;

/// Schema step 5.
pub(crate) const MIGRATION: &str = r#"
    -- Plain columns, written by the record writer, replace step 4's json_extract generated
    -- columns: parsing the body three times per write was a large share of a bulk apply.
    DROP INDEX tickets_sla_due;
    DROP INDEX tickets_by_incident;
    DROP INDEX tickets_created;
    -- Each value copied from the generated column it replaces, which computes it alike.
    ALTER TABLE tickets ADD COLUMN sla_due_at_v5 INTEGER;
    ALTER TABLE tickets ADD COLUMN incident_id_v5 TEXT;
    ALTER TABLE tickets ADD COLUMN created_at_v5 INTEGER NOT NULL DEFAULT 0;
    UPDATE tickets SET sla_due_at_v5 = sla_due_at, incident_id_v5 = incident_id,
        created_at_v5 = coalesce(created_at, 0);
    ALTER TABLE tickets DROP COLUMN sla_due_at;
    ALTER TABLE tickets DROP COLUMN incident_id;
    ALTER TABLE tickets DROP COLUMN created_at;
    ALTER TABLE tickets RENAME COLUMN sla_due_at_v5 TO sla_due_at;
    ALTER TABLE tickets RENAME COLUMN incident_id_v5 TO incident_id;
    ALTER TABLE tickets RENAME COLUMN created_at_v5 TO created_at;
    ALTER TABLE tickets ADD COLUMN waiting_txs INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX tickets_sla_due ON tickets(is_open, sla_due_at, id);
    CREATE INDEX tickets_by_incident ON tickets(incident_id, last_message_at DESC, id DESC)
        WHERE incident_id IS NOT NULL;
    CREATE INDEX tickets_created ON tickets(created_at DESC, id DESC);
    -- assignee_id rides along so the counts' rebuild reads this index alone.
    CREATE INDEX tickets_awaiting ON tickets(last_message_at DESC, id DESC, assignee_id)
        WHERE is_open = 1 AND waiting_txs > 0;

    -- Tag rows written by the record writer (no json_each trigger), keyed by ticket first
    -- so rewriting a ticket's tags is a key-range delete even before any index exists.
    DROP TRIGGER ticket_tags_insert;
    DROP TRIGGER ticket_tags_update;
    DROP TRIGGER ticket_tags_delete;
    DROP TABLE ticket_tags;
    CREATE TABLE ticket_tags (
        ticket_id TEXT NOT NULL,
        tag       TEXT NOT NULL,
        PRIMARY KEY (ticket_id, tag)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX ticket_tags_by_tag ON ticket_tags(tag);
    INSERT OR IGNORE INTO ticket_tags(ticket_id, tag)
        SELECT t.id, j.value FROM tickets t, json_each(t.body, '$.tags') j;

    CREATE TABLE ticket_counts (
        is_open     INTEGER NOT NULL,
        assignee_id TEXT NOT NULL,      -- '' when unassigned
        awaiting    INTEGER NOT NULL,   -- is_open = 1 AND waiting_txs > 0
        n           INTEGER NOT NULL,
        PRIMARY KEY (is_open, assignee_id, awaiting)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE sla_hours (
        hour INTEGER PRIMARY KEY,       -- sla_due_at / 3600000, open tickets only
        n    INTEGER NOT NULL
    ) STRICT;

    -- The DDL of indexes and triggers a bulk load dropped, to be restored by its finish.
    CREATE TABLE deferred_schema (
        name TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        sql  TEXT NOT NULL
    ) STRICT;
"#;

/// The triggers that keep the derived state (created by step 5 after its backfill, and
/// restored like any deferred trigger after a bulk load).
pub(crate) const TRIGGERS: &str = r#"
    CREATE TRIGGER counts_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO ticket_counts VALUES
            (NEW.is_open, coalesce(NEW.assignee_id, ''), NEW.is_open = 1 AND NEW.waiting_txs > 0, 1)
            ON CONFLICT DO UPDATE SET n = n + 1;
        INSERT INTO sla_hours SELECT NEW.sla_due_at / 3600000, 1
            WHERE NEW.is_open = 1 AND NEW.sla_due_at IS NOT NULL
            ON CONFLICT DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER counts_delete AFTER DELETE ON tickets BEGIN
        UPDATE ticket_counts SET n = n - 1
            WHERE is_open = OLD.is_open AND assignee_id = coalesce(OLD.assignee_id, '')
              AND awaiting = (OLD.is_open = 1 AND OLD.waiting_txs > 0);
        UPDATE sla_hours SET n = n - 1
            WHERE OLD.is_open = 1 AND hour = OLD.sla_due_at / 3600000;
    END;
    CREATE TRIGGER counts_update AFTER UPDATE OF is_open, assignee_id, waiting_txs, sla_due_at
    ON tickets
    WHEN OLD.is_open IS NOT NEW.is_open OR OLD.assignee_id IS NOT NEW.assignee_id
        OR (OLD.waiting_txs > 0) IS NOT (NEW.waiting_txs > 0)
        OR OLD.sla_due_at IS NOT NEW.sla_due_at BEGIN
        UPDATE ticket_counts SET n = n - 1
            WHERE is_open = OLD.is_open AND assignee_id = coalesce(OLD.assignee_id, '')
              AND awaiting = (OLD.is_open = 1 AND OLD.waiting_txs > 0);
        INSERT INTO ticket_counts VALUES
            (NEW.is_open, coalesce(NEW.assignee_id, ''), NEW.is_open = 1 AND NEW.waiting_txs > 0, 1)
            ON CONFLICT DO UPDATE SET n = n + 1;
        UPDATE sla_hours SET n = n - 1
            WHERE OLD.is_open = 1 AND hour = OLD.sla_due_at / 3600000;
        INSERT INTO sla_hours SELECT NEW.sla_due_at / 3600000, 1
            WHERE NEW.is_open = 1 AND NEW.sla_due_at IS NOT NULL
            ON CONFLICT DO UPDATE SET n = n + 1;
    END;

    CREATE TRIGGER waiting_link_insert AFTER INSERT ON ticket_transactions
    WHEN (SELECT status FROM wallet_transactions WHERE id = NEW.transaction_id)
        = 'awaiting_customer_confirmation' BEGIN
        UPDATE tickets SET waiting_txs = waiting_txs + 1 WHERE id = NEW.ticket_id;
    END;
    CREATE TRIGGER waiting_link_delete AFTER DELETE ON ticket_transactions
    WHEN (SELECT status FROM wallet_transactions WHERE id = OLD.transaction_id)
        = 'awaiting_customer_confirmation' BEGIN
        UPDATE tickets SET waiting_txs = waiting_txs - 1 WHERE id = OLD.ticket_id;
    END;
    CREATE TRIGGER waiting_tx_insert AFTER INSERT ON wallet_transactions
    WHEN NEW.status = 'awaiting_customer_confirmation' BEGIN
        UPDATE tickets SET waiting_txs = waiting_txs + 1
            WHERE id IN (SELECT ticket_id FROM ticket_transactions WHERE transaction_id = NEW.id);
    END;
    CREATE TRIGGER waiting_tx_update AFTER UPDATE OF status ON wallet_transactions
    WHEN (OLD.status = 'awaiting_customer_confirmation')
        IS NOT (NEW.status = 'awaiting_customer_confirmation') BEGIN
        UPDATE tickets
            SET waiting_txs = waiting_txs
                + iif(NEW.status = 'awaiting_customer_confirmation', 1, -1)
            WHERE id IN (SELECT ticket_id FROM ticket_transactions WHERE transaction_id = NEW.id);
    END;
    CREATE TRIGGER waiting_tx_delete AFTER DELETE ON wallet_transactions
    WHEN OLD.status = 'awaiting_customer_confirmation' BEGIN
        UPDATE tickets SET waiting_txs = waiting_txs - 1
            WHERE id IN (SELECT ticket_id FROM ticket_transactions WHERE transaction_id = OLD.id);
    END;
"#;

/// Recomputes `waiting_txs` from the records. Runs with the derived-state triggers absent
/// (step 5, a bulk load's finish), so it writes each value once; assumes every
/// `waiting_txs` is 0, as a new column or a bulk-loaded row has it. A bulk load runs it
/// before the ticket indexes exist, so each updated row is one write, not a dozen.
pub(crate) const REBUILD_WAITING: &str = r#"
    UPDATE tickets SET waiting_txs = w.n
    FROM (SELECT tt.ticket_id AS id, count(*) AS n
          FROM wallet_transactions w JOIN ticket_transactions tt ON tt.transaction_id = w.id
          WHERE w.status = 'awaiting_customer_confirmation'
          GROUP BY tt.ticket_id) AS w
    WHERE tickets.id = w.id;
"#;

/// Recomputes the counts from the tickets, after [`REBUILD_WAITING`] and with the ticket
/// indexes in place.
pub(crate) const REBUILD_COUNTS: &str = r#"
    -- Counted off indexes, never the table (a scan of a million ticket bodies takes
    -- seconds): every ticket in its (open, assignee) bucket, then the open ones that await
    -- the customer moved to buckets of their own.
    DELETE FROM ticket_counts;
    INSERT INTO ticket_counts(is_open, assignee_id, awaiting, n)
        SELECT is_open, coalesce(assignee_id, ''), 0, count(*)
        FROM tickets INDEXED BY tickets_assignee_recent GROUP BY assignee_id, is_open;
    INSERT INTO ticket_counts(is_open, assignee_id, awaiting, n)
        SELECT 1, coalesce(assignee_id, ''), 1, count(*)
        FROM tickets WHERE is_open = 1 AND waiting_txs > 0 GROUP BY 2;
    UPDATE ticket_counts
        SET n = n - (SELECT a.n FROM ticket_counts a
                     WHERE a.awaiting = 1 AND a.assignee_id = ticket_counts.assignee_id)
        WHERE is_open = 1 AND awaiting = 0
          AND assignee_id IN (SELECT assignee_id FROM ticket_counts WHERE awaiting = 1);
    DELETE FROM sla_hours;
    INSERT INTO sla_hours(hour, n)
        SELECT sla_due_at / 3600000, count(*) FROM tickets
        WHERE is_open = 1 AND sla_due_at IS NOT NULL GROUP BY 1;
"#;

/// Tables a bootstrap fills by the million. Their secondary indexes and triggers are
/// deferred during a bulk load; the primary keys stay (upserts need them).
const BULK_TABLES: &[&str] = &[
    "tickets",
    "messages",
    "ticket_transactions",
    "ticket_tags",
    "wallet_transactions",
    "customers",
];

/// Kept during a bulk load:
/// - `messages_pending`: tiny (few messages are ever pending) and read by the rebase of
///   tickets with local work;
/// - `messages_by_ticket`: a feed's messages come in time order, not ticket order, so each
///   commit writes most of this index's leaves again, but since a bootstrap commits every
///   32 pages (a few commits per leaf) with its keys in the bulk page cache, that costs
///   less than building it at the end, where it was half the finish the inbox waits for
///   (page replay of 100k tickets and 1M messages: apply 7.9–8.4 → 7.5–7.8 s, the last
///   page 2.0–2.2 → 1.0–1.3 s; at one commit per page it had cost 17 → 24 s,
///   BENCHMARKS.md). A ticket opened during the bootstrap finds its conversation by it.
///
/// Not the tickets' indexes: maintained row by row they cost more than their builds
/// (the same replay 7.5–8.9 → 9.1–9.6 s).
const KEEP: &[&str] = &["messages_pending", "messages_by_ticket"];

/// Deferred indexes a usable inbox does not need: left out of [`finish`] and built after it,
/// one per transaction, by the background indexer ([`build_next_background`], ahead of
/// search), so the inbox shows seconds sooner. Until each is built the queries it serves
/// (filters by category, status, priority, incident or tag; a customer's tickets and
/// transactions; the creation sort) scan their table instead: correct, and tens of
/// milliseconds at 100k tickets. In build order: what an opened ticket shows first.
/// `finish` builds what the inbox's views and counts read: the recent, open, assignee,
/// awaiting and SLA indexes and what the awaiting count joins (the conversation index is
/// kept through the load, [`KEEP`]).
const BACKGROUND: &[&str] = &[
    "tickets_by_customer",
    "wallet_transactions_by_customer",
    "ticket_tags_by_tag",
    "tickets_by_status",
    "tickets_by_category",
    "tickets_by_priority",
    "tickets_by_incident",
    "tickets_created",
];

/// Whether a bulk load is in progress (its deferred objects not yet restored).
pub(crate) fn in_progress(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM meta WHERE key = ?1")?
        .query_row([BULK_KEY], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Starts a bulk load inside the caller's transaction when the cache holds no tickets and
/// no messages yet, and has never pulled: a bootstrap. Returns whether one is in progress.
pub(crate) fn begin_if_empty(tx: &Transaction<'_>, cursor: Option<&str>) -> Result<bool> {
    if in_progress(tx)? {
        return Ok(true);
    }
    let empty: bool = tx.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM tickets) AND NOT EXISTS (SELECT 1 FROM messages)",
        [],
        |r| r.get(0),
    )?;
    if cursor.is_some() || !empty {
        return Ok(false);
    }
    let marks = vec!["?"; BULK_TABLES.len()].join(", ");
    let objects: Vec<(String, String, String)> = tx
        .prepare(&format!(
            "SELECT name, type, sql FROM sqlite_schema
             WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN ({marks})"
        ))?
        .query_map(rusqlite::params_from_iter(BULK_TABLES), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (name, kind, sql) in objects {
        if KEEP.contains(&name.as_str()) {
            continue;
        }
        tx.prepare_cached("INSERT INTO deferred_schema(name, type, sql) VALUES (?1, ?2, ?3)")?
            .execute(params![name, kind, sql])?;
        // Names come from sqlite_schema, not from input; quoted all the same.
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        tx.execute_batch(&format!("DROP {kind} {quoted}"))?;
    }
    tx.execute("INSERT INTO meta(key, value) VALUES (?1, '1')", [BULK_KEY])?;
    Ok(true)
}

/// Ends a bulk load, if one is in progress: builds the deferred indexes but the
/// [`BACKGROUND`] ones, recomputes the derived state, queues every loaded record for search
/// and restores the triggers, all in one transaction. A no-op otherwise, so callers may call it whenever a pull ends.
pub(crate) fn finish(conn: &mut Connection) -> Result<()> {
    if !in_progress(conn)? {
        return Ok(());
    }
    // The index builds read the whole table back and sort it: with an encrypted cache each
    // page read again is decrypted and checked again, so a large page cache while they run
    // saves much of it (1M tickets: 57 s → 52 s of index build, BENCHMARKS.md). Memory is
    // taken as pages are read and given back when the cache shrinks after.
    conn.pragma_update(None, "cache_size", BULK_CACHE_KIB)?;
    // Index builds sort with helper threads (SQLite's multi-threaded sorter).
    conn.pragma_update(None, "threads", SORTER_THREADS)?;
    let built = build_deferred(conn);
    conn.pragma_update(None, "threads", 0)?;
    conn.pragma_update(None, "cache_size", crate::CACHE_KIB)?;
    built?;
    journal(conn, "WAL")
}

/// [`finish`], then every index left for the background: what a migration step needs
/// before it runs against the schema it was written for.
pub(crate) fn finish_all(conn: &mut Connection) -> Result<()> {
    finish(conn)?;
    while build_next_background(conn)? {}
    Ok(())
}

/// Switches a bulk load's later pages to a rollback journal. In WAL mode every page is
/// written twice, to the log and then by the checkpoint into the file; a rollback journal
/// keeps only the old content of pages a commit changes, and a bootstrap's pages are nearly
/// all new ones at the end of the file, so they are written once. Just as crash-safe with
/// `synchronous=FULL`. [`finish`] goes back to WAL, and so does `Store::open`.
pub(crate) fn bulk_journal(conn: &Connection) -> Result<()> {
    journal(conn, "TRUNCATE")
}

/// Sets the journal mode, where the file allows: leaving WAL needs the only connection,
/// and a CLI touching the profile meanwhile keeps WAL, which is only slower.
fn journal(conn: &Connection, mode: &str) -> Result<()> {
    match conn.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |_| Ok(())) {
        Ok(()) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Helper threads SQLite's sorter may use while a bulk load's indexes are built.
const SORTER_THREADS: i64 = 2;

/// The page cache while a bulk load runs, in KiB (negative: SQLite's unit): room for the
/// id indexes' leaves, which a feed's random ids touch all over, and for the tickets the
/// index builds at the end read back. Far more than the default pays (1M tickets: 72k →
/// 101k rows/s when it came); more than that costs: 512 MB took a bootstrap of 100k tickets
/// and 1M messages 7.2–8.3 s of store apply against 6.6–6.7 s at 256 MB, which also
/// applied 1M tickets at 136k rows/s against 125k (BENCHMARKS.md, sync run 11), the fresh
/// memory and a working set beyond the CPU's caches costing more than the page reads it
/// saves. Taken as pages are touched, so a small bootstrap takes little, and given back
/// when the load ends.
pub(crate) const BULK_CACHE_KIB: i64 = -256 * 1024;

fn build_deferred(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // The background indexes stay listed, and unbuilt, until each is built on its own.
    let objects: Vec<(String, String, String)> = tx
        .prepare("SELECT name, type, sql FROM deferred_schema")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<(String, String, String)>>>()?
        .into_iter()
        .filter(|(name, kind, _)| !(kind == "index" && BACKGROUND.contains(&name.as_str())))
        .collect();
    let (ticket_indexes, other_indexes): (Vec<&str>, Vec<&str>) = objects
        .iter()
        .filter(|(_, kind, _)| kind == "index")
        .map(|(_, _, sql)| sql.as_str())
        .partition(|sql| indexed_table(sql) == Some("tickets"));
    // Indexes before what reads through them: the other tables' first (the awaiting
    // count looks transactions up by status and links by transaction), then the
    // tickets' rows are updated while no index of theirs exists, then their indexes,
    // which the counts and the search queue read.
    for sql in other_indexes {
        tx.execute_batch(sql)?;
    }
    tx.execute_batch(REBUILD_WAITING)?;
    for sql in ticket_indexes {
        tx.execute_batch(sql)?;
    }
    tx.execute_batch(REBUILD_COUNTS)?;
    crate::search::enqueue_all(&tx)?;
    for (_, _, sql) in objects.iter().filter(|(_, kind, _)| kind == "trigger") {
        tx.execute_batch(sql)?;
    }
    for (name, _, _) in &objects {
        tx.prepare_cached("DELETE FROM deferred_schema WHERE name = ?1")?
            .execute([name])?;
    }
    tx.execute("DELETE FROM meta WHERE key = ?1", [BULK_KEY])?;
    tx.commit()?;
    Ok(())
}

/// Builds the next deferred index a finished bulk load left for after the inbox (see
/// [`BACKGROUND`]), in a transaction of its own: a few hundred milliseconds at 100k
/// tickets, so the console's reads and writes interleave. Returns whether it built one;
/// never during a bulk load, whose [`finish`] comes first.
pub(crate) fn build_next_background(conn: &mut Connection) -> Result<bool> {
    if in_progress(conn)? {
        return Ok(false);
    }
    let pending: Vec<(String, String)> = conn
        .prepare_cached("SELECT name, sql FROM deferred_schema WHERE type = 'index'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let rank = |name: &str| {
        BACKGROUND
            .iter()
            .position(|b| *b == name)
            .unwrap_or(usize::MAX)
    };
    let Some((name, sql)) = pending.into_iter().min_by_key(|(name, _)| rank(name)) else {
        return Ok(false);
    };
    conn.pragma_update(None, "threads", SORTER_THREADS)?;
    let built = (|| -> Result<()> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(&sql)?;
        tx.execute("DELETE FROM deferred_schema WHERE name = ?1", [&name])?;
        tx.commit()?;
        Ok(())
    })();
    conn.pragma_update(None, "threads", 0)?;
    built.map(|()| true)
}

/// How many deferred indexes wait for [`build_next_background`]: none while a bulk load
/// runs, whose [`finish`] builds them.
pub(crate) fn background_backlog(conn: &Connection) -> Result<u64> {
    if in_progress(conn)? {
        return Ok(0);
    }
    Ok(conn
        .prepare_cached("SELECT count(*) FROM deferred_schema WHERE type = 'index'")?
        .query_row([], |r| r.get(0))?)
}

/// The table a `CREATE [UNIQUE] INDEX name ON table(...)` statement indexes, as
/// sqlite_schema keeps the statement (our own DDL, unquoted names).
fn indexed_table(sql: &str) -> Option<&str> {
    let (_, after) = sql.split_once(" ON ")?;
    let name = after.trim_start().split(['(', ' ']).next()?;
    Some(name.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk_core::TxStatus;

    #[test]
    fn a_bulk_load_holds_its_large_page_cache_and_rollback_journal_only_while_it_runs() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::Store::open(dir.path().join("cache.sqlite3")).unwrap();
        let cache = |store: &crate::Store| -> i64 {
            store
                .conn
                .pragma_query_value(None, "cache_size", |r| r.get(0))
                .unwrap()
        };
        let journal = |store: &crate::Store| -> String {
            store
                .conn
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .unwrap()
        };
        assert_eq!(cache(&store), crate::CACHE_KIB);
        assert_eq!(journal(&store), "wal");
        let agent = desk_core::wire::Change::Agent(desk_core::Agent {
            id: "a1".into(),
            name: "Amy".into(),
            email: "amy@example.com".into(),
            role: desk_core::Role::Agent,
            languages: vec![],
            groups: vec![],
            skills: vec![],
            capacity: None,
        });
        store.apply_page(&[agent], "1.0", true).unwrap();
        assert!(
            in_progress(&store.conn).unwrap(),
            "a pull from zero is a bulk load"
        );
        let indexes: Vec<String> = store
            .conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        // The rebase reads the pending messages, and a conversation opened meanwhile is
        // found by ticket.
        for kept in ["messages_pending", "messages_by_ticket"] {
            assert!(
                indexes.iter().any(|i| i == kept),
                "{kept} stays through the load: {indexes:?}"
            );
        }
        assert!(
            !indexes.iter().any(|i| i == "tickets_recent"),
            "the tickets' indexes wait for the finish: {indexes:?}"
        );
        assert_eq!(
            cache(&store),
            BULK_CACHE_KIB,
            "the load runs in the large cache"
        );
        assert_eq!(
            journal(&store),
            "truncate",
            "its later pages are written once, with a rollback journal"
        );
        drop(store);
        // A load resumed after a restart: the store opens in WAL, the next page leaves it.
        let mut store = crate::Store::open(dir.path().join("cache.sqlite3")).unwrap();
        assert_eq!(journal(&store), "wal");
        store.apply_page(&[], "1.1", true).unwrap();
        assert_eq!(journal(&store), "truncate");
        store.apply_page(&[], "1.2", false).unwrap();
        assert!(!in_progress(&store.conn).unwrap());
        assert_eq!(
            cache(&store),
            crate::CACHE_KIB,
            "and gives it back when it ends"
        );
        assert_eq!(journal(&store), "wal", "and goes back to WAL");
        store.apply_page(&[], "1.3", false).unwrap();
        assert_eq!(journal(&store), "wal", "a catch-up pull stays in WAL");
    }

    #[test]
    fn index_statements_name_their_table() {
        assert_eq!(
            indexed_table("CREATE INDEX tickets_recent ON tickets(last_message_at DESC, id DESC)"),
            Some("tickets")
        );
        assert_eq!(
            indexed_table("CREATE UNIQUE INDEX x ON \"ticket_tags\" (tag)"),
            Some("ticket_tags")
        );
        assert_eq!(indexed_table("CREATE TRIGGER t AFTER INSERT"), None);
    }

    #[test]
    fn derived_sql_spells_the_awaiting_status_as_desk_core_does() {
        let spelled = TxStatus::AwaitingCustomerConfirmation.as_str();
        for sql in [TRIGGERS, REBUILD_WAITING] {
            assert!(sql.contains(&format!("'{spelled}'")));
        }
        assert_eq!(
            SLA_BUCKET_MS, 3_600_000,
            "the SQL above divides by this literal"
        );
    }
}

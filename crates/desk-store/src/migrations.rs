//! Versioned schema migrations, tracked in `PRAGMA user_version`.
//!
//! Each step runs in its own transaction together with the version bump, so a crash leaves
//! the file at one version or the next, never between. Steps are append-only: never edit a
//! released one, add another. From step 5 on, a bulk load may have dropped indexes and
//! triggers (see `derived.rs`): `Store::open` restores them before running any step, so a
//! step always meets the whole schema.

use rusqlite::Connection;

use crate::{Error, Result};

/// Each step is one or more SQL batches, run in order in the step's transaction.
const STEPS: &[&[&str]] = &[
    // 1: confirmed server records, each as its JSON body plus the columns views index.
    &[r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE agents (
        id    TEXT PRIMARY KEY,
        name  TEXT NOT NULL,
        email TEXT NOT NULL,
        body  TEXT NOT NULL
    ) STRICT;

    CREATE TABLE customers (
        id   TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        tier TEXT NOT NULL,
        body TEXT NOT NULL
    ) STRICT;

    CREATE TABLE wallet_transactions (
        id          TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        status      TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        body        TEXT NOT NULL
    ) STRICT;
    CREATE INDEX wallet_transactions_by_customer ON wallet_transactions(customer_id, created_at DESC);

    CREATE TABLE tickets (
        id              TEXT PRIMARY KEY,
        number          INTEGER,
        subject         TEXT NOT NULL,
        customer_id     TEXT NOT NULL,
        status          TEXT NOT NULL,
        is_open         INTEGER NOT NULL,
        priority        TEXT NOT NULL,
        category        TEXT NOT NULL,
        assignee_id     TEXT,
        language        TEXT NOT NULL,
        last_message_at INTEGER NOT NULL,
        first_response_due_at INTEGER,
        body            TEXT NOT NULL
    ) STRICT;
    CREATE INDEX tickets_recent ON tickets(last_message_at DESC, id DESC);
    CREATE INDEX tickets_open_recent ON tickets(is_open, last_message_at DESC, id DESC);
    CREATE INDEX tickets_assignee_recent ON tickets(assignee_id, is_open, last_message_at DESC, id DESC);
    CREATE INDEX tickets_by_customer ON tickets(customer_id, last_message_at DESC);

    -- Which wallet transactions a ticket is about; drives the awaiting-confirmation view.
    CREATE TABLE ticket_transactions (
        ticket_id      TEXT NOT NULL,
        transaction_id TEXT NOT NULL,
        PRIMARY KEY (ticket_id, transaction_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX ticket_transactions_by_tx ON ticket_transactions(transaction_id);

    CREATE TABLE messages (
        id         TEXT PRIMARY KEY,
        ticket_id  TEXT NOT NULL,
        kind       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        body       TEXT NOT NULL
    ) STRICT;
    CREATE INDEX messages_by_ticket ON messages(ticket_id, created_at, id);
    "#],
    // 2: the remaining domain records, the confirmed/optimistic split and the outbox.
    &[crate::local::MIGRATION],
    // 3: full-text search (Chinese and English) and its background indexing queue.
    &[crate::search::MIGRATION],
    // 4: what the views sort and filter on (SLA due, incident, creation, tags).
    &[crate::views::MIGRATION],
    // 5: plain view columns, derived counts and the awaiting flag, bulk-load bookkeeping;
    // KB articles in search.
    &[
        crate::derived::MIGRATION,
        crate::derived::REBUILD_WAITING,
        crate::derived::REBUILD_COUNTS,
        crate::derived::TRIGGERS,
        crate::search::KB_MIGRATION,
    ],
    // 6: conversations evicted to the server (local/evict.rs).
    &[crate::local::EVICT_MIGRATION],
    // 7: the SLA clock stops while a ticket waits on the customer or is on hold
    // (`TicketStatus::sla_running`); the triggers move the hour buckets along.
    &["UPDATE tickets SET sla_due_at = NULL
       WHERE status NOT IN ('new', 'open') AND sla_due_at IS NOT NULL;"],
    // 8: ticket bodies apart from the indexed columns (records.rs).
    &[crate::records::NARROW_MIGRATION],
    // 9: a bootstrap's records marked for search by rowid range (search/index.rs).
    &[crate::search::BACKFILL_MIGRATION],
    // 10: a conversation's index without the message id (85 → 49 MB at 1M messages,
    // built and written at the end of every bootstrap): ties on a ticket's message time are
    // rare, and SQLite orders them by id from the table row after the index range.
    &["DROP INDEX messages_by_ticket;
       CREATE INDEX messages_by_ticket ON messages(ticket_id, created_at);"],
    // 11: a message's parts in columns instead of a JSON body (records.rs).
    &[
        crate::records::MESSAGE_PARTS_MIGRATION,
        crate::search::MESSAGE_TRIGGERS,
    ],
    // 12: deliveries of public replies, as pulled (deliveries.rs).
    &[crate::deliveries::MIGRATION],
    // 13: file bytes, fetched and attached (files.rs).
    &[crate::files::MIGRATION],
    // 14: the quoted history an email folded away (records.rs).
    &[crate::records::QUOTED_MIGRATION],
    // 15: groups (teams) as records (catalog.rs).
    &[crate::catalog::GROUPS_MIGRATION],
];

/// The schema version this build writes.
pub const LATEST: u32 = STEPS.len() as u32;

pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, LATEST)
}

/// Brings the schema up to `target` (≤ [`LATEST`]). Tests use it to build caches as earlier
/// releases left them and then check that opening them upgrades without losing anything.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<()> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > LATEST {
        return Err(Error::TooNew {
            found: current,
            known: LATEST,
        });
    }
    let target = target.min(LATEST) as usize;
    for (i, step) in STEPS.iter().enumerate().take(target).skip(current as usize) {
        let tx = conn.transaction()?;
        for batch in *step {
            tx.execute_batch(batch)?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(())
}

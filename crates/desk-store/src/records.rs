//! Writing pulled server records: a page and its cursor land in one transaction, so a
//! crash mid-apply leaves the cache at the previous cursor and the page is pulled again
//! (every change is a whole record, so applying one twice is harmless).
//!
//! A ticket with local work pending is the one exception to "write the record where the
//! views read it": its server version goes to the confirmed layer and the local work is
//! replayed on top (see [`crate::local`]). Every other record takes the direct path, one
//! prepared upsert per row, which is what keeps a 100k-ticket bootstrap fast.

use desk_core::wire::{Acknowledgement, Change, PullResponse, TrimmedConversation};
use desk_core::{
    Agent, Customer, Incident, KbArticle, Macro, Message, SlaPolicy, Ticket, TicketStatus,
    WalletTransaction,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::de::DeserializeOwned;

use crate::local::Rebase;
use crate::{Error, Result, Store};

/// Tables holding server records, emptied by `Store::clear`. Messages are not listed:
/// the agent's unsent replies live among them and survive a clear.
pub(crate) const RECORD_TABLES: &[&str] = &[
    "agents",
    "customers",
    "wallet_transactions",
    "tickets",
    "ticket_bodies",
    "ticket_transactions",
    "ticket_tags",
    "macros",
    "kb_articles",
    "incidents",
    "sla_policies",
    "verifications",
    "approvals",
    "compensations",
];

/// Schema step 8: a ticket's JSON body in a table of its own. The ticket row keeps only
/// the columns views filter and sort on, so each of the dozen index builds of a bulk load
/// scans a narrow table (1M tickets: ~100 MB instead of ~700 MB, each page of it decrypted
/// again per build), and index maintenance never rewrites the body.
pub(crate) const NARROW_MIGRATION: &str = r#"
    CREATE TABLE ticket_bodies (
        id   TEXT PRIMARY KEY,
        body TEXT NOT NULL
    ) STRICT;
    INSERT INTO ticket_bodies(id, body) SELECT id, body FROM tickets;
    ALTER TABLE tickets DROP COLUMN body;
"#;

/// The meta key under which the server's opaque cursor is kept.
pub const CURSOR_KEY: &str = "sync.cursor";

impl Store {
    /// Applies the last page of a pull: [`Store::apply_page`] with nothing more to come.
    pub fn apply_pull_page(&mut self, changes: &[Change], next_cursor: &str) -> Result<()> {
        self.apply_page(changes, next_cursor, false)
    }

    /// Applies one pulled page and records `next_cursor`, atomically; tickets the agent
    /// has pending work on are rebased in the same transaction.
    ///
    /// The first page of a pull from zero into an empty cache starts a bulk load (see
    /// derived.rs): indexes and derived state are built once, after the page that comes
    /// with `has_more` false, in a transaction of their own. A pull that stops early
    /// should end with [`Store::finish_bulk_load`]; views are correct either way.
    pub fn apply_page(
        &mut self,
        changes: &[Change],
        next_cursor: &str,
        has_more: bool,
    ) -> Result<()> {
        self.apply_pulled(changes, &[], next_cursor, has_more)
            .map(|_| ())
    }

    /// [`Store::apply_page`] with the answers the pull carried, recorded in the page's own
    /// transaction: a crash never leaves a page's tickets without the answers that say
    /// which queued mutations they already include. Returns the answers that were news.
    pub fn apply_pulled(
        &mut self,
        changes: &[Change],
        answers: &[Acknowledgement],
        next_cursor: &str,
        has_more: bool,
    ) -> Result<Vec<Acknowledgement>> {
        let news = self.write_page(changes, answers, &[], next_cursor)?;
        if !has_more {
            self.finish_bulk_load()?;
        }
        Ok(news)
    }

    /// A whole pulled page, as [`Store::apply_pulled`] applies it, with the conversations
    /// the page left out messages of (a bootstrap's trimming, DESIGN.md §4 Scope) marked
    /// as kept on the server in the same transaction: such a ticket opened online is
    /// fetched whole, whatever happened to it since.
    pub fn apply_pull_response(&mut self, page: &PullResponse) -> Result<Vec<Acknowledgement>> {
        let news = self.write_page(
            &page.changes,
            &page.acknowledged,
            &page.trimmed,
            &page.next_cursor,
        )?;
        if !page.has_more {
            self.finish_bulk_load()?;
        }
        Ok(news)
    }

    fn write_page(
        &mut self,
        changes: &[Change],
        answers: &[Acknowledgement],
        trimmed: &[TrimmedConversation],
        next_cursor: &str,
    ) -> Result<Vec<Acknowledgement>> {
        // Immediate: take the write lock up front rather than fail to upgrade a read lock
        // when another process (the CLI) touched the file meanwhile.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let cursor: Option<String> = tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([CURSOR_KEY], |r| r.get(0))
            .optional()?;
        // A pull from zero into an empty cache defers indexes and derived state until
        // `finish_bulk_load` (see derived.rs).
        if crate::derived::begin_if_empty(&tx, cursor.as_deref())? {
            // The primary-key indexes stay during a bulk load, and a feed's ids come in no
            // key order (a ticket sits where it last changed, messages by ticket): a page
            // cache that holds them turns their random inserts into memory writes (100k
            // tickets and 1M messages: ~70 MB of keys). Given back by the load's finish;
            // set on every page, so a load resumed after a restart has it too.
            tx.pragma_update(None, "cache_size", crate::derived::BULK_CACHE_KIB)?;
        }
        let mut rebase = Rebase::begin(&tx)?;
        for change in changes {
            match change {
                Change::Ticket(t) if rebase.has_local_work(&tx, &t.id)? => {
                    rebase.confirm(&tx, t)?;
                }
                Change::LeftScope(left) if rebase.has_local_work(&tx, &left.ticket_id)? => {
                    forget_conversation(&tx, &left.ticket_id)?;
                    rebase.forget(&tx, &left.ticket_id)?;
                }
                other => apply_change(&tx, other)?,
            }
        }
        rebase.finish(&tx)?;
        for t in trimmed {
            // Marked as eviction marks it (local/evict.rs); kept when already marked.
            tx.prepare_cached(
                "INSERT OR IGNORE INTO evicted_conversations (ticket_id, evicted_at)
                 VALUES (?1, CAST(strftime('%s', 'now') AS INTEGER) * 1000)",
            )?
            .execute([&t.ticket_id])?;
        }
        let mut news = Vec::new();
        for a in answers {
            if crate::local::acknowledge_in(&tx, &a.mutation_id, &a.result, true)? {
                news.push(a.clone());
            }
        }
        tx.prepare_cached(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![CURSOR_KEY, next_cursor])?;
        tx.commit()?;
        Ok(news)
    }

    /// The cursor to pull from next; `None` before the first pull (bootstrap).
    pub fn cursor(&self) -> Result<Option<String>> {
        self.meta(CURSOR_KEY)
    }
}

pub(crate) fn json(value: &impl serde::Serialize) -> String {
    // Serializing our own plain structs cannot fail.
    serde_json::to_string(value).expect("domain records serialize")
}

fn is_open(status: TicketStatus) -> bool {
    !matches!(status, TicketStatus::Solved | TicketStatus::Closed)
}

/// The earlier of the ticket's due times: what the SLA views sort and count by. None
/// while the clock does not run (waiting on the customer, on hold, done).
pub(crate) fn sla_due_at(t: &Ticket) -> Option<i64> {
    if !t.status.sla_running() {
        return None;
    }
    match (t.first_response_due_at, t.resolution_due_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn apply_change(conn: &Connection, change: &Change) -> Result<()> {
    match change {
        Change::Agent(a) => put_agent(conn, a),
        Change::Customer(c) => put_customer(conn, c),
        Change::WalletTransaction(t) => put_transaction(conn, t),
        Change::Ticket(t) => put_ticket(conn, t),
        Change::Message(m) => put_message(conn, m, false),
        Change::Macro(m) => put_macro(conn, m),
        Change::KbArticle(a) => put_kb_article(conn, a),
        Change::Incident(i) => put_incident(conn, i),
        Change::SlaPolicy(p) => put_sla_policy(conn, p),
        Change::LeftScope(left) => {
            delete_ticket(conn, &left.ticket_id)?;
            forget_conversation(conn, &left.ticket_id)
        }
    }
}

/// A ticket that left the agent's scope: what the server sent of its conversation goes.
/// The agent's own unsent messages stay with their queued work, which the server will
/// answer.
fn forget_conversation(conn: &Connection, ticket_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM messages WHERE ticket_id = ?1 AND pending = 0")?
        .execute([ticket_id])?;
    conn.prepare_cached("DELETE FROM evicted_conversations WHERE ticket_id = ?1")?
        .execute([ticket_id])?;
    Ok(())
}

fn put_agent(conn: &Connection, a: &Agent) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO agents(id, name, email, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email, body = excluded.body",
    )?
    .execute(params![a.id, a.name, a.email, json(a)])?;
    Ok(())
}

fn put_customer(conn: &Connection, c: &Customer) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO customers(id, name, tier, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, tier = excluded.tier, body = excluded.body",
    )?
    .execute(params![c.id, c.name, c.tier.as_str(), json(c)])?;
    Ok(())
}

fn put_transaction(conn: &Connection, t: &WalletTransaction) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO wallet_transactions(id, customer_id, status, created_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET customer_id = excluded.customer_id,
             status = excluded.status, created_at = excluded.created_at, body = excluded.body",
    )?
    .execute(params![
        t.id,
        t.customer_id,
        t.status.as_str(),
        t.created_at,
        json(t)
    ])?;
    Ok(())
}

/// Writes the ticket the views read (confirmed, or confirmed plus local work), with its
/// transaction links and tags. `waiting_txs` is not written: triggers keep it.
pub(crate) fn put_ticket(conn: &Connection, t: &Ticket) -> Result<()> {
    if t.deleted_at.is_some() {
        // Deleted tickets leave the cache with their conversation: no view, count or
        // search shows them (the server keeps them, soft). Queued work on one stays in
        // the outbox until the server answers it.
        delete_ticket(conn, &t.id)?;
        conn.prepare_cached("DELETE FROM messages WHERE ticket_id = ?1")?
            .execute([&t.id])?;
        conn.prepare_cached("DELETE FROM evicted_conversations WHERE ticket_id = ?1")?
            .execute([&t.id])?;
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO tickets(id, number, subject, customer_id, status, is_open, priority, category,
             assignee_id, language, last_message_at, first_response_due_at, sla_due_at,
             incident_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT(id) DO UPDATE SET number = excluded.number, subject = excluded.subject,
             customer_id = excluded.customer_id, status = excluded.status,
             is_open = excluded.is_open, priority = excluded.priority,
             category = excluded.category, assignee_id = excluded.assignee_id,
             language = excluded.language, last_message_at = excluded.last_message_at,
             first_response_due_at = excluded.first_response_due_at,
             sla_due_at = excluded.sla_due_at, incident_id = excluded.incident_id,
             created_at = excluded.created_at",
    )?
    .execute(params![
        t.id,
        t.number,
        t.subject,
        t.customer_id,
        t.status.as_str(),
        is_open(t.status),
        t.priority.as_str(),
        t.category.as_str(),
        t.assignee_id,
        t.language,
        t.last_message_at,
        t.first_response_due_at,
        sla_due_at(t),
        t.incident_id,
        t.created_at,
    ])?;
    conn.prepare_cached(
        "INSERT INTO ticket_bodies(id, body) VALUES (?1, ?2)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![t.id, json(t)])?;
    // Both keyed by ticket first: a key-range delete, cheap even during a bulk load.
    conn.prepare_cached("DELETE FROM ticket_transactions WHERE ticket_id = ?1")?
        .execute([&t.id])?;
    let mut link = conn.prepare_cached(
        "INSERT OR IGNORE INTO ticket_transactions(ticket_id, transaction_id) VALUES (?1, ?2)",
    )?;
    for tx_id in &t.linked_transaction_ids {
        link.execute(params![t.id, tx_id])?;
    }
    conn.prepare_cached("DELETE FROM ticket_tags WHERE ticket_id = ?1")?
        .execute([&t.id])?;
    let mut tag =
        conn.prepare_cached("INSERT OR IGNORE INTO ticket_tags(ticket_id, tag) VALUES (?1, ?2)")?;
    for name in &t.tags {
        tag.execute(params![t.id, name])?;
    }
    Ok(())
}

/// Removes a ticket from what the views read (its messages stay: they are the caller's call).
pub(crate) fn delete_ticket(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM tickets WHERE id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM ticket_bodies WHERE id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM ticket_transactions WHERE ticket_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM ticket_tags WHERE ticket_id = ?1")?
        .execute([id])?;
    Ok(())
}

/// `pending`: written by this client and not yet confirmed by the server. The server's
/// copy of the same message (same id) replaces it and clears the mark.
pub(crate) fn put_message(conn: &Connection, m: &Message, pending: bool) -> Result<()> {
    // Messages are append-only on the server; a repeat delivery is the same record.
    conn.prepare_cached(
        "INSERT INTO messages(id, ticket_id, kind, created_at, body, pending)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, pending = excluded.pending",
    )?
    .execute(params![
        m.id,
        m.ticket_id,
        m.kind.as_str(),
        m.created_at,
        json(m),
        pending
    ])?;
    Ok(())
}

fn put_macro(conn: &Connection, m: &Macro) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO macros(id, title, updated_at, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at,
             body = excluded.body",
    )?
    .execute(params![m.id, m.title, m.updated_at, json(m)])?;
    Ok(())
}

fn put_kb_article(conn: &Connection, a: &KbArticle) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO kb_articles(id, updated_at, body) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body",
    )?
    .execute(params![a.id, a.updated_at, json(a)])?;
    Ok(())
}

fn put_incident(conn: &Connection, i: &Incident) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO incidents(id, status, started_at, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
             body = excluded.body",
    )?
    .execute(params![i.id, i.status.as_str(), i.started_at, json(i)])?;
    Ok(())
}

fn put_sla_policy(conn: &Connection, p: &SlaPolicy) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sla_policies(id, name, body) VALUES (?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, body = excluded.body",
    )?
    .execute(params![p.id, p.name, json(p)])?;
    Ok(())
}

/// Parses a stored JSON body, naming the record when it is damaged.
pub(crate) fn parse<T: DeserializeOwned>(what: &str, id: &str, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|source| Error::Corrupt {
        what: format!("{what} {id}"),
        source,
    })
}

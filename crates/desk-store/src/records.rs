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
    Agent, Attachment, Author, Channel, Customer, Incident, KbArticle, Macro, Message, SlaPolicy,
    Ticket, TicketStatus, WalletTransaction,
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
    "groups",
    "deliveries",
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
        let news = self.write_pages(
            &[Page {
                changes,
                answers,
                trimmed: &[],
                next_cursor,
            }],
            |_| {},
        )?;
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
        self.apply_pull_responses(std::slice::from_ref(page))
    }

    /// Consecutive pages of one pull, each applied as [`Store::apply_pull_response`]
    /// applies it, in order, all in one transaction: the cursor left is the last page's.
    ///
    /// Fewer commits is what makes a bootstrap fast. A feed brings message ids in no key
    /// order, so every page's inserts land on leaf pages all over the id index, and each
    /// commit writes every page it dirtied (and journals it): one commit for eight pages
    /// writes each such leaf once instead of up to eight times (100k tickets and 1M
    /// messages: 1.53 → 0.88 GB written, 15–17 → 10–11 s, BENCHMARKS.md).
    pub fn apply_pull_responses(&mut self, pages: &[PullResponse]) -> Result<Vec<Acknowledgement>> {
        self.apply_pull_responses_with(pages, |_| {})
    }

    /// [`Store::apply_pull_responses`], calling `written(i)` once page `i` is written (in
    /// the transaction, before it commits): a bootstrap's progress then moves page by page
    /// while a group of pages is applied, not once per group. A failure after it rolls the
    /// page back all the same.
    pub fn apply_pull_responses_with(
        &mut self,
        pages: &[PullResponse],
        written: impl FnMut(usize),
    ) -> Result<Vec<Acknowledgement>> {
        let parts: Vec<Page<'_>> = pages
            .iter()
            .map(|p| Page {
                changes: &p.changes,
                answers: &p.acknowledged,
                trimmed: &p.trimmed,
                next_cursor: &p.next_cursor,
            })
            .collect();
        let news = self.write_pages(&parts, written)?;
        if pages.last().is_some_and(|p| !p.has_more) {
            self.finish_bulk_load()?;
        }
        Ok(news)
    }

    fn write_pages(
        &mut self,
        pages: &[Page<'_>],
        mut written: impl FnMut(usize),
    ) -> Result<Vec<Acknowledgement>> {
        if pages.is_empty() {
            return Ok(Vec::new());
        }
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
        let bulk = crate::derived::begin_if_empty(&tx, cursor.as_deref())?;
        if bulk {
            // The primary-key indexes stay during a bulk load, and a feed's ids come in no
            // key order (a ticket sits where it last changed, messages by ticket): a page
            // cache that holds them turns their random inserts into memory writes (100k
            // tickets and 1M messages: ~70 MB of keys). Given back by the load's finish;
            // set on every page, so a load resumed after a restart has it too.
            tx.pragma_update(None, "cache_size", crate::derived::BULK_CACHE_KIB)?;
        }
        let mut news = Vec::new();
        for (i, page) in pages.iter().enumerate() {
            write_page(&tx, page, &mut news)?;
            written(i);
        }
        tx.commit()?;
        if bulk {
            crate::derived::bulk_journal(&self.conn)?;
        }
        Ok(news)
    }

    /// The cursor to pull from next; `None` before the first pull (bootstrap).
    pub fn cursor(&self) -> Result<Option<String>> {
        self.meta(CURSOR_KEY)
    }
}

/// What one pulled page brings, borrowed from wherever it was decoded.
struct Page<'a> {
    changes: &'a [Change],
    answers: &'a [Acknowledgement],
    trimmed: &'a [TrimmedConversation],
    next_cursor: &'a str,
}

/// One page inside the caller's transaction: its changes (tickets with pending work
/// rebased), the conversations it trimmed, the answers that were news (added to `news`)
/// and its cursor.
fn write_page(tx: &Connection, page: &Page<'_>, news: &mut Vec<Acknowledgement>) -> Result<()> {
    let mut rebase = Rebase::begin(tx)?;
    for change in page.changes {
        match change {
            Change::Ticket(t) if rebase.has_local_work(tx, &t.id)? => {
                rebase.confirm(tx, t)?;
            }
            Change::LeftScope(left) if rebase.has_local_work(tx, &left.ticket_id)? => {
                forget_conversation(tx, &left.ticket_id)?;
                rebase.forget(tx, &left.ticket_id)?;
            }
            other => apply_change(tx, other)?,
        }
    }
    rebase.finish(tx)?;
    for t in page.trimmed {
        // Marked as eviction marks it (local/evict.rs); kept when already marked.
        tx.prepare_cached(
            "INSERT OR IGNORE INTO evicted_conversations (ticket_id, evicted_at)
             VALUES (?1, CAST(strftime('%s', 'now') AS INTEGER) * 1000)",
        )?
        .execute([&t.ticket_id])?;
    }
    for a in page.answers {
        if crate::local::acknowledge_in(tx, &a.mutation_id, &a.result, true)? {
            news.push(a.clone());
        }
    }
    tx.prepare_cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![CURSOR_KEY, page.next_cursor])?;
    Ok(())
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
        Change::Group(g) => crate::catalog::put_group(conn, g),
        Change::Delivery(d) => crate::deliveries::put(conn, d),
        Change::LeftScope(left) => {
            delete_ticket(conn, &left.ticket_id)?;
            forget_conversation(conn, &left.ticket_id)
        }
    }
}

/// A ticket that left the agent's scope: what the server sent of its conversation goes,
/// the deliveries of its replies with it. The agent's own unsent messages stay with their
/// queued work, which the server will answer.
fn forget_conversation(conn: &Connection, ticket_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM messages WHERE ticket_id = ?1 AND pending = 0")?
        .execute([ticket_id])?;
    crate::deliveries::forget_ticket(conn, ticket_id)?;
    crate::files::forget_ticket(conn, ticket_id)?;
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
        crate::deliveries::forget_ticket(conn, &t.id)?;
        crate::files::forget_ticket(conn, &t.id)?;
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
    .execute(params![
        t.id,
        json(&StoredTicket {
            channel: t.channel,
            tags: &t.tags,
            group: &t.group,
            resolution_due_at: &t.resolution_due_at,
            linked_transaction_ids: &t.linked_transaction_ids,
            merged_into: &t.merged_into,
            csat: t.csat,
            updated_at: t.updated_at,
            deleted_at: &t.deleted_at,
            secret_exposed_at: &t.secret_exposed_at,
        })
    ])?;
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

/// What a ticket's `ticket_bodies.body` holds: the ticket less what the `tickets` row's
/// columns hold (id, number, subject, customer, status, priority, category, assignee,
/// language, times, incident) and less its empty fields: about 100 bytes of a 500-byte
/// ticket. Tags and linked transactions stay here in their order (their tables are sets).
/// Bodies written before hold the whole ticket, which reads alike.
#[derive(serde::Serialize)]
struct StoredTicket<'a> {
    channel: Channel,
    #[serde(skip_serializing_if = "empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "absent")]
    group: &'a Option<String>,
    #[serde(skip_serializing_if = "absent")]
    resolution_due_at: &'a Option<i64>,
    #[serde(skip_serializing_if = "empty")]
    linked_transaction_ids: &'a [String],
    #[serde(skip_serializing_if = "absent")]
    merged_into: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    csat: Option<u8>,
    updated_at: i64,
    #[serde(skip_serializing_if = "absent")]
    deleted_at: &'a Option<i64>,
    #[serde(skip_serializing_if = "absent")]
    secret_exposed_at: &'a Option<i64>,
}

// `skip_serializing_if` hands these a reference to the (borrowed) field.
fn absent<T>(value: &&Option<T>) -> bool {
    value.is_none()
}

fn empty<T>(list: &&[T]) -> bool {
    list.is_empty()
}

#[derive(serde::Deserialize)]
struct StoredTicketOwned {
    channel: Channel,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    resolution_due_at: Option<i64>,
    #[serde(default)]
    linked_transaction_ids: Vec<String>,
    #[serde(default)]
    merged_into: Option<String>,
    #[serde(default)]
    csat: Option<u8>,
    updated_at: i64,
    #[serde(default)]
    deleted_at: Option<i64>,
    #[serde(default)]
    secret_exposed_at: Option<i64>,
}

/// The columns [`TicketRow::read`] reads, in its order, for a query over `tickets t`:
/// `SELECT {TICKET_COLUMNS} FROM tickets t …`.
pub(crate) const TICKET_COLUMNS: &str = "t.id, t.number, t.subject, t.customer_id, t.status,
    t.priority, t.category, t.assignee_id, t.language, t.last_message_at,
    t.first_response_due_at, t.incident_id, t.created_at,
    (SELECT b.body FROM ticket_bodies b WHERE b.id = t.id)";

/// How many columns [`TICKET_COLUMNS`] spans, for the columns a query selects after it.
pub(crate) const TICKET_COLUMN_COUNT: usize = 14;

/// A ticket as stored in its two tables, before it is put together.
pub(crate) struct TicketRow {
    id: String,
    number: Option<i64>,
    subject: String,
    customer_id: String,
    status: String,
    priority: String,
    category: String,
    assignee_id: Option<String>,
    language: String,
    last_message_at: i64,
    first_response_due_at: Option<i64>,
    incident_id: Option<String>,
    created_at: i64,
    body: String,
}

impl TicketRow {
    /// Reads [`TICKET_COLUMNS`] from the start of a row.
    pub(crate) fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            number: r.get(1)?,
            subject: r.get(2)?,
            customer_id: r.get(3)?,
            status: r.get(4)?,
            priority: r.get(5)?,
            category: r.get(6)?,
            assignee_id: r.get(7)?,
            language: r.get(8)?,
            last_message_at: r.get(9)?,
            first_response_due_at: r.get(10)?,
            incident_id: r.get(11)?,
            created_at: r.get(12)?,
            body: r.get(13)?,
        })
    }

    /// The ticket, from its columns and its stored body.
    pub(crate) fn into_ticket(self) -> Result<Ticket> {
        let rest: StoredTicketOwned = parse("ticket", &self.id, &self.body)?;
        let what = || format!("ticket {}", self.id);
        Ok(Ticket {
            number: self.number,
            subject: self.subject,
            customer_id: self.customer_id,
            channel: rest.channel,
            status: column_enum(&self.status, what)?,
            priority: column_enum(&self.priority, what)?,
            category: column_enum(&self.category, what)?,
            tags: rest.tags,
            assignee_id: self.assignee_id,
            group: rest.group,
            language: self.language,
            first_response_due_at: self.first_response_due_at,
            resolution_due_at: rest.resolution_due_at,
            linked_transaction_ids: rest.linked_transaction_ids,
            incident_id: self.incident_id,
            merged_into: rest.merged_into,
            csat: rest.csat,
            created_at: self.created_at,
            updated_at: rest.updated_at,
            last_message_at: self.last_message_at,
            deleted_at: rest.deleted_at,
            secret_exposed_at: rest.secret_exposed_at,
            id: self.id,
        })
    }
}

/// An enum kept in a column as its wire spelling (`as_str`), read back by its `FromStr`.
fn column_enum<T>(text: &str, what: impl Fn() -> String) -> Result<T>
where
    T: std::str::FromStr<Err = desk_core::UnknownVariant>,
{
    text.parse().map_err(|e| Error::Corrupt {
        what: what(),
        source: serde::de::Error::custom(e),
    })
}

/// The ticket `id` as the views read it, if cached.
pub(crate) fn read_ticket(conn: &Connection, id: &str) -> Result<Option<Ticket>> {
    conn.prepare_cached(&format!(
        "SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = ?1"
    ))?
    .query_row([id], TicketRow::read)
    .optional()?
    .map(TicketRow::into_ticket)
    .transpose()
}

/// Schema step 11: a message's parts in columns of their own instead of a JSON body.
/// Messages are three rows in four of a bootstrap: the body's JSON keys, quotes and escapes
/// were 8% of the cache's bytes (written, encrypted and checked once per bootstrap),
/// and encoding them a share of the apply on the one core the store writes with. Reads
/// take the text without parsing anything (the inbox preview, the search indexer).
///
/// Rows written before keep their JSON `body` and read as they did; a row in columns has
/// an empty `body`. No row is rewritten, so the step is instant on a cache of millions of
/// messages (rebuilding the table took 10 s per million, and left its old pages free).
pub(crate) const MESSAGE_PARTS_MIGRATION: &str = r#"
    ALTER TABLE messages ADD COLUMN author_kind TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN author_id TEXT;
    ALTER TABLE messages ADD COLUMN author_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
    ALTER TABLE messages ADD COLUMN body_html TEXT;
    -- A JSON array; NULL when there are none.
    ALTER TABLE messages ADD COLUMN attachments TEXT;
"#;

/// Schema step 14: the history an email quoted, kept folded apart from its text
/// (`Message::quoted`). Rows before it have none.
pub(crate) const QUOTED_MIGRATION: &str = "ALTER TABLE messages ADD COLUMN quoted TEXT;";

/// A message's text as SQL reads it from a `messages` row named `m`, in either shape
/// ([`MESSAGE_PARTS_MIGRATION`]); a macro so `concat!` can build queries with it.
macro_rules! message_text_sql {
    () => {
        "iif(m.body = '', m.body_text, json_extract(m.body, '$.body_text'))"
    };
}
pub(crate) use message_text_sql;

/// What a message row's `body` held before step 11: the message less what its columns
/// held (id, ticket, kind, time), or, written before that, the whole message.
#[derive(serde::Deserialize)]
struct StoredMessageOwned {
    author: Author,
    body_text: String,
    #[serde(default)]
    body_html: Option<String>,
    #[serde(default)]
    attachments: Vec<Attachment>,
    #[serde(default)]
    quoted: Option<String>,
}

/// The columns [`MessageRow::read`] reads, in its order: `SELECT {MESSAGE_COLUMNS} FROM
/// messages …`.
pub(crate) const MESSAGE_COLUMNS: &str = "id, ticket_id, kind, created_at, body, author_kind, \
    author_id, author_name, body_text, body_html, attachments, quoted";

/// A message row as stored, before it is put together.
pub(crate) struct MessageRow {
    id: String,
    ticket_id: String,
    kind: String,
    created_at: i64,
    body: String,
    author_kind: String,
    author_id: Option<String>,
    author_name: String,
    body_text: String,
    body_html: Option<String>,
    attachments: Option<String>,
    quoted: Option<String>,
}

impl MessageRow {
    /// Reads [`MESSAGE_COLUMNS`] from the start of a row.
    pub(crate) fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            ticket_id: r.get(1)?,
            kind: r.get(2)?,
            created_at: r.get(3)?,
            body: r.get(4)?,
            author_kind: r.get(5)?,
            author_id: r.get(6)?,
            author_name: r.get(7)?,
            body_text: r.get(8)?,
            body_html: r.get(9)?,
            attachments: r.get(10)?,
            quoted: r.get(11)?,
        })
    }

    /// The message, from its columns, or from the JSON body of a row written before them.
    pub(crate) fn into_message(self) -> Result<Message> {
        let kind = column_enum(&self.kind, || format!("message {}", self.id))?;
        let (author, body_text, body_html, attachments, quoted) = if self.body.is_empty() {
            let author_kind = column_enum(&self.author_kind, || format!("message {}", self.id))?;
            let attachments = match &self.attachments {
                Some(list) => parse("message", &self.id, list)?,
                None => Vec::new(),
            };
            let author = Author {
                kind: author_kind,
                id: self.author_id,
                name: self.author_name,
            };
            (
                author,
                self.body_text,
                self.body_html,
                attachments,
                self.quoted,
            )
        } else {
            let old: StoredMessageOwned = parse("message", &self.id, &self.body)?;
            (
                old.author,
                old.body_text,
                old.body_html,
                old.attachments,
                old.quoted,
            )
        };
        Ok(Message {
            id: self.id,
            ticket_id: self.ticket_id,
            kind,
            author,
            body_text,
            body_html,
            attachments,
            created_at: self.created_at,
            quoted,
        })
    }
}

/// `pending`: written by this client and not yet confirmed by the server. The server's
/// copy of the same message (same id) replaces it and clears the mark.
pub(crate) fn put_message(conn: &Connection, m: &Message, pending: bool) -> Result<()> {
    let attachments = (!m.attachments.is_empty()).then(|| json(&m.attachments));
    // Messages are append-only on the server; a repeat delivery is the same record.
    // `body` empty: the message is in its columns (a row written before them is replaced
    // whole).
    conn.prepare_cached(
        "INSERT INTO messages(id, ticket_id, kind, created_at, body, author_kind, author_id,
             author_name, body_text, body_html, attachments, pending, quoted)
         VALUES (?1, ?2, ?3, ?4, '', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(id) DO UPDATE SET body = '', author_kind = excluded.author_kind,
             author_id = excluded.author_id, author_name = excluded.author_name,
             body_text = excluded.body_text, body_html = excluded.body_html,
             attachments = excluded.attachments, pending = excluded.pending,
             quoted = excluded.quoted",
    )?
    .execute(params![
        m.id,
        m.ticket_id,
        m.kind.as_str(),
        m.created_at,
        m.author.kind.as_str(),
        m.author.id,
        m.author.name,
        m.body_text,
        m.body_html,
        attachments,
        pending,
        m.quoted
    ])?;
    Ok(())
}

fn put_macro(conn: &Connection, m: &Macro) -> Result<()> {
    if m.deleted_at.is_some() {
        // A supervisor deleted it: gone from the composer's list.
        conn.prepare_cached("DELETE FROM macros WHERE id = ?1")?
            .execute([&m.id])?;
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO macros(id, title, updated_at, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at,
             body = excluded.body",
    )?
    .execute(params![m.id, m.title, m.updated_at, json(m)])?;
    Ok(())
}

fn put_kb_article(conn: &Connection, a: &KbArticle) -> Result<()> {
    if a.deleted_at.is_some() {
        // Deleted: the row goes, and its search entries with it (search/kb.rs triggers).
        conn.prepare_cached("DELETE FROM kb_articles WHERE id = ?1")?
            .execute([&a.id])?;
        return Ok(());
    }
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

#[cfg(test)]
mod tests {
    use desk_core::{AuthorKind, MessageKind};

    use super::*;

    fn message(id: &str, html: Option<&str>, attachments: Vec<Attachment>) -> Message {
        Message {
            id: id.into(),
            ticket_id: "t1".into(),
            kind: MessageKind::PublicReply,
            author: Author {
                kind: AuthorKind::Customer,
                id: Some("c1".into()),
                name: "王芳".into(),
            },
            body_text: "转账还没到账 \"quoted\"".into(),
            body_html: html.map(Into::into),
            attachments,
            created_at: 1_700_000_000_123,
            quoted: None,
        }
    }

    /// The message row `id`, put together.
    fn read_row(conn: &Connection, id: &str) -> Result<Message> {
        conn.query_row(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
            [id],
            MessageRow::read,
        )
        .unwrap()
        .into_message()
    }

    fn read(conn: &Connection, id: &str) -> Message {
        read_row(conn, id).unwrap()
    }

    /// The error reading a message row that cannot be put together.
    fn read_damaged(conn: &Connection, id: &str) -> Error {
        read_row(conn, id).unwrap_err()
    }

    #[test]
    fn a_message_is_stored_in_its_columns_and_reads_back_whole() {
        let store = Store::open_in_memory().unwrap();
        let attachment = Attachment {
            sha256: "ab".repeat(32),
            file_name: "收据.png".into(),
            content_type: "image/png".into(),
            size: 2048,
        };
        let mut system = message("m3", None, vec![]);
        system.kind = desk_core::MessageKind::SystemEvent;
        system.author = Author {
            kind: AuthorKind::System,
            id: None,
            name: String::new(),
        };
        let mut quoting = message("m2", Some("<p>转账</p>"), vec![attachment]);
        quoting.quoted = Some("在 2026年12月6日 客服 写道：\n> 您好".into());
        for m in [message("m1", None, vec![]), quoting, system] {
            put_message(&store.conn, &m, false).unwrap();
            assert_eq!(read(&store.conn, &m.id), m);
        }
        let (html, attachments): (Option<String>, Option<String>) = store
            .conn
            .query_row(
                "SELECT body_html, attachments FROM messages WHERE id = 'm1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (html, attachments),
            (None, None),
            "nothing to say, nothing stored"
        );
        let bodies: i64 = store
            .conn
            .query_row("SELECT count(*) FROM messages WHERE body != ''", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(bodies, 0, "no JSON body is written any more");
        // The server's copy replaces a pending one whole, and clears the mark.
        let mut mine = message("m4", None, vec![]);
        put_message(&store.conn, &mine, true).unwrap();
        mine.body_text = "已处理".into();
        mine.body_html = Some("<p>已处理</p>".into());
        put_message(&store.conn, &mine, false).unwrap();
        assert_eq!(read(&store.conn, "m4"), mine);
        let pending: bool = store
            .conn
            .query_row("SELECT pending FROM messages WHERE id = 'm4'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(!pending);
    }

    /// Step 11 on rows as step 10 left them: the whole message (builds before the narrow
    /// body), the narrow body, an unsent reply and a damaged row.
    #[test]
    fn messages_stored_as_json_by_earlier_builds_read_the_same_after_step_11() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrations::migrate_to(&mut conn, 10).unwrap();
        let whole = message("m1", Some("<b>hi</b>"), vec![]);
        let attachment = Attachment {
            sha256: "cd".repeat(32),
            file_name: "tx.pdf".into(),
            content_type: "application/pdf".into(),
            size: 1,
        };
        let narrow = message("m2", None, vec![attachment]);
        let mut unsent = message("m3", None, vec![]);
        unsent.author = Author {
            kind: AuthorKind::Agent,
            id: Some("a1".into()),
            name: "Amy".into(),
        };
        let narrow_body = serde_json::json!({
            "author": narrow.author,
            "body_text": narrow.body_text,
            "attachments": narrow.attachments,
        });
        let old = "INSERT INTO messages(id, ticket_id, kind, created_at, body, pending)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
        for (m, body, pending) in [
            (&whole, json(&whole), false),
            (&narrow, narrow_body.to_string(), false),
            (&unsent, json(&unsent), true),
        ] {
            let row = params![
                m.id,
                m.ticket_id,
                m.kind.as_str(),
                m.created_at,
                body,
                pending
            ];
            conn.execute(old, row).unwrap();
        }
        conn.execute(
            old,
            params!["m9", "t1", "public_reply", 1, "{not json", false],
        )
        .unwrap();
        crate::migrations::migrate(&mut conn).unwrap();

        for m in [&whole, &narrow, &unsent] {
            assert_eq!(&read(&conn, &m.id), m);
        }
        let text: String = conn
            .query_row(
                concat!(
                    "SELECT ",
                    message_text_sql!(),
                    " FROM messages m WHERE id = 'm2'"
                ),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(text, narrow.body_text, "SQL reads an old row's text too");
        let pending: bool = conn
            .query_row("SELECT pending FROM messages WHERE id = 'm3'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(pending, "the unsent reply is still unsent");
        let err = read_damaged(&conn, "m9");
        assert!(err.to_string().contains("message m9"), "{err}");

        // Changes of either shape are queued for search as before.
        conn.execute("DELETE FROM search_pending", []).unwrap();
        put_message(&conn, &message("m5", None, vec![]), false).unwrap();
        let mut rewritten = whole.clone();
        rewritten.body_text = "已到账".into();
        put_message(&conn, &rewritten, false).unwrap();
        assert_eq!(read(&conn, "m1"), rewritten, "an old row replaced whole");
        conn.execute("UPDATE messages SET body_text = 'y' WHERE id = 'm5'", [])
            .unwrap();
        conn.execute("DELETE FROM messages WHERE id = 'm2'", [])
            .unwrap();
        let queued: Vec<String> = conn
            .prepare("SELECT source_id FROM search_pending WHERE kind = 2 ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(queued, ["m5", "m1", "m5", "m2"]);
    }

    fn bare_ticket(id: &str) -> Ticket {
        Ticket {
            id: id.into(),
            number: None,
            subject: "提币一直没到账".into(),
            customer_id: "c1".into(),
            channel: Channel::Telegram,
            status: TicketStatus::New,
            priority: desk_core::Priority::Normal,
            category: desk_core::Category::FundsNotArrived,
            tags: vec![],
            assignee_id: None,
            group: None,
            language: "zh-CN".into(),
            first_response_due_at: None,
            resolution_due_at: None,
            linked_transaction_ids: vec![],
            incident_id: None,
            merged_into: None,
            csat: None,
            created_at: 1_700_000_000_000,
            updated_at: 1_700_000_000_001,
            last_message_at: 1_700_000_000_002,
            deleted_at: None,
            secret_exposed_at: None,
        }
    }

    fn full_ticket(id: &str) -> Ticket {
        Ticket {
            number: Some(4711),
            status: TicketStatus::PendingCustomer,
            priority: desk_core::Priority::Urgent,
            tags: vec!["vip".into(), "usdt".into(), "vip".into()],
            assignee_id: Some("a1".into()),
            group: Some("tier2".into()),
            first_response_due_at: Some(1_700_000_100_000),
            resolution_due_at: Some(1_700_000_200_000),
            linked_transaction_ids: vec!["w2".into(), "w1".into()],
            incident_id: Some("i1".into()),
            merged_into: Some("t0".into()),
            csat: Some(4),
            // A deleted ticket leaves the cache (put_ticket), so it is never read back.
            secret_exposed_at: Some(1_700_000_000_500),
            ..bare_ticket(id)
        }
    }

    fn read_ticket(conn: &Connection, id: &str) -> Ticket {
        conn.query_row(
            &format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = ?1"),
            [id],
            TicketRow::read,
        )
        .unwrap()
        .into_ticket()
        .unwrap()
    }

    #[test]
    fn a_ticket_body_holds_only_what_no_column_holds_and_the_ticket_reads_back_whole() {
        let store = Store::open_in_memory().unwrap();
        for t in [bare_ticket("t1"), full_ticket("t2")] {
            put_ticket(&store.conn, &t).unwrap();
            // Tags and links keep their order and repeats, which their set tables do not.
            assert_eq!(read_ticket(&store.conn, &t.id), t);
            let body: String = store
                .conn
                .query_row(
                    "SELECT body FROM ticket_bodies WHERE id = ?1",
                    [&t.id],
                    |r| r.get(0),
                )
                .unwrap();
            for held in [&t.subject, "customer_id", "last_message_at", "zh-CN"] {
                assert!(!body.contains(held), "{held} is in a column, not in {body}");
            }
        }
        let bare: String = store
            .conn
            .query_row("SELECT body FROM ticket_bodies WHERE id = 't1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            bare, r#"{"channel":"telegram","updated_at":1700000000001}"#,
            "empty fields are left out"
        );
    }

    #[test]
    fn a_ticket_stored_whole_by_an_earlier_build_reads_the_same() {
        let store = Store::open_in_memory().unwrap();
        let t = full_ticket("t1");
        put_ticket(&store.conn, &t).unwrap();
        store
            .conn
            .execute(
                "UPDATE ticket_bodies SET body = ?1 WHERE id = 't1'",
                [json(&t)],
            )
            .unwrap();
        assert_eq!(read_ticket(&store.conn, "t1"), t);
    }

    #[test]
    fn a_damaged_message_row_is_an_error_naming_it() {
        let store = Store::open_in_memory().unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO messages(id, ticket_id, kind, created_at, body, author_kind,
                     author_name, body_text, pending)
                 VALUES ('m9', 't1', 'shouting', 1, '', 'agent', '', '', 0);",
            )
            .unwrap();
        let err = read_damaged(&store.conn, "m9");
        assert!(err.to_string().contains("message m9"), "{err}");
    }
}

//! Writing confirmed server records: a pulled page and its cursor land in one transaction,
//! so a crash mid-apply leaves the cache at the previous cursor and the page is pulled again
//! (every change is a whole record, so applying one twice is harmless).

use desk_core::wire::Change;
use desk_core::{Agent, Customer, Message, Ticket, TicketStatus, WalletTransaction};
use rusqlite::{Transaction, params};
use serde::de::DeserializeOwned;

use crate::{Error, Result, Store};

pub(crate) const RECORD_TABLES: &[&str] = &[
    "agents",
    "customers",
    "wallet_transactions",
    "tickets",
    "ticket_transactions",
    "messages",
];

/// The meta key under which the server's opaque cursor is kept.
pub const CURSOR_KEY: &str = "sync.cursor";

impl Store {
    /// Applies one pulled page and records `next_cursor`, atomically.
    pub fn apply_pull_page(&mut self, changes: &[Change], next_cursor: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        for change in changes {
            apply_change(&tx, change)?;
        }
        tx.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![CURSOR_KEY, next_cursor],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The cursor to pull from next; `None` before the first pull (bootstrap).
    pub fn cursor(&self) -> Result<Option<String>> {
        self.meta(CURSOR_KEY)
    }
}

fn json(value: &impl serde::Serialize) -> String {
    // Serializing our own plain structs cannot fail.
    serde_json::to_string(value).expect("domain records serialize")
}

fn is_open(status: TicketStatus) -> bool {
    !matches!(status, TicketStatus::Solved | TicketStatus::Closed)
}

fn apply_change(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    match change {
        Change::Agent(a) => put_agent(tx, a),
        Change::Customer(c) => put_customer(tx, c),
        Change::WalletTransaction(t) => put_transaction(tx, t),
        Change::Ticket(t) => put_ticket(tx, t),
        Change::Message(m) => put_message(tx, m),
    }
}

fn put_agent(tx: &Transaction<'_>, a: &Agent) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO agents(id, name, email, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email, body = excluded.body",
    )?
    .execute(params![a.id, a.name, a.email, json(a)])?;
    Ok(())
}

fn put_customer(tx: &Transaction<'_>, c: &Customer) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO customers(id, name, tier, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, tier = excluded.tier, body = excluded.body",
    )?
    .execute(params![c.id, c.name, c.tier.as_str(), json(c)])?;
    Ok(())
}

fn put_transaction(tx: &Transaction<'_>, t: &WalletTransaction) -> Result<()> {
    tx.prepare_cached(
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

fn put_ticket(tx: &Transaction<'_>, t: &Ticket) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO tickets(id, number, subject, customer_id, status, is_open, priority, category,
             assignee_id, language, last_message_at, first_response_due_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT(id) DO UPDATE SET number = excluded.number, subject = excluded.subject,
             customer_id = excluded.customer_id, status = excluded.status,
             is_open = excluded.is_open, priority = excluded.priority,
             category = excluded.category, assignee_id = excluded.assignee_id,
             language = excluded.language, last_message_at = excluded.last_message_at,
             first_response_due_at = excluded.first_response_due_at, body = excluded.body",
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
        json(t)
    ])?;
    tx.prepare_cached("DELETE FROM ticket_transactions WHERE ticket_id = ?1")?
        .execute([&t.id])?;
    let mut link = tx.prepare_cached(
        "INSERT OR IGNORE INTO ticket_transactions(ticket_id, transaction_id) VALUES (?1, ?2)",
    )?;
    for tx_id in &t.linked_transaction_ids {
        link.execute(params![t.id, tx_id])?;
    }
    Ok(())
}

fn put_message(tx: &Transaction<'_>, m: &Message) -> Result<()> {
    // Messages are append-only on the server; a repeat delivery is the same record.
    tx.prepare_cached(
        "INSERT INTO messages(id, ticket_id, kind, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![
        m.id,
        m.ticket_id,
        m.kind.as_str(),
        m.created_at,
        json(m)
    ])?;
    Ok(())
}

/// Parses a stored JSON body, naming the record when it is damaged.
pub(crate) fn parse<T: DeserializeOwned>(what: &str, id: &str, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|source| Error::Corrupt {
        what: format!("{what} {id}"),
        source,
    })
}

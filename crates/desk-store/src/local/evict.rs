//! Eviction (DESIGN.md §4 Scope): the cache keeps what an agent needs. The conversations of
//! solved and closed tickets nobody touched for a while are the bulk of a cache and rarely
//! read, so they go, and are fetched again when an agent opens such a ticket online.
//!
//! The ticket itself stays, with its latest message: the inbox row keeps its preview, and
//! the customer's history keeps every earlier ticket with its outcome and CSAT, offline too.
//! `evicted_conversations` marks which tickets hold only part of their conversation. The
//! deliveries of the evicted messages go with them, and come back with the restored
//! conversation (`TicketConversation::deliveries`). Their files go too
//! (`files.rs`), unless a queued reply or another cached conversation needs them; one
//! opened again online is fetched again.

use desk_core::Message;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::records::put_message;
use crate::{Result, Store};

/// Schema step 6.
pub(crate) const MIGRATION: &str = r#"
    -- Tickets whose conversation was evicted down to its latest message.
    CREATE TABLE evicted_conversations (
        ticket_id  TEXT PRIMARY KEY,
        evicted_at INTEGER NOT NULL
    ) STRICT;
"#;

impl Store {
    /// Evicts the conversations of solved and closed tickets whose last activity (last
    /// message or update) is older than `cutoff_ms`, keeping each one's latest message. A
    /// ticket with anything in the outbox keeps its conversation, rejected entries
    /// included: the agent must be able to see what their queued work was about. Returns
    /// how many conversations went.
    pub fn evict_closed_older_than(&mut self, cutoff_ms: i64, now_ms: i64) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // `is_open = 0 AND last_message_at < cutoff` walks an index; updated_at is only in
        // the body and checked on those candidates.
        let ids: Vec<String> = tx
            .prepare(
                "SELECT t.id FROM tickets t JOIN ticket_bodies b ON b.id = t.id
                 WHERE t.is_open = 0 AND t.last_message_at < ?1
                   AND json_extract(b.body, '$.updated_at') < ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.ticket_id = t.id)
                   -- Evicted before, unless a pull from zero brought its messages back.
                   AND (NOT EXISTS (SELECT 1 FROM evicted_conversations e WHERE e.ticket_id = t.id)
                        OR EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id
                                   LIMIT 1 OFFSET 1))",
            )?
            .query_map(params![cutoff_ms], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        {
            // All but the newest message (the one the inbox row previews).
            let mut messages = tx.prepare_cached(
                "DELETE FROM messages WHERE ticket_id = ?1 AND id NOT IN (
                     SELECT id FROM messages WHERE ticket_id = ?1
                     ORDER BY created_at DESC, id DESC LIMIT 1)",
            )?;
            let mut mark = tx.prepare_cached(
                "INSERT OR REPLACE INTO evicted_conversations (ticket_id, evicted_at) VALUES (?1, ?2)",
            )?;
            for id in &ids {
                messages.execute([id])?;
                crate::deliveries::forget_evicted(&tx, id)?;
                crate::files::forget_ticket(&tx, id)?;
                mark.execute(params![id, now_ms])?;
            }
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// Whether the ticket's earlier messages are only on the server.
    pub fn conversation_evicted(&self, ticket_id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM evicted_conversations WHERE ticket_id = ?1")?
            .query_row([ticket_id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Puts back a conversation fetched from the server, in one transaction. Messages are
    /// append-only and whole, so one already cached is the same record: writing it again
    /// changes nothing, and a pending local reply (never evicted) is left alone.
    pub fn restore_conversation(
        &mut self,
        ticket_id: &str,
        messages: &[Message],
        deliveries: &[desk_core::Delivery],
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for m in messages.iter().filter(|m| m.ticket_id == ticket_id) {
            let pending: Option<bool> = tx
                .prepare_cached("SELECT pending FROM messages WHERE id = ?1")?
                .query_row([&m.id], |r| r.get(0))
                .optional()?;
            if pending != Some(true) {
                put_message(&tx, m, false)?;
            }
        }
        // Where each reply went, as the server has it now (a pull may bring a newer state
        // later, which replaces it like any other).
        for d in deliveries.iter().filter(|d| d.ticket_id == ticket_id) {
            crate::deliveries::put(&tx, d)?;
        }
        tx.prepare_cached("DELETE FROM evicted_conversations WHERE ticket_id = ?1")?
            .execute([ticket_id])?;
        tx.commit()?;
        Ok(())
    }
}

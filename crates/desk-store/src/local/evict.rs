//! Eviction: the cache keeps what an agent needs (DESIGN.md §4 Scope); solved and closed
//! tickets nobody touched for a while go, and are fetched again on demand.

use rusqlite::{TransactionBehavior, params};

use crate::records::delete_ticket;
use crate::{Result, Store};

impl Store {
    /// Removes solved and closed tickets whose last activity (last message or update) is
    /// older than `cutoff_ms`, with their messages and transaction links. A ticket with
    /// anything in the outbox stays, rejected entries included: the agent must be able to
    /// see what their queued work was about. Returns how many tickets went.
    pub fn evict_closed_older_than(&mut self, cutoff_ms: i64) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // `is_open = 0 AND last_message_at < cutoff` walks an index; updated_at is only in
        // the body and checked on those candidates.
        let ids: Vec<String> = tx
            .prepare(
                "SELECT t.id FROM tickets t
                 WHERE t.is_open = 0 AND t.last_message_at < ?1
                   AND json_extract(t.body, '$.updated_at') < ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.ticket_id = t.id)",
            )?
            .query_map(params![cutoff_ms], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        {
            let mut messages = tx.prepare_cached("DELETE FROM messages WHERE ticket_id = ?1")?;
            // A shadow left by an answered, not yet pulled edit: nothing pending, so it goes too.
            let mut shadow = tx.prepare_cached("DELETE FROM tickets_confirmed WHERE id = ?1")?;
            for id in &ids {
                messages.execute([id])?;
                shadow.execute([id])?;
                delete_ticket(&tx, id)?;
            }
        }
        tx.commit()?;
        Ok(ids.len())
    }
}

//! What the cache keeps (DESIGN.md §4 Scope): old closed conversations are evicted after a
//! sync and fetched back whole when an agent opens such a ticket online.

use std::time::Duration;

use desk_core::ErrorCode;
use desk_core::view::TicketDetail;

use super::{Bump, EVICT_EVERY, LAST_EVICTED_KEY, lock, now_ms};
use crate::api::Api;
use crate::{Client, Error, Result};

impl Client {
    /// How long solved and closed tickets keep their whole conversation in the cache
    /// after their last activity; older ones are fetched again when opened.
    pub fn keep_closed_for(&self, window: Duration) {
        *lock(&self.keep_closed) = window;
    }

    /// Evicts old closed conversations, at most every [`EVICT_EVERY`]. Returns how many.
    pub(super) fn evict_if_due(&self) -> Result<usize> {
        let now = now_ms();
        let mut store = lock(&self.store);
        let last: i64 = store
            .meta(LAST_EVICTED_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if now - last < EVICT_EVERY.as_millis() as i64 {
            return Ok(0);
        }
        let cutoff = now - lock(&self.keep_closed).as_millis() as i64;
        let evicted = store.evict_closed_older_than(cutoff, now)?;
        store.set_meta(LAST_EVICTED_KEY, Some(&now.to_string()))?;
        Ok(evicted)
    }

    /// Opens a ticket: its cached detail; if its conversation was evicted, fetched whole
    /// from the server first. Offline, with the server's database away, or if the server
    /// no longer has it, the cached detail says the rest is on the server
    /// (`conversation_on_server`).
    pub async fn open_ticket(&self, id: &str) -> Result<TicketDetail> {
        let detail = self.ticket(id)?;
        if !detail.conversation_on_server {
            return Ok(detail);
        }
        let account = self.account()?.ok_or(Error::NotSignedIn)?;
        let api = Api::new(&account.server_url)?;
        let fetched = async {
            let access = self.access_token(&api).await?;
            api.ticket_messages(&access, id).await
        };
        match fetched.await {
            Ok(conversation) => {
                let _bump = Bump(&self.revision);
                lock(&self.store).restore_conversation(
                    id,
                    &conversation.messages,
                    &conversation.deliveries,
                )?;
                self.ticket(id)
            }
            // Offline, or the server's database is away: the cached part, and the note.
            Err(e) if e.is_transient() => Ok(detail),
            Err(Error::Server(e)) if e.code == ErrorCode::NotFound => Ok(detail),
            Err(e) => Err(e),
        }
    }
}

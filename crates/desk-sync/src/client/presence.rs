//! Presence (DESIGN.md §8 "X is replying"): telling the server which ticket this agent is
//! on, and reading who else is. Best-effort and online only: never queued in the outbox
//! (a stale "is replying" replayed after an outage would be a lie), and whatever keeps it
//! from the server (offline, signed out, a ticket not pushed yet, the keyring away) it
//! quietly answers nobody; only malformed input is an error.

use desk_core::wire::{PresenceEntry, PresenceRequest, PresenceState, TicketPresence};
use desk_core::{ApiError, ErrorCode};

use crate::api::Api;
use crate::credentials::Secret;
use crate::{Client, Error, Result};

impl Client {
    /// Announces that this agent is on `ticket_id` doing `state` (`None`: left whatever
    /// ticket it was on). Answers the *other* agents on that ticket. Consoles call it again
    /// while the ticket stays open, inside the server's TTL (45 s by default).
    pub async fn announce_presence(
        &self,
        ticket_id: &str,
        state: Option<PresenceState>,
    ) -> Result<Vec<PresenceEntry>> {
        self.presence_call(|api, access| async move {
            match state {
                Some(state) => {
                    let body = PresenceRequest {
                        ticket_id: ticket_id.to_owned(),
                        state,
                    };
                    api.announce_presence(&access, &body).await
                }
                None => {
                    api.leave_presence(&access).await?;
                    Ok(TicketPresence {
                        ticket_id: ticket_id.to_owned(),
                        agents: Vec::new(),
                    })
                }
            }
        })
        .await
    }

    /// The other agents on `ticket_id` now.
    pub async fn presence(&self, ticket_id: &str) -> Result<Vec<PresenceEntry>> {
        self.presence_call(
            |api, access| async move { api.ticket_presence(&access, ticket_id).await },
        )
        .await
    }

    async fn presence_call<F, Fut>(&self, call: F) -> Result<Vec<PresenceEntry>>
    where
        F: FnOnce(Api, Secret) -> Fut,
        Fut: std::future::Future<Output = Result<TicketPresence>>,
    {
        let answer = async {
            let (api, access) = self.api_and_access().await?;
            call(api, access).await
        };
        match answer.await {
            Ok(presence) => {
                let me = self.account()?.map(|a| a.agent.id);
                Ok(presence
                    .agents
                    .into_iter()
                    .filter(|a| Some(&a.agent_id) != me.as_ref())
                    .collect())
            }
            // Input the server could never accept is the caller's bug: say so.
            Err(e @ Error::BadInput(_)) => Err(e),
            Err(Error::Server(e)) if e.code == ErrorCode::BadRequest => Err(Error::Server(e)),
            Err(e) => {
                if matches!(&e, Error::Server(api) if api.code == ErrorCode::Unauthorized) {
                    // The access token died early: the next call refreshes.
                    self.forget_access();
                }
                // Offline, signed out, a ticket the server does not know yet, a keyring
                // that is away: a colleague's "is replying" is not worth an error, and
                // anything that matters reaches the agent through the sync loop.
                tracing::debug!(code = ?ApiError::from(&e).code, "presence unavailable");
                Ok(Vec::new())
            }
        }
    }
}

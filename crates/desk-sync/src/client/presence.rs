//! Presence (DESIGN.md §8 "X is replying"): telling the server which ticket this agent is
//! on, and reading who else is. Best-effort and online only: never queued in the outbox
//! (a stale "is replying" replayed after an outage would be a lie), and offline, signed
//! out, or on a ticket the server does not know yet (opened offline, not pushed) it quietly
//! answers nobody.

use desk_core::ErrorCode;
use desk_core::wire::{PresenceEntry, PresenceRequest, PresenceState, TicketPresence};

use crate::api::Api;
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
        F: FnOnce(Api, crate::credentials::Secret) -> Fut,
        Fut: std::future::Future<Output = Result<TicketPresence>>,
    {
        let Some(account) = self.account()? else {
            return Ok(Vec::new());
        };
        let api = Api::new(&account.server_url)?;
        let answer = async {
            let access = self.access_token(&api).await?;
            call(api, access).await
        };
        match answer.await {
            Ok(presence) => Ok(presence
                .agents
                .into_iter()
                .filter(|a| a.agent_id != account.agent.id)
                .collect()),
            Err(e) if e.is_transient() => Ok(Vec::new()),
            Err(Error::Server(e)) if e.code == ErrorCode::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

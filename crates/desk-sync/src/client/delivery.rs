//! Deliveries (DESIGN.md §11): the agent retries a public reply whose delivery failed, to
//! the same address or, for email, to one they corrected. Queued like every action
//! (works offline, sent at the next sync); the server decides against its own state.
//! Where each reply went and how far it got is read with the ticket
//! (`TicketDetail::messages`, each a `MessageView` with its delivery).

use desk_core::{Mutation, MutationOp};

use crate::{Client, Result};

impl Client {
    /// Queues a retry of the failed delivery of `message_id` on `ticket_id`, to
    /// `recipient` when given (a corrected email address, trimmed). Refused at once, with
    /// nothing queued, when the cache knows it cannot be: an unknown message (`not_found`),
    /// one the desk never sends or a malformed address (`bad_request`), a delivery not
    /// failed or not yet known (`conflict`).
    pub fn retry_delivery(
        &self,
        ticket_id: &str,
        message_id: &str,
        recipient: Option<String>,
    ) -> Result<Mutation> {
        self.act(MutationOp::RetryDelivery {
            ticket_id: ticket_id.to_owned(),
            message_id: message_id.to_owned(),
            recipient: recipient.map(|r| r.trim().to_owned()),
        })
    }

    /// The ticket of a cached message, `None` when the cache does not hold it.
    pub fn message_ticket(&self, message_id: &str) -> Result<Option<String>> {
        Ok(super::lock(&self.store).message_ticket(message_id)?)
    }
}

//! What the console's OS notifications look at (DESIGN.md §8): the agent's open tickets
//! and which of them are at SLA risk, read from the cache. The decision is
//! `desk_core::notify`'s; this only gathers its input.

use std::collections::HashSet;

use desk_core::notify::MineTicket;
use desk_core::view::{InboxView, SlaState, TicketFilter, TicketQuery};

use crate::{Client, Result};

/// More than any agent holds at once; a larger backlog is not notification material.
const MINE_LIMIT: u32 = 10_000;

impl Client {
    /// The signed-in agent's open tickets, each with whether it is at SLA risk now.
    pub fn mine_for_notifications(&self) -> Result<Vec<MineTicket>> {
        let at_risk: HashSet<String> = self
            .query_tickets(&TicketQuery {
                view: InboxView::Mine,
                filter: TicketFilter {
                    sla: Some(SlaState::AtRisk),
                    ..TicketFilter::default()
                },
                sort: Default::default(),
                after: None,
                limit: MINE_LIMIT,
            })?
            .rows
            .into_iter()
            .map(|t| t.id)
            .collect();
        Ok(self
            .list_tickets(InboxView::Mine, MINE_LIMIT)?
            .into_iter()
            .map(|t| MineTicket {
                at_risk: at_risk.contains(&t.id),
                id: t.id,
                number: t.number,
            })
            .collect())
    }
}

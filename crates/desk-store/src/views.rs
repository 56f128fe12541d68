//! The console's read side: inbox views with counts and the opened ticket, each an indexed
//! query (no scan of all tickets per keystroke).

use desk_core::view::{InboxView, TicketDetail, TicketSummary, ViewCounts};
use desk_core::{Agent, Customer, CustomerTier, Message, Ticket, WalletTransaction};
use rusqlite::{OptionalExtension, params};

use crate::records::parse;
use crate::{Error, Result, Store};

/// What to list: a view, as whom, and how many rows.
#[derive(Debug, Clone)]
pub struct ViewQuery<'a> {
    pub view: InboxView,
    /// The signed-in agent, for "mine".
    pub me: Option<&'a str>,
    pub limit: u32,
}

const PREVIEW_CHARS: usize = 140;

fn view_filter(view: InboxView) -> &'static str {
    match view {
        InboxView::Open => "t.is_open = 1",
        InboxView::Mine => "t.is_open = 1 AND t.assignee_id = ?1",
        InboxView::Unassigned => "t.is_open = 1 AND t.assignee_id IS NULL",
        InboxView::AwaitingConfirmation => {
            "t.is_open = 1 AND EXISTS (SELECT 1 FROM ticket_transactions tt
                 JOIN wallet_transactions w ON w.id = tt.transaction_id
                 WHERE tt.ticket_id = t.id AND w.status = 'awaiting_customer_confirmation')"
        }
        InboxView::All => "1 = 1",
    }
}

impl Store {
    /// One page of a view, most recent activity first.
    pub fn list_tickets(&self, q: &ViewQuery<'_>) -> Result<Vec<TicketSummary>> {
        let sql = format!(
            "SELECT t.id, t.body, c.name, c.tier, a.name,
                 (SELECT m.body FROM messages m WHERE m.ticket_id = t.id AND m.kind != 'system_event'
                  ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
             FROM tickets t
             LEFT JOIN customers c ON c.id = t.customer_id
             LEFT JOIN agents a ON a.id = t.assignee_id
             WHERE {}
             ORDER BY t.last_message_at DESC, t.id DESC
             LIMIT ?2",
            view_filter(q.view)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![q.me.unwrap_or(""), q.limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body, customer_name, tier, assignee_name, last_message) = row?;
            let t: Ticket = parse("ticket", &id, &body)?;
            let preview = match last_message {
                Some(m) => {
                    let m: Message = parse("message of ticket", &id, &m)?;
                    preview(&m.body_text)
                }
                None => String::new(),
            };
            out.push(TicketSummary {
                id: t.id,
                number: t.number,
                subject: t.subject,
                customer_name: customer_name.unwrap_or_default(),
                customer_tier: tier.and_then(|t| t.parse::<CustomerTier>().ok()),
                channel: t.channel,
                status: t.status,
                priority: t.priority,
                category: t.category,
                language: t.language,
                tags: t.tags,
                assignee_name,
                preview,
                last_message_at: t.last_message_at,
                first_response_due_at: t.first_response_due_at,
            });
        }
        Ok(out)
    }

    /// How many tickets each view holds.
    pub fn view_counts(&self, me: Option<&str>) -> Result<ViewCounts> {
        let count = |view: InboxView| -> Result<u32> {
            let sql = format!("SELECT count(*) FROM tickets t WHERE {}", view_filter(view));
            let needs_me = matches!(view, InboxView::Mine);
            let n: u32 = if needs_me {
                self.conn
                    .prepare_cached(&sql)?
                    .query_row([me.unwrap_or("")], |r| r.get(0))?
            } else {
                self.conn
                    .prepare_cached(&sql)?
                    .query_row([], |r| r.get(0))?
            };
            Ok(n)
        };
        Ok(ViewCounts {
            open: count(InboxView::Open)?,
            mine: count(InboxView::Mine)?,
            unassigned: count(InboxView::Unassigned)?,
            awaiting_confirmation: count(InboxView::AwaitingConfirmation)?,
            all: count(InboxView::All)?,
        })
    }

    /// Everything the ticket page shows: the conversation and the customer beside it.
    pub fn ticket_detail(&self, id: &str) -> Result<TicketDetail> {
        let body: String = self
            .conn
            .prepare_cached("SELECT body FROM tickets WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::TicketNotFound(id.to_owned()))?;
        let ticket: Ticket = parse("ticket", id, &body)?;

        let customer = self
            .conn
            .prepare_cached("SELECT body FROM customers WHERE id = ?1")?
            .query_row([&ticket.customer_id], |r| r.get::<_, String>(0))
            .optional()?
            .map(|b| parse::<Customer>("customer", &ticket.customer_id, &b))
            .transpose()?;

        let assignee = match &ticket.assignee_id {
            Some(aid) => self
                .conn
                .prepare_cached("SELECT body FROM agents WHERE id = ?1")?
                .query_row([aid], |r| r.get::<_, String>(0))
                .optional()?
                .map(|b| parse::<Agent>("agent", aid, &b))
                .transpose()?,
            None => None,
        };

        let mut messages = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body FROM messages WHERE ticket_id = ?1 ORDER BY created_at, id",
        )?;
        for row in stmt.query_map([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (mid, body) = row?;
            messages.push(parse::<Message>("message", &mid, &body)?);
        }

        let mut transactions: Vec<WalletTransaction> = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body FROM wallet_transactions WHERE customer_id = ?1
             ORDER BY created_at DESC, id DESC LIMIT 200",
        )?;
        for row in stmt.query_map([&ticket.customer_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (tid, body) = row?;
            transactions.push(parse("wallet transaction", &tid, &body)?);
        }
        // Linked transactions first: they are what the ticket is about. The sort is stable,
        // so each group stays newest first.
        transactions.sort_by_key(|t| !ticket.linked_transaction_ids.contains(&t.id));

        Ok(TicketDetail {
            ticket,
            customer,
            assignee,
            messages,
            transactions,
        })
    }

    /// Number of cached tickets.
    pub fn ticket_count(&self) -> Result<u32> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))?)
    }
}

fn preview(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= PREVIEW_CHARS {
        flat
    } else {
        let mut s: String = flat.chars().take(PREVIEW_CHARS).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk_core::{MessageKind, TxStatus};

    #[test]
    fn view_sql_spells_enum_values_as_desk_core_does() {
        let sql = view_filter(InboxView::AwaitingConfirmation);
        assert!(
            sql.contains(TxStatus::AwaitingCustomerConfirmation.as_str()),
            "the awaiting-confirmation view must match the wire spelling of the status"
        );
        let list_sql_kind = MessageKind::SystemEvent.as_str();
        assert_eq!(
            list_sql_kind, "system_event",
            "previews skip system events by this spelling"
        );
    }

    #[test]
    fn preview_flattens_whitespace_and_cuts_long_text() {
        assert_eq!(preview("a\n\n  b"), "a b");
        let long = "确".repeat(200);
        let p = preview(&long);
        assert_eq!(
            p.chars().count(),
            PREVIEW_CHARS + 1,
            "cut at a char boundary plus an ellipsis"
        );
    }
}

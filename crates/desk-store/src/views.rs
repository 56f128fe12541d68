//! The console's read side: inbox views with counts and the opened ticket, each an indexed
//! query (no scan of all tickets per keystroke).

use desk_core::view::{
    CustomerHistory, HistoryEntry, InboxView, MessageView, SLA_AT_RISK_WINDOW_MS, SlaCounts,
    SlaState, TicketDetail, TicketFilter, TicketPage, TicketQuery, TicketSort, TicketSummary,
    ViewCounts,
};
use desk_core::{
    Agent, Category, Customer, CustomerTier, Priority, TicketStatus, TxStatus, WalletTransaction,
};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};

use crate::records::{
    MESSAGE_COLUMNS, MessageRow, TICKET_COLUMN_COUNT, TICKET_COLUMNS, TicketRow, parse,
};
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

/// Schema step 4: the columns and indexes the views sort and filter on. The generated
/// columns read the record's JSON, so the writers of `tickets` need not know about them.
pub(crate) const MIGRATION: &str = r#"
    ALTER TABLE tickets ADD COLUMN sla_due_at INTEGER GENERATED ALWAYS AS (
        CASE
            WHEN json_extract(body, '$.first_response_due_at') IS NULL
                THEN json_extract(body, '$.resolution_due_at')
            WHEN json_extract(body, '$.resolution_due_at') IS NULL
                THEN json_extract(body, '$.first_response_due_at')
            ELSE min(json_extract(body, '$.first_response_due_at'),
                     json_extract(body, '$.resolution_due_at'))
        END) VIRTUAL;
    ALTER TABLE tickets ADD COLUMN incident_id TEXT
        GENERATED ALWAYS AS (json_extract(body, '$.incident_id')) VIRTUAL;
    ALTER TABLE tickets ADD COLUMN created_at INTEGER
        GENERATED ALWAYS AS (json_extract(body, '$.created_at')) VIRTUAL;

    -- Equality on is_open, then the due time: serves both the SLA-ordered page and the
    -- at-risk/breached counts (a partial index on the due time lost to tickets_open_recent).
    CREATE INDEX tickets_sla_due ON tickets(is_open, sla_due_at, id);
    CREATE INDEX tickets_by_incident ON tickets(incident_id, last_message_at DESC, id DESC)
        WHERE incident_id IS NOT NULL;
    CREATE INDEX tickets_by_category ON tickets(category, is_open, last_message_at DESC, id DESC);
    CREATE INDEX tickets_by_status ON tickets(status, last_message_at DESC, id DESC);
    CREATE INDEX tickets_by_priority ON tickets(priority, is_open, last_message_at DESC, id DESC);
    CREATE INDEX tickets_created ON tickets(created_at DESC, id DESC);
    CREATE INDEX wallet_transactions_by_status ON wallet_transactions(status);

    -- Tags as rows, kept in step with the ticket's JSON by triggers.
    CREATE TABLE ticket_tags (
        tag       TEXT NOT NULL,
        ticket_id TEXT NOT NULL,
        PRIMARY KEY (tag, ticket_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX ticket_tags_by_ticket ON ticket_tags(ticket_id);
    CREATE TRIGGER ticket_tags_insert AFTER INSERT ON tickets BEGIN
        INSERT OR IGNORE INTO ticket_tags(tag, ticket_id)
            SELECT value, NEW.id FROM json_each(NEW.body, '$.tags');
    END;
    CREATE TRIGGER ticket_tags_update AFTER UPDATE OF body ON tickets BEGIN
        DELETE FROM ticket_tags WHERE ticket_id = OLD.id;
        INSERT OR IGNORE INTO ticket_tags(tag, ticket_id)
            SELECT value, NEW.id FROM json_each(NEW.body, '$.tags');
    END;
    CREATE TRIGGER ticket_tags_delete AFTER DELETE ON tickets BEGIN
        DELETE FROM ticket_tags WHERE ticket_id = OLD.id;
    END;
    -- Tickets cached before this step get their tag rows now; triggers keep them after.
    INSERT OR IGNORE INTO ticket_tags(tag, ticket_id)
        SELECT j.value, t.id FROM tickets t, json_each(t.body, '$.tags') j;
"#;

/// A condition on `tickets t` plus its bound values, in order of their `?` placeholders.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Where {
    fn push(&mut self, clause: impl Into<String>, values: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause.into());
        self.values.extend(values);
    }

    fn any_of<T: Copy>(&mut self, column: &str, items: &[T], text: impl Fn(T) -> &'static str) {
        if items.is_empty() {
            return;
        }
        let marks = vec!["?"; items.len()].join(", ");
        self.push(
            format!("{column} IN ({marks})"),
            items.iter().map(|i| Value::Text(text(*i).to_owned())),
        );
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1 = 1".to_owned()
        } else {
            self.clauses.join(" AND ")
        }
    }
}

/// How the awaiting-confirmation view finds its tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    /// By `waiting_txs`, which triggers keep (see derived.rs): an indexed range.
    Flag,
    /// During a bulk load `waiting_txs` is not kept. A page walks open tickets newest
    /// first and stops at the first matches, so a probe per ticket is cheapest...
    Probe,
    /// ...while a count must visit every match, so it starts from the waiting transactions.
    FromWaitingTxs,
}

fn view_clause(w: &mut Where, view: InboxView, me: Option<&str>, awaiting: Awaiting) {
    match view {
        InboxView::Open => w.push("t.is_open = 1", []),
        InboxView::Mine => w.push(
            "t.is_open = 1 AND t.assignee_id = ?",
            [Value::Text(me.unwrap_or_default().to_owned())],
        ),
        InboxView::Unassigned => w.push("t.is_open = 1 AND t.assignee_id IS NULL", []),
        InboxView::AwaitingConfirmation => match awaiting {
            Awaiting::Flag => w.push("t.is_open = 1 AND t.waiting_txs > 0", []),
            Awaiting::Probe => w.push(
                "t.is_open = 1 AND EXISTS (SELECT 1 FROM ticket_transactions tt
                     JOIN wallet_transactions w ON w.id = tt.transaction_id
                     WHERE tt.ticket_id = t.id AND w.status = 'awaiting_customer_confirmation')",
                [],
            ),
            Awaiting::FromWaitingTxs => w.push(
                "t.is_open = 1 AND t.id IN (SELECT tt.ticket_id FROM wallet_transactions w
                     JOIN ticket_transactions tt ON tt.transaction_id = w.id
                     WHERE w.status = 'awaiting_customer_confirmation')",
                [],
            ),
        },
        InboxView::All => {}
    }
}

fn sla_clause(w: &mut Where, sla: SlaState, now_ms: i64) {
    match sla {
        SlaState::AtRisk => w.push(
            "t.is_open = 1 AND t.sla_due_at >= ? AND t.sla_due_at < ?",
            [
                Value::Integer(now_ms),
                Value::Integer(now_ms + SLA_AT_RISK_WINDOW_MS),
            ],
        ),
        SlaState::Breached => w.push(
            "t.is_open = 1 AND t.sla_due_at < ?",
            [Value::Integer(now_ms)],
        ),
    }
}

fn filter_clauses(w: &mut Where, f: &TicketFilter, now_ms: i64) {
    w.any_of("t.status", &f.statuses, TicketStatus::as_str);
    w.any_of("t.priority", &f.priorities, Priority::as_str);
    w.any_of("t.category", &f.categories, Category::as_str);
    if let Some(tag) = &f.tag {
        w.push(
            "t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ?)",
            [Value::Text(tag.clone())],
        );
    }
    for (column, value) in [
        ("t.customer_id", &f.customer_id),
        ("t.incident_id", &f.incident_id),
        ("t.assignee_id", &f.assignee_id),
    ] {
        if let Some(v) = value {
            w.push(format!("{column} = ?"), [Value::Text(v.clone())]);
        }
    }
    if let Some(sla) = f.sla {
        sla_clause(w, sla, now_ms);
    }
}

/// The sort's column, direction and keyset tag.
fn sort_parts(sort: TicketSort) -> (&'static str, &'static str, &'static str) {
    match sort {
        TicketSort::LastActivity => ("t.last_message_at", "DESC", "a"),
        TicketSort::SlaDue => ("t.sla_due_at", "ASC", "s"),
        TicketSort::Created => ("t.created_at", "DESC", "c"),
    }
}

/// Reads a page cursor `{tag}.{key}.{id}` made by [`Store::query_tickets`] for this sort.
fn parse_after(after: &str, tag: &str) -> Result<(i64, String)> {
    let bad = || Error::BadCursor(after.chars().take(80).collect());
    let mut parts = after.splitn(3, '.');
    let (Some(t), Some(key), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if t != tag || id.is_empty() {
        return Err(bad());
    }
    Ok((key.parse().map_err(|_| bad())?, id.to_owned()))
}

/// Selected after [`TICKET_COLUMNS`]; [`Store::summaries`] reads them by position.
const SUMMARY_COLUMNS: &str = concat!(
    "c.name, c.tier, a.name, (SELECT ",
    crate::records::message_text_sql!(),
    " FROM messages m
     WHERE m.ticket_id = t.id AND m.kind != 'system_event'
     ORDER BY m.created_at DESC, m.id DESC LIMIT 1)"
);

const SUMMARY_JOINS: &str = "FROM tickets t
    LEFT JOIN customers c ON c.id = t.customer_id
    LEFT JOIN agents a ON a.id = t.assignee_id";

impl Store {
    /// One page of a view, most recent activity first.
    pub fn list_tickets(&self, q: &ViewQuery<'_>) -> Result<Vec<TicketSummary>> {
        let query = TicketQuery {
            view: q.view,
            filter: TicketFilter::default(),
            sort: TicketSort::LastActivity,
            after: None,
            limit: q.limit,
        };
        // No SLA filter, so the clock is not consulted.
        Ok(self.query_tickets(&query, q.me, 0)?.rows)
    }

    /// A page of a view with filters and a sort, keyset-paginated: the cost of page N does
    /// not grow with N, and rows that change between pages are neither skipped nor repeated
    /// unless their sort key itself moved.
    pub fn query_tickets(
        &self,
        q: &TicketQuery,
        me: Option<&str>,
        now_ms: i64,
    ) -> Result<TicketPage> {
        let (column, dir, tag) = sort_parts(q.sort);
        let awaiting = if crate::derived::in_progress(&self.conn)? {
            Awaiting::Probe
        } else {
            Awaiting::Flag
        };
        let mut w = Where::default();
        view_clause(&mut w, q.view, me, awaiting);
        filter_clauses(&mut w, &q.filter, now_ms);
        if q.sort == TicketSort::SlaDue {
            w.push("t.sla_due_at IS NOT NULL", []);
        }
        if let Some(after) = &q.after {
            let (key, id) = parse_after(after, tag)?;
            let cmp = if dir == "DESC" { "<" } else { ">" };
            w.push(
                format!("({column}, t.id) {cmp} (?, ?)"),
                [Value::Integer(key), Value::Text(id)],
            );
        }
        let limit = q.limit.clamp(1, 100_000);
        let sql = format!(
            "SELECT {TICKET_COLUMNS}, {SUMMARY_COLUMNS}, {column} {SUMMARY_JOINS}
             WHERE {} ORDER BY {column} {dir}, t.id {dir} LIMIT {}",
            w.sql(),
            limit + 1
        );
        let mut rows = self.summaries(&sql, &w.values)?;
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|(s, key)| format!("{tag}.{key}.{}", s.id))
        } else {
            None
        };
        Ok(TicketPage {
            rows: rows.into_iter().map(|(s, _)| s).collect(),
            next,
        })
    }

    /// Summaries of the given tickets, in the given order; unknown ids are skipped.
    pub fn summaries_by_ids(&self, ids: &[String]) -> Result<Vec<TicketSummary>> {
        let mut out = Vec::with_capacity(ids.len());
        let sql =
            format!("SELECT {TICKET_COLUMNS}, {SUMMARY_COLUMNS}, 0 {SUMMARY_JOINS} WHERE t.id = ?");
        for id in ids {
            out.extend(
                self.summaries(&sql, &[Value::Text(id.clone())])?
                    .into_iter()
                    .map(|(s, _)| s),
            );
        }
        Ok(out)
    }

    /// Runs a summary query whose last column is the sort key.
    fn summaries(&self, sql: &str, values: &[Value]) -> Result<Vec<(TicketSummary, i64)>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params_from_iter(values), |r| {
            let n = TICKET_COLUMN_COUNT;
            Ok((
                TicketRow::read(r)?,
                r.get::<_, Option<String>>(n)?,
                r.get::<_, Option<String>>(n + 1)?,
                r.get::<_, Option<String>>(n + 2)?,
                r.get::<_, Option<String>>(n + 3)?,
                r.get::<_, Option<i64>>(n + 4)?.unwrap_or(0),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (ticket, customer_name, tier, assignee_name, last_message, key) = row?;
            let t = ticket.into_ticket()?;
            let preview = last_message.as_deref().map(preview).unwrap_or_default();
            let sla_due_at = crate::records::sla_due_at(&t);
            out.push((
                TicketSummary {
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
                    sla_due_at,
                },
                key,
            ));
        }
        Ok(out)
    }

    fn count_where(&self, w: &Where) -> Result<u32> {
        let sql = format!("SELECT count(*) FROM tickets t WHERE {}", w.sql());
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(&w.values), |r| r.get(0))?)
    }

    /// How many tickets each view holds: a sum over the few hundred rows of
    /// `ticket_counts`, or, during a bulk load, counted from the records.
    pub fn view_counts(&self, me: Option<&str>) -> Result<ViewCounts> {
        if crate::derived::in_progress(&self.conn)? {
            let count = |view: InboxView| -> Result<u32> {
                let mut w = Where::default();
                view_clause(&mut w, view, me, Awaiting::FromWaitingTxs);
                self.count_where(&w)
            };
            return Ok(ViewCounts {
                open: count(InboxView::Open)?,
                mine: count(InboxView::Mine)?,
                unassigned: count(InboxView::Unassigned)?,
                awaiting_confirmation: count(InboxView::AwaitingConfirmation)?,
                all: count(InboxView::All)?,
            });
        }
        // `me` is never '' (agent ids are not empty), so it cannot match the unassigned
        // bucket; None matches nothing.
        Ok(self
            .conn
            .prepare_cached(
                "SELECT coalesce(sum(n * is_open), 0),
                        coalesce(sum(CASE WHEN is_open = 1 AND assignee_id = ?1 THEN n END), 0),
                        coalesce(sum(CASE WHEN is_open = 1 AND assignee_id = '' THEN n END), 0),
                        coalesce(sum(n * awaiting), 0),
                        coalesce(sum(n), 0)
                 FROM ticket_counts",
            )?
            .query_row([me.filter(|m| !m.is_empty())], |r| {
                Ok(ViewCounts {
                    open: r.get(0)?,
                    mine: r.get(1)?,
                    unassigned: r.get(2)?,
                    awaiting_confirmation: r.get(3)?,
                    all: r.get(4)?,
                })
            })?)
    }

    /// Open tickets at risk of breaching, and breached, at `now_ms`. Breached ones are the
    /// whole hours before this one from `sla_hours` plus an index range over this hour's
    /// start to now; at-risk ones are an index range (the window is an hour).
    pub fn sla_counts(&self, now_ms: i64) -> Result<SlaCounts> {
        let count = |sla| {
            let mut w = Where::default();
            sla_clause(&mut w, sla, now_ms);
            self.count_where(&w)
        };
        let at_risk = count(SlaState::AtRisk)?;
        if crate::derived::in_progress(&self.conn)? {
            return Ok(SlaCounts {
                at_risk,
                breached: count(SlaState::Breached)?,
            });
        }
        let hour = now_ms.div_euclid(crate::derived::SLA_BUCKET_MS);
        let hour_start = hour * crate::derived::SLA_BUCKET_MS;
        let earlier: i64 = self
            .conn
            .prepare_cached("SELECT coalesce(sum(n), 0) FROM sla_hours WHERE hour < ?1")?
            .query_row([hour], |r| r.get(0))?;
        let mut w = Where::default();
        w.push(
            "t.is_open = 1 AND t.sla_due_at >= ? AND t.sla_due_at < ?",
            [Value::Integer(hour_start), Value::Integer(now_ms)],
        );
        let this_hour = self.count_where(&w)?;
        Ok(SlaCounts {
            at_risk,
            breached: u32::try_from(earlier).unwrap_or(u32::MAX) + this_hour,
        })
    }

    /// A customer's profile, every earlier ticket with its outcome and CSAT, and their wallet
    /// transactions: what a personal answer needs.
    pub fn customer_history(&self, customer_id: &str, max_tickets: u32) -> Result<CustomerHistory> {
        let body: String = self
            .conn
            .prepare_cached("SELECT body FROM customers WHERE id = ?1")?
            .query_row([customer_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::CustomerNotFound(customer_id.to_owned()))?;
        let customer: Customer = parse("customer", customer_id, &body)?;

        let mut tickets = Vec::new();
        // Only what the summaries below lack: each ticket is put together once, there.
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id, t.created_at,
                 (SELECT json_extract(b.body, '$.csat') FROM ticket_bodies b WHERE b.id = t.id)
             FROM tickets t WHERE t.customer_id = ?1
             ORDER BY t.created_at DESC, t.id DESC LIMIT ?2",
        )?;
        let mut ids = Vec::new();
        let mut meta = Vec::new();
        for row in stmt.query_map(params![customer_id, max_tickets], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get(1)?,
                r.get::<_, Option<u8>>(2)?,
            ))
        })? {
            let (id, created_at, csat) = row?;
            meta.push((created_at, csat));
            ids.push(id);
        }
        for (summary, (created_at, csat)) in self.summaries_by_ids(&ids)?.into_iter().zip(meta) {
            tickets.push(HistoryEntry {
                ticket: summary,
                created_at,
                csat,
            });
        }
        let (open_tickets, csat_sum, csat_n): (u32, Option<i64>, u32) = self.conn.query_row(
            "SELECT sum(t.is_open), sum(json_extract(b.body, '$.csat')),
                 count(json_extract(b.body, '$.csat'))
             FROM tickets t JOIN ticket_bodies b ON b.id = t.id WHERE t.customer_id = ?1",
            [customer_id],
            |r| {
                Ok((
                    r.get::<_, Option<u32>>(0)?.unwrap_or(0),
                    r.get(1)?,
                    r.get(2)?,
                ))
            },
        )?;
        let average_csat = csat_sum
            .filter(|_| csat_n > 0)
            .map(|s| s as f64 / csat_n as f64);

        let mut transactions: Vec<WalletTransaction> = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body FROM wallet_transactions WHERE customer_id = ?1
             ORDER BY created_at DESC, id DESC LIMIT 500",
        )?;
        for row in stmt.query_map([customer_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (tid, body) = row?;
            transactions.push(parse("wallet transaction", &tid, &body)?);
        }
        let awaiting_confirmation = transactions
            .iter()
            .filter(|t| t.status == TxStatus::AwaitingCustomerConfirmation)
            .count() as u32;
        Ok(CustomerHistory {
            customer,
            tickets,
            open_tickets,
            average_csat,
            transactions,
            awaiting_confirmation,
        })
    }

    /// Everything the ticket page shows: the conversation and the customer beside it.
    pub fn ticket_detail(&self, id: &str) -> Result<TicketDetail> {
        let ticket = crate::records::read_ticket(&self.conn, id)?
            .ok_or_else(|| Error::TicketNotFound(id.to_owned()))?;

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

        let mut deliveries = crate::deliveries::of_ticket(&self.conn, id)?;
        let mut messages = Vec::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE ticket_id = ?1 ORDER BY created_at, id"
        ))?;
        for row in stmt.query_map([id], MessageRow::read)? {
            let mut message = row?.into_message()?;
            // The server stores customer HTML sanitized; the console sanitizes it again
            // before showing it, so a server from before a rule, or one that was broken
            // into, cannot put markup in front of an agent (DESIGN.md §7).
            message.body_html = message
                .body_html
                .and_then(|html| desk_core::sanitize::customer_html(&html));
            let delivery = deliveries.remove(&message.id);
            messages.push(MessageView { message, delivery });
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
            conversation_on_server: self.conversation_evicted(id)?,
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
    use desk_core::MessageKind;

    #[test]
    fn view_sql_spells_enum_values_as_desk_core_does() {
        for awaiting in [Awaiting::Probe, Awaiting::FromWaitingTxs] {
            let mut w = Where::default();
            view_clause(&mut w, InboxView::AwaitingConfirmation, None, awaiting);
            assert!(
                w.sql()
                    .contains(TxStatus::AwaitingCustomerConfirmation.as_str()),
                "the awaiting-confirmation view must match the wire spelling of the status"
            );
        }
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

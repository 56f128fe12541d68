//! Which documents may match, and which tickets each one speaks for, under the filters.
//!
//! From the index: FTS5 gives matching document ids newest first (ids are in recency
//! order, see `schema.rs`), `ORDER BY rowid DESC LIMIT n`, which stays cheap for common
//! terms where `ORDER BY rank` does not (DESIGN.md §5). Filters are applied in SQL as the
//! ids are mapped to tickets. With a customer filter the customer's own records are read
//! directly instead: they are few, and scanning a common term's matches for them is not.
//!
//! Nothing here is trusted as a match: `find` checks each credited document's live text.

use std::collections::HashSet;

use desk_core::search::SearchFilters;
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};

use super::query::Plan;
use super::text::{DocKind, KB_DOCS};
use crate::Result;

/// Matching documents mapped per round, and so the ranking window: only the newest this
/// many matches are ranked when they already yield enough tickets.
const WINDOW: usize = 500;
/// Most index rows read per search. Bounds the rare slow shapes (a very common term under
/// a very narrow filter; two very common terms that seldom meet, one Chinese 1–2 char and
/// one longer): they return what the newest matches yielded instead of walking millions.
pub(crate) const SCAN_BUDGET: usize = 20_000;
/// Most tickets one customer or transaction match expands to, and most of a filtered
/// customer's tickets read.
const TICKETS_PER_OWNER: u32 = 50;
const CUSTOMER_TICKETS: u32 = 500;
const MESSAGES_PER_TICKET: u32 = 200;

/// A document that may match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct DocRef {
    pub kind: DocKind,
    pub source_id: String,
    /// A transaction linked to the credited ticket (not merely its customer's).
    pub linked: bool,
}

/// A document credited to one ticket that passes the filters.
#[derive(Debug, Clone)]
pub(crate) struct Credit {
    pub ticket_id: String,
    pub last_message_at: i64,
    pub doc: DocRef,
}

/// Credits from the index, newest matching documents first, until `enough` tickets are
/// credited (after at least one full window) or the matches or the budget run out.
pub(crate) fn from_index(
    conn: &Connection,
    plan: &Plan,
    filter: &Filter,
    enough: usize,
) -> Result<Vec<Credit>> {
    let mut out = Vec::new();
    let mut tickets = HashSet::new();
    let mut before = KB_DOCS;
    let mut read = 0;
    loop {
        let (docs, more) = next_docs(conn, plan, 0, before, &mut read)?;
        let Some(&last) = docs.last() else {
            break;
        };
        let start = out.len();
        map_docs(conn, filter, &docs, &mut out)?;
        tickets.extend(out[start..].iter().map(|c| c.ticket_id.clone()));
        if !more || tickets.len() >= enough || read >= SCAN_BUDGET {
            break;
        }
        before = last;
    }
    Ok(out)
}

/// Up to [`WINDOW`] ids of documents matching every term, newest first, in
/// `from..before`; and whether more may follow.
pub(crate) fn next_docs(
    conn: &Connection,
    plan: &Plan,
    from: i64,
    before: i64,
    read: &mut usize,
) -> Result<(Vec<i64>, bool)> {
    const TEXT: &str = "SELECT rowid FROM search_text WHERE search_text MATCH ?1
                        AND rowid < ?2 AND rowid >= ?3 ORDER BY rowid DESC";
    const GRAMS: &str = "SELECT rowid FROM search_grams WHERE search_grams MATCH ?1
                         AND rowid < ?2 AND rowid >= ?3 ORDER BY rowid DESC";
    let one = |sql: &str, expr: String, read: &mut usize| -> Result<(Vec<i64>, bool)> {
        let ids: Vec<i64> = conn
            .prepare_cached(&format!("{sql} LIMIT ?4"))?
            .query_map(params![expr, before, from, WINDOW as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        *read += ids.len();
        let more = ids.len() == WINDOW;
        Ok((ids, more))
    };
    match (plan.text_expr(), plan.gram_expr()) {
        (Some(text), None) => one(TEXT, text, read),
        (None, Some(grams)) => one(GRAMS, grams, read),
        (None, None) => Ok((Vec::new(), false)),
        // Terms in both tables: intersect two newest-first streams. Probing the second
        // table per row of the first costs ~7 µs a row in SQL; stepping both is ~1 µs.
        (Some(text), Some(grams)) => {
            let mut a = conn.prepare_cached(TEXT)?;
            let mut b = conn.prepare_cached(GRAMS)?;
            let mut a = a.query(params![text, before, from])?;
            let mut b = b.query(params![grams, before, from])?;
            let mut ids = Vec::new();
            let (mut x, mut y) = (step(&mut a, read)?, step(&mut b, read)?);
            while let (Some(i), Some(j)) = (x, y) {
                if *read >= SCAN_BUDGET {
                    return Ok((ids, false));
                }
                if i == j {
                    ids.push(i);
                    if ids.len() == WINDOW {
                        return Ok((ids, true));
                    }
                    (x, y) = (step(&mut a, read)?, step(&mut b, read)?);
                } else if i > j {
                    x = step(&mut a, read)?;
                } else {
                    y = step(&mut b, read)?;
                }
            }
            Ok((ids, false))
        }
    }
}

fn step(rows: &mut rusqlite::Rows<'_>, read: &mut usize) -> Result<Option<i64>> {
    *read += 1;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}

/// Maps document ids to credits: a subject or message to its ticket if it passes the
/// filters (in one SQL statement), a customer or transaction to its tickets.
fn map_docs(conn: &Connection, filter: &Filter, docs: &[i64], out: &mut Vec<Credit>) -> Result<()> {
    let ids = serde_json::to_string(docs).expect("integers serialize");
    let sql = format!(
        "SELECT d.kind, d.source_id, t.id, t.last_message_at
         FROM json_each(?1) j
         JOIN search_docs d ON d.doc = j.value
         LEFT JOIN messages msg ON d.kind = 2 AND msg.id = d.source_id
         LEFT JOIN tickets t ON t.id = CASE d.kind WHEN 1 THEN d.source_id
                                                   WHEN 2 THEN msg.ticket_id END
         WHERE d.kind IN (3, 4) OR (t.id IS NOT NULL{})
         ORDER BY d.doc DESC",
        filter.clause
    );
    let mut args = vec![Value::Text(ids)];
    args.extend(filter.values.iter().cloned());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows: Vec<(i64, String, Option<String>, Option<i64>)> = stmt
        .query_map(params_from_iter(args), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, source_id, ticket, at) in rows {
        let Some(kind) = DocKind::from_i64(kind) else {
            continue;
        };
        match (kind, ticket, at) {
            (DocKind::Subject | DocKind::Message, Some(ticket_id), Some(last_message_at)) => out
                .push(Credit {
                    ticket_id,
                    last_message_at,
                    doc: DocRef {
                        kind,
                        source_id,
                        linked: false,
                    },
                }),
            (DocKind::Customer | DocKind::Transaction, ..) => {
                credit_owner(conn, filter, kind, &source_id, out)?
            }
            _ => {}
        }
    }
    Ok(())
}

/// Credits a customer document to the customer's tickets, and a transaction document to
/// the tickets linked to it and to its customer's tickets.
fn credit_owner(
    conn: &Connection,
    filter: &Filter,
    kind: DocKind,
    source_id: &str,
    out: &mut Vec<Credit>,
) -> Result<()> {
    let mut credit = |from: &str, linked: bool| -> Result<()> {
        for (ticket_id, last_message_at) in filter.tickets(conn, from, source_id)? {
            out.push(Credit {
                ticket_id,
                last_message_at,
                doc: DocRef {
                    kind,
                    source_id: source_id.to_owned(),
                    linked,
                },
            });
        }
        Ok(())
    };
    match kind {
        DocKind::Customer => credit(Filter::BY_CUSTOMER, false),
        DocKind::Transaction => {
            credit(Filter::BY_LINKED_TX, true)?;
            credit(Filter::BY_TX_OWNER, false)
        }
        _ => Ok(()),
    }
}

/// Every document of one customer, credited to its tickets that pass the filters,
/// matching or not: with a customer filter the candidates are that few.
pub(crate) fn for_customer(
    conn: &Connection,
    filter: &Filter,
    customer_id: &str,
) -> Result<Vec<Credit>> {
    let mut out = Vec::new();
    let tickets = filter.tickets_limit(conn, Filter::BY_CUSTOMER, customer_id, CUSTOMER_TICKETS)?;
    let mut messages = conn.prepare_cached(
        "SELECT id FROM messages WHERE ticket_id = ?1 AND kind != 'system_event'
         ORDER BY created_at DESC, id DESC LIMIT ?2",
    )?;
    for (ticket_id, last_message_at) in &tickets {
        let credit = |kind, source_id: String| Credit {
            ticket_id: ticket_id.clone(),
            last_message_at: *last_message_at,
            doc: DocRef {
                kind,
                source_id,
                linked: false,
            },
        };
        out.push(credit(DocKind::Subject, ticket_id.clone()));
        for id in messages.query_map(params![ticket_id, MESSAGES_PER_TICKET], |r| r.get(0))? {
            out.push(credit(DocKind::Message, id?));
        }
        out.push(credit(DocKind::Customer, customer_id.to_owned()));
    }
    let txs: Vec<String> = conn
        .prepare_cached("SELECT id FROM wallet_transactions WHERE customer_id = ?1")?
        .query_map([customer_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for tx in txs {
        credit_owner(conn, filter, DocKind::Transaction, &tx, &mut out)?;
    }
    Ok(out)
}

/// The search filters as SQL on `tickets t`, with their values in placeholder order.
pub(crate) struct Filter {
    clause: String,
    values: Vec<Value>,
}

impl Filter {
    const BY_CUSTOMER: &'static str = "FROM tickets t WHERE t.customer_id = ?1";
    const BY_LINKED_TX: &'static str = "FROM ticket_transactions tt
        JOIN tickets t ON t.id = tt.ticket_id WHERE tt.transaction_id = ?1";
    const BY_TX_OWNER: &'static str = "FROM tickets t
        WHERE t.customer_id = (SELECT customer_id FROM wallet_transactions WHERE id = ?1)";

    pub(crate) fn new(f: &SearchFilters) -> Self {
        let mut clause = String::new();
        let mut values = Vec::new();
        let mut any_of = |column: &str, items: Vec<&'static str>| {
            if !items.is_empty() {
                let marks = vec!["?"; items.len()].join(", ");
                clause.push_str(&format!(" AND {column} IN ({marks})"));
                values.extend(items.into_iter().map(|s| Value::Text(s.to_owned())));
            }
        };
        any_of("t.status", f.statuses.iter().map(|s| s.as_str()).collect());
        any_of(
            "t.priority",
            f.priorities.iter().map(|s| s.as_str()).collect(),
        );
        any_of(
            "t.category",
            f.categories.iter().map(|s| s.as_str()).collect(),
        );
        for (column, value) in [
            ("t.assignee_id", &f.assignee_id),
            ("t.customer_id", &f.customer_id),
        ] {
            if let Some(v) = value {
                clause.push_str(&format!(" AND {column} = ?"));
                values.push(Value::Text(v.clone()));
            }
        }
        if f.open_only {
            clause.push_str(" AND t.is_open = 1");
        }
        Self { clause, values }
    }

    fn tickets(&self, conn: &Connection, from: &str, key: &str) -> Result<Vec<(String, i64)>> {
        self.tickets_limit(conn, from, key, TICKETS_PER_OWNER)
    }

    /// Tickets reached through `from` (one of the `BY_*` joins, keyed by `?1`) that pass
    /// the filters, most recent first.
    fn tickets_limit(
        &self,
        conn: &Connection,
        from: &str,
        key: &str,
        limit: u32,
    ) -> Result<Vec<(String, i64)>> {
        let sql = format!(
            "SELECT t.id, t.last_message_at {from}{} ORDER BY t.last_message_at DESC LIMIT {limit}",
            self.clause
        );
        let args = std::iter::once(Value::Text(key.to_owned())).chain(self.values.iter().cloned());
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}

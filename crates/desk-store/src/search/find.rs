//! Answering the search box: candidates (see `candidates`), one per ticket, ranked, each
//! checked against its record's live text before it is shown, with a snippet.
//!
//! Ranking never scores every match (FTS5's `ORDER BY rank` over a common term costs
//! 1.2–2 s at 3M messages, DESIGN.md §5): the candidates are the newest matching
//! documents, and reading a document's text is the costly step, so tickets are taken
//! best-first from a heap and only as many are read as the page needs.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::rc::Rc;

use desk_core::search::{MatchedIn, SearchHit, SearchQuery};
use rusqlite::Connection;

use super::candidates::{Credit, DocRef, Filter, for_customer, from_index};
use super::query::{Plan, parse};
use super::snippet::Folded;
use super::text::{DocKind, doc_source};
use crate::{Result, Store};

/// Most hits one search returns.
pub(crate) const MAX_LIMIT: u32 = 200;

/// Tier offset of a document holding every term but not the whole query verbatim: an
/// exact phrase always ranks first.
const NOT_PHRASE: u8 = 4;

fn matched_in(kind: DocKind) -> MatchedIn {
    match kind {
        DocKind::Subject => MatchedIn::Subject,
        DocKind::Customer => MatchedIn::Customer,
        DocKind::Transaction => MatchedIn::Transaction,
        DocKind::Message | DocKind::Kb => MatchedIn::Message,
    }
}

/// Where a ticket matched, before recency: the subject says what the ticket is about; a
/// linked transaction's hash or the customer's contact identifies it; a message merely
/// mentions the words. Below [`NOT_PHRASE`].
fn kind_rank(doc: &DocRef) -> u8 {
    match doc.kind {
        DocKind::Subject => 0,
        DocKind::Transaction if doc.linked => 1,
        DocKind::Transaction | DocKind::Customer => 2,
        DocKind::Message | DocKind::Kb => 3,
    }
}

/// A ticket's candidate documents, best kind first, newest first within a kind.
struct Candidate {
    last_message_at: i64,
    docs: Vec<DocRef>,
}

/// A ticket's best checked document.
struct Checked {
    tier: u8,
    doc: DocRef,
    text: Rc<String>,
}

/// What a document's check found: `None` when it does not (or no longer) match.
type Verdict = Option<(bool, Rc<String>)>;

impl Store {
    /// Tickets matching the query and filters, best first: exact phrase before scattered
    /// words, then by where they matched (subject, linked transaction, customer or
    /// transaction, message), then most recent activity. One hit per ticket.
    ///
    /// An empty or all-skipped query finds nothing, and no input is an error (see
    /// [`SearchQuery`] for the language). Only what `index_pending` has indexed is found,
    /// except with a customer filter, where the customer's records are read directly.
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        let limit = q.limit.min(MAX_LIMIT) as usize;
        let plan = parse(&q.text);
        if limit == 0 || plan.is_empty() {
            return Ok(Vec::new());
        }
        let filter = Filter::new(&q.filters);
        let credits = match &q.filters.customer_id {
            Some(customer) => for_customer(&self.conn, &filter, customer)?,
            None => from_index(&self.conn, &plan, &filter, limit)?,
        };
        let found = rank(&self.conn, &plan, credits, limit)?;

        let ids: Vec<String> = found.iter().map(|(id, _)| id.clone()).collect();
        let mut summaries: HashMap<String, _> = self
            .summaries_by_ids(&ids)?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
        Ok(found
            .into_iter()
            .filter_map(|(id, c)| {
                Some(SearchHit {
                    ticket: summaries.remove(&id)?,
                    matched_in: matched_in(c.doc.kind),
                    snippet: Folded::new(&c.text).snippet(&plan),
                })
            })
            .collect())
    }
}

/// The best `limit` tickets, checked, in rank order.
fn rank(
    conn: &Connection,
    plan: &Plan,
    credits: Vec<Credit>,
    limit: usize,
) -> Result<Vec<(String, Checked)>> {
    let mut tickets: HashMap<String, Candidate> = HashMap::new();
    for c in credits {
        let t = tickets.entry(c.ticket_id).or_insert_with(|| Candidate {
            last_message_at: c.last_message_at,
            docs: Vec::new(),
        });
        if !t.docs.contains(&c.doc) {
            t.docs.push(c.doc);
        }
    }
    // Credits arrive newest first; a stable sort keeps that order within a kind.
    for t in tickets.values_mut() {
        t.docs.sort_by_key(kind_rank);
    }

    // Max-heap on (lowest tier, newest, smallest id). A ticket enters with the tier its
    // best document would have if it held the whole phrase: a lower bound, so when a
    // ticket is popped with its checked tier, nothing left can rank above it.
    let mut heap: BinaryHeap<(Reverse<u8>, i64, Reverse<String>)> = tickets
        .iter()
        .map(|(id, t)| {
            (
                Reverse(kind_rank(&t.docs[0])),
                t.last_message_at,
                Reverse(id.clone()),
            )
        })
        .collect();
    let mut checked: HashMap<String, Checked> = HashMap::new();
    let mut verdicts: HashMap<DocRef, Verdict> = HashMap::new();
    let mut out = Vec::new();
    while let Some((Reverse(tier), at, Reverse(id))) = heap.pop() {
        if out.len() == limit {
            break;
        }
        if let Some(c) = checked.remove(&id) {
            out.push((id, c)); // Re-entered with its checked tier.
            continue;
        }
        let Some(best) = check_ticket(conn, plan, &tickets[&id].docs, &mut verdicts)? else {
            continue; // Nothing of it matches any more: the index was stale.
        };
        if best.tier == tier {
            out.push((id, best));
        } else {
            heap.push((Reverse(best.tier), at, Reverse(id.clone())));
            checked.insert(id, best);
        }
    }
    Ok(out)
}

/// The best of a ticket's documents that really matches, reading as few as possible.
fn check_ticket(
    conn: &Connection,
    plan: &Plan,
    docs: &[DocRef],
    verdicts: &mut HashMap<DocRef, Verdict>,
) -> Result<Option<Checked>> {
    let mut best: Option<Checked> = None;
    for doc in docs {
        let rank = kind_rank(doc);
        if best.as_ref().is_some_and(|b| b.tier <= rank) {
            break; // Sorted by rank: nothing further can do better.
        }
        let verdict = match verdicts.get(doc) {
            Some(v) => v.clone(),
            None => {
                let v = check_doc(conn, plan, doc)?;
                verdicts.insert(doc.clone(), v.clone());
                v
            }
        };
        if let Some((phrase, text)) = verdict {
            let tier = rank + if phrase { 0 } else { NOT_PHRASE };
            if best.as_ref().is_none_or(|b| tier < b.tier) {
                best = Some(Checked {
                    tier,
                    doc: doc.clone(),
                    text,
                });
            }
        }
    }
    Ok(best)
}

/// Reads a document's live text and checks every term against it.
fn check_doc(conn: &Connection, plan: &Plan, doc: &DocRef) -> Result<Verdict> {
    // Gone since it was indexed (deleted, cleared): its removal is still queued.
    let Some(source) = doc_source(conn, doc.kind, &doc.source_id)? else {
        return Ok(None);
    };
    // Changed since it was indexed: the record is the truth, not the index.
    let phrase = Folded::new(&source.text).check(plan);
    Ok(phrase.map(|p| (p, Rc::new(source.text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: DocKind, linked: bool) -> DocRef {
        DocRef {
            kind,
            source_id: String::new(),
            linked,
        }
    }

    #[test]
    fn subject_outranks_identifiers_which_outrank_messages() {
        let ranks: Vec<u8> = [
            doc(DocKind::Subject, false),
            doc(DocKind::Transaction, true),
            doc(DocKind::Customer, false),
            doc(DocKind::Message, false),
        ]
        .iter()
        .map(kind_rank)
        .collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "subject, linked tx, customer, message: {ranks:?}"
        );
        assert!(
            ranks.iter().all(|&r| r < NOT_PHRASE),
            "every kind ranks below the not-a-phrase offset, so a phrase always wins"
        );
    }
}

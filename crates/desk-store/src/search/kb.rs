//! Searching the knowledge base: the same query language and checks as the ticket search,
//! over the KB documents only (their own id range, see `text::KB_DOCS`).
//!
//! The KB is small next to the tickets (thousands of translations, not millions), so every
//! match is read and ranked: exact phrase first, then the requested language, then the
//! most recently updated article.

use std::cmp::Reverse;

use desk_core::search::{KbHit, KbSearchQuery};

use super::candidates::{SCAN_BUDGET, next_docs};
use super::find::MAX_LIMIT;
use super::query::parse;
use super::snippet::Folded;
use super::text::{KB_DOCS, kb_doc};
use crate::{Result, Store};

impl Store {
    /// Translations of KB articles matching the query, best first. As with
    /// [`Store::search`], no input is an error and only indexed articles are found.
    pub fn search_kb(&self, q: &KbSearchQuery) -> Result<Vec<KbHit>> {
        let limit = q.limit.min(MAX_LIMIT) as usize;
        let plan = parse(&q.text);
        if limit == 0 || plan.is_empty() {
            return Ok(Vec::new());
        }
        let mut docs = Vec::new();
        let (mut before, mut read) = (i64::MAX, 0);
        loop {
            let (ids, more) = next_docs(&self.conn, &plan, KB_DOCS, before, &mut read)?;
            docs.extend_from_slice(&ids);
            match ids.last() {
                Some(&last) if more && read < SCAN_BUDGET => before = last,
                _ => break,
            }
        }
        let mut source = self
            .conn
            .prepare_cached("SELECT source_id FROM search_docs WHERE doc = ?1 AND kind = 5")?;
        let mut found = Vec::new();
        for doc in docs {
            let Some(source_id) = source.query_row([doc], |r| r.get::<_, String>(0)).ok() else {
                continue;
            };
            // Checked against the live article: the index may be behind it.
            let Some(kb) = kb_doc(&self.conn, &source_id)? else {
                continue;
            };
            let folded = Folded::new(&kb.text);
            if let Some(phrase) = folded.check(&plan) {
                let snippet = folded.snippet(&plan);
                found.push((phrase, kb, snippet));
            }
        }
        let wanted = q.language.as_deref();
        found.sort_by_key(|(phrase, kb, _)| {
            (
                !phrase,
                Some(kb.language.as_str()) != wanted,
                Reverse(kb.updated_at),
                kb.article_id.clone(),
                kb.language.clone(),
            )
        });
        Ok(found
            .into_iter()
            .take(limit)
            .map(|(_, kb, snippet)| KbHit {
                article_id: kb.article_id,
                language: kb.language,
                title: kb.title,
                snippet,
            })
            .collect())
    }
}

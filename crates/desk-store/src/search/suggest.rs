//! Knowledge for the open ticket (DESIGN.md §11): KB articles and macros suggested from the
//! ticket's own words, category and language, over the local index, so they answer offline.
//!
//! The ticket's subject and its customer's latest messages are cut into terms: words of
//! three or more letters (the trigram index) and pairs of adjacent CJK characters (the gram
//! index), common ones dropped. Each term is looked up among the KB documents alone and
//! weighted by how rare it is there (inverse document frequency): "提币" or "withdrawal"
//! tells more than "wallet" in a wallet's knowledge base. A translation scores the weights of
//! the terms it contains; an article its best translation's score, raised when it is written
//! for the ticket's category. Drafts are never suggested: a link to one would not open for
//! the customer. Macros are few, so their titles and bodies are matched in memory.
//!
//! Cost: one index lookup per term (at most [`MAX_TERMS`]) and a handful of article reads,
//! whatever the size of the KB (BENCHMARKS.md, knowledge).

use std::collections::HashMap;

use desk_core::keywords::{Term, key_terms};

use desk_core::search::{ArticleSuggestion, KnowledgeSuggestions, MacroSuggestion};
use desk_core::{AuthorKind, Category, KbArticle, KbStatus, MessageKind, Ticket};
use rusqlite::{Connection, OptionalExtension, params};

use super::query::quote;
use super::text::{FIELD_SEP, KB_DOCS, fold, normalize};
use crate::records::{parse, read_ticket};
use crate::{Error, Result, Store, body_for};

/// Most terms looked up per ticket: the most frequent, subject first.
const MAX_TERMS: usize = 24;
/// Customer messages read, newest first, and how much of their text.
const MESSAGES: u32 = 3;
const MAX_TEXT_CHARS: usize = 4_000;
/// Matches read per term. A term in more KB documents than this says little about any of
/// them: it is weighted as if in all of them.
const PER_TERM: i64 = 400;
/// Articles and macros offered.
const ARTICLES: usize = 5;
const MACROS: usize = 5;
/// Translations read to fill [`ARTICLES`]: some are drafts or beaten by their sibling.
const CANDIDATES: usize = 40;
/// An article written for the ticket's category counts this much more.
const CATEGORY_BOOST: f64 = 1.5;
/// A translation in the ticket's language counts this much more than another.
const LANGUAGE_BOOST: f64 = 1.2;

impl Store {
    /// Articles and macros for the ticket `ticket_id`, best first. `fallback_language` is
    /// used when the ticket's language is not known (`und`): the agent's own. No match is
    /// an empty list, not an error; only a ticket missing from the cache is.
    pub fn suggest_knowledge(
        &self,
        ticket_id: &str,
        fallback_language: &str,
    ) -> Result<KnowledgeSuggestions> {
        let ticket = read_ticket(&self.conn, ticket_id)?
            .ok_or_else(|| Error::TicketNotFound(ticket_id.to_owned()))?;
        let language = if ticket.language.is_empty() || ticket.language == "und" {
            fallback_language.to_owned()
        } else {
            ticket.language.clone()
        };
        let parts = ticket_text(&self.conn, &ticket)?;
        let parts: Vec<(&str, u32)> = parts.iter().map(|(t, w)| (t.as_str(), *w)).collect();
        let terms = key_terms(&parts, MAX_TERMS);
        let articles = suggest_articles(&self.conn, &terms, ticket.category, &language)?;
        let macros = suggest_macros(self, &terms, ticket.category, &language)?;
        Ok(KnowledgeSuggestions { articles, macros })
    }
}

/// The subject, then the customer's latest messages, newest first.
fn ticket_text(conn: &Connection, ticket: &Ticket) -> Result<Vec<(String, u32)>> {
    // The subject is what the customer chose to lead with: its words count double.
    let mut parts = vec![(ticket.subject.clone(), 2)];
    let mut stmt = conn.prepare_cached(
        "SELECT body_text FROM messages
         WHERE ticket_id = ?1 AND kind = ?2 AND author_kind = ?3
         ORDER BY created_at DESC, id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(
        params![
            ticket.id,
            MessageKind::PublicReply.as_str(),
            AuthorKind::Customer.as_str(),
            MESSAGES
        ],
        |r| r.get::<_, String>(0),
    )?;
    let mut chars = 0;
    for text in rows {
        let text: String = text?.chars().take(MAX_TEXT_CHARS - chars).collect();
        chars += text.chars().count();
        parts.push((text, 1));
        if chars >= MAX_TEXT_CHARS {
            break;
        }
    }
    Ok(parts)
}

/// Per matching KB document: its score and the terms that gave it, heaviest first.
type Scores = HashMap<i64, (f64, Vec<(f64, usize)>)>;

fn suggest_articles(
    conn: &Connection,
    terms: &[Term],
    category: Category,
    language: &str,
) -> Result<Vec<ArticleSuggestion>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let total: i64 = conn
        .prepare_cached("SELECT count(*) FROM search_docs WHERE kind = 5")?
        .query_row([], |r| r.get(0))?;
    if total == 0 {
        return Ok(Vec::new());
    }
    let mut scores: Scores = HashMap::new();
    let mut text_q = conn.prepare_cached(
        "SELECT rowid FROM search_text WHERE search_text MATCH ?1 AND rowid >= ?2 LIMIT ?3",
    )?;
    let mut gram_q = conn.prepare_cached(
        "SELECT rowid FROM search_grams WHERE search_grams MATCH ?1 AND rowid >= ?2 LIMIT ?3",
    )?;
    for (i, term) in terms.iter().enumerate() {
        let stmt = if term.cjk { &mut gram_q } else { &mut text_q };
        let docs: Vec<i64> = stmt
            .query_map(params![quote(&term.text), KB_DOCS, PER_TERM], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if docs.is_empty() {
            continue;
        }
        let df = if docs.len() as i64 >= PER_TERM {
            total
        } else {
            docs.len() as i64
        };
        // Smoothed IDF: a term in every document still weighs a little.
        let weight = (1.0 + total as f64 / df as f64).ln();
        for doc in docs {
            let entry = scores.entry(doc).or_default();
            entry.0 += weight;
            entry.1.push((weight, i));
        }
    }
    let mut ranked: Vec<(i64, f64)> = scores.iter().map(|(d, (s, _))| (*d, *s)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(CANDIDATES);

    let mut source = conn.prepare_cached("SELECT source_id FROM search_docs WHERE doc = ?1")?;
    let mut read = conn.prepare_cached("SELECT body FROM kb_articles WHERE id = ?1")?;
    // Per article: its best score and the document that gave it.
    // Per article: its best score, the document that gave it, and the article, read once
    // whichever of its translations is met first.
    let mut best: HashMap<String, (f64, i64, KbArticle)> = HashMap::new();
    for (doc, score) in ranked {
        let Some(source_id) = source
            .query_row([doc], |r| r.get::<_, String>(0))
            .optional()?
        else {
            continue;
        };
        let Some((article_id, doc_language)) = source_id.split_once(FIELD_SEP) else {
            continue;
        };
        if !best.contains_key(article_id) {
            let Some(body) = read
                .query_row([article_id], |r| r.get::<_, String>(0))
                .optional()?
            else {
                continue;
            };
            let article: KbArticle = parse("KB article", article_id, &body)?;
            if article.status != KbStatus::Published || article.deleted_at.is_some() {
                continue;
            }
            best.insert(article_id.to_owned(), (f64::MIN, doc, article));
        }
        let entry = best.get_mut(article_id).expect("inserted above");
        // The index may be behind the article: a translation since removed does not count.
        if !entry.2.translations.contains_key(doc_language) {
            continue;
        }
        let mut score = score;
        if same_base(doc_language, language) {
            score *= LANGUAGE_BOOST;
        }
        if entry.2.categories.contains(&category) {
            score *= CATEGORY_BOOST;
        }
        if score > entry.0 {
            (entry.0, entry.1) = (score, doc);
        }
    }
    let mut best: Vec<(String, f64, i64, KbArticle)> = best
        .into_iter()
        .filter(|(_, (score, ..))| *score > f64::MIN)
        .map(|(id, (score, doc, article))| (id, score, doc, article))
        .collect();
    best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(best
        .into_iter()
        .take(ARTICLES)
        .map(|(article_id, _, doc, article)| {
            let mut matched = scores.remove(&doc).map(|(_, m)| m).unwrap_or_default();
            matched.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let (tag, translation) = offered(&article, language);
            ArticleSuggestion {
                article_id,
                language: tag.to_owned(),
                title: translation.title.clone(),
                body: translation.body.clone(),
                url: None,
                matched: matched
                    .iter()
                    .map(|(_, i)| terms[*i].text.clone())
                    .collect(),
                same_category: article.categories.contains(&category),
            }
        })
        .collect())
}

/// The translation to offer: the ticket's language (or one of its base language), else
/// English, else the first.
fn offered<'a>(article: &'a KbArticle, language: &str) -> (&'a str, &'a desk_core::KbTranslation) {
    let pick = |want: &str| {
        article
            .translations
            .iter()
            .find(|(tag, _)| tag.eq_ignore_ascii_case(want))
            .or_else(|| {
                article
                    .translations
                    .iter()
                    .find(|(tag, _)| same_base(tag, want))
            })
    };
    let (tag, t) = pick(language)
        .or_else(|| pick("en"))
        .or_else(|| article.translations.iter().next())
        .expect("a published article has a translation");
    (tag.as_str(), t)
}

/// Whether two BCP 47 tags share their base language (`zh-CN` and `zh`).
fn same_base(a: &str, b: &str) -> bool {
    let base = |t: &str| {
        t.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    base(a) == base(b)
}

fn suggest_macros(
    store: &Store,
    terms: &[Term],
    category: Category,
    language: &str,
) -> Result<Vec<MacroSuggestion>> {
    let mut found = Vec::new();
    for m in store.macros(Some(language))? {
        let same_category = m.categories.contains(&category);
        // A macro written for other categories is not for this ticket, unless the ticket
        // is not sorted yet: then its words decide.
        if !m.categories.is_empty() && !same_category && category != Category::Other {
            continue;
        }
        let body = body_for(&m, language).unwrap_or("");
        let text: String = normalize(&format!("{} {}", m.title, body))
            .chars()
            .map(fold)
            .collect();
        let matched: Vec<String> = terms
            .iter()
            .filter(|t| text.contains(&t.text))
            .map(|t| t.text.clone())
            .collect();
        if matched.is_empty() && !same_category {
            continue;
        }
        let score = matched.len() as f64 + if same_category { 1.5 } else { 0.0 };
        found.push((score, m.title.clone(), m.id.clone(), matched, same_category));
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(found
        .into_iter()
        .take(MACROS)
        .map(
            |(_, title, macro_id, matched, same_category)| MacroSuggestion {
                macro_id,
                title,
                matched,
                same_category,
            },
        )
        .collect())
}

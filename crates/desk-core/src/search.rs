//! The console's search box: what it asks the local cache and what comes back.
//!
//! Read models only, like [`crate::view`]: never sent to the server. The query language
//! (plain words, `"quoted phrases"`, `prefix*`, Chinese and English mixed) is parsed by the
//! store; here is only its shape. No I/O, no dependency on the store.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::*;
use crate::view::TicketSummary;

/// Opens a highlighted run inside [`SearchHit::snippet`] (Unicode private use, U+E000).
///
/// Private-use characters, not HTML: the UI splits the snippet on these two characters and
/// renders the pieces as text, so a customer's message can never smuggle markup through a
/// highlight. The store removes both characters from indexed text, so they only ever
/// appear as markers.
pub const HIGHLIGHT_START: char = '\u{E000}';
/// Closes a highlighted run (U+E001); see [`HIGHLIGHT_START`].
pub const HIGHLIGHT_END: char = '\u{E001}';

/// Narrows a search. Every field is optional; set ones combine with AND, list entries
/// with OR (as in [`crate::view::TicketFilter`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct SearchFilters {
    pub statuses: Vec<TicketStatus>,
    pub priorities: Vec<Priority>,
    pub categories: Vec<Category>,
    pub assignee_id: Option<String>,
    pub customer_id: Option<String>,
    /// Only tickets that are not solved or closed.
    pub open_only: bool,
}

/// What the agent typed, plus filters.
///
/// `text` understands: words (all must match, anywhere in a word: `draw` finds
/// "withdrawal"), `"quoted phrases"`, `prefix*` (same as the bare word), Chinese of any
/// length (确认, 锁, 交易未确认) mixed with English, tx hashes and emails as typed. Case is
/// ignored. English terms of one or two letters are skipped (too common to narrow
/// anything); a query of nothing else finds nothing. No input is an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SearchQuery {
    pub text: String,
    #[serde(default)]
    pub filters: SearchFilters,
    /// Most tickets to return, at most 200; 0 returns nothing.
    pub limit: u32,
}

/// A search of the knowledge base (DESIGN.md §11), in the same query language as
/// [`SearchQuery`]; each translation of an article is searched on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KbSearchQuery {
    pub text: String,
    /// Translations in this BCP 47 language rank first (the customer's, when answering).
    #[serde(default)]
    pub language: Option<String>,
    /// Most translations to return, at most 200; 0 returns nothing.
    pub limit: u32,
}

/// One translation of a KB article that matches, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KbHit {
    pub article_id: String,
    /// The translation's BCP 47 tag.
    pub language: String,
    pub title: String,
    /// As [`SearchHit::snippet`]: plain text, highlights between the private-use markers.
    pub snippet: String,
}

/// Which part of a ticket matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchedIn {
    Subject,
    Message,
    /// The ticket's customer: name, email or messenger handle.
    Customer,
    /// A wallet transaction (tx hash) linked to the ticket or of its customer.
    Transaction,
}

/// One ticket found, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SearchHit {
    pub ticket: TicketSummary,
    pub matched_in: MatchedIn,
    /// Plain text around the match, each highlighted run wrapped in [`HIGHLIGHT_START`]
    /// (U+E000) and [`HIGHLIGHT_END`] (U+E001). Render the pieces as text, never as HTML.
    /// `…` marks a cut at either end.
    pub snippet: String,
}

/// What the console offers for the open ticket from the local knowledge base and macros
/// (DESIGN.md §11): computed from the cache, so it answers offline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct KnowledgeSuggestions {
    /// Published articles, best first.
    pub articles: Vec<ArticleSuggestion>,
    /// Macros with a body for the ticket's language, best first.
    pub macros: Vec<MacroSuggestion>,
}

/// A knowledge-base article suggested for a ticket, in the translation to offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ArticleSuggestion {
    pub article_id: String,
    /// The translation offered: the ticket's language when the article has it.
    pub language: String,
    pub title: String,
    /// That translation's Markdown, for inserting the text into a reply.
    pub body: String,
    /// The public help-center address of that translation, for inserting a link; `None`
    /// when the console does not know its server.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The ticket's words it was found by (case-folded), most telling first: why it is
    /// suggested.
    pub matched: Vec<String>,
    /// Written for the ticket's category.
    pub same_category: bool,
}

/// A macro suggested for a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MacroSuggestion {
    pub macro_id: String,
    pub title: String,
    /// The ticket's words its title or body share (case-folded).
    pub matched: Vec<String>,
    /// Written for the ticket's category.
    pub same_category: bool,
}

//! Checking a document against a query and cutting its snippet, in Rust on the live text.
//!
//! The check is the last gate before a hit is shown: the index can be briefly stale (a
//! record changed, its re-index still queued), and a stale entry must not surface a ticket
//! that no longer contains the term. Pure: no SQLite.

use desk_core::search::{HIGHLIGHT_END, HIGHLIGHT_START};

use super::query::Plan;
use super::text::{FIELD_SEP, fold};

/// Snippet length in chars, markers and ellipses not counted.
const SNIPPET_CHARS: usize = 160;
/// Context kept before the first highlight.
const LEAD_CHARS: usize = 40;
/// Highlights per snippet, enough for any window.
const MAX_SPANS: usize = 64;

/// A document folded once, for several term checks.
pub(crate) struct Folded<'a> {
    text: &'a str,
    folded: String,
}

impl<'a> Folded<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            folded: text.chars().map(fold).collect(),
        }
    }

    /// Whether every term occurs; `Some(true)` when the whole query occurs verbatim too.
    pub(crate) fn check(&self, plan: &Plan) -> Option<bool> {
        plan.terms
            .iter()
            .all(|t| self.folded.contains(&t.folded))
            .then(|| self.folded.contains(&plan.phrase))
    }

    /// The text around the first match, every occurrence of a term inside it wrapped in
    /// the highlight markers. Customer fields are shown separated by " · ".
    pub(crate) fn snippet(&self, plan: &Plan) -> String {
        // Char ranges of matches. `fold` maps one char to one char, so a char index in
        // the folded text is the same index in the original.
        let starts: Vec<usize> = self.folded.char_indices().map(|(b, _)| b).collect();
        let char_at = |byte: usize| starts.partition_point(|&s| s < byte);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for t in &plan.terms {
            let len = t.folded.chars().count();
            for (b, _) in self.folded.match_indices(&t.folded).take(MAX_SPANS) {
                let s = char_at(b);
                spans.push((s, s + len));
            }
        }
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }

        let chars: Vec<char> = self.text.chars().collect();
        let first = merged.first().map_or(0, |m| m.0);
        let mut from = first.saturating_sub(LEAD_CHARS);
        if from + SNIPPET_CHARS > chars.len() {
            from = chars.len().saturating_sub(SNIPPET_CHARS);
        }
        let to = (from + SNIPPET_CHARS).min(chars.len());

        let mut out = String::new();
        if from > 0 {
            out.push('…');
        }
        let mut spans = merged.into_iter().peekable();
        let mut open = false;
        for (i, &c) in chars.iter().enumerate().take(to).skip(from) {
            while let Some(&(_, e)) = spans.peek() {
                if e <= i {
                    spans.next();
                } else {
                    break;
                }
            }
            let inside = spans.peek().is_some_and(|&(s, _)| s <= i);
            if inside != open {
                out.push(if inside {
                    HIGHLIGHT_START
                } else {
                    HIGHLIGHT_END
                });
                open = inside;
            }
            if c == FIELD_SEP {
                out.push_str(" · ");
            } else {
                out.push(c);
            }
        }
        if open {
            out.push(HIGHLIGHT_END);
        }
        if to < chars.len() {
            out.push('…');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::query::parse;
    use super::*;

    fn show(s: &str) -> String {
        s.replace(HIGHLIGHT_START, "[").replace(HIGHLIGHT_END, "]")
    }

    #[test]
    fn check_needs_every_term_and_reports_phrases() {
        let doc = Folded::new("My Withdrawal: funds not arrived");
        assert_eq!(
            doc.check(&parse("funds arrived")),
            Some(false),
            "both words are there, not side by side"
        );
        assert_eq!(
            doc.check(&parse("\"funds not arrived\"")),
            Some(true),
            "the phrase is there verbatim"
        );
        assert_eq!(doc.check(&parse("withdr* deposit")), None, "all terms");
    }

    #[test]
    fn snippet_marks_every_term_and_cuts_long_text() {
        let doc = Folded::new("USDT 提币一直等待确认，请帮我确认");
        assert_eq!(
            show(&doc.snippet(&parse("确认 usdt"))),
            "[USDT] 提币一直等待[确认]，请帮我[确认]",
            "every occurrence of every term, in the text's own case"
        );
        let long = format!("{}needle{}", "a".repeat(500), "b".repeat(500));
        let s = show(&Folded::new(&long).snippet(&parse("needle")));
        assert!(
            s.starts_with('…') && s.ends_with('…'),
            "cut on both sides: {s}"
        );
        assert!(s.contains("[needle]"), "the window holds the match: {s}");
        assert_eq!(
            s.chars().filter(|c| *c != '[' && *c != ']').count(),
            SNIPPET_CHARS + 2,
            "a fixed-size window plus the two ellipses"
        );
    }

    #[test]
    fn overlapping_terms_make_one_highlight_and_fields_are_separated() {
        let doc = Folded::new("王小明\u{1F}wang@example.com");
        assert_eq!(
            show(&doc.snippet(&parse("wang@exa example"))),
            "王小明 · [wang@example].com",
            "overlapping matches merge into one run; fields show separated"
        );
    }
}
